"""Evaluators' grades in SQLite (WAL mode), under the data folder.

Each save is a new row (nothing is overwritten, so concurrent graders lose
nothing). A question's answer has one grade: its latest row; the rows before
it are that grade's history (``current`` folds them, and the CSV export has
one line per graded answer with its history beside it). Each row names its
grader. Every call opens its own connection, so the store is safe to share
across the app's worker threads.

A damaged file or a read-only folder never stops the app: opening records the
problem (``GradeStore.problem``), every call retries, and each failure is a
``GradeStoreError`` that names the file and what to do. A grade is only
reported stored (``add`` returns its row id) once SQLite has committed it.
"""
from __future__ import annotations

import csv
import errno
import json
import sqlite3
import time
import unicodedata
from contextlib import closing, contextmanager
from pathlib import Path

GRADES = ("correct", "partly", "wrong")
# The CSV export: one line per graded answer. created_at and grader are the current grade's;
# history is the earlier grades, oldest first, as JSON (a list of {at, grade, grader, comment}).
COLUMNS = ("question_id", "question", "answer", "expected", "report_version", "grade", "grader", "comment",
           "created_at", "times_graded", "history")

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
    comment TEXT NOT NULL DEFAULT '',
    grader TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS grades_by_question ON grades (question_id, answer);
"""
MAX_COMMENT = 4000
MAX_GRADER = 80


def clean_grader(name) -> str:
    r"""A grader's name as stored: one line, no control characters, at most MAX_GRADER characters.

    >>> clean_grader("  Ana\tMaría \n López ")
    'Ana María López'
    >>> clean_grader(None), len(clean_grader("x" * 500))
    ('', 80)
    """
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(name or ""))
    return " ".join(text.split())[:MAX_GRADER]


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
            # Stores made before graders were named get the column; their rows keep grader ''.
            if "grader" not in {r[1] for r in db.execute("PRAGMA table_info(grades)")}:
                db.execute("ALTER TABLE grades ADD COLUMN grader TEXT NOT NULL DEFAULT ''")
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
            expected: str = "", report_version: str = "", grader: str = "") -> int:
        """Store one grade (the answer's new current grade; earlier ones become its history); return its
        row id. Raises ValueError for a bad grade."""
        if grade not in GRADES:
            raise ValueError(f"grade must be one of {', '.join(GRADES)}; got {grade!r}")
        if not str(question_id or "").strip():
            raise ValueError("pick an answer to grade first")
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()) + f".{int(time.time() * 1000) % 1000:03d}"
        with self._guard() as db:
            cur = db.execute(
                "INSERT INTO grades (created_at, question_id, question, answer, expected, report_version,"
                " grade, comment, grader) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now, str(question_id), question or "", answer or "", expected or "", report_version or "",
                 grade, (comment or "")[:MAX_COMMENT], clean_grader(grader)))
            return int(cur.lastrowid)

    def all(self, limit: int | None = None) -> list[dict]:
        """Every grade, newest first."""
        sql = "SELECT * FROM grades ORDER BY id DESC" + (" LIMIT ?" if limit else "")
        with self._guard() as db:
            return [dict(r) for r in db.execute(sql, (limit,) if limit else ())]

    def latest(self) -> dict[tuple[str, str], dict]:
        """The current grade of each (question id, answer)."""
        return {(g["question_id"], g["answer"]): g for g in self.current()}

    def current(self) -> list[dict]:
        """One row per graded (question id, answer): its latest grade, with ``history``
        (the earlier rows, oldest first); in the order the answers were first graded."""
        return fold(reversed(self.all()))

    def count(self) -> int:
        with self._guard() as db:
            return db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]

    def export_csv(self, path: Path | str) -> Path:
        """Write the grades to ``path`` as CSV (one line per graded answer, see COLUMNS); return the path."""
        path = Path(path)
        rows = [csv_row(g) for g in self.current()]
        path.parent.mkdir(parents=True, exist_ok=True)
        # utf-8-sig: the byte-order mark is what makes Excel read the file as UTF-8 (without it,
        # "María" and "–" arrive as mojibake); every other CSV reader skips it.
        with path.open("w", newline="", encoding="utf-8-sig") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell(r[k]) for k in COLUMNS})
        return path


def fold(rows) -> list[dict]:
    """Grade rows, oldest first, folded to one per (question_id, answer): the latest, with
    ``history`` (the earlier rows, oldest first); answers in the order first graded.

    >>> rows = [{"question_id": "q1", "answer": "a", "grade": "wrong"}, {"question_id": "q2", "answer": "b",
    ...         "grade": "correct"}, {"question_id": "q1", "answer": "a", "grade": "partly"}]
    >>> [(g["question_id"], g["grade"], [h["grade"] for h in g["history"]]) for g in fold(rows)]
    [('q1', 'partly', ['wrong']), ('q2', 'correct', [])]
    """
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r["question_id"], r["answer"])
        before = out.get(key)
        out[key] = {**r, "history": (before["history"] + [_past(before)]) if before else []}
    return list(out.values())


def _past(g: dict) -> dict:
    """An earlier grade as kept in the history."""
    return {"at": g.get("created_at", ""), "grade": g["grade"], "grader": g.get("grader", ""),
            "comment": g.get("comment", "")}


def csv_row(g: dict) -> dict:
    """One CSV line (COLUMNS) for a folded grade.

    >>> r = csv_row({"question_id": "q1", "question": "Q", "answer": "A", "expected": "", "report_version": "v",
    ...              "grade": "correct", "grader": "Ana", "comment": "", "created_at": "t2",
    ...              "history": [{"at": "t1", "grade": "wrong", "grader": "Bo", "comment": "no"}]})
    >>> r["times_graded"], r["history"]
    (2, '[{"at": "t1", "grade": "wrong", "grader": "Bo", "comment": "no"}]')
    """
    history = g.get("history") or []
    return {**{k: g.get(k, "") for k in COLUMNS}, "times_graded": len(history) + 1,
            "history": json.dumps(history, ensure_ascii=False) if history else ""}


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
