"""The Evaluate tab: run the known questions (or an uploaded JSONL file), grade the answers,
export the grades. Grade operations and their messages are in grading.py; what a run
shows is in eval_view.py; the last run is kept in the data folder (last_run.py), so its
results are there again after a reload or a restart."""
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from . import eval_view, last_run, render
from .events import PRIVATE
from .grades import GRADES
from .grading import GRADE_COLUMNS, Grading
from .service import Service, eval_rows, summary_html

EMPTY_TARGET = '<div class="grade-target empty">No answer picked yet: click a row of the results.</div>'
NO_RUN = '<p class="meta eval-head">No run yet: run the built-in set or upload a question file.</p>'
# The grader's name is kept in the browser (localStorage) so it need not be typed again. The name
# is not a secret; the fixed key only lets the stored value be read again after a restart.
GRADER_KEY = "rag-grader-name"


@dataclass(frozen=True)
class EvaluateTab:
    status: gr.HTML
    token: gr.Textbox
    run_builtin: gr.Button
    upload: gr.File
    run_upload: gr.Button
    summary: gr.HTML
    wrong_only: gr.Checkbox
    rows: gr.Dataframe
    run: gr.State  # the run shown (last_run.make's form), or None
    picked: gr.State
    target: gr.HTML
    grade: gr.Radio
    comment: gr.Textbox
    grader: gr.Textbox
    grader_kept: gr.BrowserState
    save: gr.Button
    grades_table: gr.Dataframe
    export: gr.Button
    export_file: gr.File


def grade_target_html(r: dict, current: dict | None = None) -> str:
    """The picked answer, shown over the grade buttons, with its current grade if it has one.

    >>> grade_target_html({"id": "q1", "question": "Who?", "answer": "<b>", "expected": ""})
    '<div class="grade-target"><div><b>q1</b> · Who?</div><div class="ans">&lt;b&gt;</div><div class="exp">Expected: –</div></div>'
    >>> "Graded <b>partly</b> by Ana" in grade_target_html({"id": "q1", "question": "", "answer": "", "expected": ""},
    ...                                                    {"grade": "partly", "grader": "Ana", "history": [{}]})
    True
    """
    now = ""
    if current:
        by = f" by {render.esc(current.get('grader'))}" if current.get("grader") else ""
        n = len(current.get("history") or [])
        was = f"; {n} earlier grade{'s' * (n != 1)} kept" if n else ""
        now = (f'<div class="now">Graded <b>{render.esc(current["grade"])}</b>{by}{was}. Saving again '
               f'replaces this grade; the earlier ones stay in the history.</div>')
    return (f'<div class="grade-target"><div><b>{render.esc(r["id"])}</b> · {render.esc(r["question"])}</div>'
            f'<div class="ans">{render.esc(r["answer"])}</div>'
            f'<div class="exp">Expected: {render.esc(r["expected"] or "–")}</div>{now}</div>')


def table(run: dict | None, latest: dict, wrong_only: bool) -> list[list]:
    """The results table for ``run`` with the current grades.

    >>> table({"rows": [{"id": "a", "question": "Q", "answer": "x", "expected": "", "correct": False,
    ...         "cited": None, "latency_ms": 1}]}, {}, True)
    [['a', 'Q', 'x', '', 'no', '–', 1.0, '']]
    """
    return [eval_view.table_row(r, r["grade"]) for r in eval_view.shown((run or {}).get("rows", []), latest, wrong_only)]


def run_html(run: dict | None, version: str) -> str:
    """The summary, with what was run and the chart; a hint when nothing has been run."""
    if not run:
        return NO_RUN
    return (eval_view.head_html(run, version) + summary_html(run["summary"], run["kinds"])
            + eval_view.chart_html(run["summary"], run["kinds"]))


def layout(svc: Service, grading: Grading) -> EvaluateTab:
    """The tab's components, made inside the current ``gr.Tabs``."""
    with gr.Tab("Evaluate", id="evaluate", elem_id="tab-evaluate"):
        gr.Markdown("Run the built-in known questions, or upload a JSONL file in the same schema "
                    "(`id`, `question`, `answers`, `evidence`, optional `kind`, `history`). "
                    "Click a row to grade its answer. Grades and the last run's results are kept across restarts.")
        status = gr.HTML(grading.status_html(), js_on_load=None, elem_id="grade-status")
        token = gr.Textbox(label="Grader token", type="password", max_length=200,
                           visible=bool(grading.access.token), elem_id="grader-token",
                           placeholder="RAG_GRADER_TOKEN, as set where the app runs")
        with gr.Row(equal_height=False, elem_id="eval-run-row"):
            with gr.Column(scale=1, min_width=220):
                run_builtin = gr.Button(f"Run the built-in set ({svc.builtin_count} questions)",
                                        variant="primary", elem_id="eval-run-builtin")
            with gr.Column(scale=2, min_width=260):
                # 170 px: at 100 the drop zone cut off its own "Click to Upload"; the default is 240.
                upload = gr.File(label="…or upload a question file (.jsonl)", file_types=[".jsonl"],
                                 type="filepath", elem_id="eval-upload", height=170)
                run_upload = gr.Button("Run the uploaded file", elem_id="eval-run-upload")
        summary = gr.HTML(NO_RUN, js_on_load=None, elem_id="eval-summary")
        wrong_only = gr.Checkbox(label="Wrong answers only (graded wrong, or not graded and the check says no)",
                                 value=False, elem_id="eval-wrong-only")
        rows = gr.Dataframe(headers=eval_view.COLUMNS, value=[], interactive=False, wrap=True,
                            elem_id="eval-table", max_height=420, buttons=["fullscreen"],
                            column_widths=eval_view.WIDTHS)
        run, picked = gr.State(None), gr.State(None)
        with gr.Group(elem_id="grade-box"):
            target = gr.HTML(EMPTY_TARGET, js_on_load=None, elem_id="grade-target")
            with gr.Row(equal_height=True):
                grade = gr.Radio(list(GRADES), value=None, label="Grade", elem_id="grade-choice", scale=1, min_width=290)
                comment = gr.Textbox(label="Comment", placeholder="optional", elem_id="grade-comment",
                                     scale=2, max_length=4000)
                grader = gr.Textbox(label="Your name", placeholder="saved with each grade",
                                    elem_id="grade-grader", scale=1, max_length=80)
            save = gr.Button("Save grade", variant="primary", elem_id="grade-save")
        grader_kept = gr.BrowserState("", storage_key=GRADER_KEY, secret=GRADER_KEY)
        gr.Markdown("#### Saved grades (one per answer; earlier grades are kept as its history)")
        grades_table = gr.Dataframe(headers=GRADE_COLUMNS, value=[], interactive=False, wrap=True,
                                    elem_id="grades-table", max_height=300, buttons=["fullscreen"])
        with gr.Row():
            export = gr.Button("Export grades (CSV)", elem_id="grades-export", size="sm", scale=0,
                               min_width=200)
            export_file = gr.File(label="grades.csv", visible=False, elem_id="grades-csv", height=70)
    return EvaluateTab(status, token, run_builtin, upload, run_upload, summary, wrong_only, rows, run, picked,
                       target, grade, comment, grader, grader_kept, save, grades_table, export, export_file)


def wire(tab: EvaluateTab, svc: Service, grading: Grading, new_dir: Callable[[], Path], demo: gr.Blocks) -> None:
    """Running a set, filtering, picking a row, saving and exporting grades; when ``demo`` loads,
    the saved grades and the last run are shown. CSV files go to fresh folders from ``new_dir``."""
    def load_all(token=""):
        """-> saved grades, status, summary, results table, run."""
        listed, msg = grading.rows(token)
        if grading.access.refuse(token):
            return listed, grading.status_html(msg), NO_RUN, [], None
        try:
            run = last_run.load(svc.data_dir)
        except last_run.LastRunError as e:
            run, msg = None, msg or str(e)
        return (listed, grading.status_html(msg), run_html(run, svc.version),
                table(run, grading.latest(token), False), run)

    def run_eval(upload, which, token, progress):
        """-> summary, results table, run, wrong-only box, status."""
        if msg := grading.access.refuse(token):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), grading.status_html(msg)
        try:
            if which == "upload":
                if not upload:
                    raise ValueError("Choose a JSONL file to upload first.")
                questions = svc.read_questions(Path(upload))
            else:
                questions = svc.read_questions()
        except (OSError, ValueError) as e:  # shown escaped, without the server's temp path
            msg = str(e).replace(str(upload or ""), Path(upload or "file").name) if upload else str(e)
            return (f'<div class="refusal" role="alert">Cannot run this file: {render.esc(msg)}</div>',
                    gr.skip(), gr.skip(), gr.skip(), gr.skip())
        t0 = time.perf_counter()
        result = svc.run_eval(questions, progress=lambda i, n: progress(i / max(n, 1), desc=f"{i}/{n} questions"))
        source = "the built-in set" if which == "builtin" else Path(upload).name
        run = last_run.make(eval_rows(result), result.summary, result.kinds, source, svc.version,
                            time.perf_counter() - t0)
        try:
            last_run.save(svc.data_dir, run)
            note = ""
        except last_run.LastRunError as e:  # the results are shown all the same
            note = str(e)
        return (run_html(run, svc.version), table(run, grading.latest(token), False), run, False,
                grading.status_html(note))

    def run_builtin_set(up, token, progress=gr.Progress()):
        return run_eval(up, "builtin", token, progress)

    def run_uploaded_set(up, token, progress=gr.Progress()):
        return run_eval(up, "upload", token, progress)

    def refilter(run, wrong_only, token):
        return table(run, grading.latest(token), wrong_only)

    def pick_row(run, wrong_only, token, evt: gr.SelectData):
        latest = grading.latest(token)
        listed = eval_view.shown((run or {}).get("rows", []), latest, wrong_only)
        rid = (evt.row_value or [None])[0] if isinstance(evt.row_value, list) else None
        r = next((x for x in listed if rid is not None and x["id"] == str(rid)), None)
        if r is None:  # fall back on the row number, in the table as shown
            i = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            r = listed[i] if isinstance(i, int) and 0 <= i < len(listed) else None
        if r is None:
            return gr.skip(), gr.skip()
        return r, grade_target_html(r, latest.get((r["id"], r["answer"])))

    def save_grade(token, row, grade, comment, grader, run, wrong_only):
        """-> saved grades, grade, comment, results table, status, picked answer."""
        stored, msg = grading.save(token, row, grade, comment, svc.version, grader or "")
        if not stored:  # nothing is acknowledged that was not committed
            gr.Warning(msg)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), grading.status_html(msg), gr.skip()
        latest = grading.latest(token)
        current = latest.get((row["id"], row["answer"]))
        gr.Info("Grade updated; the earlier one is kept in its history." if current and current["history"]
                else "Grade saved.")
        listed, status = grading.rows(token)
        # The grade and comment clear, so the next answer is never saved with this one's grade by mistake.
        return (listed, None, "", table(run, latest, wrong_only) if run else gr.skip(),
                grading.status_html(status), grade_target_html(row, current))

    def export_grades(token):
        path, msg = grading.export(token, new_dir() / "grades.csv")
        if path is None:
            gr.Warning(msg)
            return gr.File(value=None, visible=False), grading.status_html(msg)
        return gr.File(value=str(path), visible=True), grading.status_html()

    eval_out = [tab.summary, tab.rows, tab.run, tab.wrong_only, tab.status]
    # One progress bar, over the summary: it used to be drawn over every output at once.
    one_run = {"concurrency_id": "eval", "concurrency_limit": 1, "show_progress_on": [tab.summary]}
    tab.run_builtin.click(run_builtin_set, [tab.upload, tab.token], eval_out, **PRIVATE, **one_run)
    tab.run_upload.click(run_uploaded_set, [tab.upload, tab.token], eval_out, **PRIVATE, **one_run)
    tab.wrong_only.input(refilter, [tab.run, tab.wrong_only, tab.token], [tab.rows], **PRIVATE, queue=False)
    tab.rows.select(pick_row, [tab.run, tab.wrong_only, tab.token], [tab.picked, tab.target], **PRIVATE, queue=False)
    tab.save.click(save_grade, [tab.token, tab.picked, tab.grade, tab.comment, tab.grader, tab.run, tab.wrong_only],
                   [tab.grades_table, tab.grade, tab.comment, tab.rows, tab.status, tab.target], **PRIVATE)
    tab.export.click(export_grades, [tab.token], [tab.export_file, tab.status], **PRIVATE)
    load_out = [tab.grades_table, tab.status, tab.summary, tab.rows, tab.run]
    tab.token.submit(load_all, [tab.token], load_out, **PRIVATE)
    demo.load(load_all, None, load_out, **PRIVATE)
    # The name kept in the browser reaches the box when the tab (mounted only when first shown) reads it
    # from localStorage, unless a name is typed already; done in the page, so it never races the typing.
    # What is typed is kept as typed (the box is not an output here: nothing rewrites it mid-word).
    tab.grader_kept.change(None, [tab.grader_kept, tab.grader], [tab.grader], js="(kept, now) => now || kept || ''",
                           **PRIVATE, queue=False)
    tab.grader.change(lambda name: name, [tab.grader], [tab.grader_kept], **PRIVATE, queue=False)
