"""Evaluators' grades in SQLite (WAL mode), under the data folder.

Each grade is a new row (nothing is overwritten, so concurrent graders lose
nothing); the latest row for a question and answer is its current grade.
Every call opens its own connection, so the store is safe to share across
the app's worker threads.
"""
from __future__ import annotations

import csv
import sqlite3
import time
from contextlib import closing
from pathlib import Path

GRADES = ("correct", "partly", "wrong")
COLUMNS = ("id", "created_at", "question_id", "question", "answer", "expected", "report_version",
           "grade", "comment")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question_id TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    expected TEXT NOT NULL DEFAULT '',
    report_version TEXT NOT NULL DEFAULT '',
    grade TEXT NOT NULL CHECK (grade IN ('correct', 'partly', 'wrong')),
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS grades_by_question ON grades (question_id, answer);
"""
MAX_COMMENT = 4000


class GradeStore:
    def __init__(self, path: Path | str, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            db.commit()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        db.execute("PRAGMA synchronous=NORMAL")
        db.row_factory = sqlite3.Row
        return db

    @property
    def journal_mode(self) -> str:
        with closing(self._connect()) as db:
            return db.execute("PRAGMA journal_mode").fetchone()[0]

    def add(self, question_id: str, question: str, answer: str, grade: str, comment: str = "",
            expected: str = "", report_version: str = "") -> int:
        """Store one grade; return its row id. Raises ValueError for a bad grade."""
        if grade not in GRADES:
            raise ValueError(f"grade must be one of {', '.join(GRADES)}; got {grade!r}")
        if not str(question_id or "").strip():
            raise ValueError("pick an answer to grade first")
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()) + f".{int(time.time() * 1000) % 1000:03d}"
        with closing(self._connect()) as db:
            cur = db.execute(
                "INSERT INTO grades (created_at, question_id, question, answer, expected, report_version,"
                " grade, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (now, str(question_id), question or "", answer or "", expected or "", report_version or "",
                 grade, (comment or "")[:MAX_COMMENT]))
            return int(cur.lastrowid)

    def all(self, limit: int | None = None) -> list[dict]:
        """Every grade, newest first."""
        sql = "SELECT * FROM grades ORDER BY id DESC" + (" LIMIT ?" if limit else "")
        with closing(self._connect()) as db:
            return [dict(r) for r in db.execute(sql, (limit,) if limit else ())]

    def latest(self) -> dict[tuple[str, str], dict]:
        """The current grade of each (question id, answer)."""
        out: dict[tuple[str, str], dict] = {}
        for r in reversed(self.all()):  # oldest first, so newer rows win
            out[(r["question_id"], r["answer"])] = r
        return out

    def count(self) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]

    def export_csv(self, path: Path | str) -> Path:
        """Write every grade (oldest first) to ``path`` as CSV; return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = list(reversed(self.all()))
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell(r[k]) for k in COLUMNS})
        return path


def _cell(value):
    """Guard spreadsheet formulas: a cell starting with = + - @ is prefixed with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
