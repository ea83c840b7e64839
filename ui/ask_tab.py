"""The Ask tab: the conversation, the cited-passages panel, and the ``/ask`` API endpoint."""
import sys
import traceback
from dataclasses import dataclass

import gradio as gr

from . import render
from .events import ANSWER_QUEUE, PRIVATE
from .quiet import redacted
from .service import Service

# The sources panel is re-rendered as HTML, so its clicks are caught once on the element:
# a citation opens the Report tab (report_tab.wire), a suggestion is asked.
SOURCES_JS = """
element.addEventListener('click', (e) => {
  const c = e.target.closest('[data-cite]');
  if (c) { e.preventDefault(); trigger('open_cite', {n: Number(c.dataset.cite)}); return; }
  const s = e.target.closest('[data-ask]');
  if (s) { e.preventDefault(); trigger('ask_suggestion', {q: s.dataset.ask}); }
});
"""


@dataclass(frozen=True)
class AskTab:
    question: gr.Textbox
    chat: gr.Chatbot
    ask_btn: gr.Button
    detail: gr.Checkbox
    new_btn: gr.Button
    sources: gr.HTML  # fires open_cite, which the Report tab answers
    turns: gr.State
    last: gr.State  # the last answer, whose citations open_cite looks up


def chat_value(turns: list[dict]) -> list[dict]:
    """The chatbot's messages for the kept turns.

    >>> chat_value([{"user_md": "q", "bot_md": "a"}])
    [{'role': 'user', 'content': 'q'}, {'role': 'assistant', 'content': 'a'}]
    """
    msgs = []
    for t in turns:
        msgs.append({"role": "user", "content": t["user_md"]})
        msgs.append({"role": "assistant", "content": t["bot_md"]})
    return msgs


def layout(svc: Service) -> AskTab:
    """The tab's components, made inside the current ``gr.Tabs``."""
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
    return AskTab(question, chat, ask_btn, detail, new_btn, sources, turns, last)


def wire(tab: AskTab, svc: Service, verbose: bool = False) -> None:
    """Asking, examples, suggestions and a new conversation; ``verbose`` prints failures' tracebacks."""
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

    ask_out = [tab.question, tab.chat, tab.turns, tab.last, tab.sources]
    gr.on([tab.question.submit, tab.ask_btn.click], do_ask, [tab.question, tab.turns, tab.detail], ask_out,
          **PRIVATE, **ANSWER_QUEUE, show_progress="minimal")
    tab.chat.example_select(ask_example, [tab.turns, tab.detail], ask_out, **PRIVATE, **ANSWER_QUEUE)
    tab.sources.ask_suggestion(ask_suggestion, [tab.turns, tab.detail], ask_out, **PRIVATE, **ANSWER_QUEUE)
    tab.new_btn.click(reset, None, ask_out, **PRIVATE, queue=False)
    tab.chat.clear(reset, None, ask_out, **PRIVATE, queue=False)


def api(svc: Service) -> None:
    """The ``/ask`` endpoint."""
    def ask_api(question: str, history: list[list[str]] | None = None, detail: bool = False) -> dict:
        """Answer a question from the report. `history`: earlier [question, answer] pairs, oldest
        first (for follow-ups). Returns the answer schema: answer, abstained, citations (n, chunk_id,
        doc, section, page, quote, quote_start, quote_end, text, source), retrieved, report_version,
        latency_ms, mode, query, language, suggestions, notice."""
        try:
            return svc.ask(question, history, detail)
        except ValueError as e:
            raise gr.Error(str(e)) from None

    gr.api(ask_api, api_name="ask", **ANSWER_QUEUE)
