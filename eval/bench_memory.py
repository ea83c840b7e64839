"""Memory of the web app under many API calls: RSS after 500, 2,000 and 5,000 ``/call/ask`` calls.

    python -m eval.bench_memory [--calls 5000] [--sessions N]

Each call comes without a session id, as a script's or a gradio_client's first call
does, so each is a new Gradio session: before its state was bounded (app.py, SESSIONS)
RSS grew ~170 KB per call with no plateau (623 MB -> 1.48 GB over 5,000 calls).
``--sessions`` passes RAG_SESSIONS to the app, to compare capacities; 10000 is gradio's
default. Two clients ask at once (one per core). The load average is printed beside
every time, as other work on the machine slows the calls (not the memory).

Measured on 2 shared cores, --calls 1000 (RSS after start-up and one call: 794 MB):
  200 sessions (the default): 925 MB after 500 calls, 930 MB after 1,000 (40 s, 78 s; load average 8.6, 9.8)
  10,000 (gradio's default):  958 MB after 500 calls, 1,016 MB after 1,000 (47 s, 93 s; load average 9.9, 10.1)
so ~116 KB per session, flat once 200 are kept. Not yet run to 5,000 calls.
"""
from __future__ import annotations

import argparse
import os
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.bench_memory", description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=5000, help="API calls in all (default 5000)")
    ap.add_argument("--sessions", type=int, default=None, help="RAG_SESSIONS for the app (default: app.py's)")
    ap.add_argument("--index-dir", type=Path, default=None, help="default: RAG_INDEX_DIR or index/built")
    args = ap.parse_args(argv)
    if not 1 <= args.calls <= 20_000:
        ap.error(f"--calls must be 1-20000; got {args.calls}")

    import httpx

    from eval.bench_app import ask, ensure_index, questions
    from ui.launcher import AppProcess

    env_index = Path(os.environ["RAG_INDEX_DIR"]) if os.environ.get("RAG_INDEX_DIR") else None
    index_dir = ensure_index(args.index_dir or env_index)
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
        print(f"after start-up and 1 call: RSS {rss_mb(app.proc.pid):.0f} MB", flush=True)
        t0 = time.perf_counter()
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
            print(f"after {mark:>5,} calls: RSS {rss_mb(app.proc.pid):.0f} MB   ({errors[0]} errors, "
                  f"{time.perf_counter() - t0:.0f} s, {load()})", flush=True)
    finally:
        app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
