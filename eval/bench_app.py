"""Benchmark the web app over loopback: cold start, warm latency, 20 users at once.

    python -m eval.bench_app [--users 20] [--rounds 5] [--warm 20]

1. Cold start: from starting ``python app.py`` (with an existing index) to the
   first answer through its ``/ask`` API.
2. Warm latency: one user asking different questions one after another.
3. Load: ``--users`` users, each on its own connection and session (as a browser
   tab or a gradio_client Client is), all asking different questions at once,
   ``--rounds`` questions each: throughput and p50/p95.

Everything goes to 127.0.0.1 through Gradio's HTTP API (``/gradio_api/call/ask``),
the same queue the browser uses. Targets: cold start < 8 s, p95 < 1 s with 20
users on 2 cores. The figures are printed, not asserted (the cores may be shared).

Measured on 2 cores (median of 3 runs, range in brackets): cold start 4.57 s
(4.41-4.70), was 5.92 s (5.78-6.25) before the app held off the cyclic garbage
collector during start-up; warm p50 20 ms; 20 users p95 about 0.5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_COLD_S, TARGET_P95_S = 8.0, 1.0


def questions(n: int) -> list[str]:
    """``n`` different answerable questions from the eval set (cycled if needed)."""
    qs = []
    for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line) if line.strip() else {}
        if q.get("answers") and not q.get("history") and q.get("question") not in qs:
            qs.append(q["question"])
    return [qs[i % len(qs)] for i in range(n)]


def ask(client, base: str, question: str, session: str | None = None, timeout: float = 120.0) -> dict:
    """One answer through Gradio's HTTP API: POST the call, then read its event stream.
    ``session``: the user's session id, reused across their questions as a browser tab or a
    gradio_client ``Client`` does (without one, gradio sets up a new session per call)."""
    body = {"data": [question, [], False], **({"session_hash": session} if session else {})}
    r = client.post(f"{base}gradio_api/call/ask", json=body, timeout=timeout)
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event = None
    with client.stream("GET", f"{base}gradio_api/call/ask/{event_id}", timeout=timeout) as s:
        for line in s.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = json.loads(line.split(":", 1)[1])
                if event == "error":
                    raise RuntimeError(f"app error: {data}")
                return data[0]
    raise RuntimeError("stream ended without an answer")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time used so far by process ``pid`` (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p * len(xs) + 0.5)) - 1))]


def ensure_index(index_dir: Path | None, check: bool = True) -> Path:
    """Build the index once (outside any timing) if it is missing; return its folder.
    ``check=False`` trusts an index that is there (the app rebuilds a stale one at start-up):
    opening it only to check costs ~10 s on an idle machine, 40 s under a load average of 16."""
    from rag import Config, Pipeline
    from rag import index as index_mod

    cfg = Config(index_dir=index_dir) if index_dir else Config()
    if index_mod.read_manifest(cfg.index_dir) is None:
        print(f"building the index at {cfg.index_dir} first (not timed)…", flush=True)
    elif not check:
        return cfg.index_dir
    Pipeline.open(cfg, progress=False)  # also rebuilds a stale index, so the app only loads it
    return cfg.index_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.bench_app", description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5, help="questions per user in the load test")
    ap.add_argument("--warm", type=int, default=20, help="sequential warm questions")
    ap.add_argument("--index-dir", type=Path, default=None, help="default: RAG_INDEX_DIR or index/built")
    args = ap.parse_args(argv)
    if not (1 <= args.users <= 100 and 1 <= args.rounds <= 50 and 1 <= args.warm <= 500):
        ap.error("keep it bounded: users 1-100, rounds 1-50, warm 1-500")

    import httpx

    from ui.launcher import AppProcess

    index_dir = ensure_index(args.index_dir or (Path(os.environ["RAG_INDEX_DIR"]) if os.environ.get("RAG_INDEX_DIR") else None))
    data_dir = Path(tempfile.mkdtemp(prefix="bench-app-data-"))
    load0 = os.getloadavg()
    print(f"cores: {os.cpu_count()}, load average before: {load0[0]:.1f}", flush=True)

    # 1. cold start
    app = AppProcess({"RAG_INDEX_DIR": str(index_dir), "RAG_DATA_DIR": str(data_dir)},
                     log_path=data_dir / "app.log")
    assert app.url.startswith("http://127.0.0.1:"), "loopback only"
    t0 = time.perf_counter()
    app.start(timeout=300)
    up = time.perf_counter() - t0
    try:
        with httpx.Client(trust_env=False) as c:
            first = ask(c, app.url, "What share of detected victims are adult women?")
        cold = time.perf_counter() - t0
        cold_cpu = cpu_seconds(app.proc.pid)
        assert not first["abstained"], first
        print(f"cold start: {cold:.2f} s to the first answer (server up after {up:.2f} s)   "
              f"target < {TARGET_COLD_S:.0f} s", flush=True)
        if cold_cpu is not None:
            print(f"  the app used {cold_cpu:.2f} CPU-seconds to get there (close to the wall time "
                  f"on an idle machine: start-up is mostly one thread)", flush=True)

        # 2. warm latency, one user
        warm_q, lat, inner = questions(args.warm), [], []
        with httpx.Client(trust_env=False) as c:
            for q in warm_q:
                t = time.perf_counter()
                a = ask(c, app.url, q, session="warm-user")
                lat.append(time.perf_counter() - t)
                inner.append(a["latency_ms"] / 1000)
        print(f"warm, 1 user, {len(lat)} questions: p50 {statistics.median(lat) * 1000:.0f} ms, "
              f"p95 {pct(lat, 0.95) * 1000:.0f} ms through the app "
              f"(pipeline alone p50 {statistics.median(inner) * 1000:.0f} ms)", flush=True)

        # 3. many users at once
        qs = questions(args.users * args.rounds)
        results: list[tuple[float, float, float]] = []  # (start, end, latency)
        errors: list[str] = []
        lock, barrier = threading.Lock(), threading.Barrier(args.users)

        def user(u: int) -> None:
            mine = qs[u::args.users]
            with httpx.Client(trust_env=False) as c:
                barrier.wait()
                for q in mine:
                    t = time.perf_counter()
                    try:
                        ask(c, app.url, q, session=f"bench-user-{u}")
                    except Exception as e:  # counted, reported
                        with lock:
                            errors.append(f"{type(e).__name__}: {e}")
                        continue
                    end = time.perf_counter()
                    with lock:
                        results.append((t, end, end - t))

        threads = [threading.Thread(target=user, args=(u,)) for u in range(args.users)]
        cpu0 = cpu_seconds(app.proc.pid)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cpu1 = cpu_seconds(app.proc.pid)
        lats = [r[2] for r in results]
        wall = max(r[1] for r in results) - min(r[0] for r in results) if results else float("nan")
        p95 = pct(lats, 0.95) if lats else float("nan")
        print(f"{args.users} users at once, {len(lats)} answers ({len(errors)} errors) in {wall:.2f} s: "
              f"throughput {len(lats) / wall:.1f} answers/s, p50 {statistics.median(lats) * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms, max {max(lats) * 1000:.0f} ms   target p95 < {TARGET_P95_S * 1000:.0f} ms",
              flush=True)
        if cpu0 is not None and cpu1 is not None and lats:
            per = (cpu1 - cpu0) / len(lats)
            print(f"  the app used {per * 1000:.0f} CPU-ms per answer: on {os.cpu_count()} idle cores, "
                  f"{args.users} waiting users take about {args.users * per / (os.cpu_count() or 1) * 1000:.0f} ms "
                  f"to serve if the work spreads over all cores", flush=True)
        for e in errors[:5]:
            print(f"  error: {e}")
    finally:
        app.stop()
    load1 = os.getloadavg()
    print(f"load average after: {load1[0]:.1f} (other work on the machine inflates every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
