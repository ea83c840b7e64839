"""The Talking points tab and the ``/talking_points`` API endpoint."""
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from . import render
from .events import ANSWER_QUEUE, PRIVATE
from .points import SKIP_SECTIONS, quoted, slug
from .service import Service, TalkingPoints


@dataclass(frozen=True)
class PointsTab:
    section: gr.Dropdown
    topic: gr.Textbox
    make: gr.Button
    view: gr.HTML
    md: gr.Textbox
    file: gr.DownloadButton


def points_html(tp: TalkingPoints, version: str) -> str:
    """The points as shown in the tab: each quote with its section, page and the report's source."""
    items = "".join(
        f'<li><span class="q">{render.esc(quoted(p.text))}</span> <span class="where">{render.esc(p.section)}'
        f'{", p. " + render.esc(p.page) if p.page else ""}'
        f'{"; the report cites " + render.link(p.source_url, p.source_title or p.source_url) if (p.source_title or p.source_url) else ""}'
        f'</span></li>' for p in tp.points)
    note = f'<p class="note">{render.esc(tp.note)}</p>' if tp.note else ""
    return (f'<div class="points"><h3>Talking points: {render.esc(tp.heading)}</h3>{note}<ul>{items}</ul>'
            f'<p class="meta">Quoted from the report, version {render.esc(version)}; '
            f'facts and figures first.</p></div>')


def layout(svc: Service) -> PointsTab:
    """The tab's components, made inside the current ``gr.Tabs``."""
    with gr.Tab("Talking points", id="points", elem_id="tab-points"):
        gr.Markdown("Pick a section **or** type a topic: you get 3–8 bullet points quoted from the report, "
                    "facts and figures first, each with its section, page and the report's own source.")
        # Side by side on laptops; stacked below ~620 px (each needs 280 px), so on a phone the
        # chosen section is not cut and its options are not squeezed into a half-width list.
        with gr.Row(equal_height=True, elem_id="tp-pick"):
            section = gr.Dropdown(choices=svc.section_choices(SKIP_SECTIONS), value=None,
                                  label="Section", elem_id="tp-section", scale=2, min_width=280)
            topic = gr.Textbox(label="…or a topic (used if filled in)", placeholder="e.g. children, Europe",
                               elem_id="tp-topic", scale=2, min_width=280)
        make = gr.Button("Make talking points", variant="primary", elem_id="tp-make")
        view = gr.HTML("", js_on_load=None, elem_id="tp-view")
        md = gr.Textbox(label="Text (copy into a document)", lines=8, max_lines=20, interactive=False,
                        buttons=["copy"], elem_id="tp-md")
        file = gr.DownloadButton("Download .md with footnotes", visible=False, elem_id="tp-download")
    return PointsTab(section, topic, make, view, md, file)


def wire(tab: PointsTab, svc: Service, new_dir: Callable[[], Path]) -> None:
    """Making the points; the download is written to a fresh folder from ``new_dir``."""
    def make_points(section, topic):
        try:
            tp = svc.talking_points(section if isinstance(section, int) else None, topic or "")
        except ValueError as e:
            gr.Warning(str(e))
            return gr.skip(), gr.skip(), gr.skip()
        if not tp.points:
            return (f'<div class="refusal" role="status">{render.esc(tp.note)}</div>', "",
                    gr.DownloadButton(value=None, visible=False))
        path = new_dir() / f"talking-points-{slug(tp.heading)}.md"
        path.write_text(tp.markdown_footnotes, encoding="utf-8")
        return points_html(tp, svc.version), tp.text, gr.DownloadButton(value=str(path), visible=True)

    gr.on([tab.make.click, tab.topic.submit], make_points, [tab.section, tab.topic], [tab.view, tab.md, tab.file],
          **PRIVATE, **ANSWER_QUEUE)


def api(svc: Service) -> None:
    """The ``/talking_points`` endpoint."""
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

    gr.api(talking_points_api, api_name="talking_points", **ANSWER_QUEUE)
