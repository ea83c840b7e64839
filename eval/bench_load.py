"""Load test of the web app: 50 simultaneous users for 30 s over loopback, 0 errors wanted.

    python -m eval.bench_load [--users 50] [--seconds 30] [--timeout 60]
    python -m eval.bench_load --users 5 --seconds 5          (smoke run, ~20 s with start-up)

Starts ``app.py`` on a free 127.0.0.1 port (as eval/bench_memory.py does), then ``--users``
users ask at once for ``--seconds``, each on its own connection and Gradio session (as a
browser tab or a gradio_client ``Client`` is), one question after another with no pause:
POST ``/gradio_api/call/ask``, then read the event stream to its ``complete`` event. Each
user walks the eval set (eval/questions.jsonl) from its own place: facts, lists, Spanish,
refusals (questions the report cannot answer), and follow-ups, asked as a conversation (the
earlier question first, then the follow-up with that answer as history). A request counts
as an error if its POST fails (HTTP status or connection), its stream sends an ``error``
event or ends without an answer, it takes longer than ``--timeout``, or its answer is empty.
Requests started before the end are waited for and counted. Latency is from the POST to
the ``complete`` event. The load average (1 minute) is printed before, during (the highest
sampled each second) and after: other work on the 2 shared cores slows every answer.

Measured on 2 shared cores, 50 users for 30 s, three runs (the default settings: 2 answers
computed at once, 200 may wait):
  0, 0, 0 errors; 239, 220, 251 requests (6.8, 6.2, 7.3 a second);
  p50 6.6, 6.6, 5.9 s; p95 8.0, 10.8, 8.6 s; max 8.4, 12.5, 9.9 s;
  load average 6.9, 6.3, 6.5 during (before 6.9, 4.6, 6.2); the app used 113-124 CPU-ms per
  answer and 0.8 of the 2 cores, the rest went to other work.
Every user has a question waiting, so each waits for the other 49: p95 is about users over
throughput (50 / 6.8 a second = 7.4 s), queueing rather than slow answers; p95 < 1 s for 50
users would take ~50 answers a second. Smoke run (--users 5 --seconds 5): 22 requests,
0 errors, p95 1.9 s (load average 8.8). All unanswerable questions were refused, and 3 of
25 paraphrases (the eval's known false refusals).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ERROR_KINDS = ("http", "error event", "timeout", "empty answer", "other")


@dataclass(frozen=True)
class Turn:
    question: str
    kind: str  # the eval set's kind: fact, list, spanish, unanswerable, followup, ...
    follows: bool = False  # asked with the user's previous question and answer as history


def conversations(rows: list[dict]) -> list[tuple[Turn, ...]]:
    """One conversation per eval question: a follow-up comes after the question it follows.

    >>> conversations([{"question": "A?", "kind": "fact"},
    ...                {"question": "And B?", "kind": "followup", "history": [["A0?", "x"]]}])
    [(Turn(question='A?', kind='fact', follows=False),), (Turn(question='A0?', kind='fact', follows=False), Turn(question='And B?', kind='followup', follows=True))]
    """
    out = []
    for r in rows:
        if not r.get("question"):
            continue
        hist = r.get("history") or []
        if hist:
            out.append((Turn(hist[-1][0], "fact"), Turn(r["question"], r.get("kind", "followup"), True)))
        else:
            out.append((Turn(r["question"], r.get("kind", "")),))
    return out


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plan(convs: list, user: int, users: int) -> list:
    """User ``user``'s order: the whole set, started at its own share of it (so the users
    ask different questions at once) and cycled by the caller.

    >>> plan(list("abcdef"), 1, 3), plan(list("abcdef"), 0, 3)
    (['c', 'd', 'e', 'f', 'a', 'b'], ['a', 'b', 'c', 'd', 'e', 'f'])
    """
    k = (user * len(convs)) // max(1, users)
    return convs[k:] + convs[:k]


def pct(xs: list[float], p: float) -> float:
    """Nearest-rank percentile.

    >>> pct([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), pct([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)
    (10, 5)
    """
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(len(xs) * p) - 1))] if xs else float("nan")


@dataclass
class Tally:
    latencies: list = field(default_factory=list)  # seconds, successful requests only
    errors: dict = field(default_factory=lambda: dict.fromkeys(ERROR_KINDS, 0))
    examples: list = field(default_factory=list)  # the first few error messages
    refused: dict = field(default_factory=dict)  # kind -> [refused, asked]

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    def error(self, kind: str, msg: str) -> None:
        self.errors[kind] += 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {msg[:200]}")


def summary_line(users: int, seconds: float, t: Tally, wall: float, load_during: float,
                 load_before: float, load_after: float) -> str:
    """The line the issue asks for: errors, then p95 beside the load average.

    >>> t = Tally(latencies=[0.1, 0.2, 0.3, 0.4])
    >>> summary_line(50, 30, t, 30.0, 6.04, 1.0, 4.0)
    '50 simultaneous users for 30 s over loopback: 0 errors, 4 requests (0.1/s), p50 200 ms, p95 400 ms, max 400 ms; load average 6.0 (before 1.0, after 4.0)'
    """
    lat = t.latencies
    ms = (lambda x: f"{x * 1000:,.0f} ms") if lat else (lambda x: "n/a")
    return (f"{users} simultaneous users for {seconds:g} s over loopback: {sum(t.errors.values())} errors, "
            f"{t.requests:,} requests ({t.requests / wall if wall > 0 else 0:.1f}/s), "
            f"p50 {ms(pct(lat, 0.5))}, p95 {ms(pct(lat, 0.95))}, max {ms(max(lat) if lat else 0)}; "
            f"load average {load_during:.1f} (before {load_before:.1f}, after {load_after:.1f})")


SUMMARY_RE = re.compile(
    r"(?P<users>\d+) simultaneous users for (?P<seconds>[\d.]+) s over loopback: (?P<errors>\d+) errors, "
    r"(?P<requests>[\d,]+) requests \((?P<rate>[\d.]+)/s\), p50 (?P<p50>[\d,]+) ms, p95 (?P<p95>[\d,]+) ms, "
    r"max (?P<max>[\d,]+) ms; load average (?P<load>[\d.]+) \(before (?P<before>[\d.]+), after (?P<after>[\d.]+)\)")


def parse_summary(text: str) -> dict | None:
    """The figures of the summary line in ``text`` (numbers), else None.

    >>> parse_summary(summary_line(5, 5, Tally(latencies=[0.25]), 5.0, 2.0, 1.0, 1.5))["p95"]
    250.0
    """
    m = SUMMARY_RE.search(text)
    return {k: float(v.replace(",", "")) for k, v in m.groupdict().items()} if m else None


async def ask(client, base: str, turn: Turn, session: str, history: list, timeout: float) -> dict:
    """One answer as gradio_client gets it: POST the call, then read its event stream."""
    async def call() -> dict:
        body = {"data": [turn.question, history, False], "session_hash": session}
        r = await client.post(f"{base}gradio_api/call/ask", json=body)
        r.raise_for_status()
        event = None
        async with client.stream("GET", f"{base}gradio_api/call/ask/{r.json()['event_id']}") as s:
            s.raise_for_status()
            async for line in s.aiter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = json.loads(line.split(":", 1)[1])
                    if event == "error":
                        raise AppError(str(data))
                    return data[0]
        raise AppError("stream ended without an answer")

    return await asyncio.wait_for(call(), timeout)


class AppError(Exception):
    """An ``error`` event, or a stream that ended without one or an answer."""


async def one(client, base: str, turn: Turn, session: str, history: list, timeout: float,
              tally: Tally) -> dict | None:
    """Ask ``turn``; tally its latency or its error. The answer, or None after an error."""
    import httpx

    t0 = time.perf_counter()
    try:
        a = await ask(client, base, turn, session, history, timeout)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        return tally.error("timeout", f"{turn.question!r} after {timeout:g} s")
    except httpx.HTTPStatusError as e:
        return tally.error("http", f"{e.response.status_code} {e.response.text[:100]} for {turn.question!r}")
    except AppError as e:
        return tally.error("error event", f"{e} for {turn.question!r}")
    except Exception as e:  # connection refused or reset, a malformed stream
        return tally.error("other", f"{type(e).__name__}: {e} for {turn.question!r}")
    if not isinstance(a, dict) or not str(a.get("answer") or "").strip():
        return tally.error("empty answer", f"{turn.question!r} -> {str(a)[:100]}")
    tally.latencies.append(time.perf_counter() - t0)
    r = tally.refused.setdefault(turn.kind, [0, 0])
    r[0] += bool(a.get("abstained"))
    r[1] += 1
    return a


async def user(u: int, users: int, convs: list, base: str, deadline: float, timeout: float, tally: Tally) -> None:
    """One user: conversation after conversation until the deadline, on one connection and session."""
    import httpx

    mine = plan(convs, u, users)
    # The whole request is bounded by asyncio.wait_for(timeout); httpx's own limit only as a backstop.
    async with httpx.AsyncClient(trust_env=False, timeout=timeout + 5) as client:
        i = 0
        while time.monotonic() < deadline:
            history: list = []
            for turn in mine[i % len(mine)]:
                if time.monotonic() >= deadline:
                    break
                a = await one(client, base, turn, f"load-user-{u}", history if turn.follows else [], timeout, tally)
                if a is None:  # a pause after an error, not a spin of failures if the app is down
                    await asyncio.sleep(0.5)
                    break
                history = [[turn.question, a["answer"]]]
            i += 1


async def run(base: str, users: int, seconds: float, timeout: float, convs: list) -> tuple[Tally, float, float]:
    """The load itself; returns the tally, the wall time and the highest 1-minute load average."""
    tally, peak = Tally(), [os.getloadavg()[0]]
    t0 = time.perf_counter()
    deadline = time.monotonic() + seconds

    async def sample() -> None:  # every second while the users ask
        while True:
            await asyncio.sleep(1)
            peak.append(os.getloadavg()[0])

    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(user(u, users, convs, base, deadline, timeout, tally) for u in range(users)))
    sampler.cancel()
    return tally, time.perf_counter() - t0, max(peak)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.bench_load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50, help="simultaneous users (default 50)")
    ap.add_argument("--seconds", type=float, default=30, help="how long they ask (default 30)")
    ap.add_argument("--timeout", type=float, default=60, help="one request's limit, s (default 60)")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    ap.add_argument("--index-dir", type=Path, default=None, help="default: RAG_INDEX_DIR or index/built")
    args = ap.parse_args(argv)
    if not (1 <= args.users <= 200 and 1 <= args.seconds <= 600 and 1 <= args.timeout <= 600):
        ap.error("keep it bounded: users 1-200, seconds 1-600, timeout 1-600")

    import httpx

    from eval.bench_app import ask as ask_sync
    from eval.bench_app import cpu_seconds, ensure_index
    from ui.launcher import AppProcess

    convs = conversations(read_rows(args.questions))
    env_index = Path(os.environ["RAG_INDEX_DIR"]) if os.environ.get("RAG_INDEX_DIR") else None
    index_dir = ensure_index(args.index_dir or env_index, check=False)  # start-up is not what is measured
    data_dir = Path(tempfile.mkdtemp(prefix="bench-load-data-"))
    app = AppProcess({"RAG_INDEX_DIR": str(index_dir), "RAG_DATA_DIR": str(data_dir)}, log_path=data_dir / "app.log")
    assert app.url.startswith("http://127.0.0.1:"), "loopback only"
    app.start(timeout=300)
    try:
        with httpx.Client(trust_env=False) as c:  # warm-up: the first answer loads what start-up left lazy
            ask_sync(c, app.url, convs[0][0].question)
        before = os.getloadavg()[0]
        print(f"{len(convs)} conversations from {args.questions.name}; cores {os.cpu_count()}; "
              f"load average before {before:.1f}", flush=True)
        cpu0 = cpu_seconds(app.proc.pid)
        tally, wall, during = asyncio.run(run(app.url, args.users, args.seconds, args.timeout, convs))
        cpu1, alive = cpu_seconds(app.proc.pid), app.proc.poll() is None
    finally:
        app.stop()
    after = os.getloadavg()[0]
    print(summary_line(args.users, args.seconds, tally, wall, during, before, after), flush=True)
    print("errors by kind: " + ", ".join(f"{k} {n}" for k, n in tally.errors.items())
          + f"; all requests done in {wall:.1f} s; app {'still up' if alive else 'EXITED'}", flush=True)
    if cpu0 is not None and cpu1 is not None and tally.latencies:
        # Beside the wall time: what each answer cost the app, which other work on the cores barely moves.
        print(f"app CPU {(cpu1 - cpu0) / len(tally.latencies) * 1000:.0f} ms per answer "
              f"({(cpu1 - cpu0) / wall:.2f} of {os.cpu_count()} cores busy)", flush=True)
    print("refused (of asked): " + ", ".join(f"{k} {r}/{n}" for k, (r, n) in sorted(tally.refused.items())), flush=True)
    for e in tally.examples:
        print(f"  {e}", flush=True)
    return 0 if not sum(tally.errors.values()) and alive else 1


if __name__ == "__main__":
    sys.exit(main())
