#!/usr/bin/env python3
"""The web app: ask the report, make talking points, evaluate, read the report.

    python app.py [--host 127.0.0.1] [--port 7860]      (or RAG_HOST / RAG_PORT)

Builds the index first if it is missing. Offline: no CDN, no web fonts from
outside, no analytics. Questions are not logged unless RAG_LOG_QUESTIONS=1.
Grades live in SQLite under RAG_DATA_DIR (default ./data); a damaged store or a read-only
folder is reported in the Evaluate tab and never stops the app. Beyond loopback the
Evaluate tab needs the token in RAG_GRADER_TOKEN (ui/access.py).

The named API endpoint ``/ask`` returns the answer schema::

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    print(client.predict("What share of detected victims are adult women?", api_name="/ask")["answer"])
"""
import os

# Before gradio is imported: no analytics, no version check, no hub calls.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse  # noqa: E402
import atexit  # noqa: E402
import gc  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui import render  # noqa: E402
from ui.access import grader_access  # noqa: E402
from ui.grades import GRADES  # noqa: E402
from ui.grading import Grading  # noqa: E402
from ui.points import SKIP_SECTIONS, quoted, slug  # noqa: E402
from ui.service import EVAL_COLUMNS, Service, eval_table, log_status, summary_html  # noqa: E402

CSS_FILE = ROOT / "ui" / "style.css"
SOURCES_JS = """
element.addEventListener('click', (e) => {
  const c = e.target.closest('[data-cite]');
  if (c) { e.preventDefault(); trigger('open_cite', {n: Number(c.dataset.cite)}); return; }
  const s = e.target.closest('[data-ask]');
  if (s) { e.preventDefault(); trigger('ask_suggestion', {q: s.dataset.ask}); }
});
"""
REPORT_HINT = ('<div class="report-note">Read the report by section. “Open in report” on a cited passage '
               'brings you here with the quoted sentence highlighted.</div>')
SCROLL_TO_MARK = """
() => {
  let tries = 0;
  const go = () => {
    const m = document.querySelector('#report-view mark#hl');
    if (m) { m.scrollIntoView({block: 'center'}); return; }
    if (tries++ < 20) setTimeout(go, 50);
  };
  setTimeout(go, 30);
}
"""


CLEANUP: list = []  # run on exit, also when SIGTERM cuts the graceful close short


def on_sigterm(*_) -> None:
    """End like Ctrl-C (the server closes, atexit runs); if open browser connections hold the
    close up for more than 2 s, clean up and leave (grades are committed per write)."""
    def leave() -> None:
        for fn in CLEANUP:
            fn()
        os._exit(0)

    threading.Timer(2.0, leave).start()
    raise KeyboardInterrupt


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Offline, cited Q&A over the report (web app).")
    ap.add_argument("--host", default=os.environ.get("RAG_HOST") or "127.0.0.1",
                    help="interface to listen on (env RAG_HOST; default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=env_int("RAG_PORT", 7860),
                    help="port (env RAG_PORT; default 7860)")
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAG_DATA_DIR") or ROOT / "data"),
                    help="where grades are stored (env RAG_DATA_DIR; default ./data)")
    ap.add_argument("--concurrency", type=int, default=env_int("RAG_CONCURRENCY", 2),
                    help="answers computed at once (env RAG_CONCURRENCY; default 2, one per core)")
    ap.add_argument("--queue-size", type=int, default=env_int("RAG_QUEUE_SIZE", 200),
                    help="requests that may wait in the queue before new ones are turned away")
    ap.add_argument("--sessions", type=int, default=env_int("RAG_SESSIONS", SESSIONS),
                    help=f"sessions whose state is kept in memory, oldest dropped first (env RAG_SESSIONS; "
                         f"default {SESSIONS})")
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        ap.error(f"--sessions (RAG_SESSIONS) must be 1-{MAX_SESSIONS}; got {args.sessions}")
    return args


# Gradio keeps each session's state (a copy of the page's component values, ~170 KB here) for up
# to 10,000 sessions, and every /call/ask without a session id is a new session: RSS grew from
# 623 MB to 1.48 GB over 5,000 calls. Kept to 200 (~116 KB each, ~23 MB), RSS after 500 and
# 1,000 calls was 925 and 930 MB, against 958 and 1,016 MB at 10,000 (eval/bench_memory.py, 2 cores,
# load average 9-10); the 201st session at once drops the oldest one's conversation.
SESSIONS, MAX_SESSIONS = 200, 10_000


def launch_kwargs(args: argparse.Namespace) -> dict:
    """What ``demo.launch`` gets beyond the theme and CSS."""
    return dict(server_name=args.host, server_port=args.port, footer_links=["api"], show_error=False,
                enable_monitoring=False, ssr_mode=False, pwa=False, mcp_server=False, run_history=False,
                max_file_size="5mb", inbrowser=False, share=False, quiet=True,
                state_session_capacity=args.sessions)


# ---------------------------------------------------------------- the UI

def build(svc: Service, grading: Grading | None = None, verbose: bool = False):
    """The app's Blocks; ``verbose`` lets Gradio print failed events' tracebacks (they quote inputs)."""
    import gradio as gr

    from ui.quiet import quiet_blocks, redacted

    grading = grading or Grading(svc.grades, grader_access("127.0.0.1", {}))

    # Downloads (talking points, charts, CSV) are written here and removed at exit;
    # gradio's own copies are swept hourly (delete_cache below).
    tmp_root = Path(tempfile.mkdtemp(prefix="rag-app-"))
    atexit.register(shutil.rmtree, tmp_root, ignore_errors=True)
    CLEANUP.append(lambda: shutil.rmtree(tmp_root, ignore_errors=True))

    def new_tmp() -> Path:
        d = tmp_root / uuid.uuid4().hex
        d.mkdir(parents=True, exist_ok=True)
        return d

    # ---- Ask ------------------------------------------------------------
    def chat_value(turns):
        msgs = []
        for t in turns:
            msgs.append({"role": "user", "content": t["user_md"]})
            msgs.append({"role": "assistant", "content": t["bot_md"]})
        return msgs

    def do_ask(question, turns, detail):
        """-> textbox, chatbot, turns, last answer, sources panel."""
        turns = list(turns or [])
        question = question if isinstance(question, str) else ""
        if not question.strip():
            gr.Warning("Please type a question.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        history = [(t["q"], t["a"]) for t in turns if t.get("a") is not None]
        try:
            answer = svc.ask(question, history, detail)
        except ValueError as e:  # empty / too long: a message, not a hang
            turns.append({"q": question, "a": None, "user_md": render.user_markdown(question),
                          "bot_md": f"⚠️ {render.md_text(str(e))}"})
            return "", chat_value(turns), turns, None, render.sources_html(None)
        except Exception as e:  # never show a traceback to the public, nor log the question
            if verbose:
                traceback.print_exc()
            else:
                print(redacted("do_ask", e), file=sys.stderr, flush=True)
            gr.Warning("Something went wrong while answering; please try again.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        danger = render.in_danger(question)
        fallback = svc.suggest(answer["question"]) if answer["abstained"] and not answer.get("suggestions") else ()
        turns.append({"q": answer["question"], "a": answer["answer"], "user_md": render.user_markdown(question),
                      "bot_md": render.answer_markdown(answer, danger)})
        return "", chat_value(turns), turns[-50:], answer, render.sources_html(answer, fallback)

    def reset():
        return "", [], [], None, render.sources_html(None)

    def ask_example(turns, detail, evt: gr.SelectData):
        v = evt.value
        q = v.get("text", "") if isinstance(v, dict) else str(v or "")
        return do_ask(q, turns, detail)

    def ask_suggestion(turns, detail, evt: gr.EventData):
        return do_ask(str(getattr(evt, "q", "") or ""), turns, detail)

    # ---- Report ----------------------------------------------------------
    def open_cite(last, evt: gr.EventData):
        n = getattr(evt, "n", None)
        group = next((g for g in render.group_citations((last or {}).get("citations", []))
                      if any(c.get("n") == n for c in g)), [])
        found = [(c["n"], svc.locate(c)) for c in group]
        found = [(k, w) for k, w in found if w]
        if not found:
            gr.Warning("That passage is not in the report text.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        idx = found[0][1][0]
        spans = [w[1] for _, w in found if w[0] == idx]
        ns = ", ".join(f"[{k}]" for k, w in found if w[0] == idx)
        note = (f'<div class="report-note">Cited as {render.esc(ns)} for “{render.esc(last.get("question", ""))}”: '
                f'the quoted {"sentence is" if len(spans) == 1 else "sentences are"} highlighted.</div>')
        return gr.Tabs(selected="report"), gr.Dropdown(value=idx), svc.section_view(idx, spans), note

    def show_section(idx):
        return svc.section_view(idx), REPORT_HINT

    # ---- Talking points --------------------------------------------------
    def make_points(section, topic):
        try:
            tp = svc.talking_points(section if isinstance(section, int) else None, topic or "")
        except ValueError as e:
            gr.Warning(str(e))
            return gr.skip(), gr.skip(), gr.skip()
        if not tp.points:
            return (f'<div class="refusal" role="status">{render.esc(tp.note)}</div>', "",
                    gr.DownloadButton(value=None, visible=False))
        path = new_tmp() / f"talking-points-{slug(tp.heading)}.md"
        path.write_text(tp.markdown_footnotes, encoding="utf-8")
        items = "".join(
            f'<li><span class="q">{render.esc(quoted(p.text))}</span> <span class="where">{render.esc(p.section)}'
            f'{", p. " + render.esc(p.page) if p.page else ""}'
            f'{"; the report cites " + render.link(p.source_url, p.source_title or p.source_url) if (p.source_title or p.source_url) else ""}'
            f'</span></li>' for p in tp.points)
        note = f'<p class="note">{render.esc(tp.note)}</p>' if tp.note else ""
        view = (f'<div class="points"><h3>Talking points: {render.esc(tp.heading)}</h3>{note}<ul>{items}</ul>'
                f'<p class="meta">Quoted from the report, version {render.esc(svc.version)}; '
                f'facts and figures first.</p></div>')
        return view, tp.text, gr.DownloadButton(value=str(path), visible=True)

    # ---- Evaluate --------------------------------------------------------
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

        chart_path = new_tmp() / "chart.png"
        chart(chart_path, run.summary, run.kinds)
        rows = eval_table(run, grading.latest(token))
        state = [{"id": str(q["id"]), "question": q["question"], "answer": rec.get("answer", ""), "expected": row[3],
                  "row": row} for q, rec, row in zip(run.questions, run.records, rows)]
        head = (f'<p class="meta">{len(questions)} questions in {time.perf_counter() - t0:.1f} s, '
                f'report version {render.esc(svc.version)}. Click a row to grade its answer.</p>')
        return head + summary_html(run.summary, run.kinds), str(chart_path), rows, state

    def pick_row(rows_state, evt: gr.SelectData):
        rows_state = rows_state or []
        rid = (evt.row_value or [None])[0] if isinstance(evt.row_value, list) else None
        r = next((x for x in rows_state if rid is not None and x["id"] == str(rid)), None)
        if r is None:  # fall back on the row number
            i = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            r = rows_state[i] if isinstance(i, int) and 0 <= i < len(rows_state) else None
        if r is None:
            return gr.skip(), gr.skip()
        return r, (f'<div class="grade-target"><div><b>{render.esc(r["id"])}</b> · {render.esc(r["question"])}</div>'
                   f'<div class="ans">{render.esc(r["answer"])}</div>'
                   f'<div class="exp">Expected: {render.esc(r["expected"] or "–")}</div></div>')

    def save_grade(token, row, grade, comment, rows_state):
        stored, msg = grading.save(token, row, grade, comment, svc.version)
        if not stored:  # nothing is acknowledged that was not committed
            gr.Warning(msg)
            return gr.skip(), gr.skip(), gr.skip(), grading.status_html(msg)
        gr.Info("Grade saved.")
        latest = grading.latest(token)
        rows = []
        for r in rows_state or []:
            g = latest.get((r["id"], r["answer"]))
            rows.append(r["row"][:-1] + [g["grade"] if g else ""])
        listed, status = grades_rows(token)
        return listed, "", rows if rows else gr.skip(), status

    def export_grades(token):
        path, msg = grading.export(token, new_tmp() / "grades.csv")
        if path is None:
            gr.Warning(msg)
            return gr.File(value=None, visible=False), grading.status_html(msg)
        return gr.File(value=str(path), visible=True), grading.status_html()

    # ---- API -------------------------------------------------------------
    def ask_api(question: str, history: list[list[str]] | None = None, detail: bool = False) -> dict:
        """Answer a question from the report. `history`: earlier [question, answer] pairs, oldest
        first (for follow-ups). Returns the answer schema: answer, abstained, citations (n, chunk_id,
        doc, section, page, quote, quote_start, quote_end, text, source), retrieved, report_version,
        latency_ms, mode, query, language, suggestions, notice."""
        try:
            return svc.ask(question, history, detail)
        except ValueError as e:
            raise gr.Error(str(e)) from None

    def talking_points_api(topic: str = "", section: str = "") -> dict:
        """Talking points for a topic, or for a report section (by title). Returns heading, note,
        markdown, markdown_footnotes and points (text, section, page, source)."""
        idx = next((i for i, s in enumerate(svc.sections) if s.title.lower() == (section or "").strip().lower()), None)
        if not (topic or "").strip() and idx is None:
            raise gr.Error("Give a topic or the title of a section.")
        try:
            return svc.talking_points(idx, topic or "").to_dict()
        except ValueError as e:
            raise gr.Error(str(e)) from None

    # ---- Layout ----------------------------------------------------------
    private = {"api_visibility": "private"}
    answer_q = {"concurrency_id": "answer", "concurrency_limit": "default"}
    with quiet_blocks(gr, verbose)(title=f"Ask the report: {svc.title}", fill_width=False, delete_cache=(3600, 3600)) as demo:
        gr.HTML(f'<header class="app-head"><h1>Ask the report</h1><p class="sub">{render.esc(svc.title)}'
                f'{" · edited by " + render.esc(svc.editor) if svc.editor else ""}</p></header>',
                js_on_load=None, elem_id="app-head")
        with gr.Tabs(selected="ask") as tabs:
            with gr.Tab("Ask", id="ask", elem_id="tab-ask"):
                gr.HTML(render.about_html(svc.title, svc.editor, svc.version), js_on_load=None, elem_id="about")
                chat = gr.Chatbot(value=[], elem_id="chat", label="Conversation", show_label=False, height=440,
                                  examples=[{"text": q} for q in svc.examples], latex_delimiters=[],
                                  buttons=["copy", "copy_all"], feedback_options=None, layout="bubble",
                                  placeholder="**Ask a question about the report**, or pick an example.")
                with gr.Row(equal_height=True, elem_id="ask-row"):
                    question = gr.Textbox(show_label=False, placeholder="Ask about the report…",
                                          lines=1, max_lines=4, scale=5, elem_id="question", autofocus=True,
                                          submit_btn=False)
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-btn")
                with gr.Row(elem_id="ask-options"):
                    detail = gr.Checkbox(label="More detail", value=False, elem_id="detail", scale=0, min_width=120)
                    new_btn = gr.Button("New conversation", variant="secondary", size="sm", scale=0,
                                        min_width=160, elem_id="new-chat")
                sources = gr.HTML(render.sources_html(None), js_on_load=SOURCES_JS, elem_id="sources")
                turns, last = gr.State([]), gr.State(None)

            with gr.Tab("Talking points", id="points", elem_id="tab-points"):
                gr.Markdown("Pick a section **or** type a topic: you get 3–8 bullet points quoted from the report, "
                            "facts and figures first, each with its section, page and the report's own source.")
                with gr.Row(equal_height=True):
                    tp_section = gr.Dropdown(choices=svc.section_choices(SKIP_SECTIONS), value=None,
                                             label="Section", elem_id="tp-section", scale=2)
                    tp_topic = gr.Textbox(label="…or a topic (used if filled in)", placeholder="e.g. children, Europe",
                                          elem_id="tp-topic", scale=2)
                tp_btn = gr.Button("Make talking points", variant="primary", elem_id="tp-make")
                tp_view = gr.HTML("", js_on_load=None, elem_id="tp-view")
                tp_md = gr.Textbox(label="Markdown (copy into a brief)", lines=8, max_lines=20, interactive=False,
                                   buttons=["copy"], elem_id="tp-md")
                tp_file = gr.DownloadButton("Download .md with footnotes", visible=False, elem_id="tp-download")

            with gr.Tab("Evaluate", id="evaluate", elem_id="tab-evaluate"):
                gr.Markdown("Run the built-in known questions, or upload a JSONL file in the same schema "
                            "(`id`, `question`, `answers`, `evidence`, optional `kind`, `history`). "
                            "Click a row to grade its answer; grades are kept across restarts.")
                grade_status = gr.HTML(grading.status_html(), js_on_load=None, elem_id="grade-status")
                grader_token = gr.Textbox(label="Grader token", type="password", max_length=200,
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
                eval_summary = gr.HTML("", js_on_load=None, elem_id="eval-summary")
                eval_chart = gr.Image(label="Answer accuracy by kind", show_label=False, type="filepath",
                                      interactive=False, elem_id="eval-chart", buttons=[])
                eval_rows = gr.Dataframe(headers=EVAL_COLUMNS, value=[], interactive=False, wrap=True,
                                         elem_id="eval-table", max_height=420, buttons=["fullscreen"],
                                         column_widths=["8%", "20%", "34%", "14%", "6%", "6%", "6%", "6%"])
                rows_state, picked = gr.State([]), gr.State(None)
                with gr.Group(elem_id="grade-box"):
                    grade_target = gr.HTML('<div class="grade-target empty">No answer picked yet.</div>',
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

            with gr.Tab("Report", id="report", elem_id="tab-report"):
                with gr.Row(equal_height=True):
                    section = gr.Dropdown(choices=svc.section_choices(), value=svc.default_section(),
                                          label="Section", elem_id="report-section", scale=3)
                report_note = gr.HTML(REPORT_HINT, js_on_load=None, elem_id="report-note")
                report_view = gr.HTML(svc.section_view(svc.default_section()), js_on_load=None,
                                      elem_id="report-view")
        gr.HTML(f'<footer class="app-foot">{render.esc(log_status(svc))} Runs offline: nothing leaves this '
                f'machine.</footer>', js_on_load=None, elem_id="app-foot")

        # ---- Events --------------------------------------------------------
        ask_out = [question, chat, turns, last, sources]
        gr.on([question.submit, ask_btn.click], do_ask, [question, turns, detail], ask_out, **private, **answer_q,
              show_progress="minimal")
        chat.example_select(ask_example, [turns, detail], ask_out, **private, **answer_q)
        sources.ask_suggestion(ask_suggestion, [turns, detail], ask_out, **private, **answer_q)
        new_btn.click(reset, None, ask_out, **private, queue=False)
        chat.clear(reset, None, ask_out, **private, queue=False)
        sources.open_cite(open_cite, [last], [tabs, section, report_view, report_note], **private) \
            .then(None, js=SCROLL_TO_MARK, **private)
        section.input(show_section, [section], [report_view, report_note], **private)

        gr.on([tp_btn.click, tp_topic.submit], make_points, [tp_section, tp_topic], [tp_view, tp_md, tp_file],
              **private, **answer_q)

        eval_out = [eval_summary, eval_chart, eval_rows, rows_state]
        def run_builtin_set(up, token, progress=gr.Progress()):
            return run_eval(up, "builtin", token, progress)

        def run_uploaded_set(up, token, progress=gr.Progress()):
            return run_eval(up, "upload", token, progress)

        run_builtin.click(run_builtin_set, [upload, grader_token], eval_out, **private, concurrency_id="eval",
                          concurrency_limit=1)
        run_upload.click(run_uploaded_set, [upload, grader_token], eval_out, **private, concurrency_id="eval",
                         concurrency_limit=1)
        eval_rows.select(pick_row, [rows_state], [picked, grade_target], **private, queue=False)
        save.click(save_grade, [grader_token, picked, grade, comment, rows_state],
                   [grades_table, comment, eval_rows, grade_status], **private)
        export.click(export_grades, [grader_token], [export_file, grade_status], **private)
        grader_token.submit(grades_rows, [grader_token], [grades_table, grade_status], **private)
        demo.load(grades_rows, None, [grades_table, grade_status], **private)

        gr.api(ask_api, api_name="ask", **answer_q)
        gr.api(talking_points_api, api_name="talking_points", **answer_q)
    return demo


def theme():
    import gradio as gr

    # Fonts: the Source Sans Pro files bundled with gradio (served by the app itself), then
    # system fonts; never a Google Fonts URL. Weights 400 and 700: gradio 6.31's SemiBold (600)
    # file is a 5 KB subset without most Latin letters, so bold text fell back glyph by glyph.
    return gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "system-ui", "-apple-system", "Segoe UI", "Roboto",
              "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "Menlo", "Consolas", "monospace"],
        primary_hue="blue", neutral_hue="slate")


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    # Start-up creates ~550k objects that live as long as the app (torch, transformers, gradio) and
    # the cyclic collector kept rescanning them: cold start to the first answer 5.9 s -> 4.6 s
    # without it (eval.bench_app, median of 3, 2 cores).
    gc.disable()
    from rag import Config, Pipeline
    from rag.index import BadIndex
    from rag.load import CorpusError

    print("Opening the report index (building it first if missing)…", file=sys.stderr, flush=True)
    try:
        pipeline = Pipeline.open(Config(), progress=True)
    except (BadIndex, CorpusError) as e:  # what is wrong and what to do, not a traceback
        gc.enable()
        print(f"app.py: {e}", file=sys.stderr)
        return 1
    t_index = time.perf_counter() - t0
    try:  # one thread per answer: requests run side by side, one per core, without oversubscription
        import torch

        torch.set_num_threads(max(1, env_int("RAG_TORCH_THREADS", 1)))
    except Exception:
        pass
    svc = Service(pipeline, args.data_dir, log_questions=os.environ.get("RAG_LOG_QUESTIONS") == "1")
    grading = Grading(svc.grades, grader_access(args.host, os.environ))
    for note in (svc.grades.problem, grading.access.note()):
        if note:
            print(f"app.py: Evaluate tab: {note}", file=sys.stderr, flush=True)
    t_ui = time.perf_counter()
    demo = build(svc, grading, verbose=svc.log_questions)
    demo.queue(default_concurrency_limit=max(1, args.concurrency), max_size=max(1, args.queue_size))
    print(f"Report version {svc.version}; {log_status(svc)}", file=sys.stderr, flush=True)
    print(f"Ready in {time.perf_counter() - t0:.1f} s (index and model {t_index:.1f} s, UI "
          f"{time.perf_counter() - t_ui:.1f} s): http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    # Freeze rather than collect: a collection here took 0.45 s to free ~8 MB of start-up garbage
    # (of ~550 MB); frozen objects are left out of every later collection.
    gc.freeze()
    gc.enable()
    signal.signal(signal.SIGTERM, on_sigterm)
    demo.launch(theme=theme(), css=CSS_FILE.read_text(encoding="utf-8"), **launch_kwargs(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
