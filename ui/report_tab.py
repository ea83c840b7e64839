"""The Report tab: read the report by section; a citation's "Open in report" lands here."""
from dataclasses import dataclass

import gradio as gr

from . import render
from .events import PRIVATE
from .service import Service

REPORT_HINT = ('<div class="report-note">Read the report by section. “Open in report” on a cited passage '
               'brings you here with the quoted sentence highlighted.</div>')
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


@dataclass(frozen=True)
class ReportTab:
    section: gr.Dropdown
    note: gr.HTML
    view: gr.HTML


def cite_note(refs: str, question: str, n_spans: int) -> str:
    """The note over a section opened from citations ``refs`` (e.g. "[1], [2]") of an answer to ``question``."""
    return (f'<div class="report-note">Cited as {render.esc(refs)} for “{render.esc(question)}”: '
            f'the quoted {"sentence is" if n_spans == 1 else "sentences are"} highlighted.</div>')


def layout(svc: Service) -> ReportTab:
    """The tab's components, made inside the current ``gr.Tabs``."""
    with gr.Tab("Report", id="report", elem_id="tab-report"):
        with gr.Row(equal_height=True):
            section = gr.Dropdown(choices=svc.section_choices(), value=svc.default_section(),
                                  label="Section", elem_id="report-section", scale=3)
        note = gr.HTML(REPORT_HINT, js_on_load=None, elem_id="report-note")
        view = gr.HTML(svc.section_view(svc.default_section()), js_on_load=None, elem_id="report-view")
    return ReportTab(section, note, view)


def wire(tab: ReportTab, svc: Service, tabs: gr.Tabs, sources: gr.HTML, last: gr.State) -> None:
    """Picking a section, and ``sources``' open_cite (the Ask tab's panel): switch ``tabs`` to this
    tab and show the section with the quotes of the cited group of ``last`` (the answer) marked."""
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
        refs = ", ".join(f"[{k}]" for k, w in found if w[0] == idx)
        note = cite_note(refs, last.get("question", ""), len(spans))
        return gr.Tabs(selected="report"), gr.Dropdown(value=idx), svc.section_view(idx, spans), note

    def show_section(idx):
        return svc.section_view(idx), REPORT_HINT

    sources.open_cite(open_cite, [last], [tabs, tab.section, tab.view, tab.note], **PRIVATE) \
        .then(None, js=SCROLL_TO_MARK, **PRIVATE)
    tab.section.input(show_section, [tab.section], [tab.view, tab.note], **PRIVATE)
