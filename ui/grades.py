"""Evaluators' grades in SQLite (WAL mode), under the data folder.

Each grade is a new row (nothing is overwritten, so concurrent graders lose
nothing); the latest row for a question and answer is its current grade.
Every call opens its own connection, so the store is safe to share across
the app's worker threads.

A damaged file or a read-only folder never stops the app: opening records the
problem (``GradeStore.problem``), every call retries, and each failure is a
``GradeStoreError`` that names the file and what to do. A grade is only
reported stored (``add`` returns its row id) once SQLite has committed it.
"""
from __future__ import annotations

import csv
import errno
import sqlite3
import time
import unicodedata
from contextlib import closing, contextmanager
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


class GradeStoreError(Exception):
    """The grade store cannot be used; the message names the file and what to do."""


def explain(path: Path, err: BaseException) -> str:
    """What is wrong with the store at ``path``, and what to do, from the error SQLite or the OS gave."""
    text = str(err)
    low = text.lower()
    folder = path.parent
    if isinstance(err, PermissionError) or getattr(err, "errno", None) in (errno.EROFS, errno.EACCES, errno.EPERM) \
            or "readonly" in low or "read-only" in low or "unable to open" in low:
        return (f"{folder} is not writable ({text}), so grades cannot be saved to {path.name}. Make the folder "
                f"writable, or restart the app with RAG_DATA_DIR (or --data-dir) set to a writable folder.")
    if "locked" in low or "busy" in low:
        return f"{path} is busy ({text}): another program has held it for over 30 s. Try again in a moment."
    if "full" in low or getattr(err, "errno", None) == errno.ENOSPC:
        return f"The disk holding {path} is full ({text}): free some space, then save again."
    if isinstance(err, sqlite3.DatabaseError):
        return (f"{path} is damaged ({text}): grades cannot be read or saved. Move it aside and keep it "
                f"(with any {path.name}-wal and {path.name}-shm beside it), e.g. "
                f"`mv {path} {path}.damaged`; `sqlite3 {path.name}.damaged .recover` may get its rows back. "
                f"A new, empty store is made at the next save, without restarting the app.")
    return f"{path}: {text}"


class GradeStore:
    def __init__(self, path: Path | str, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._ready = False
        self.problem = ""  # what is wrong, for the Evaluate tab; "" when the store works
        self.check()

    def check(self) -> str:
        """Open (creating the table if needed) and read the whole file once; return the problem or ""."""
        try:
            with self._guard() as db:
                # Reads every page, so a truncated file is found at start-up, not at the first save: 30 ms
                # for 10,000 grades (5 MB), once.
                ok = db.execute("PRAGMA quick_check(1)").fetchone()[0]
                if ok != "ok":
                    raise sqlite3.DatabaseError(f"database disk image is malformed: {ok}")
                db.execute("SELECT COUNT(*) FROM grades").fetchone()
        except GradeStoreError as e:
            return str(e)
        return ""

    def _prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        self._ready = True

    @contextmanager
    def _guard(self):
        """A connection to a prepared store; any SQLite or OS failure becomes a GradeStoreError."""
        try:
            if not self._ready:
                self._prepare()
            with closing(self._connect()) as db:
                yield db
        except (sqlite3.Error, OSError) as e:
            self._ready = False  # the file may be moved aside and the folder fixed: retry next call
            self.problem = explain(self.path, e)
            raise GradeStoreError(self.problem) from None
        self.problem = ""

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: a write is committed when execute returns; in WAL with synchronous=NORMAL it
        # survives a crash of the app (3 kill -9s lost no acknowledged grade), not a power cut.
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        db.execute("PRAGMA synchronous=NORMAL")
        db.row_factory = sqlite3.Row
        return db

    @property
    def journal_mode(self) -> str:
        with self._guard() as db:
            return db.execute("PRAGMA journal_mode").fetchone()[0]

    def add(self, question_id: str, question: str, answer: str, grade: str, comment: str = "",
            expected: str = "", report_version: str = "") -> int:
        """Store one grade; return its row id. Raises ValueError for a bad grade."""
        if grade not in GRADES:
            raise ValueError(f"grade must be one of {', '.join(GRADES)}; got {grade!r}")
        if not str(question_id or "").strip():
            raise ValueError("pick an answer to grade first")
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()) + f".{int(time.time() * 1000) % 1000:03d}"
        with self._guard() as db:
            cur = db.execute(
                "INSERT INTO grades (created_at, question_id, question, answer, expected, report_version,"
                " grade, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (now, str(question_id), question or "", answer or "", expected or "", report_version or "",
                 grade, (comment or "")[:MAX_COMMENT]))
            return int(cur.lastrowid)

    def all(self, limit: int | None = None) -> list[dict]:
        """Every grade, newest first."""
        sql = "SELECT * FROM grades ORDER BY id DESC" + (" LIMIT ?" if limit else "")
        with self._guard() as db:
            return [dict(r) for r in db.execute(sql, (limit,) if limit else ())]

    def latest(self) -> dict[tuple[str, str], dict]:
        """The current grade of each (question id, answer)."""
        out: dict[tuple[str, str], dict] = {}
        for r in reversed(self.all()):  # oldest first, so newer rows win
            out[(r["question_id"], r["answer"])] = r
        return out

    def count(self) -> int:
        with self._guard() as db:
            return db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]

    def export_csv(self, path: Path | str) -> Path:
        """Write every grade (oldest first) to ``path`` as CSV; return the path."""
        path = Path(path)
        rows = list(reversed(self.all()))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell(r[k]) for k in COLUMNS})
        return path


# A spreadsheet reads a cell as a formula if it starts with one of these, also after leading
# spaces, and also in their full-width forms (＝＋－＠, which NFKC folds to = + - @).
_FORMULA = ("=", "+", "-", "@")
_CONTROL = ("\t", "\r", "\n")


def _cell(value):
    """Guard spreadsheet formulas: a cell starting with = + - @ (after any spaces, in any width),
    a tab, CR or LF is prefixed with '.

    >>> [_cell(v) for v in ("=1+1", " =1+1", "＝1+1", "a=b", 3)]
    ["'=1+1", "' =1+1", "'＝1+1", 'a=b', 3]
    """
    if not isinstance(value, str):
        return value
    head = unicodedata.normalize("NFKC", value.lstrip(" \u3000")[:1])
    if value[:1] in _CONTROL or head[:1] in _FORMULA:
        return "'" + value
    return value
