"""The Evaluate tab's last run, kept as one plain JSON file under the data folder
(``last_run.json``), so its results are shown again after a reload or a restart.

What is kept is what the tab shows: when and what was run, the summary metrics, and
one row per question (id, question, the whole answer, expected, the automatic checks).
Grades are not copied here: they live in the grade store and are joined in when shown.

Saving writes a temporary file and renames it over the old one, so a crash mid-write
leaves the previous run, never half a file. Reading validates the file: anything
unexpected (hand-edited, from another version, cut short) is reported, not shown.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

FORMAT = 1
FILE = "last_run.json"
ROW_KEYS = ("id", "question", "answer", "expected", "correct", "cited", "latency_ms")


class LastRunError(Exception):
    """The saved run cannot be written or read; the message says which file and why."""


def make(rows: list[dict], summary: dict, kinds: dict, source: str, report_version: str,
         seconds: float) -> dict:
    """The saved form of a run: ``rows`` as from ``service.eval_rows``.

    >>> r = make([{"id": "q1", "question": "Q", "answer": "A", "expected": "", "correct": True,
    ...            "cited": None, "latency_ms": 3.0}], {"questions": 1}, {}, "upload", "v1", 0.5)
    >>> r["format"], r["source"], r["rows"][0]["id"]
    (1, 'upload', 'q1')
    """
    return {"format": FORMAT, "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"), "source": str(source),
            "report_version": str(report_version), "seconds": round(float(seconds), 1),
            "summary": summary, "kinds": kinds, "rows": [{k: r.get(k) for k in ROW_KEYS} for r in rows]}


def problem(run) -> str:
    """What is wrong with a loaded run, or "".

    >>> problem({"format": 1, "rows": [{"id": "q1"}], "summary": {}, "kinds": {}})
    'row 1 lacks question, answer, expected, correct, cited, latency_ms'
    >>> problem([])
    'not a JSON object'
    """
    if not isinstance(run, dict):
        return "not a JSON object"
    if run.get("format") != FORMAT:
        return f"format {run.get('format')!r}, expected {FORMAT}"
    if not isinstance(run.get("summary"), dict) or not isinstance(run.get("kinds"), dict):
        return "no summary"
    rows = run.get("rows")
    if not isinstance(rows, list):
        return "no rows"
    for n, r in enumerate(rows, start=1):
        if not isinstance(r, dict):
            return f"row {n} is not an object"
        if missing := [k for k in ROW_KEYS if k not in r]:
            return f"row {n} lacks {', '.join(missing)}"
        if not all(isinstance(r[k], str) for k in ("id", "question", "answer", "expected")):
            return f"row {n}: id, question, answer and expected must be text"
    return ""


def save(folder: Path, run: dict) -> Path:
    """Write ``run`` to ``folder``/last_run.json, replacing the last one at once; return the path."""
    path = Path(folder) / FILE
    tmp = path.with_name(f".{FILE}.{uuid.uuid4().hex}.tmp")  # unique: two app workers never share one
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        try:  # a half-written temporary file is not left behind
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise LastRunError(f"The results were not kept for the next visit: cannot write {path} "
                           f"({e.strerror or e}).") from None
    return path


def load(folder: Path) -> dict | None:
    """The saved run in ``folder``, or None when there is none yet; LastRunError when it is unreadable."""
    path = Path(folder) / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise LastRunError(f"The last run's results cannot be read from {path} ({e}).") from None
    try:
        run = json.loads(text)
    except ValueError as e:
        run, why = None, f"not JSON: {e}"
    else:
        why = problem(run)
    if why:
        raise LastRunError(f"The last run's results in {path} were not shown ({why}); the next run "
                           f"replaces the file.")
    return run
