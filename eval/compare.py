"""Compare configurations side by side in one run, and regenerate eval/REPORT.md.

    python -m eval.compare [--questions PATH] [--configs a,b,c] [--out DIR] [--report PATH]
    python -m eval.compare --update-baseline      # rerun `default` and rewrite eval/baseline.json
    python -m eval.compare --update-baseline --configs all   # both: baseline and report from one run

Every configuration in ``eval.configs.CONFIGS`` runs by default (adding one
there is a one-line change and it shows up here), followed by ``llamaindex``,
the outside baseline of ``eval/llama_baseline.py`` (installed on demand;
``--no-install`` skips that). One embedding model is loaded and shared by all
pipelines. Each configuration's results go to ``DIR/<name>/`` (as
``python -m eval`` writes them), the table to ``DIR/compare.md`` and
``DIR/compare.json``, and the report to ``eval/REPORT.md``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import shlex
import sys
import time
import traceback
from pathlib import Path

from . import gate, metamorphic, metrics
from . import run as run_mod
from .configs import CONFIGS

HERE = Path(__file__).resolve().parent
LLAMA = "llamaindex"
DEFAULT_REPORT = HERE / "REPORT.md"
DEFAULT_OUT = Path("runs") / "compare"

# For the notes in REPORT.md, each configuration is grouped by the rag.Config fields
# it changes (so a new CONFIGS entry lands in a group without touching this file),
# and each group is judged on one metric.
GROUPS = (  # (title, fields, deciding metric); the first group whose fields cover the change wins
    ("Retriever", {"retriever"}, "recall_at_1"),
    ("Chunk size and overlap", {"chunk_tokens", "overlap_tokens"}, "recall_at_1"),
    ("Rank fusion (hybrid)", {"rrf_k"}, "recall_at_1"),
    ("Passages handed to the answer stage", {"k"}, "answer_accuracy"),
    ("Answer stage", None, "answer_accuracy"),  # anything else: sentence selection knobs
)

COLS = (("recall_at_1", "R@1"), ("recall_at_5", "R@5"), ("mrr", "MRR"), ("answer_accuracy", "acc"),
        ("citation_hit", "cite hit"), ("abstention_accuracy", "abstain"), ("false_refusal_rate", "false ref"),
        ("answer_words_median", "words"), ("latency_ms_median", "ms p50"), ("latency_ms_p95", "ms p95"))
NA_RETRIEVER = {"answer_accuracy", "citation_hit", "abstention_accuracy", "false_refusal_rate", "answer_words_median"}


def available() -> list[str]:
    return list(CONFIGS) + [LLAMA]


def changed_fields(name: str) -> dict:
    """The rag.Config fields a configuration sets differently from the default (paths left out)."""
    from rag.config import Config

    base, cfg = Config(), CONFIGS[name]()
    return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)
            if f.name not in ("corpus_dir", "index_dir") and getattr(cfg, f.name) != getattr(base, f.name)}


def group_of(name: str) -> tuple[str, str] | None:
    """(group title, deciding metric) for a configuration; None for default and outside baselines."""
    if name in ("default", LLAMA) or name not in CONFIGS:
        return None
    changed = set(changed_fields(name))
    for title, fields, key in GROUPS:
        if fields is None or (changed and changed <= fields):
            return title, key
    return None


def describe(name: str) -> str:
    """What a configuration changes, from its ``rag.Config`` (paths left out)."""
    if name == LLAMA:
        return "LlamaIndex default retriever (SentenceSplitter, MiniLM, top 5); passages only"
    if name == "default":
        cfg = CONFIGS[name]()
        return ", ".join(f"{f.name}={getattr(cfg, f.name)}" for f in dataclasses.fields(cfg)
                         if f.name not in ("corpus_dir", "index_dir"))
    return ", ".join(f"{k}={v}" for k, v in changed_fields(name).items()) or "same settings as default"


def fmt(key: str, v, na: bool = False) -> str:
    if na:
        return "n/a"
    if v is None:
        return "–"
    if key == "mrr":
        return f"{v:.3f}"
    if key in ("latency_ms_median", "latency_ms_p95"):
        return f"{v:.0f}"
    if key == "answer_words_median":
        return f"{v:g}"
    return f"{v:.1%}"


def table(rows: list[dict]) -> str:
    """One Markdown row per configuration: ``{"name", "summary" | None, "note"}``."""
    lines = ["| config | n | " + " | ".join(c[1] for c in COLS) + " | notes |",
             "|---|---|" + "---|" * len(COLS) + "---|"]
    for r in rows:
        s = r.get("summary")
        retr = r["name"] == LLAMA
        if s is None:
            cells = ["–"] * len(COLS)
            n = "–"
        else:
            cells = [fmt(k, s.get(k), na=retr and k in NA_RETRIEVER) for k, _ in COLS]
            n = str(s["questions"])
        lines.append(f"| {r['name']} | {n} | " + " | ".join(cells) + f" | {r.get('note', '')} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- running

def run_config(name: str, questions: list[dict], out: Path, embedder, progress: bool, questions_file: Path) -> dict:
    """Run one named configuration; write ``out/name/``; return its table row."""
    from rag.pipeline import Pipeline

    t0 = time.perf_counter()
    pipeline = Pipeline.open(CONFIGS[name](), progress=progress, embedder=embedder)
    results, rows = run_mod.run(pipeline, questions, progress=progress)
    meta = {"questions_file": str(questions_file), "config": name, "report_version": pipeline.index.version,
            "seconds": round(time.perf_counter() - t0, 1), "settings": describe(name)}
    summary = run_mod.write(out / name, results, rows, meta)
    return {"name": name, "summary": summary, "kinds": metrics.by_kind(rows), "note": describe(name) if name != "default"
            else "hybrid (shipped defaults)", "report_version": pipeline.index.version, "seconds": meta["seconds"],
            "chunks": len(pipeline.index.chunks)}


def run_llama(questions: list[dict], out: Path, progress: bool, allow_install: bool, questions_file: Path) -> dict:
    """The LlamaIndex row; on any failure a row with the reason, never an exception."""
    from rag.config import Config

    from . import llama_baseline as lb

    t0 = time.perf_counter()
    try:
        results, rows, info = lb.run(questions, Config().corpus_dir, progress=progress, allow_install=allow_install)
    except lb.Unavailable as e:
        return {"name": LLAMA, "summary": None, "note": f"not run: {e}", "error": str(e)}
    summary = lb.summarise(rows)
    meta = {"questions_file": str(questions_file), "config": LLAMA, "seconds": round(time.perf_counter() - t0, 1),
            "llamaindex": info, "note": "a retriever: answer-stage metrics are n/a; 'answer' is the top passage"}
    d = out / LLAMA
    run_mod.write(d, results, rows, meta)  # results.jsonl; the answer-based summary is replaced below
    kinds = {k: lb.summarise([r for r in rows if r["kind"] == k]) for k in sorted({r["kind"] for r in rows})}
    (d / "summary.json").write_text(json.dumps({**meta, "overall": summary, "by_kind": kinds}, indent=2))
    (d / "summary.md").write_text(
        f"# Eval: {questions_file} ({LLAMA})\n\nRetrieval only (answers n/a — returns passages).\n\n"
        + run_mod.table(summary, kinds) + "\n", encoding="utf-8")
    (d / "chart.png").unlink(missing_ok=True)  # an answer-accuracy chart means nothing for a retriever
    note = (f"n/a — returns passages; evidence in top passage {summary['evidence_in_top']:.1%}; "
            f"llama-index-core {info['llama_index_core']}, {info['nodes']} nodes of "
            f"{info['chunk_size']}/{info['chunk_overlap']} tokens")
    return {"name": LLAMA, "summary": summary, "kinds": kinds, "note": note, "info": info,
            "seconds": meta["seconds"]}


# ---------------------------------------------------------------- the report

def _best(rows_by_name: dict, names: tuple, key: str) -> tuple[str, float] | None:
    have = [(n, rows_by_name[n]["summary"][key]) for n in names
            if n in rows_by_name and rows_by_name[n].get("summary") and rows_by_name[n]["summary"].get(key) is not None]
    if not have:
        return None
    return max(have, key=lambda x: (x[1], x[0] == "default"))


def notes(rows: list[dict]) -> list[str]:
    """What the numbers say about the defaults, written from the numbers."""
    by = {r["name"]: r for r in rows}
    out = []
    labels = dict(COLS)
    d = by.get("default", {}).get("summary")
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        g = group_of(r["name"])
        if g:
            groups.setdefault(g, ["default"]).append(r["name"])
    for (title, key), names in sorted(groups.items(), key=lambda kv: [g[0] for g in GROUPS].index(kv[0][0])):
        present = [n for n in names if n in by and by[n].get("summary")]
        if len(present) < 2 or not d:
            continue
        best = _best(by, tuple(names), key)
        vals = ", ".join(f"{n} {by[n]['summary'][key]:.1%}" for n in present)
        if best[0] == "default":
            out.append(f"**{title}**: nothing beats the default on {labels[key]} ({vals}); default kept.")
            continue
        b = by[best[0]]["summary"]
        gap = (best[1] - d[key]) * 100
        side = "" if key == "answer_accuracy" else (
            f"; answer accuracy {b['answer_accuracy']:.1%} vs {d['answer_accuracy']:.1%}, "
            f"R@5 {b['recall_at_5']:.1%} vs {d['recall_at_5']:.1%}")
        if gap > 1.0 and b["answer_accuracy"] >= d["answer_accuracy"] and b["recall_at_5"] >= d["recall_at_5"] - 0.01:
            verdict = ("a candidate for the default: confirm on the unshared set before changing rag.Config "
                       "(don't tune to single questions)")
        else:
            verdict = "default kept: the lead is small or is lost on answer accuracy or R@5"
        out.append(f"**{title}**: `{best[0]}` leads on {labels[key]} by {gap:.1f} points ({vals}{side}); {verdict}.")
    if d:
        out.insert(0, f"**Shipped defaults** (`rag.Config`): {describe('default')}.")
        weakest = None
        kinds = by["default"].get("kinds") or {}
        scored = [(k, v["answer_accuracy"]) for k, v in kinds.items() if v.get("answer_accuracy") is not None]
        if scored:
            weakest = min(scored, key=lambda x: x[1])
            out.append(f"**Weakest kind** for the default: `{weakest[0]}` at {weakest[1]:.1%} answer accuracy.")
    llama = by.get(LLAMA)
    if llama:
        if llama.get("summary") and d:
            s = llama["summary"]
            out.append(f"**LlamaIndex baseline**: evidence in its top passage for {s['recall_at_1']:.1%} of answerable "
                       f"questions (R@5 {s['recall_at_5']:.1%}, over {llama['info']['nodes']} passages of "
                       f"{llama['info']['chunk_size']} tokens) against {d['recall_at_1']:.1%} (R@5 {d['recall_at_5']:.1%}) "
                       f"for our default over {by['default'].get('chunks', '?')} passages; the issue quotes about 54% "
                       "on the unshared set. Its default splitter makes nodes far longer than MiniLM reads "
                       f"(only the first {llama['info'].get('embed_max_wordpieces', 256)} word pieces of each are "
                       "embedded), and a passage is no answer, so it has no answer accuracy.")
        elif llama.get("error"):
            out.append(f"**LlamaIndex baseline** did not run: {llama['error']}.")
    failed = [r for r in rows if r.get("error") and r["name"] != LLAMA]
    for r in failed:
        out.append(f"**{r['name']}** failed: {r['error']}.")
    return out


def report(rows: list[dict], command: str, questions_file: Path, questions: list[dict], dev: bool = True) -> str:
    by = {r["name"]: r for r in rows}
    version = next((r["report_version"] for r in rows if r.get("report_version")), "unknown")
    n_una = sum(1 for q in questions if not (q.get("answers") or q.get("evidence")))
    try:
        qf = Path(questions_file).resolve().relative_to(HERE.parent)
    except ValueError:
        qf = questions_file
    parts = [
        "# Evaluation report",
        "",
        f"_Generated by `{command}` — do not edit by hand; rerun the command to update it._",
        "",
        f"- Date: {_dt.date.today().isoformat()}",
        f"- Report version (corpus hash): `{version}`",
        f"- Questions: `{qf}`, {len(questions)} ({len(questions) - n_una} answerable, {n_una} unanswerable)",
        "- Machine: shared 2-core CPU; latencies (ms per question, whole pipeline) are indicative only.",
        "",
        "## Configurations",
        "",
        "R@1/R@5/MRR: a retrieved passage contains an evidence string. acc: the answer contains an acceptable "
        f"answer within {metrics.MAX_ANSWER_WORDS} words. cite hit: a citation contains evidence. abstain: "
        "unanswerable questions refused. false ref: answerable questions refused. words: median answer length.",
        "",
        table(rows),
        "",
    ]
    if "default" in by and by["default"].get("kinds"):
        parts += ["## By question kind (default)", "", run_mod.table(by["default"]["summary"], by["default"]["kinds"]), ""]
    ns = notes(rows)
    if ns:
        parts += ["## Notes: what was chosen", ""] + [f"- {n}" for n in ns] + [""]
    base = gate.BASELINE
    if dev and base.exists() and "default" in by and by["default"].get("summary"):
        b = gate.load(base)
        problems = gate.check(by["default"]["summary"], b)
        status = "within tolerance" if not problems else "; ".join(problems)
        parts += ["## Regression baseline", "",
                  f"`eval/baseline.json` ({b.get('generated', '?')}): "
                  + ", ".join(f"{k} {v:.1%}" for k, v in b["metrics"].items())
                  + f". This run: {status}. Regenerate with `{gate.COMMAND}`.", ""]
    parts += ["## Reproduce", "", "```", command, "```",
              "Add a configuration with one line in `eval/configs.py` (`CONFIGS`); it runs here by default. "
              "`--configs a,b` picks some; `--no-install` skips installing the LlamaIndex extra.", "",
              "Per-configuration results (results.jsonl, summary.json, summary.md, chart.png) are written "
              "under the `--out` folder, one subfolder per configuration.", ""]
    return "\n".join(parts)


# ---------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.compare", description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=Path, default=gate.DEV_QUESTIONS)
    p.add_argument("--configs", default=None,
                   help=f"comma-separated names, or 'all' (the default): {', '.join(available())}")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--report", type=Path, default=None,
                   help=f"report to regenerate (default {DEFAULT_REPORT.relative_to(HERE.parent)} when running "
                        "on the dev set)")
    p.add_argument("--no-report", action="store_true", help="don't write the report")
    p.add_argument("--no-install", action="store_true", help="don't pip-install the LlamaIndex extra")
    p.add_argument("--update-baseline", action="store_true",
                   help="rewrite eval/baseline.json from the default config on the dev set "
                        "(alone: runs only `default` and leaves the report alone)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)

    names = [n.strip() for n in args.configs.split(",") if n.strip()] if args.configs else (
        ["default"] if args.update_baseline else available())
    if names == ["all"]:
        names = available()
    unknown = [n for n in names if n not in available()]
    if unknown or not names:
        print(f"eval.compare: unknown config {', '.join(unknown) or '(none)'}; choose from {', '.join(available())}",
              file=sys.stderr)
        return 2
    dev = args.questions.resolve() == gate.DEV_QUESTIONS.resolve()
    if args.update_baseline and (not dev or "default" not in names):
        print("eval.compare: --update-baseline needs the dev set (eval/questions.jsonl) and the default config",
              file=sys.stderr)
        return 2
    report_path = None if args.no_report else args.report or (
        DEFAULT_REPORT if dev and not (args.update_baseline and not args.configs) else None)
    try:
        questions = run_mod.read_questions(args.questions)
    except (OSError, ValueError) as e:
        print(f"eval.compare: {e}", file=sys.stderr)
        return 1

    progress = not args.quiet
    rows, embedder = [], None
    for i, name in enumerate(names, start=1):
        print(f"[{i}/{len(names)}] {name}", file=sys.stderr, flush=True)
        try:
            if name == LLAMA:
                rows.append(run_llama(questions, args.out, progress, not args.no_install, args.questions))
                continue
            if embedder is None:
                from rag.embed import Embedder

                embedder = Embedder()  # loaded once, shared by every pipeline
            rows.append(run_config(name, questions, args.out, embedder, progress, args.questions))
        except Exception as e:  # one broken config must not lose the others' results
            traceback.print_exc()
            msg = f"{type(e).__name__}: {e}".splitlines()[0][:200]
            rows.append({"name": name, "summary": None, "note": f"failed: {msg}", "error": msg})

    text = table(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compare.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "compare.json").write_text(json.dumps(
        {"questions_file": str(args.questions), "rows": [{k: v for k, v in r.items() if k != "kinds"} for r in rows]},
        indent=2, default=str))
    print(text)

    by = {r["name"]: r for r in rows}
    d = by.get("default", {}).get("summary")
    if d and dev and gate.BASELINE.exists() and not args.update_baseline:
        problems = gate.check(d, gate.load())
        print("\nregression gate: " + ("OK (within tolerance of eval/baseline.json)" if not problems
                                       else "FAIL — " + "; ".join(problems)))
    if args.update_baseline:
        if not d:
            print("eval.compare: the default config failed; baseline not written", file=sys.stderr)
            return 1
        gate.write(gate.make(d, {"config": "default", "report_version": by["default"].get("report_version")},
                             args.questions))
        print(f"\nwrote {gate.BASELINE.relative_to(HERE.parent)}: "
              + ", ".join(f"{k} {d[k]:.1%}" for k in gate.GATED))
    if report_path is not None:
        given = sys.argv[1:] if argv is None else argv
        command = " ".join(["python -m eval.compare", *(shlex.quote(a) for a in given)])
        text = report(rows, command, args.questions, questions, dev)
        old = report_path.read_text(encoding="utf-8") if report_path.exists() else ""
        if metamorphic.MARK_START in old:  # eval.metamorphic's table is kept: this run does not remake it
            block = old.split(metamorphic.MARK_START, 1)[1].split(metamorphic.MARK_END, 1)[0].strip("\n")
            text = metamorphic.splice(text, block)
        report_path.write_text(text, encoding="utf-8")
        print(f"wrote {report_path}")
    print(f"wrote {args.out}/<config>/ (results.jsonl, summary.json, summary.md, chart.png) and {args.out}/compare.md")
    return 0 if all(r.get("summary") for r in rows if r["name"] != LLAMA) else 1


if __name__ == "__main__":
    sys.exit(main())
