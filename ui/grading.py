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
from .grades import GradeStore, GradeStoreError

MAX_LISTED = 500  # grades shown in the tab; the CSV export has them all


def grade_rows(grades: list[dict]) -> list[list]:
    return [[g["created_at"].replace("T", " ")[:19], g["question_id"], g["question"], g["grade"], g["comment"]]
            for g in grades]


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
        """The saved grades, newest first, for the table."""
        if msg := self.access.refuse(token):
            return [], msg
        try:
            return grade_rows(self.store.all(limit=MAX_LISTED)), ""
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

    def save(self, token, row: dict | None, grade: str, comment: str, version: str) -> tuple[bool, str]:
        """Store a grade for the picked ``row``: (stored, message)."""
        if msg := self.access.refuse(token):
            return False, msg
        if not row:
            return False, "Click a row of the results table first."
        try:
            self.store.add(row["id"], row["question"], row["answer"], grade, comment or "",
                           row.get("expected", ""), version)
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
