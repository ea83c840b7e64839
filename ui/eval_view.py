"""What the Evaluate tab shows of a run, without Gradio: the results table's rows (with
the grades joined in, optionally only the wrong answers), the line over the summary,
and the accuracy chart.

The chart is HTML bars, not a picture: its colours come from the theme's variables
(a PNG was a white slab in dark mode) and its labels are text at the page's size
(a 800 px wide PNG shrunk to a 390 px phone made them unreadable).
"""
from __future__ import annotations

from . import render

COLUMNS = ["ID", "Question", "Answer", "Expected", "Correct", "Cited", "Time (ms)", "Grade"]
WIDTHS = ["7%", "19%", "31%", "13%", "8%", "7%", "8%", "7%"]
SHORT = 240  # characters of an answer shown in the table; the grading panel shows it whole


def short(text: str, limit: int = SHORT) -> str:
    """A long answer shortened for the table.

    >>> short("one two three", 8)
    'one two …'
    """
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def table_row(r: dict, grade: str = "") -> list:
    """One results-table row (COLUMNS) for a saved run row (last_run.ROW_KEYS).

    >>> table_row({"id": "q1", "question": "Q", "answer": "A", "expected": "", "correct": True,
    ...            "cited": None, "latency_ms": 3.04}, "wrong")
    ['q1', 'Q', 'A', '', 'yes', '–', 3.0, 'wrong']
    """
    cited = "–" if r.get("cited") is None else ("yes" if r["cited"] else "no")
    return [r["id"], r["question"], short(r["answer"]), r["expected"], "yes" if r["correct"] else "no", cited,
            round(float(r.get("latency_ms") or 0), 1), grade]


def is_wrong(r: dict, grade: str = "") -> bool:
    """Wrong, for the "wrong only" filter: graded wrong, or not graded and the automatic check
    says no (a grader's verdict overrides the check, either way).

    >>> [is_wrong({"correct": c}, g) for c, g in ((False, ""), (False, "correct"), (True, "wrong"), (True, ""))]
    [True, False, True, False]
    """
    return grade == "wrong" if grade else not r.get("correct")


def shown(rows: list[dict], latest: dict, wrong_only: bool = False) -> list[dict]:
    """The run rows the table shows, in order, each with its current ``grade`` ("" when ungraded).

    >>> rows = [{"id": "a", "answer": "x", "correct": True}, {"id": "b", "answer": "y", "correct": False}]
    >>> [(r["id"], r["grade"]) for r in shown(rows, {("a", "x"): {"grade": "wrong"}}, wrong_only=True)]
    [('a', 'wrong'), ('b', '')]
    >>> [r["id"] for r in shown(rows, {}, wrong_only=True)]
    ['b']
    """
    out = []
    for r in rows or []:
        g = (latest.get((r["id"], r["answer"])) or {}).get("grade", "")
        if not wrong_only or is_wrong(r, g):
            out.append({**r, "grade": g})
    return out


def head_html(run: dict, version: str) -> str:
    """The line over the summary: what was run, when, how long it took, on which report version."""
    n = len(run["rows"])
    older = ("" if run.get("report_version") in ("", version) else
             f' <strong>The report has changed since</strong> (now {render.esc(version)}): run it again.')
    return (f'<p class="meta eval-head">{n} question{"s" * (n != 1)} from {render.esc(run.get("source", ""))}, '
            f'run {render.esc(run.get("saved_at", ""))} in {float(run.get("seconds") or 0):.1f} s, report '
            f'version {render.esc(run.get("report_version", ""))}.{older} Click a row to grade its answer.</p>')


def bars(summary: dict, kinds: dict) -> list[tuple[str, float | None, int]]:
    """(label, share or None, questions) per bar: all questions, then each kind; for unanswerable
    questions the share refused, for the rest the share answered correctly.

    >>> bars({"answer_accuracy": 0.5, "questions": 3}, {"fact": {"answer_accuracy": 0.5, "questions": 2},
    ...       "unanswerable": {"abstention_accuracy": 1.0, "answer_accuracy": None, "questions": 1}})
    [('all', 0.5, 3), ('fact', 0.5, 2), ('unanswerable', 1.0, 1)]
    """
    out = [("all", summary.get("answer_accuracy"), int(summary.get("questions") or 0))]
    for k in sorted(kinds):
        s = kinds[k]
        v = s.get("abstention_accuracy") if k == "unanswerable" else s.get("answer_accuracy")
        out.append((k or "(none)", v, int(s.get("questions") or 0)))
    return out


def chart_html(summary: dict, kinds: dict) -> str:
    """Answer accuracy by kind as horizontal bars: one line each (label, bar, value), so the
    labels never shrink on a phone; a share that cannot be computed shows "–" and no bar."""
    items = []
    for label, v, n in bars(summary, kinds):
        pct = "–" if v is None else f"{v:.0%}"
        width = 0 if v is None else max(0.0, min(1.0, float(v))) * 100
        items.append(f'<li class="bar{" all" if label == "all" else ""}"><span class="bar-k">{render.esc(label)}'
                     f' <span class="bar-n">({n})</span></span><span class="bar-track"><span class="bar-fill" '
                     f'style="width:{width:.1f}%"></span></span><span class="bar-v">{pct}</span></li>')
    return ('<figure class="eval-chart" id="eval-chart"><figcaption>Answer accuracy by question kind '
            '<span class="bar-n">(unanswerable: refused as it should; questions in brackets)</span></figcaption>'
            f'<ul>{"".join(items)}</ul></figure>')
