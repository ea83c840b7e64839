"""The Report tab's page, without Gradio: one section of the report as HTML, with the
report's contents (every section and its page), previous/next links, and, when the
reader came from an answer's citation, a link back to that answer.

The section's plain text is laid out by paragraph: "- " lines become a list (the
reference list a numbered one, each entry linked to its source), "Photo credit:"
lines are set as credits, "Figure:" lines as captions. URLs in the text are links
that open in a new tab; nothing is fetched. Every piece of text is escaped; the only
markup is made here. Navigation links carry ``data-section`` (and the back link
``data-back``); report_tab.py turns their clicks into events.
"""
from __future__ import annotations

import re

from .render import esc, safe_url

# A paragraph ends at a blank line, or where the next line starts a list item.
_BLANK = re.compile(r"\n[ \t]*\n|\n(?=- )")
_REF_ITEM = re.compile(r"- \((\d+)\) ")
_CREDIT = re.compile(r"(?:photo credits?|cover photo|photo)\b[^:\n]{0,40}(?::| by\b)", re.I)
_FIGURE = re.compile(r"figure(?: note)?:", re.I)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.I)
_AVAILABLE = re.compile(r"Available at:\s*", re.I)


def paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Document offsets of the paragraphs (runs of text between blank lines) in ``text[start:end]``.

    >>> t = "Title\\n\\nOne.\\n\\n  \\n- a\\n- b"
    >>> [t[s:e] for s, e in paragraphs(t, 0, len(t))]
    ['Title', 'One.', '- a', '- b']
    """
    out, at = [], start
    for m in list(_BLANK.finditer(text, start, end)) + [None]:
        stop = m.start() if m else end
        s, e = at, stop
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
        at = m.end() if m else end
    return out


def kind(piece: str) -> str:
    """How a paragraph is set: "ref" (a numbered reference), "li", "credit", "figure" or "p".

    >>> [kind(p) for p in ("- (3) UN. Title.", "- a point", "Photo credit: courtesy of X",
    ...                    "Cover photo by Getty Images.", "Figure note: Estimates", "Plain text.")]
    ['ref', 'li', 'credit', 'credit', 'figure', 'p']
    """
    if _REF_ITEM.match(piece):
        return "ref"
    if piece.startswith("- "):
        return "li"
    if _CREDIT.match(piece):
        return "credit"
    if _FIGURE.match(piece):
        return "figure"
    return "p"


def bare_urls(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """URLs written out in ``text[start:end]``: (start, end, href); trailing punctuation is not part
    of one, and a "www." address gets https://.

    >>> t = "See https://un.org/a. Or www.x.org/b, then (https://y.org)."
    >>> [(t[s:e], u) for s, e, u in bare_urls(t, 0, len(t))]
    [('https://un.org/a', 'https://un.org/a'), ('www.x.org/b', 'https://www.x.org/b'), ('https://y.org', 'https://y.org')]
    """
    out = []
    for m in _URL.finditer(text, start, end):
        s, e = m.start(), m.end()
        while e > s and text[e - 1] in ".,;:!?)]}\"'":
            e -= 1
        raw = text[s:e]
        href = safe_url(raw if "://" in raw else "https://" + raw)
        if href:
            out.append((s, e, href))
    return out


def _links(text: str, sec, anchors, by_ref: dict) -> list[tuple[int, int, str, str]]:
    """(start, end, href, title) of every link in a section: the report's own links, then each
    reference entry's "Available at" part, then written-out URLs, none overlapping an earlier one."""
    found = []
    for a in anchors:
        if a.start < sec.end and a.end > sec.start:
            r = by_ref.get(a.ref) if a.ref is not None else None
            url = safe_url(a.url or (r.url if r else None))
            if url:
                title = f"({r.n}) {r.publisher + '. ' if r.publisher else ''}{r.title}" if r else url
                found.append((max(a.start, sec.start), min(a.end, sec.end), url, title))
    for s, e in paragraphs(text, sec.start, sec.end):
        m = _REF_ITEM.match(text, s)
        r = by_ref.get(int(m.group(1))) if m else None
        url = safe_url(r.url) if r else None
        at = _AVAILABLE.search(text, s, e) if url else None
        if at and at.end() < e:  # the written address may be broken ("www.europarl. europa.eu"): the list's URL
            found.append((at.end(), e, url, url))
    found += [(s, e, u, u) for s, e, u in bare_urls(text, sec.start, sec.end)]
    kept: list[tuple[int, int, str, str]] = []
    for ln in found:
        if all(ln[1] <= k[0] or ln[0] >= k[1] for k in kept):
            kept.append(ln)
    return kept


class _Marks:
    """Highlighted spans; the first piece highlighted gets id="hl" (what the tab scrolls to)."""

    def __init__(self, marks) -> None:
        marks = [marks] if marks and isinstance(marks[0], int) else list(marks or [])
        self.spans = [(int(a), int(b)) for a, b in marks if int(b) > int(a)]
        self.first = True

    def wrap(self, a: int, b: int, html: str) -> str:
        if not any(s <= a and e >= b for s, e in self.spans):
            return html
        attr = ' id="hl"' if self.first else ""
        self.first = False
        return f'<mark class="hl"{attr}>{html}</mark>'


def inline(text: str, s: int, e: int, links, marks: _Marks) -> str:
    """``text[s:e]`` escaped, with its links and highlights."""
    links = [ln for ln in links if ln[0] < e and ln[1] > s]
    cuts = sorted({s, e, *[x for ln in links for x in ln[:2] if s < x < e],
                   *[x for m in marks.spans for x in m if s < x < e]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = marks.wrap(a, b, esc(text[a:b]))
        for ls, le, url, title in links:
            if ls <= a and le >= b:
                piece = (f'<a href="{esc(url)}" title="{esc(title)}" target="_blank" '
                         f'rel="noopener noreferrer nofollow">{piece}</a>')
        out.append(piece)
    return "".join(out)


def body_html(text: str, sec, anchors=(), references=(), mark=None) -> str:
    """The section's text as paragraphs, lists, credits and captions."""
    by_ref = {r.n: r for r in references}
    links = _links(text, sec, anchors, by_ref)
    marks = _Marks(mark)
    out, items, list_kind = [], [], ""

    def close() -> None:
        nonlocal items, list_kind
        if items:
            tag = "ol" if list_kind == "ref" else "ul"
            out.append(f'<{tag} class="{"refs" if tag == "ol" else "points"}">{"".join(items)}</{tag}>')
        items, list_kind = [], ""

    for s, e in paragraphs(text, sec.start, sec.end):
        k = kind(text[s:e])
        if k in ("li", "ref"):
            if list_kind and k != list_kind:
                close()
            list_kind = k
            m = _REF_ITEM.match(text, s) if k == "ref" else None
            body_from = m.end() if m else s + 2  # the "- " and "(n) " become the list's own markers
            attr = f' value="{int(m.group(1))}" id="ref-{int(m.group(1))}"' if m else ""
            items.append(f"<li{attr}>{inline(text, body_from, e, links, marks)}</li>")
            continue
        close()
        html = inline(text, s, e, links, marks)
        if k == "credit":
            out.append(f'<p class="credit">{html}</p>')
        elif k == "figure":
            out.append(f'<p class="figure-note">{html}</p>')
        else:
            out.append(f"<p>{html}</p>")
    close()
    return "".join(out)


def contents_html(sections, current: int) -> str:
    """Every section with its page, the current one marked."""
    items = []
    for i, s in enumerate(sections):
        page = f' <span class="toc-page">p. {esc(s.page)}</span>' if s.page else ""
        cur = ' aria-current="page"' if i == current else ""
        items.append(f'<li><a href="#report-view" data-section="{i}"{cur}>{esc(s.title)}</a>{page}</li>')
    return f'<ol class="toc-list">{"".join(items)}</ol>'


def nav_html(sections, current: int) -> str:
    """Previous and next section links (just one at either end)."""
    def one(i: int, rel: str, label: str) -> str:
        if not 0 <= i < len(sections):
            return f'<span class="{rel}"></span>'
        return (f'<a class="{rel}" href="#report-view" data-section="{i}" rel="{rel}">'
                f'<span class="nav-k">{label}</span> {esc(sections[i].title)}</a>')

    return (f'<nav class="report-pager" aria-label="Previous and next section">{one(current - 1, "prev", "← Previous")}'
            f'{one(current + 1, "next", "Next →")}</nav>')


def page_html(text: str, sections, current: int, anchors=(), references=(), mark=None,
              note: str = "", back: bool = False) -> str:
    """The whole Report tab page for section ``current``: a back link (``back``), ``note`` (trusted
    HTML made by the tab), the contents beside the section on wide screens (a fold-out list over it
    on phones), the section, then previous/next."""
    sec = sections[current]
    page = f' <span class="page">p. {esc(sec.page)}</span>' if sec.page else ""
    back_link = ('<a class="back-to-answer" href="#" data-back="1">← Back to the answer</a>' if back else "")
    toc = contents_html(sections, current)
    return (f'<div class="report-page">{back_link}{note}'
            f'<details class="toc toc-fold"><summary>Contents · {esc(sec.title)}</summary>{toc}</details>'
            f'<div class="report-cols"><nav class="toc toc-side" aria-label="Contents">'
            f'<p class="toc-title">Contents</p>{toc}</nav>'
            f'<article class="report-section"><h2>{esc(sec.title)}{page}</h2>'
            f'<div class="section-body">{body_html(text, sec, anchors, references, mark)}</div>'
            f'{nav_html(sections, current)}</article></div></div>')
