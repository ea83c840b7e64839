"""Smoke runs of the app benchmarks (eval/bench_memory.py, eval/bench_load.py): each starts
app.py on a loopback port over the session's index and must print its summary line.
Figures are checked for sense, never against time limits (the 2 cores are shared)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eval import bench_load, bench_memory  # noqa: E402


def run_bench(module: str, *args: str, index_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    # 600 s: two app start-ups under a load average of ~9 took ~100 s each here
    return subprocess.run([sys.executable, "-m", module, *args, "--index-dir", str(index_dir)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_bench_memory_smoke_prints_rss_per_checkpoint(pipeline):
    out = run_bench("eval.bench_memory", "--calls", "50", index_dir=pipeline.cfg.index_dir)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    got = bench_memory.parse_summary(out.stdout)
    assert got is not None, out.stdout
    assert list(got["rss"]) == [50] and got["errors"] == 0
    assert 100 < got["start"] <= got["rss"][50] * 2 and got["rss"][50] > 100  # MB, a loaded model


def test_bench_load_smoke_has_no_errors(pipeline):
    out = run_bench("eval.bench_load", "--users", "5", "--seconds", "5", index_dir=pipeline.cfg.index_dir)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    got = bench_load.parse_summary(out.stdout)
    assert got is not None, out.stdout
    assert got["users"] == 5 and got["seconds"] == 5 and got["errors"] == 0
    assert got["requests"] >= 5  # every user finished at least its first answer
    assert got["p50"] <= got["p95"] <= got["max"]
