"""``python -m eval``: run a question set (see eval/run.py)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import run as run_mod
from .configs import CONFIGS


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval", description="Score the pipeline on a question set.")
    p.add_argument("--questions", type=Path, default=Path(__file__).parent / "questions.jsonl")
    p.add_argument("--out", type=Path, default=Path("runs") / "dev")
    p.add_argument("--config", default="default", choices=sorted(CONFIGS))
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    try:
        questions = run_mod.read_questions(args.questions)
    except (OSError, ValueError) as e:
        print(f"eval: {e}", file=sys.stderr)
        return 1
    from rag.pipeline import Pipeline

    cfg = CONFIGS[args.config]()
    t0 = time.perf_counter()
    pipeline = Pipeline.open(cfg, progress=not args.quiet)
    results, rows = run_mod.run(pipeline, questions, progress=not args.quiet)
    meta = {"questions_file": str(args.questions), "config": args.config,
            "report_version": pipeline.index.version, "seconds": round(time.perf_counter() - t0, 1),
            **run_mod.environment(pipeline.index.manifest)}
    summary = run_mod.write(args.out, results, rows, meta)
    print(run_mod.table(summary, __import__("eval.metrics", fromlist=["by_kind"]).by_kind(rows)))
    print(f"\nwrote {args.out}/results.jsonl, summary.json, summary.md, chart.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
