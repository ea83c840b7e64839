"""Turn answers, citations and report sections into safe HTML / Markdown.

Everything that comes from the corpus or from a question goes through
``esc`` (HTML) or ``md_text`` (Markdown shown by the chatbot), so a question
or a corpus file containing ``<script>`` or ``<img onerror=…>`` shows as text.

>>> esc('<img src=x onerror="alert(1)"> ${x} {{y}}')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &#36;&#123;x&#125; &#123;&#123;y&#125;&#125;'
>>> highlight("One. Two. Three.", 5, 9)
'One. <mark>Two.</mark> Three.'
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from rag.safety import HELP_NOTE, help_note, in_danger  # noqa: F401  (shared with the API and CLI)

# ---------------------------------------------------------------- escaping

_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;"})


def esc(text) -> str:
    """HTML-escape ``text``; also neutralise template syntax (``${}``, ``{{}}``, backticks)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_TEMPLATE_CHARS)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~$<>])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])(?=\s|$)", re.M)


def md_text(text) -> str:
    """Text for a Markdown renderer that must show exactly these characters.

    HTML is escaped (the chatbot sanitises HTML but would drop it, not show
    it) and Markdown punctuation is backslash-escaped, so nothing formats.

    >>> md_text("<b>x</b> **y** [1](z)")
    '&lt;b&gt;x&lt;/b&gt; \\\\*\\\\*y\\\\*\\\\* \\\\[1\\\\](z)'
    """
    t = "" if text is None else str(text)
    t = _MD_SPECIAL.sub(r"\\\1", t)
    t = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), t)
    # < > were backslash-escaped above; entities make sure no tag survives.
    return t.replace("&", "&amp;").replace("\\<", "&lt;").replace("\\>", "&gt;")


def safe_url(url) -> str | None:
    """``url`` if it is a plain http(s) link, else None (no javascript:, data:…)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlparse(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in url for c in "\"'<> \n\t"):
        return None
    return url


def link(url, label) -> str:
    """An escaped external link, or just the escaped label when the URL is unsafe."""
    u = safe_url(url)
    if not u:
        return esc(label)
    return f'<a href="{esc(u)}" target="_blank" rel="noopener noreferrer nofollow">{esc(label)}</a>'


def highlight(text: str, start: int, end: int, mark_id: str | None = None) -> str:
    """``text`` escaped, with ``text[start:end]`` wrapped in ``<mark>``.

    Offsets are clamped; an empty or inverted range gives no mark.
    """
    return highlight_many(text, [(start, end, None)], mark_id)


def highlight_many(text: str, spans, mark_id: str | None = None) -> str:
    """``text`` escaped, each ``(start, end, label)`` span in ``<mark>`` (overlaps merged;
    a label such as "1" is shown as a small superscript after its mark)."""
    text = text or ""
    clean = []
    for start, end, label in spans:
        s, e = max(0, min(int(start), len(text))), max(0, min(int(end), len(text)))
        if e > s:
            clean.append((s, e, label))
    clean.sort()
    merged: list[list] = []
    for s, e, label in clean:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
            merged[-1][2] += [label] if label else []
        else:
            merged.append([s, e, [label] if label else []])
    out, at = [], 0
    for i, (s, e, labels) in enumerate(merged):
        attr = f' id="{esc(mark_id)}"' if mark_id and i == 0 else ""
        sup = "".join(f'<sup class="qn">[{esc(x)}]</sup>' for x in labels)
        out.append(f"{esc(text[at:s])}<mark{attr}>{esc(text[s:e])}</mark>{sup}")
        at = e
    out.append(esc(text[at:]))
    return "".join(out)


def quote_span(citation: dict) -> tuple[int, int]:
    """Where the quote sits in its passage: the given offsets when they match
    the quote, else the quote's first occurrence, else (0, 0)."""
    text, quote = citation.get("text") or "", citation.get("quote") or ""
    s, e = citation.get("quote_start"), citation.get("quote_end")
    if isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text) and (not quote or text[s:e] == quote):
        return s, e
    i = text.find(quote) if quote else -1
    return (i, i + len(quote)) if i >= 0 else (0, 0)


# ---------------------------------------------------------------- the chat message

_MARKER = re.compile(r"\\\[(\d+)\\\]")
# The words around an answer follow the question's language (the answer record's "language").
LABELS = {
    "en": {"could_ask": "You could ask one of the questions suggested below.", "sources": "Sources",
           "cited": "Cited passages", "for": "for", "cites": "The report cites", "open": "Open in report",
           "open_title": "Open this passage in the Report tab", "refused": "The report doesn’t cover this.",
           "nothing": "Nothing in it answers the question, so there is nothing to cite.",
           "try": "Questions the report can answer:"},
    "es": {"could_ask": "Puede probar una de las preguntas sugeridas abajo.", "sources": "Fuentes",
           "cited": "Pasajes citados", "for": "para", "cites": "El informe cita", "open": "Abrir en el informe",
           "open_title": "Abrir este pasaje en la pestaña Report", "refused": "El informe no trata este tema.",
           "nothing": "Nada en él responde a la pregunta, así que no hay nada que citar.",
           "try": "Preguntas que el informe puede responder:"},
}


def labels(answer: dict | None) -> dict:
    return LABELS.get((answer or {}).get("language", "en"), LABELS["en"])
_TECHNICAL = re.compile(r"\bscore\b|\d\.\d|threshold|<", re.I)  # internal reasons stay internal


def answer_markdown(answer: dict, danger: bool = False) -> str:
    """The assistant's chat message for an answer record (the answer schema)."""
    parts, say = [], labels(answer)
    if answer.get("abstained"):
        parts.append(f"**{md_text(answer.get('answer') or 'The report does not cover this.')}**")
        notice = answer.get("notice") or ""
        if notice and not _TECHNICAL.search(notice):  # "the report never mentions Japan", not scores
            parts.append(f"_({md_text(notice)}.)_")
        if answer.get("suggestions"):
            parts.append(say["could_ask"])
    else:
        # [n] markers stay readable: "[1]" alone is not a Markdown link.
        parts.append(_MARKER.sub(r"[\1]", md_text(answer.get("answer", ""))))
        if answer.get("citations"):
            where = " · ".join(f"[{c.get('n')}] {md_text(c.get('section', ''))}"
                               + (f", p. {md_text(c['page'])}" if c.get("page") else "")
                               for c in answer["citations"])
            parts.append(f"_{say['sources']}: {where}_")
        if answer.get("notice") and not _TECHNICAL.search(answer["notice"]):
            parts.append(f"_{md_text(answer['notice'])}_")
    if danger:
        parts.append(f"**{md_text(help_note(answer.get('language', 'en')))}**")
    return "\n\n".join(parts)


def user_markdown(question: str, limit: int = 600) -> str:
    """The user's chat message; a very long question is shown shortened."""
    q = question or ""
    if len(q) > limit:
        q = f"{q[:limit]}… ({len(question):,} characters)"
    return md_text(q)


# ---------------------------------------------------------------- cited passages

def group_citations(citations) -> list[list[dict]]:
    """Citations that quote the same passage, together, in order of first citation."""
    groups: dict[str, list[dict]] = {}
    for c in citations or ():
        groups.setdefault(c.get("chunk_id") or f"#{c.get('n')}", []).append(c)
    return list(groups.values())


def citation_html(group, say: dict = LABELS["en"]) -> str:
    """One passage card: its section and page, every sentence quoted from it
    highlighted, the report's own source(s), and a link into the Report tab."""
    if isinstance(group, dict):
        group = [group]
    first = group[0]
    spans = [(*quote_span(c), c.get("n")) for c in group]
    ns = "".join(f'<span class="cite-n">[{esc(c.get("n", ""))}]</span>' for c in group)
    page = f" · p. {esc(first['page'])}" if first.get("page") not in (None, "") else ""
    srcs, seen = [], set()
    for c in group:
        src = c.get("source") or None
        if src and (src.get("title") or src.get("url")) and (src.get("ref"), src.get("url")) not in seen:
            seen.add((src.get("ref"), src.get("url")))
            ref = f" ({esc(src['ref'])})" if src.get("ref") is not None else ""
            srcs.append(f'<div class="cite-src">{say["cites"]}{ref}: '
                        f'{link(src.get("url"), src.get("title") or src.get("url"))}</div>')
    n = esc(first.get("n", ""))
    return (f'<li class="cite" id="cite-{n}">'
            f'<div class="cite-head"><span class="cite-title">{ns} '
            f'<span class="cite-sec">{esc(first.get("section", ""))}</span>{page}</span>'
            f'<button type="button" class="cite-open" data-cite="{n}" '
            f'title="{say["open_title"]}">{say["open"]}</button></div>'
            f'<div class="passage">{highlight_many(first.get("text", ""), spans)}</div>{"".join(srcs)}</li>')


def sources_html(answer: dict | None, suggestions=()) -> str:
    """The panel under the chat: cited passages, or the refusal and questions to
    try instead (``suggestions`` are used when the answer carries none)."""
    if not answer:
        return ('<div class="sources empty">Ask a question: the passages each answer quotes '
                'will appear here, with the quoted sentence highlighted.</div>')
    out, say = ['<div class="sources">'], labels(answer)
    if answer.get("citations"):
        out.append(f'<h3>{say["cited"]} <span class="for">{say["for"]} “{esc(answer.get("question", ""))}”</span></h3>')
        out.append('<ol class="cites">' + "".join(citation_html(g, say) for g in group_citations(answer["citations"]))
                   + "</ol>")
    elif answer.get("abstained"):
        out.append(f'<div class="refusal" role="status"><strong>{say["refused"]}</strong> {say["nothing"]}</div>')
    sugg = [s for s in (answer.get("suggestions") or suggestions or ()) if isinstance(s, str) and s.strip()]
    if sugg and answer.get("abstained"):
        out.append(f'<div class="suggest"><span>{say["try"]}</span>'
                   + "".join(f'<button type="button" class="suggestion" data-ask="{esc(s)}">{esc(s)}</button>'
                             for s in sugg) + "</div>")
    meta = []
    if answer.get("report_version"):
        meta.append(f"report version {esc(answer['report_version'])}")
    if answer.get("latency_ms") is not None:
        meta.append(f"{float(answer.get('latency_ms') or 0):.0f} ms")
    if meta:
        out.append(f'<div class="meta">{" · ".join(meta)}</div>')
    out.append("</div>")
    return "".join(out)


# ---------------------------------------------------------------- the report

def section_html(doc_text: str, section, anchors=(), references=(), mark=None) -> str:
    """One section of the report, escaped, with the report's own links to its
    sources, and ``mark`` (document offsets ``(start, end)``, or a list of them)
    highlighted; the first highlighted piece has ``id="hl"``."""
    marks = [mark] if mark and isinstance(mark[0], int) else list(mark or [])
    start, end = section.start, section.end
    by_ref = {r.n: r for r in references}
    spans = []  # (start, end, kind, payload) in document offsets
    for a in anchors:
        if a.start < end and a.end > start:
            r = by_ref.get(a.ref) if a.ref is not None else None
            url = a.url or (r.url if r else None)
            title = (f"({r.n}) {r.publisher + '. ' if r.publisher else ''}{r.title}" if r else url) or ""
            if safe_url(url):
                spans.append((max(a.start, start), min(a.end, end), "a", (url, title)))
    for m0, m1 in marks:
        if m0 < end and m1 > start and m1 > m0:
            spans.append((max(m0, start), min(m1, end), "mark", None))
    cuts = sorted({start, end, *[s for s, _, _, _ in spans], *[e for _, e, _, _ in spans]})
    out, marked = [], False
    for a, b in zip(cuts, cuts[1:]):
        piece = esc(doc_text[a:b])
        active = [sp for sp in spans if sp[0] <= a and sp[1] >= b]
        if any(kind == "mark" for _, _, kind, _ in active):
            piece = f'<mark class="hl">{piece}</mark>' if marked else f'<mark class="hl" id="hl">{piece}</mark>'
            marked = True
        for s, e, kind, payload in active:
            if kind == "a":
                url, title = payload
                piece = (f'<a href="{esc(url)}" title="{esc(title)}" target="_blank" '
                         f'rel="noopener noreferrer nofollow">{piece}</a>')
        out.append(piece)
    page = f'<span class="page">p. {esc(section.page)}</span>' if section.page else ""
    return (f'<article class="report-section"><h2>{esc(section.title)} {page}</h2>'
            f'<div class="section-text">{"".join(out)}</div></article>')


def about_html(title: str, editor: str, version: str) -> str:
    by = f" (edited by {esc(editor)})" if editor else ""
    return (f'<div class="about" role="note"><strong>What this is:</strong> answers come only from the report '
            f'<cite>{esc(title)}</cite>{by}, version <code>{esc(version)}</code>. Each answer quotes the '
            f'report and cites the passage; when the report does not cover a question, it says so. '
            f'It is not legal advice. If someone is in danger, contact local emergency services '
            f'(the report names no hotline).</div>')
