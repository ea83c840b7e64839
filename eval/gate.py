"""The regression gate: the committed baseline in ``eval/baseline.json`` and the check against it.

The baseline holds answer accuracy, citation hit and abstention accuracy of the
``default`` configuration on ``eval/questions.jsonl``. ``tests/test_eval.py``
reruns that eval and fails if any of the three falls more than
``TOLERANCE_POINTS`` percentage points below it. Updating the baseline is a
deliberate, reviewed change::

    python -m eval.compare --update-baseline      # then commit eval/baseline.json
    python -m eval.compare --update-baseline --configs all   # baseline and REPORT.md from one run

With 27 unanswerable questions one refusal is 3.7 points of abstention
accuracy, so a 2-point tolerance there means no unanswerable question may
flip; on the 127 answerable ones one question is 0.8 points.

>>> check({"answer_accuracy": 0.55, "citation_hit": 0.70, "abstention_accuracy": 0.5},
...       {"metrics": {"answer_accuracy": 0.57, "citation_hit": 0.70, "abstention_accuracy": 0.53}})
['abstention_accuracy 50.0% is 3.0 points below the baseline 53.0% (tolerance 2)']
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
DEV_QUESTIONS = HERE / "questions.jsonl"
GATED = ("answer_accuracy", "citation_hit", "abstention_accuracy")
TOLERANCE_POINTS = 2.0
COMMAND = "python -m eval.compare --update-baseline"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load(path: Path = BASELINE) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check(summary: dict, baseline: dict, tolerance_points: float | None = None) -> list[str]:
    """One message per gated metric that fell more than the tolerance below the baseline."""
    tol = baseline.get("tolerance_points", TOLERANCE_POINTS) if tolerance_points is None else tolerance_points
    problems = []
    for key in GATED:
        base, now = baseline["metrics"].get(key), summary.get(key)
        if base is None:
            continue
        if now is None:
            problems.append(f"{key} is missing (baseline {base:.1%})")
        elif (base - now) * 100 > tol + 1e-9:
            problems.append(f"{key} {now:.1%} is {(base - now) * 100:.1f} points below the baseline "
                            f"{base:.1%} (tolerance {tol:g})")
    return problems


def make(summary: dict, meta: dict, questions_file: Path = DEV_QUESTIONS) -> dict:
    """The baseline record for a ``default`` run on the dev set."""
    rel = Path(questions_file).resolve()
    try:
        rel = rel.relative_to(HERE.parent)
    except ValueError:
        pass
    return {
        "about": "Regression baseline: the default configuration on the dev question set. "
                 f"tests/test_eval.py fails if a gated metric falls more than {TOLERANCE_POINTS:g} "
                 "points below it. Regenerate deliberately and commit with a reason.",
        "regenerate": COMMAND,
        "generated": _dt.date.today().isoformat(),
        "config": meta.get("config", "default"),
        "questions_file": str(rel),
        "questions": summary["questions"],
        "questions_sha256": file_sha256(questions_file),
        "report_version": meta.get("report_version"),
        "tolerance_points": TOLERANCE_POINTS,
        "metrics": {k: summary[k] for k in GATED},
        "for_information": {k: summary.get(k) for k in ("recall_at_1", "recall_at_5", "mrr", "citation_precision",
                                                        "false_refusal_rate", "answer_words_median")},
    }


def write(record: dict, path: Path = BASELINE) -> None:
    Path(path).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
