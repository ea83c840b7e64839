"""Memory of the web app under many API calls: RSS after 500, 2,000 and 5,000 ``/call/ask`` calls.

    python -m eval.bench_memory [--calls 5000] [--sessions N]
    python -m eval.bench_memory --calls 50          (smoke run, ~1 min with start-up)

Each call comes without a session id, as a script's or a gradio_client's first call
does, so each is a new Gradio session: before its state was bounded (app.py, SESSIONS)
RSS grew ~170 KB per call with no plateau (623 MB -> 1.48 GB over 5,000 calls).
``--sessions`` passes RAG_SESSIONS to the app, to compare capacities; 10000 is gradio's
default. Two clients ask at once (one per core). Each checkpoint prints RSS, the app's
CPU per call since the last one (work that grows with the calls shows there, whatever
the other work on the machine does to the wall time) and the load average; the last
line sums up (tests/test_bench.py parses it).

Measured on 2 shared cores, 200 sessions (the default):
  --calls 5000 (654 s; load average 5.0, 9.0, 6.0 at the checkpoints):
      1,432, 1,445 and 1,465 MB after 500, 2,000 and 5,000 calls; 0 errors
      (1,308 MB after start-up and one call: the first start after the index was built;
      every later start measured 797-823 MB, with the same growth)
  --calls 20000 (3,803 s; load average 5-22, two runs at once):
      931, 945, 951 and 963 MB after 500, 2,000, 5,000 and 20,000 calls (805 MB after
      start-up); app CPU 109, 104, 114, 111 ms per call; 0 errors
      with MALLOC_ARENA_MAX=2: 909, 918, 931 and 940 MB (797 MB): a lower start, the same slope
so ~125 MB over the first 500 calls (the 200 kept sessions, ~116 KB each, and what the
first answers touch), then ~1 KB per call. tracemalloc finds two parts of that in gradio's
queue: 2,000 message queues of ~3 KB (an LRU, full after 2,000 calls) and an empty set per
session id that is never removed (Queue.pending_event_ids_session, ~250 B a session).
gradio's per-event records and their pandas summary (~220 B and up to 29 ms a call) are off
since app.py sets GRADIO_ANALYTICS_MAX_EVENTS: with gradio's defaults the app used 90, 87
and 97 CPU-ms per call at 500, 2,000 and 5,000 calls, against 87, 84 and 90 ms with the
fix in a run beside it (load average 22); RSS the same (936-970 MB against 942-974 MB).
Earlier, --calls 1000 (794 MB after start-up): 925 and 930 MB after 500 and 1,000 calls
with 200 sessions, 958 and 1,016 MB with 10,000 (gradio's default; load average 9-10).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHECKPOINTS = (500, 2000, 5000)


def rss_mb(pid: int) -> float | None:
    """Resident memory of process ``pid`` in MB (Linux /proc), else None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def checkpoints(calls: int) -> list[int]:
    """The standard checkpoints up to ``calls``, and ``calls`` itself.

    >>> checkpoints(5000), checkpoints(1200), checkpoints(100)
    ([500, 2000, 5000], [500, 1200], [100])
    """
    return sorted({c for c in CHECKPOINTS if c <= calls} | {calls})


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def summary_line(rss: dict[int, float], start_mb: float, errors: int, seconds: float, load_avg: str) -> str:
    """The line the issue asks for: RSS at each checkpoint, then what it cost.

    >>> summary_line({500: 1432.4, 2000: 1445, 5000: 1450.6}, 1308, 0, 1234.5, "load average 9.0 8.0 7.0")
    'RSS after 500, 2,000 and 5,000 calls: 1,432, 1,445 and 1,451 MB (1,308 MB after start-up; 0 errors; 1,234 s; load average 9.0 8.0 7.0)'
    """
    def join(xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]

    return (f"RSS after {join([f'{c:,}' for c in rss])} calls: {join([f'{m:,.0f}' for m in rss.values()])} MB "
            f"({start_mb:,.0f} MB after start-up; {errors} errors; {seconds:,.0f} s; {load_avg})")


def parse_summary(text: str) -> dict | None:
    """``{"rss": {calls: MB}, "start": MB, "errors": n, "seconds": s}`` from the summary line in ``text``.

    >>> parse_summary(summary_line({50: 812.0}, 800, 0, 9, "load average 1.0 1.0 1.0"))
    {'rss': {50: 812.0}, 'start': 800.0, 'errors': 0, 'seconds': 9.0}
    """
    m = re.search(r"RSS after ([\d, and]+) calls: ([\d, and]+) MB \(([\d,]+) MB after start-up; (\d+) errors; "
                  r"([\d,]+) s; load average [\d. ]+\)", text)
    if not m:
        return None
    nums = [[float(x.replace(",", "")) for x in re.split(r", | and ", g)] for g in m.groups()[:2]]
    if len(nums[0]) != len(nums[1]):
        return None
    return {"rss": {int(c): mb for c, mb in zip(*nums)}, "start": float(m[3].replace(",", "")),
            "errors": int(m[4]), "seconds": float(m[5].replace(",", ""))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.bench_memory", description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=5000, help="API calls in all (default 5000)")
    ap.add_argument("--sessions", type=int, default=None, help="RAG_SESSIONS for the app (default: app.py's)")
    ap.add_argument("--index-dir", type=Path, default=None, help="default: RAG_INDEX_DIR or index/built")
    args = ap.parse_args(argv)
    if not 1 <= args.calls <= 20_000:
        ap.error(f"--calls must be 1-20000; got {args.calls}")

    import httpx

    from eval.bench_app import ask, cpu_seconds, ensure_index, questions
    from ui.launcher import AppProcess

    env_index = Path(os.environ["RAG_INDEX_DIR"]) if os.environ.get("RAG_INDEX_DIR") else None
    index_dir = ensure_index(args.index_dir or env_index, check=False)  # start-up is not what is measured
    data_dir = Path(tempfile.mkdtemp(prefix="bench-memory-data-"))
    env = {"RAG_INDEX_DIR": str(index_dir), "RAG_DATA_DIR": str(data_dir)}
    if args.sessions is not None:
        env["RAG_SESSIONS"] = str(args.sessions)
    app = AppProcess(env, log_path=data_dir / "app.log")
    assert app.url.startswith("http://127.0.0.1:"), "loopback only"
    app.start(timeout=300)
    qs = questions(200)
    done, errors, lock = [0], [0], threading.Lock()
    marks = checkpoints(args.calls)
    print(f"sessions kept: {args.sessions or 'app default'}; cores {os.cpu_count()}; {load()}", flush=True)
    try:
        with httpx.Client(trust_env=False) as c:
            ask(c, app.url, qs[0])  # warm-up: the first answer loads what start-up left lazy
        start_mb = rss_mb(app.proc.pid) or 0.0
        print(f"after start-up and 1 call: RSS {start_mb:.0f} MB", flush=True)
        t0, rss = time.perf_counter(), {}
        cpu0, done0 = cpu_seconds(app.proc.pid), 0
        for mark in marks:
            def client(k: int, upto: int = mark) -> None:
                with httpx.Client(trust_env=False) as c:
                    while True:
                        with lock:
                            if done[0] >= upto:
                                return
                            done[0] += 1
                            i = done[0]
                        try:
                            ask(c, app.url, qs[i % len(qs)])  # no session id: a new session each call
                        except Exception:
                            with lock:
                                errors[0] += 1

            threads = [threading.Thread(target=client, args=(k,)) for k in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rss[mark] = rss_mb(app.proc.pid) or 0.0
            # CPU per call since the last checkpoint: work that grows with the calls made shows here
            # even when other work on the machine makes the wall time meaningless.
            cpu = cpu_seconds(app.proc.pid)
            per = f"{(cpu - cpu0) / (mark - done0) * 1000:.0f}" if cpu is not None and cpu0 is not None else "?"
            cpu0, done0 = cpu, mark
            print(f"after {mark:>5,} calls: RSS {rss[mark]:.0f} MB   ({errors[0]} errors, {per} app CPU-ms per call, "
                  f"{time.perf_counter() - t0:.0f} s, {load()})", flush=True)
    finally:
        app.stop()
    print(summary_line(rss, start_mb, errors[0], time.perf_counter() - t0, load()), flush=True)
    return 1 if errors[0] else 0


if __name__ == "__main__":
    sys.exit(main())
