"""Choose the refusal threshold from an eval run.

    python -m eval --out runs/dev && python -m eval.calibrate runs/dev

Each answer record carries the best sentence's ``score``; a question whose
score is below the threshold is refused. For each candidate threshold this
prints abstention accuracy, false-refusal rate and answer accuracy, and marks
the highest threshold that keeps false refusals at or under ``--max-false``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def sweep(rows: list[dict], thresholds: list[float]) -> list[dict]:
    """rows: results.jsonl records (with "metrics"). Scores below t refuse."""
    out = []
    ans = [r for r in rows if r["metrics"]["answerable"]]
    una = [r for r in rows if not r["metrics"]["answerable"]]
    for t in thresholds:
        def refused(r):
            return r["abstained"] and r.get("score") is None or (r.get("score") is not None and r["score"] < t)
        out.append({
            "threshold": t,
            "abstention_accuracy": sum(refused(r) for r in una) / max(1, len(una)),
            "false_refusal_rate": sum(refused(r) for r in ans) / max(1, len(ans)),
            "answer_accuracy": sum((not refused(r)) and r["metrics"]["correct"] for r in ans
                                   if not r["abstained"]) / max(1, len(ans)),
        })
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.calibrate")
    p.add_argument("run", type=Path, help="an eval output folder (with results.jsonl)")
    p.add_argument("--max-false", type=float, default=0.05, help="highest acceptable false-refusal rate")
    args = p.parse_args(argv)
    rows = [json.loads(line) for line in (args.run / "results.jsonl").read_text().splitlines() if line]
    table = sweep(rows, [round(0.30 + 0.02 * i, 2) for i in range(31)])
    ok = [r for r in table if r["false_refusal_rate"] <= args.max_false]
    pick = max(ok, key=lambda r: r["threshold"]) if ok else None
    print("| threshold | abstain acc | false refusal | answer acc |\n|---|---|---|---|")
    for r in table:
        mark = " ←" if r is pick else ""
        print(f"| {r['threshold']:.2f} | {r['abstention_accuracy']:.1%} | {r['false_refusal_rate']:.1%} "
              f"| {r['answer_accuracy']:.1%} |{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
