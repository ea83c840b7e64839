"""The Evaluate tab: run the known questions (or an uploaded JSONL file), grade the answers,
export the grades. Grade operations and their messages are in grading.py."""
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from . import render
from .events import PRIVATE
from .grades import GRADES
from .grading import Grading
from .service import EVAL_COLUMNS, Service, eval_table, summary_html


@dataclass(frozen=True)
class EvaluateTab:
    status: gr.HTML
    token: gr.Textbox
    run_builtin: gr.Button
    upload: gr.File
    run_upload: gr.Button
    summary: gr.HTML
    chart: gr.Image
    rows: gr.Dataframe
    rows_state: gr.State  # per row: id, question, answer, expected and the table row
    picked: gr.State
    target: gr.HTML
    grade: gr.Radio
    comment: gr.Textbox
    save: gr.Button
    grades_table: gr.Dataframe
    export: gr.Button
    export_file: gr.File


def grade_target_html(r: dict) -> str:
    """The picked answer, shown over the grade buttons.

    >>> grade_target_html({"id": "q1", "question": "Who?", "answer": "<b>", "expected": ""})
    '<div class="grade-target"><div><b>q1</b> · Who?</div><div class="ans">&lt;b&gt;</div><div class="exp">Expected: –</div></div>'
    """
    return (f'<div class="grade-target"><div><b>{render.esc(r["id"])}</b> · {render.esc(r["question"])}</div>'
            f'<div class="ans">{render.esc(r["answer"])}</div>'
            f'<div class="exp">Expected: {render.esc(r["expected"] or "–")}</div></div>')


def regraded(rows_state: list[dict], latest: dict) -> list[list]:
    """The results table with its last column (the grade) from ``latest``, keyed by (id, answer).

    >>> regraded([{"id": "q1", "answer": "a", "row": ["q1", "a", ""]}], {("q1", "a"): {"grade": "correct"}})
    [['q1', 'a', 'correct']]
    """
    rows = []
    for r in rows_state or []:
        g = latest.get((r["id"], r["answer"]))
        rows.append(r["row"][:-1] + [g["grade"] if g else ""])
    return rows


def layout(svc: Service, grading: Grading) -> EvaluateTab:
    """The tab's components, made inside the current ``gr.Tabs``."""
    with gr.Tab("Evaluate", id="evaluate", elem_id="tab-evaluate"):
        gr.Markdown("Run the built-in known questions, or upload a JSONL file in the same schema "
                    "(`id`, `question`, `answers`, `evidence`, optional `kind`, `history`). "
                    "Click a row to grade its answer; grades are kept across restarts.")
        status = gr.HTML(grading.status_html(), js_on_load=None, elem_id="grade-status")
        token = gr.Textbox(label="Grader token", type="password", max_length=200,
                           visible=bool(grading.access.token), elem_id="grader-token",
                           placeholder="RAG_GRADER_TOKEN, as set where the app runs")
        with gr.Row(equal_height=False, elem_id="eval-run-row"):
            with gr.Column(scale=1, min_width=220):
                run_builtin = gr.Button(f"Run the built-in set ({svc.builtin_count} questions)",
                                        variant="primary", elem_id="eval-run-builtin")
            with gr.Column(scale=2, min_width=260):
                upload = gr.File(label="…or upload a question file (.jsonl)", file_types=[".jsonl"],
                                 type="filepath", elem_id="eval-upload", height=100)
                run_upload = gr.Button("Run the uploaded file", elem_id="eval-run-upload")
        summary = gr.HTML("", js_on_load=None, elem_id="eval-summary")
        chart = gr.Image(label="Answer accuracy by kind", show_label=False, type="filepath",
                         interactive=False, elem_id="eval-chart", buttons=[],
                         alt_text="Bar chart of answer accuracy by kind of question (the figures in the table above)")
        rows = gr.Dataframe(headers=EVAL_COLUMNS, value=[], interactive=False, wrap=True,
                            elem_id="eval-table", max_height=420, buttons=["fullscreen"],
                            column_widths=["8%", "20%", "34%", "14%", "6%", "6%", "6%", "6%"])
        rows_state, picked = gr.State([]), gr.State(None)
        with gr.Group(elem_id="grade-box"):
            target = gr.HTML('<div class="grade-target empty">No answer picked yet.</div>',
                             js_on_load=None, elem_id="grade-target")
            with gr.Row(equal_height=True):
                grade = gr.Radio(list(GRADES), value="correct", label="Grade", elem_id="grade-choice", scale=1)
                comment = gr.Textbox(label="Comment", placeholder="optional", elem_id="grade-comment",
                                     scale=2, max_length=4000)
            save = gr.Button("Save grade", variant="primary", elem_id="grade-save")
        gr.Markdown("#### Saved grades")
        grades_table = gr.Dataframe(headers=["when", "id", "question", "grade", "comment"], value=[],
                                    interactive=False, wrap=True, elem_id="grades-table", max_height=300,
                                    buttons=["fullscreen"])
        with gr.Row():
            export = gr.Button("Export grades (CSV)", elem_id="grades-export", size="sm", scale=0,
                               min_width=200)
            export_file = gr.File(label="grades.csv", visible=False, elem_id="grades-csv", height=70)
    return EvaluateTab(status, token, run_builtin, upload, run_upload, summary, chart, rows, rows_state, picked,
                       target, grade, comment, save, grades_table, export, export_file)


def wire(tab: EvaluateTab, svc: Service, grading: Grading, new_dir: Callable[[], Path], demo: gr.Blocks) -> None:
    """Running a set, picking a row, saving and exporting grades; the saved grades are listed when
    ``demo`` loads. Charts and CSV files go to fresh folders from ``new_dir``."""
    def grades_rows(token=""):
        rows, msg = grading.rows(token)
        return rows, grading.status_html(msg)

    def run_eval(upload, which, token, progress):
        if msg := grading.access.refuse(token):
            return grading.status_html(msg), gr.skip(), gr.skip(), gr.skip()
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
                    gr.skip(), gr.skip(), gr.skip())
        t0 = time.perf_counter()
        run = svc.run_eval(questions, progress=lambda i, n: progress(i / max(n, 1), desc=f"{i}/{n} questions"))
        from eval.run import chart

        chart_path = new_dir() / "chart.png"
        chart(chart_path, run.summary, run.kinds)
        rows = eval_table(run, grading.latest(token))
        state = [{"id": str(q["id"]), "question": q["question"], "answer": rec.get("answer", ""), "expected": row[3],
                  "row": row} for q, rec, row in zip(run.questions, run.records, rows)]
        head = (f'<p class="meta">{len(questions)} questions in {time.perf_counter() - t0:.1f} s, '
                f'report version {render.esc(svc.version)}. Click a row to grade its answer.</p>')
        return head + summary_html(run.summary, run.kinds), str(chart_path), rows, state

    def run_builtin_set(up, token, progress=gr.Progress()):
        return run_eval(up, "builtin", token, progress)

    def run_uploaded_set(up, token, progress=gr.Progress()):
        return run_eval(up, "upload", token, progress)

    def pick_row(rows_state, evt: gr.SelectData):
        rows_state = rows_state or []
        rid = (evt.row_value or [None])[0] if isinstance(evt.row_value, list) else None
        r = next((x for x in rows_state if rid is not None and x["id"] == str(rid)), None)
        if r is None:  # fall back on the row number
            i = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            r = rows_state[i] if isinstance(i, int) and 0 <= i < len(rows_state) else None
        if r is None:
            return gr.skip(), gr.skip()
        return r, grade_target_html(r)

    def save_grade(token, row, grade, comment, rows_state):
        stored, msg = grading.save(token, row, grade, comment, svc.version)
        if not stored:  # nothing is acknowledged that was not committed
            gr.Warning(msg)
            return gr.skip(), gr.skip(), gr.skip(), grading.status_html(msg)
        gr.Info("Grade saved.")
        rows = regraded(rows_state, grading.latest(token))
        listed, status = grades_rows(token)
        return listed, "", rows if rows else gr.skip(), status

    def export_grades(token):
        path, msg = grading.export(token, new_dir() / "grades.csv")
        if path is None:
            gr.Warning(msg)
            return gr.File(value=None, visible=False), grading.status_html(msg)
        return gr.File(value=str(path), visible=True), grading.status_html()

    eval_out = [tab.summary, tab.chart, tab.rows, tab.rows_state]
    one_run = {"concurrency_id": "eval", "concurrency_limit": 1}
    tab.run_builtin.click(run_builtin_set, [tab.upload, tab.token], eval_out, **PRIVATE, **one_run)
    tab.run_upload.click(run_uploaded_set, [tab.upload, tab.token], eval_out, **PRIVATE, **one_run)
    tab.rows.select(pick_row, [tab.rows_state], [tab.picked, tab.target], **PRIVATE, queue=False)
    tab.save.click(save_grade, [tab.token, tab.picked, tab.grade, tab.comment, tab.rows_state],
                   [tab.grades_table, tab.comment, tab.rows, tab.status], **PRIVATE)
    tab.export.click(export_grades, [tab.token], [tab.export_file, tab.status], **PRIVATE)
    tab.token.submit(grades_rows, [tab.token], [tab.grades_table, tab.status], **PRIVATE)
    demo.load(grades_rows, None, [tab.grades_table, tab.status], **PRIVATE)
