"""The Evaluate tab's grade operations, without Gradio: access checked first, every
grade-store failure turned into the message the tab shows, and "saved" only said of a
grade the store has committed.

Each operation returns plain values and a message ("" when all went well); app.py
shows the message as a warning and in the tab's status box.
"""
from __future__ import annotations

from pathlib import Path

from . import render
from .access import GraderAccess
from .grades import GradeStore, GradeStoreError, clean_grader

MAX_LISTED = 500  # grades shown in the tab; the CSV export has them all


GRADE_COLUMNS = ["When", "ID", "Question", "Grade", "Grader", "Comment", "Earlier grades"]


def when(created_at: str) -> str:
    """A stored time as the tables show it: to the second, without the "T".

    >>> when("2024-05-01T10:02:03.456")
    '2024-05-01 10:02:03'
    """
    return (created_at or "").replace("T", " ")[:19]


def earlier(history: list[dict]) -> str:
    """A grade's history, newest first, for the table.

    >>> earlier([{"at": "2024-05-01T10:02:03.456", "grade": "wrong", "grader": "Bo", "comment": ""},
    ...          {"at": "2024-05-02T09:00:00.000", "grade": "partly", "grader": "", "comment": ""}])
    'partly (2024-05-02 09:00) · wrong (Bo, 2024-05-01 10:02)'
    """
    return " · ".join(f"{h['grade']} ({', '.join(x for x in (h.get('grader'), when(h.get('at'))[:16]) if x)})"
                      for h in reversed(history or []))


def grade_rows(grades: list[dict]) -> list[list]:
    """The saved-grades table (GRADE_COLUMNS): one row per graded answer, as given."""
    return [[when(g["created_at"]), g["question_id"], g["question"], g["grade"], g.get("grader", ""),
             g["comment"], earlier(g.get("history", []))] for g in grades]


class Grading:
    def __init__(self, store: GradeStore, access: GraderAccess) -> None:
        self.store = store
        self.access = access

    def status_html(self, message: str = "") -> str:
        """The status box: what is wrong with the store or access and what to do, then ``message``
        (the last operation's) unless it says the same; "" when there is nothing to say."""
        notes = [n for n in (self.store.problem, self.access.note()) if n]
        if message and not any(n in message for n in notes):
            notes.append(message)
        return "".join(f'<div class="refusal" role="alert">{render.esc(n)}</div>' for n in notes)

    def rows(self, token) -> tuple[list[list], str]:
        """The current grades, most recently graded first, for the table."""
        if msg := self.access.refuse(token):
            return [], msg
        try:
            graded = sorted(self.store.current(), key=lambda g: g["id"], reverse=True)
            return grade_rows(graded[:MAX_LISTED]), ""
        except GradeStoreError as e:
            return [], str(e)

    def latest(self, token) -> dict:
        """The current grade of each (question id, answer); empty when they cannot be read."""
        if self.access.refuse(token):
            return {}
        try:
            return self.store.latest()
        except GradeStoreError:
            return {}

    def save(self, token, row: dict | None, grade: str, comment: str, version: str,
             grader: str | None = None) -> tuple[bool, str]:
        """Store a grade for the picked ``row`` (replacing its current grade, which joins the
        history), by ``grader``: (stored, message). The tab passes the name typed, which must not be
        empty; None (callers that have no grader to name) stores the grade unnamed."""
        if msg := self.access.refuse(token):
            return False, msg
        if not row:
            return False, "Click a row of the results table first."
        if not grade:
            return False, "Pick a grade (correct, partly or wrong) first."
        if grader is not None and not clean_grader(grader):
            return False, "Type your name first: it is saved with the grade."
        try:
            self.store.add(row["id"], row["question"], row["answer"], grade, comment or "",
                           row.get("expected", ""), version, grader or "")
        except (ValueError, GradeStoreError) as e:
            return False, f"Not saved: {e}"
        return True, ""

    def export(self, token, path: Path) -> tuple[Path | None, str]:
        """Every grade as CSV at ``path``: (the path, or None, and the message)."""
        if msg := self.access.refuse(token):
            return None, msg
        try:
            return self.store.export_csv(path), ""
        except GradeStoreError as e:
            return None, f"Not exported: {e}"
        except OSError as e:  # the app's own temp folder
            return None, f"Not exported: cannot write {path.name} ({e.strerror or e})."
