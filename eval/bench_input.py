"""Benchmark the worst request at the input caps: hostile follow-up histories, each timed as
a ratio to one bare MiniLM encoding measured beside it.

    python -m eval.bench_input [--index-dir DIR] [--rounds 3] [--torch-threads N]

A request's work is bounded by the caps in rag/question.py (a previous question cut to
MAX_QUESTION_CHARS, its answer to MAX_ANSWER_CHARS, HISTORY_TURNS read, MAX_SPANS runs
compared), so every case here should cost about a normal ask. Prints one table to stdout
(progress to stderr) with the load average, as the machine is shared. Builds the index into
a temporary folder unless ``--index-dir`` names one (index/built/ is never touched).
These are figures, not tests.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rag.question import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS

WARMUP = 5  # untimed asks first: torch's first calls allocate buffers and pick kernels


def log(msg: str) -> None:
    print(f"[bench_input {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fill(unit: str, limit: int) -> str:
    """``unit`` repeated to ``limit`` characters."""
    return (unit * (limit // len(unit) + 1))[:limit]


def cases() -> list[tuple[str, str, list | None]]:
    """(name, question, history): a normal ask and follow-up, then inputs at and past the caps."""
    q_cap, a_cap = MAX_QUESTION_CHARS, MAX_ANSWER_CHARS
    turn = (fill("word ", q_cap), fill("Ghada Waly ", a_cap))
    return [
        ("normal ask", "Who edited this report?", None),
        ("normal follow-up", "And for forced labor?",
         [("What share of victims are trafficked for sexual exploitation?", "50%")]),
        ("previous question at the cap (spans)", "And for forced labor?", [(fill("word ", q_cap), "")]),
        ("previous question 100x the cap (issue repro)", "And for forced labor?", [("word " * 20000, "")]),
        ("previous question of names at the cap", "What about Spain?", [(fill("Germany and Japan ", q_cap), "")]),
        ("previous answer of names at the cap", "What is her job?", [("Who said it?", fill("Ghada Waly ", a_cap))]),
        ("previous answer 100x the cap", "What is her job?", [("Who said it?", "Ghada Waly " * 40000)]),
        ("10,000 turns at the caps", "And for forced labor?", [turn] * 10000),
        ("question at the cap, 3 turns at the caps", fill("How many women victims? ", q_cap), [turn] * 3),
        # every word a different slip no list holds: each one looked up costs a pass over the word lists
        ("question at the cap, every word a slip", " ".join(f"vxq{chr(97 + i // 26)}{chr(97 + i % 26)}zt"
                                                            for i in range(200))[:q_cap], None),
        ("Spanish follow-up, turn at the caps", "¿Y para trabajo forzoso?", [(fill("palabra ", q_cap), "")]),
    ]


def encode_seconds(embedder, rounds: int) -> float:
    """Median seconds of one bare encoding of a short question."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        embedder.encode(["And for forced labor?"])
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_case(pipeline, question: str, history, rounds: int) -> tuple[float, float, float]:
    """Median seconds of the ask, of a bare encoding timed between its rounds, and the
    1-minute load average after them."""
    asks, encodes = [], []
    for _ in range(rounds):
        encodes.append(encode_seconds(pipeline.embedder, 3))
        t0 = time.perf_counter()
        pipeline.ask(question, history=history)
        asks.append(time.perf_counter() - t0)
    return statistics.median(asks), statistics.median(encodes), os.getloadavg()[0]


def table(rows: list[tuple[str, float, float, float]]) -> str:
    lines = ["| case | ask ms | encode ms | ask / encode | load |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {name} | {a * 1000:.0f} | {e * 1000:.0f} | {a / e:.1f}x | {la:.1f} |" for name, a, e, la in rows]
    worst = max(rows[2:], key=lambda r: r[1] / r[2])
    normal = max(rows[:2], key=lambda r: r[1] / r[2])
    lines.append(f"\nworst case at the caps: {worst[0]}, {worst[1] / worst[2]:.1f}x one encoding "
                 f"at load average {worst[3]:.1f} (a normal ask: {normal[1] / normal[2]:.1f}x)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench_input", description=__doc__.split("\n")[0])
    p.add_argument("--index-dir", type=Path, default=None, help="an existing index (default: build one)")
    p.add_argument("--rounds", type=int, default=3, help="timings per case (the median is kept)")
    p.add_argument("--torch-threads", type=int, default=0, help="set torch's threads (0: its default)")
    args = p.parse_args(argv)
    import torch

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    from rag.config import Config
    from rag.pipeline import Pipeline

    with tempfile.TemporaryDirectory(prefix="bench_input-") as tmp:
        log("opening the pipeline")
        pipeline = Pipeline.open(Config(index_dir=args.index_dir or Path(tmp) / "built"), progress=False)
        for q, h in [(c[1], c[2]) for c in cases()][:WARMUP]:
            pipeline.ask(q, history=h)
        rows = []
        for name, q, h in cases():
            log(name)
            rows.append((name, *time_case(pipeline, q, h, args.rounds)))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}; load average {load}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
