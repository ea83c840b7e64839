"""The Ask tab: the conversation, kept in the browser, and the ``/ask`` API endpoint.

Each answer is one chat message carrying its own sources (ui/render.py): its [n] markers open
the quoted passage right under it, so every earlier turn stays checkable. The conversation is
data in the browser's localStorage (ui/conversation.py), so it survives a reload, and it
downloads as Markdown with its citations.
"""
import sys
import traceback
from dataclasses import dataclass

import gradio as gr

from . import conversation, render
from .events import ANSWER_QUEUE, PRIVATE
from .quiet import redacted
from .service import MAX_HISTORY, Service

# Clicks inside chat messages. The chatbot re-renders its messages from the server's HTML and
# strips data-* and aria-* from it (gradio 6.31), so one capturing listener on the document
# catches them and reads the turn and source from ids (ui/render.py). It is set up by the
# (empty) #ask-events element, the only place where ``trigger`` is at hand; set up again if
# that element is mounted again, never twice.
EVENTS_JS = """
const ask = window.__ask = window.__ask || {};
const chatScroll = () => document.querySelector('#chat .bubble-wrap');
if (ask.click) document.removeEventListener('click', ask.click, true);
if (ask.open) document.removeEventListener('ask-open', ask.open);
ask.click = (e) => {
  const t = e.target;
  if (!t || !t.closest || !t.closest('#chat')) return;
  const mk = t.closest('a.mk');
  if (mk) {  // a marker: open its source under the same answer and move there
    e.preventDefault();
    const d = document.getElementById(mk.getAttribute('href').slice(1));
    const sc = chatScroll();
    if (!d) return;
    d.open = true;
    d.querySelector('summary')?.focus({preventScroll: true});
    if (sc) {  // within the chat only: the page stays put
      const top = d.getBoundingClientRect().top - sc.getBoundingClientRect().top;
      if (top < 0 || d.getBoundingClientRect().bottom > sc.getBoundingClientRect().bottom) sc.scrollTop += top - 8;
    }
    return;
  }
  const op = t.closest('button.cite-open');
  if (op) {  // remember the place in the chat, for coming back from the Report tab
    e.preventDefault();
    const [, turn, n] = op.id.split('-');
    Object.assign(ask, {back: op.id, y: window.scrollY, top: chatScroll()?.scrollTop || 0, n: Number(n)});
    trigger('pick', {turn: turn, n: Number(n)});
    return;
  }
  const s = t.closest('button.suggestion');
  if (s) { e.preventDefault(); trigger('ask_suggestion', {q: s.textContent}); return; }
  if (t.closest('button.ask-erase')) { e.preventDefault(); trigger('erase'); }
};
// After 'pick' has put the turn's answer in the state the Report tab reads (ui/report_tab.py).
ask.open = () => trigger('open_cite', {n: ask.n});
document.addEventListener('click', ask.click, true);
document.addEventListener('ask-open', ask.open);
"""
OPEN_JS = "() => { document.dispatchEvent(new CustomEvent('ask-open')); }"

# Back in the Ask tab after "Open in report": the chat and the page where they were, and the
# focus on the button that was clicked.
RESTORE_JS = """
() => {
  const ask = window.__ask || {};
  if (!ask.back) return;
  setTimeout(() => {
    const sc = document.querySelector('#chat .bubble-wrap');
    if (sc) sc.scrollTop = ask.top;
    window.scrollTo(0, ask.y);
    document.getElementById(ask.back)?.focus({preventScroll: true});
    ask.back = null;
  }, 50);
}
"""

# After an answer: the chat scrolled so that the new question is at its top (its answer and
# sources follow; gradio's autoscroll went to the bottom, past the answer). The focus stays
# where it was (the box, the Ask button, the clicked suggestion: earlier messages keep their
# DOM); only if it was lost (an example button disappears with the empty chat) does it go to
# the question box, and on a wide screen only: on a phone that would open the keyboard.
# Markdown renders asynchronously, so this waits up to ~2 s for the last message.
# ``msgs`` is the chat's value: its last turn is the one to show.
SHOW_LAST_JS = """
(msgs) => {
  const want = Math.floor((msgs || []).length / 2);
  let tries = 0;
  const go = () => {
    const users = document.querySelectorAll('#chat [data-testid=user]');
    const bots = document.querySelectorAll('#chat [data-testid=bot] .ask-msg');
    const sc = document.querySelector('#chat .bubble-wrap');
    if ((users.length < want || bots.length < want) && tries++ < 40) { setTimeout(go, 50); return; }
    const u = users[users.length - 1];
    if (sc && u) sc.scrollTop += u.getBoundingClientRect().top - sc.getBoundingClientRect().top - 8;
    const f = document.activeElement;
    if ((!f || f === document.body) && window.matchMedia('(min-width: 641px)').matches)
      document.querySelector('#question textarea')?.focus({preventScroll: true});
  };
  setTimeout(go, 30);
}
"""

# No autofocus on the question box: on a 390 x 844 phone it scrolled the page 419 px on load,
# hiding the title and the tabs. On a wide screen the box gets the focus without scrolling.
FOCUS_JS = """
() => { if (window.matchMedia('(min-width: 641px)').matches)
          document.querySelector('#question textarea')?.focus({preventScroll: true}); }
"""

# The export is made on the server (it has the renderer) and saved by the browser from a
# blob: no file of the conversation is ever written on this machine.
DOWNLOAD_JS = """
(md) => {
  if (!md) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([md], {type: 'text/markdown;charset=utf-8'}));
  a.download = 'ask-the-report-conversation.md';
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
"""


@dataclass(frozen=True)
class AskTab:
    tab: gr.Tab
    question: gr.Textbox
    chat: gr.Chatbot
    ask_btn: gr.Button
    detail: gr.Checkbox
    new_btn: gr.Button
    download_btn: gr.Button
    export: gr.Textbox  # the Markdown the browser saves
    sources: gr.HTML  # click events from chat messages; fires open_cite, which the Report tab answers
    turns: gr.BrowserState
    last: gr.State  # the answer whose passage "Open in report" shows (open_cite reads it)


def chat_value(turns: list[dict]) -> list[dict]:
    """The chatbot's messages for the kept turns.

    >>> m = chat_value([{"id": "ab12cd34", "question": "q <b>", "answer": None, "error": "Too long."}])
    >>> m[0], m[1]["content"]
    ({'role': 'user', 'content': 'q &lt;b&gt;'}, '<div class="ask-msg"><p class="ask-error">⚠️ Too long.</p></div>')
    """
    msgs = []
    for t in turns:
        msgs.append({"role": "user", "content": render.user_markdown(t["question"])})
        msgs.append({"role": "assistant", "content": render.turn_html(t)})
    return msgs


def layout(svc: Service) -> AskTab:
    """The tab's components, made inside the current ``gr.Tabs``."""
    with gr.Tab("Ask", id="ask", elem_id="tab-ask") as tab:
        gr.HTML(render.about_html(svc.title, svc.editor), js_on_load=None, elem_id="about")
        # No copy buttons: they copy a message's source, which is HTML here; the download
        # below gives the conversation as Markdown. The chat scrolls itself (SHOW_LAST_JS).
        # The examples, the box and the button arrive with the kept conversation (wire's
        # restore): an answer given before that restore returned was overwritten by it, on a
        # loaded machine 1 s or more after the page showed (CI saw an answer vanish).
        chat = gr.Chatbot(value=[], elem_id="chat", label="Conversation", show_label=False, height=440,
                          examples=None, latex_delimiters=[],
                          buttons=[], feedback_options=None, layout="bubble", autoscroll=False,
                          placeholder="**Ask a question about the report**, or pick an example.")
        with gr.Row(equal_height=True, elem_id="ask-row"):
            question = gr.Textbox(show_label=False, placeholder="Ask about the report…",
                                  lines=1, max_lines=4, scale=5, elem_id="question", submit_btn=False,
                                  interactive=False)
            ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-btn",
                                interactive=False)
        with gr.Row(elem_id="ask-options"):
            detail = gr.Checkbox(label="More detail", value=False, elem_id="detail", scale=0, min_width=120)
            new_btn = gr.Button("New conversation", variant="secondary", size="sm", scale=0,
                                min_width=160, elem_id="new-chat")
            download_btn = gr.Button("Download conversation (.md)", variant="secondary", size="sm", scale=0,
                                     min_width=220, elem_id="ask-download")
        export = gr.Textbox(visible=False, elem_id="ask-export")
        sources = gr.HTML("", js_on_load=EVENTS_JS, elem_id="ask-events", container=False, padding=False)
        # The secret only keeps the stored conversation from being read at a glance: the page
        # has it, like everything in localStorage. Tied to the report version, so a conversation
        # citing an older report is not brought back.
        turns = gr.BrowserState([], storage_key="ask-the-report-conversation", secret=f"ask-{svc.version}")
        last = gr.State(None)
    return AskTab(tab, question, chat, ask_btn, detail, new_btn, download_btn, export, sources, turns, last)


def wire(tab: AskTab, svc: Service, demo: gr.Blocks, verbose: bool = False) -> None:
    """Asking, examples, suggestions, reload, download and a new conversation; ``verbose``
    prints failures' tracebacks."""
    def do_ask(question, turns, detail):
        """-> textbox, chatbot, turns."""
        turns = conversation.clean_turns(turns)
        question = question if isinstance(question, str) else ""
        if not question.strip():
            gr.Warning("Please type a question.")
            return gr.skip(), gr.skip(), gr.skip()
        try:
            answer = svc.ask(question, conversation.history(turns)[-MAX_HISTORY:], detail)
        except ValueError as e:  # empty / too long: a message, not a hang
            turn = conversation.new_turn(question, None, error=str(e))
        except Exception as e:  # never show a traceback to the public, nor log the question
            if verbose:
                traceback.print_exc()
            else:
                print(redacted("do_ask", e), file=sys.stderr, flush=True)
            gr.Warning("Something went wrong while answering; please try again.")
            return gr.skip(), gr.skip(), gr.skip()
        else:
            danger = render.in_danger(question) or bool(answer.get("help"))
            # A person in danger gets the help note alone: no quotes, no "related" questions
            # about arrests and deportations.
            turn = conversation.new_turn(question, answer, danger,
                                         () if danger else svc.related(answer, conversation.asked(turns)))
        turns = (turns + [turn])[-conversation.MAX_TURNS:]
        return "", chat_value(turns), turns

    def reset():
        return "", [], [], None

    examples = [{"text": q} for q in svc.examples]

    def restore(turns):
        """-> chatbot (with its examples), turns, textbox and button, ready."""
        turns = conversation.clean_turns(turns)
        return (gr.Chatbot(chat_value(turns), examples=examples), turns,
                gr.Textbox(interactive=True), gr.Button(interactive=True))

    def ask_example(turns, detail, evt: gr.SelectData):
        v = evt.value
        q = v.get("text", "") if isinstance(v, dict) else str(v or "")
        return do_ask(q, turns, detail)

    def ask_suggestion(turns, detail, evt: gr.EventData):
        return do_ask(str(getattr(evt, "q", "") or ""), turns, detail)

    def pick(turns, evt: gr.EventData):
        """The answer of the turn whose "Open in report" was clicked, for open_cite."""
        turn = conversation.find(conversation.clean_turns(turns), str(getattr(evt, "turn", "")))
        return (turn or {}).get("answer") or {"question": "", "citations": []}

    def export(turns):
        turns = conversation.clean_turns(turns)
        if not turns:
            gr.Warning("Nothing to download yet: ask a question first.")
            return gr.skip()
        return render.conversation_markdown(turns, svc.title, svc.editor, svc.version)

    ask_out = [tab.question, tab.chat, tab.turns]
    ask_kw = dict(**PRIVATE, **ANSWER_QUEUE, show_progress="minimal")
    gr.on([tab.question.submit, tab.ask_btn.click], do_ask, [tab.question, tab.turns, tab.detail], ask_out,
          **ask_kw).then(None, [tab.chat], None, js=SHOW_LAST_JS, **PRIVATE)
    tab.chat.example_select(ask_example, [tab.turns, tab.detail], ask_out, **ask_kw) \
        .then(None, [tab.chat], None, js=SHOW_LAST_JS, **PRIVATE)
    tab.sources.ask_suggestion(ask_suggestion, [tab.turns, tab.detail], ask_out, **ask_kw) \
        .then(None, [tab.chat], None, js=SHOW_LAST_JS, **PRIVATE)
    tab.sources.pick(pick, [tab.turns], [tab.last], **PRIVATE, queue=False).then(None, js=OPEN_JS, **PRIVATE)
    reset_out = [tab.question, tab.chat, tab.turns, tab.last]
    gr.on([tab.new_btn.click, tab.chat.clear], reset, None, reset_out, **PRIVATE, queue=False)
    tab.sources.erase(reset, None, reset_out, **PRIVATE, queue=False)  # an HTML event cannot go in gr.on
    tab.download_btn.click(export, [tab.turns], [tab.export], **PRIVATE, queue=False) \
        .then(None, [tab.export], None, js=DOWNLOAD_JS, **PRIVATE)
    tab.tab.select(None, js=RESTORE_JS, **PRIVATE)
    demo.load(restore, [tab.turns], [tab.chat, tab.turns, tab.question, tab.ask_btn], **PRIVATE, queue=False) \
        .then(None, [tab.chat], None, js=SHOW_LAST_JS, **PRIVATE).then(None, js=FOCUS_JS, **PRIVATE)


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
