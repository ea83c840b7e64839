"""The Report tab: read the report by section, with its contents and previous/next links;
a citation's "Open in report" lands here, and "Back to the answer" returns to the Ask tab
(whose conversation is untouched: it lives in that tab's own state)."""
from dataclasses import dataclass

import gradio as gr

from . import render
from .events import PRIVATE
from .service import Service

REPORT_HINT = ('<div class="report-note">Read the report by section. “Open in report” on a cited passage '
               'brings you here with the quoted sentence highlighted.</div>')
# The page is re-rendered as HTML, so its links' clicks are caught once on the element: a contents
# or previous/next link shows that section, the back link returns to the answer.
VIEW_JS = """
element.addEventListener('click', (e) => {
  const s = e.target.closest('[data-section]');
  if (s) { e.preventDefault(); trigger('go_section', {i: Number(s.dataset.section)}); return; }
  const b = e.target.closest('[data-back]');
  if (b) { e.preventDefault(); trigger('go_back', {}); }
});
"""
# The new section may not be in the page yet when this runs: the mark is looked for again, up to ~1 s.
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
# A new section starts at its heading (the old page's scroll position would land mid-text).
SCROLL_TO_TOP = """
() => { setTimeout(() => document.querySelector('#report-view .report-section h2')?.scrollIntoView({block: 'start'}), 30); }
"""
# Back in the Ask tab, the answer the reader left from is brought into view.
SCROLL_TO_ANSWER = """
() => {
  setTimeout(() => {
    const bots = document.querySelectorAll('#chat [data-testid=bot]');
    if (bots.length) bots[bots.length - 1].scrollIntoView({block: 'center'});
  }, 50);
}
"""


@dataclass(frozen=True)
class ReportTab:
    view: gr.HTML  # fires go_section and go_back
    came_from: gr.State  # the citation note while the reader came from an answer, else None


def cite_note(refs: str, question: str, n_spans: int) -> str:
    """The note over a section opened from citations ``refs`` (e.g. "[1], [2]") of an answer to ``question``."""
    return (f'<div class="report-note">Cited as {render.esc(refs)} for “{render.esc(question)}”: '
            f'the quoted {"sentence is" if n_spans == 1 else "sentences are"} highlighted.</div>')


def layout(svc: Service) -> ReportTab:
    """The tab's components, made inside the current ``gr.Tabs``."""
    with gr.Tab("Report", id="report", elem_id="tab-report"):
        start = svc.default_section()
        view = gr.HTML(svc.section_view(start, note=REPORT_HINT), js_on_load=VIEW_JS, elem_id="report-view")
        came_from = gr.State(None)
    return ReportTab(view, came_from)


def wire(tab: ReportTab, svc: Service, tabs: gr.Tabs, sources: gr.HTML, last: gr.State) -> None:
    """``sources``' open_cite (the Ask tab's panel): switch ``tabs`` to this tab and show the section
    with the quotes of the cited group of ``last`` (the answer) marked; the page's links: another
    section, or back to the Ask tab."""
    def open_cite(last, evt: gr.EventData):
        n = getattr(evt, "n", None)
        group = next((g for g in render.group_citations((last or {}).get("citations", []))
                      if any(c.get("n") == n for c in g)), [])
        found = [(c["n"], svc.locate(c)) for c in group]
        found = [(k, w) for k, w in found if w]
        if not found:
            gr.Warning("That passage is not in the report text.")
            return gr.skip(), gr.skip(), gr.skip()
        idx = found[0][1][0]
        spans = [w[1] for _, w in found if w[0] == idx]
        refs = ", ".join(f"[{k}]" for k, w in found if w[0] == idx)
        note = cite_note(refs, last.get("question", ""), len(spans))
        return gr.Tabs(selected="report"), svc.section_view(idx, spans, note, back=True), note

    def go_section(came_from, evt: gr.EventData):
        idx = svc.section_index(getattr(evt, "i", None))
        # Still a way back to the answer, without the old section's note (its marks are gone).
        note = REPORT_HINT if came_from is None else ""
        return svc.section_view(idx, note=note, back=came_from is not None)

    def go_back():
        return gr.Tabs(selected="ask")

    sources.open_cite(open_cite, [last], [tabs, tab.view, tab.came_from], **PRIVATE) \
        .then(None, js=SCROLL_TO_MARK, **PRIVATE)
    tab.view.go_section(go_section, [tab.came_from], [tab.view], **PRIVATE, queue=False) \
        .then(None, js=SCROLL_TO_TOP, **PRIVATE)
    tab.view.go_back(go_back, None, [tabs], **PRIVATE, queue=False).then(None, js=SCROLL_TO_ANSWER, **PRIVATE)
