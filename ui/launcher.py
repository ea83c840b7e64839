"""Start ``app.py`` as a child process on a loopback port and wait until it serves.

Used by the app tests and by ``eval/bench_app.py`` (cold start is measured
from ``start()`` to the first answer).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    """``python app.py --host 127.0.0.1 --port PORT`` with the given environment."""

    def __init__(self, env: dict[str, str] | None = None, port: int | None = None,
                 log_path: Path | None = None, python: str = sys.executable) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1",
                    "PYTHONUNBUFFERED": "1", **(env or {})}
        self.log_path = Path(log_path) if log_path else None
        self.python = python
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self, timeout: float = 180.0) -> "AppProcess":
        self.started_at = time.perf_counter()
        out = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen([self.python, str(ROOT / "app.py"), "--host", "127.0.0.1",
                                      "--port", str(self.port)], cwd=ROOT, env=self.env,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app.py exited with code {self.proc.returncode}; log: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "gradio_api/info", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"app.py did not serve {self.url} within {timeout:.0f} s; log: {self.log_tail()}")

    def log_tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:] if self.log_path else "(no log)"
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the child (by its own process group, which only it and its children are in)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)

    def __enter__(self) -> "AppProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
