"""The evaluation tooling: the question set, the metrics, the regression gate and the runners.

The gate (``test_regression_gate``) reruns the dev set through the real pipeline
and compares it with ``eval/baseline.json``; regenerate that file deliberately
with ``python -m eval.compare --update-baseline``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval import compare, gate, metrics
from eval import run as run_mod
from eval.configs import CONFIGS
from rag.config import ROOT, Config
from rag.load import load_corpus

QUESTIONS = ROOT / "eval" / "questions.jsonl"


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return run_mod.read_questions(QUESTIONS)


def answerable(q: dict) -> bool:
    return bool(q.get("answers") or q.get("evidence"))


# ---------------------------------------------------------------- (a) the question set

def test_question_set_shape(questions):
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids)), "question ids must be unique"
    assert len(questions) >= 100
    bad_kinds = {q["id"]: q.get("kind") for q in questions if q.get("kind") not in run_mod.KINDS}
    assert not bad_kinds, f"unknown kinds: {bad_kinds}"
    assert {q["kind"] for q in questions} == set(run_mod.KINDS), "every kind is represented"
    unanswerable = [q for q in questions if q["kind"] == "unanswerable"]
    assert len(unanswerable) / len(questions) >= 0.15
    for q in questions:
        if q["kind"] == "unanswerable":
            assert not q.get("answers") and not q.get("evidence"), q["id"]
        else:
            assert q.get("answers") and q.get("evidence"), f"{q['id']}: needs answers and evidence"
        if q["kind"] == "followup":
            assert q.get("history") and all(len(turn) == 2 for turn in q["history"]), q["id"]


def test_every_evidence_string_is_in_the_corpus(questions):
    texts = [d.text for d in load_corpus(Config().corpus_dir).documents]
    missing = [(q["id"], e) for q in questions for e in q.get("evidence", [])
               if not any(e in t for t in texts)]
    assert not missing, f"evidence not found verbatim in the corpus plain text: {missing[:10]}"


def test_read_questions_rejects_duplicates_and_bad_lines(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n')
    with pytest.raises(ValueError, match="duplicate id"):
        run_mod.read_questions(f)
    f.write_text('{"id": "a", "question": "x"}\nnot json\n')
    with pytest.raises(ValueError, match=":2: not JSON"):
        run_mod.read_questions(f)


# ---------------------------------------------------------------- (b) the metrics

@pytest.mark.parametrize("raw, want", [
    ("The “46%” of **5,735** women", 'the "46%" of 5735 women'),
    ("‘single’ and «double»", "'single' and \"double\""),
    ("`code`  and __bold__\n\tspaces", "code and bold spaces"),
    ("victims [12] detected", "victims detected"),
    ("1,234,567 people; 3,50 euros; 12,5%", "1234567 people; 3,50 euros; 12,5%"),
    ("ＦＵＬＬ width", "full width"),  # NFKC
])
def test_norm(raw, want):
    assert metrics.norm(raw) == want


def test_contains_any():
    assert metrics.contains_any("It reported **2,053** girls", ["2053 girls"])
    assert metrics.contains_any("the “Palermo Protocol”", ['"palermo protocol"'])
    assert not metrics.contains_any("anything", [""])  # an empty needle matches nothing
    assert not metrics.contains_any("anything", [])


def passage(text: str) -> dict:
    return {"chunk_id": text[:8], "text": text}


def citation(quote: str, text: str = "") -> dict:
    return {"quote": quote, "text": text or quote}


Q = {"id": "q1", "kind": "fact", "question": "How many?", "answers": ["5,735"],
     "evidence": ["5,735 adult women"]}


def record(answer: str = "", retrieved=(), citations=(), abstained: bool = False, ms: float = 10.0) -> dict:
    return {"answer": answer, "retrieved": list(retrieved), "citations": list(citations),
            "abstained": abstained, "latency_ms": ms}


@pytest.mark.parametrize("rank, r1, r5, rr", [(1, True, True, 1.0), (2, False, True, 0.5), (5, False, True, 0.2),
                                              (6, False, False, 1 / 6), (None, False, False, 0.0)])
def test_recall_ranks(rank, r1, r5, rr):
    retrieved = [passage(f"filler {i}") for i in range(1, 8)]
    if rank:
        retrieved[rank - 1] = passage("There were **5735** adult women.")
    s = metrics.score(Q, record("x", retrieved))
    assert (s["recall_at_1"], s["recall_at_5"]) == (r1, r5)
    assert s["rr"] == pytest.approx(rr)


def test_answer_accuracy_normalises_and_caps_length():
    ok = metrics.score(Q, record("The report states: “There were **5,735** adult women” [1]"))
    assert ok["correct"] and not ok["false_refusal"]
    long = metrics.score(Q, record("5,735 " + "word " * metrics.MAX_ANSWER_WORDS))
    assert not long["correct"], "answers over the word cap do not count"
    refused = metrics.score(Q, record("The report doesn't cover this. 5,735", abstained=True))
    assert not refused["correct"] and refused["false_refusal"]


def test_citation_precision_and_hit():
    s = metrics.score(Q, record("5,735", citations=[citation("5,735 adult women"), citation("unrelated")]))
    assert s["citation_precision"] == 0.5 and s["citation_hit"] and s["quote_hit"]
    # evidence in the cited passage but not in the quote: a hit, not a quote hit
    s = metrics.score(Q, record("5,735", citations=[citation("a quote", "passage: 5,735 adult women")]))
    assert s["citation_hit"] and not s["quote_hit"]
    s = metrics.score(Q, record("5,735"))
    assert s["citation_precision"] == 0.0 and not s["citation_hit"]


def test_abstention_and_summary():
    una = {"id": "u1", "kind": "unanswerable", "question": "Capital of Peru?", "answers": [], "evidence": []}
    rows = [
        metrics.score(una, record("The report doesn't cover this.", abstained=True, ms=10)),
        metrics.score({**una, "id": "u2"}, record("Lima is mentioned", ms=20)),
        metrics.score(Q, record("There were 5,735 adult women", [passage("5,735 adult women")],
                                [citation("5,735 adult women")], ms=30)),
        metrics.score({**Q, "id": "q2"}, record("The report doesn't cover this.", abstained=True, ms=40)),
    ]
    assert rows[0]["correct"] and not rows[1]["correct"]
    assert "recall_at_1" not in rows[0], "unanswerable questions are not scored on retrieval"
    s = metrics.summarise(rows)
    assert (s["questions"], s["answerable"], s["unanswerable"]) == (4, 2, 2)
    assert s["abstention_accuracy"] == 0.5
    assert s["false_refusal_rate"] == 0.5
    assert s["answer_accuracy"] == 0.5 and s["recall_at_1"] == 0.5 and s["mrr"] == 0.5
    assert s["latency_ms_median"] == 25 and s["latency_ms_p95"] == 40
    kinds = metrics.by_kind(rows)
    assert kinds["unanswerable"]["abstention_accuracy"] == 0.5 and kinds["unanswerable"]["answer_accuracy"] is None
    assert kinds["fact"]["abstention_accuracy"] is None


# ---------------------------------------------------------------- gate logic (no pipeline)

def test_gate_check_tolerance():
    base = {"metrics": {"answer_accuracy": 0.60, "citation_hit": 0.70, "abstention_accuracy": 0.50},
            "tolerance_points": 2}
    assert gate.check({"answer_accuracy": 0.58, "citation_hit": 0.70, "abstention_accuracy": 0.9}, base) == []
    problems = gate.check({"answer_accuracy": 0.579, "citation_hit": 0.70, "abstention_accuracy": 0.5}, base)
    assert len(problems) == 1 and problems[0].startswith("answer_accuracy")
    assert gate.check({"answer_accuracy": None, "citation_hit": 0.7, "abstention_accuracy": 0.5}, base)


def test_baseline_file_is_well_formed():
    b = gate.load()
    assert set(gate.GATED) <= set(b["metrics"])
    assert all(0 <= b["metrics"][k] <= 1 for k in gate.GATED)
    assert b["config"] == "default" and b["regenerate"] == gate.COMMAND


# ---------------------------------------------------------------- (c) the regression gate

def test_regression_gate(pipeline, questions):
    """The default configuration on the dev set stays within 2 points of eval/baseline.json."""
    baseline = gate.load()
    assert baseline["questions_sha256"] == gate.file_sha256(QUESTIONS), (
        "eval/questions.jsonl changed since eval/baseline.json was written: rerun "
        f"`{gate.COMMAND}` and commit both (a reviewed change)")
    _, rows = run_mod.run(pipeline, questions, progress=False)
    summary = metrics.summarise(rows)
    problems = gate.check(summary, baseline)
    now = ", ".join(f"{k} {summary[k]:.1%}" for k in gate.GATED)
    corpus = ("" if baseline.get("report_version") in (None, pipeline.index.version) else
              f" The report text changed since the baseline ({baseline['report_version']} -> {pipeline.index.version}).")
    assert not problems, (f"regression against eval/baseline.json: {'; '.join(problems)} (now: {now}).{corpus} "
                          f"If the drop is intended, regenerate with `{gate.COMMAND}` and say why in review.")


# ---------------------------------------------------------------- (d) the runner, end to end

TINY = [
    {"id": "t-fact", "kind": "fact", "question": "Who edited this report?", "answers": ["Argos"],
     "evidence": ["Argos, International Observatory of Migration and Human Rights."]},
    {"id": "t-off", "kind": "unanswerable", "question": "What is the boiling point of mercury?",
     "answers": [], "evidence": []},
    {"id": "t-follow", "kind": "followup", "question": "And who took the cover photo?",
     "history": [["Who edited this report?", "Argos"]], "answers": ["Getty Images"],
     "evidence": ["Getty Images."]},
]


@pytest.fixture
def tiny_file(tmp_path) -> Path:
    f = tmp_path / "tiny.jsonl"
    f.write_text("".join(json.dumps(q) + "\n" for q in TINY), encoding="utf-8")
    return f


def test_python_m_eval_end_to_end(pipeline, tiny_file, tmp_path):
    out = tmp_path / "out"
    # The session's freshly built index: the subprocess loads it instead of building another.
    env = {**os.environ, "RAG_INDEX_DIR": str(pipeline.cfg.index_dir)}
    proc = subprocess.run([sys.executable, "-m", "eval", "--questions", str(tiny_file), "--out", str(out), "--quiet"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| all | 3 |" in proc.stdout
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in results] == [q["id"] for q in TINY]
    for r in results:
        assert {"answer", "abstained", "citations", "retrieved", "latency_ms"} <= set(r)
        scored = r.get("metrics", r.get("score"))  # the per-question scores stored beside the record
        assert scored and scored["id"] == r["id"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["questions"] == 3 and summary["config"] == "default"
    assert set(summary["by_kind"]) == {"fact", "unanswerable", "followup"}
    assert summary["report_version"] == pipeline.index.version
    assert "| followup | 1 |" in (out / "summary.md").read_text()
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_m_eval_rejects_a_bad_file(tmp_path, capsys):
    from eval.__main__ import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    assert main(["--questions", str(bad), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    assert "needs at least" in capsys.readouterr().err


# ---------------------------------------------------------------- the comparison command

def test_configs_are_valid_and_index_changes_get_their_own_folder():
    default = Config()
    assert "default" in CONFIGS and compare.LLAMA not in CONFIGS
    for name, make in CONFIGS.items():
        cfg = make()
        if cfg.chunking != default.chunking:
            assert cfg.index_dir != default.index_dir, f"{name} would rebuild the default index"


def test_compare_end_to_end(pipeline, embedder, tiny_file, tmp_path, monkeypatch):
    """A config through the shared model, and the LlamaIndex row when the extra can't be had."""
    from eval import llama_baseline

    monkeypatch.setenv("RAG_INDEX_DIR", str(pipeline.cfg.index_dir))
    monkeypatch.setattr("rag.embed.Embedder", lambda: embedder)

    def unavailable(*a, **k):
        raise llama_baseline.Unavailable("offline test")

    monkeypatch.setattr(llama_baseline, "ensure_installed", unavailable)
    out, report = tmp_path / "cmp", tmp_path / "REPORT.md"
    rc = compare.main(["--questions", str(tiny_file), "--configs", "default,llamaindex", "--out", str(out),
                       "--report", str(report), "--quiet"])
    assert rc == 0
    for name in ("default",):
        assert [json.loads(line)["id"] for line in (out / name / "results.jsonl").read_text().splitlines()] \
            == [q["id"] for q in TINY]
    md = (out / "compare.md").read_text()
    rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| config")]
    assert [r.split("|")[1].strip() for r in rows] == ["default", "llamaindex"]
    assert "not run: offline test" in md
    text = report.read_text()
    assert "Generated by `python -m eval.compare" in text and "## By question kind (default)" in text
    assert "LlamaIndex baseline** did not run: offline test" in text


def test_llama_extra_never_moves_torch(monkeypatch):
    from eval import llama_baseline as lb

    pins = lb.constraints()
    assert any(p.startswith("torch==2.13.0") for p in pins)
    assert lb.TORCH == "torch==2.13.0"
    monkeypatch.setattr(lb, "installed", lambda: False)
    with pytest.raises(lb.Unavailable, match="not installed"):
        lb.ensure_installed(allow_install=False)
    monkeypatch.setattr(lb, "constraints", lambda: ["torch==2.99.0"])
    with pytest.raises(lb.Unavailable, match="refusing to let pip touch torch"):
        lb.ensure_installed(allow_install=True)


def test_compare_rejects_unknown_config(capsys):
    assert compare.main(["--configs", "default,nope", "--no-report"]) == 2
    assert "unknown config nope" in capsys.readouterr().err


def test_compare_table_marks_retriever_rows_na():
    s = {"questions": 3, "recall_at_1": 0.5, "recall_at_5": 1.0, "mrr": 0.75, "answer_accuracy": None,
         "citation_hit": None, "abstention_accuracy": None, "false_refusal_rate": None,
         "answer_words_median": None, "latency_ms_median": 12.0, "latency_ms_p95": 20.0}
    t = compare.table([{"name": "llamaindex", "summary": s, "note": "returns passages"}])
    row = t.splitlines()[-1]
    assert "| 50.0% | 100.0% | 0.750 | n/a | n/a | n/a | n/a | n/a | 12 | 20 |" in row
