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

from rag.safety import HELP_NOTE, help_note  # noqa: F401  (shared with the API and CLI)

from .danger import in_danger  # noqa: F401  (first-person coercion, and rag.safety's pleas for help)

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


# ---------------------------------------------------------------- one turn of the chat
#
# Each answer carries its own sources: its [n] markers link to a list of <details> right under
# it, in the same chat message, so every earlier turn stays checkable. Gradio's chatbot
# sanitises message HTML: in 6.31 it keeps id, class, href, title, role, open and type, and
# drops data-* and aria-* (checked in Chromium), so the click handler (ui/ask_tab.py) reads
# which turn and source a click means from ids: "src-<turn>-<n>" and "open-<turn>-<n>".

# The words around an answer follow the question's language (the answer record's "language").
LABELS = {
    "en": {"sources": "Sources", "show": "Show the quoted passage", "cites": "The report cites",
           "open": "Open in report", "open_title": "Open this passage in the Report tab",
           "refused": "The report doesn’t cover this",
           "nothing": "Nothing in it answers the question, so there is nothing to cite.",
           "try": "Questions the report can answer:", "related": "Related questions the report answers:",
           "danger": "If you are in danger", "saved": "This conversation is kept only in this browser.",
           "erase": "Erase it now", "only": "This assistant can only report what the report says; it cannot "
                                           "give advice."},
    "es": {"sources": "Fuentes", "show": "Ver el pasaje citado", "cites": "El informe cita",
           "open": "Abrir en el informe", "open_title": "Abrir este pasaje en la pestaña Report",
           "refused": "El informe no trata este tema",
           "nothing": "Nada en él responde a la pregunta, así que no hay nada que citar.",
           "try": "Preguntas que el informe puede responder:",
           "related": "Preguntas relacionadas que el informe responde:",
           "danger": "Si está en peligro", "saved": "Esta conversación se guarda solo en este navegador.",
           "erase": "Borrarla ahora", "only": "Este asistente solo puede contar lo que dice el informe; no "
                                              "puede dar consejos."},
}


def labels(answer: dict | None) -> dict:
    return LABELS.get((answer or {}).get("language", "en"), LABELS["en"])


_TECHNICAL = re.compile(r"\bscore\b|\d\.\d|threshold|<", re.I)  # internal reasons stay internal
_MARKER = re.compile(r"\[(\d+)\]")


def one_line(html_text: str) -> str:
    """HTML with its newlines as character references: the chatbot parses a message as
    Markdown, and a blank line inside a passage would end the HTML block there.

    >>> one_line("a\\n\\nb")
    'a&#10;&#10;b'
    """
    return html_text.replace("\r", "").replace("\n", "&#10;")


def reason(notice: str) -> str:
    """A refusal's reason as a sentence; internal scores are never shown.

    >>> reason("no passage found mentions Australia"), reason("score 0.31 < threshold")
    ('No passage found mentions Australia.', '')
    """
    notice = (notice or "").strip()
    if not notice or _TECHNICAL.search(notice):
        return ""
    return notice[0].upper() + notice[1:] + ("" if notice.endswith((".", "?", "!")) else ".")


def source_ids(tid: str, citations) -> dict:
    """Each citation number -> the id of the source item that shows it (citations quoting
    the same passage share one item, named after the first).

    >>> source_ids("ab", [{"n": 1, "chunk_id": "c1"}, {"n": 2, "chunk_id": "c2"}, {"n": 3, "chunk_id": "c1"}])
    {1: 'src-ab-1', 3: 'src-ab-1', 2: 'src-ab-2'}
    """
    out = {}
    for group in group_citations(citations):
        first = group[0].get("n")
        for c in group:
            out[c.get("n")] = f"src-{tid}-{first}"
    return out


def marked_answer(text: str, ids: dict) -> str:
    """The answer escaped, each [n] with a source a link to it.

    >>> marked_answer("“x < y” [1] [9]", {1: "src-ab-1"})
    '“x &lt; y” <a class="mk" href="#src-ab-1" title="Show source 1">[1]</a> [9]'
    """
    def link_to(m):
        target = ids.get(int(m.group(1)))
        return (f'<a class="mk" href="#{target}" title="Show source {m.group(1)}">[{m.group(1)}]</a>'
                if target else m.group(0))
    return _MARKER.sub(link_to, esc(text))


_SENTENCE_START = re.compile(r"(?<=[.!?…])\s+|\n+")


def excerpt(text: str, spans, around: int = 200) -> tuple[str, list, bool, bool]:
    """The part of a passage shown under an answer: the quoted sentences and whole sentences
    around them up to ~``around`` characters each side (a passage is ~1,200 characters and
    the quote sat below the fold of the chat); spans shifted to match, and whether text was
    cut before and after. The whole passage is one click away ("Open in report").

    >>> t = "One. Two two. Quote here. Four four. Five."
    >>> excerpt(t, [(14, 25, 1)], around=12)
    ('Two two. Quote here. Four four.', [(9, 20, 1)], True, True)
    """
    text = text or ""
    spans = [(max(0, int(s)), min(len(text), int(e)), n) for s, e, n in spans if int(e) > int(s)]
    if not spans:
        return text, [], False, False
    lo, hi = min(s for s, _, _ in spans), max(e for _, e, _ in spans)
    cuts = sorted({0, len(text), *(m.end() for m in _SENTENCE_START.finditer(text))})
    # the earliest sentence start within reach before the quote, else the quote's own sentence
    start = min([c for c in cuts if lo - around <= c <= lo] or [max(c for c in cuts if c <= lo)])
    end = max([c for c in cuts if hi <= c <= hi + around] or [min(c for c in cuts if c >= hi)])
    piece = text[start:end].strip()
    shift = start + (len(text[start:end]) - len(text[start:end].lstrip()))
    return piece, [(s - shift, e - shift, n) for s, e, n in spans], start > 0, end < len(text)


def source_item_html(tid: str, group: list[dict], say: dict) -> str:
    """One source under an answer: a <details> whose summary names it ([n], section, page)
    and whose body shows the passage with every sentence quoted from it highlighted, the
    report's own source(s), and "Open in report"."""
    first = group[0]
    n = int(first.get("n") or 0)
    piece, spans, cut_before, cut_after = excerpt(first.get("text", ""), [(*quote_span(c), c.get("n")) for c in group])
    ns = "".join(f'<span class="cite-n">[{esc(c.get("n", ""))}]</span>' for c in group)
    page = f" · p. {esc(first['page'])}" if first.get("page") not in (None, "") else ""
    passage = ("… " if cut_before else "") + highlight_many(piece, spans) + (" …" if cut_after else "")
    srcs, seen = [], set()
    for c in group:
        src = c.get("source") if isinstance(c.get("source"), dict) else None
        if src and (src.get("title") or src.get("url")) and (src.get("ref"), src.get("url")) not in seen:
            seen.add((src.get("ref"), src.get("url")))
            ref = f" ({esc(src['ref'])})" if src.get("ref") is not None else ""
            srcs.append(f'<p class="cite-src">{say["cites"]}{ref}: '
                        f'{link(src.get("url"), src.get("title") or src.get("url"))}</p>')
    return (f'<li><details class="ask-src" id="src-{tid}-{n}"><summary title="{say["show"]}">{ns} '
            f'<span class="cite-sec">{esc(first.get("section", ""))}</span>{page}</summary>'
            f'<div class="passage">{passage}</div>{"".join(srcs)}'
            f'<button type="button" class="cite-open" id="open-{tid}-{n}" title="{say["open_title"]}">'
            f'{say["open"]}</button></details></li>')


def questions_html(questions, heading: str) -> str:
    """Questions to ask next, each a button (ui/ask_tab.py asks its text when clicked)."""
    qs = [q for q in questions or () if isinstance(q, str) and q.strip()]
    if not qs:
        return ""
    return (f'<div class="ask-next"><p>{esc(heading)}</p><ul>'
            + "".join(f'<li><button type="button" class="suggestion">{esc(q)}</button></li>' for q in qs)
            + "</ul></div>")


def help_html(language: str) -> str:
    """Help first, for a person who may be in danger: where to turn, and a way to erase the
    conversation kept in this browser. No quote from the report: for "they took my passport and
    make me work" the nearest was about migrants charged with illegal entry (issue #11)."""
    say = LABELS.get(language, LABELS["en"])
    return (f'<section class="ask-help" role="note"><h3>{say["danger"]}</h3><p><strong>{esc(help_note(language))}'
            f'</strong></p><p>{say["only"]}</p><p class="ask-saved">{say["saved"]} '
            f'<button type="button" class="ask-erase">{say["erase"]}</button></p></section>')


def refusal_html(answer: dict, suggestions) -> str:
    """A refusal card: a heading, the reason, and questions the report can answer."""
    say = labels(answer)
    why = reason(answer.get("notice", "")) or say["nothing"]
    return (f'<section class="ask-refusal" role="note"><h3>{say["refused"]}</h3><p class="why">{esc(why)}</p>'
            f'{questions_html(suggestions, say["try"])}</section>')


def answered_html(tid: str, answer: dict, related) -> str:
    """An answer, its sources right under it, then related questions."""
    say, cites = labels(answer), answer.get("citations") or []
    out = [f'<p class="ask-text">{marked_answer(answer.get("answer", ""), source_ids(tid, cites))}</p>']
    if reason(answer.get("notice", "")):
        out.append(f'<p class="ask-notice">{esc(reason(answer["notice"]))}</p>')
    if cites:
        out.append(f'<div class="ask-srcs"><p>{say["sources"]}</p><ol>'
                   + "".join(source_item_html(tid, g, say) for g in group_citations(cites)) + "</ol></div>")
    out.append(questions_html(related, say["related"]))
    return "".join(out)


def turn_html(turn: dict) -> str:
    """The assistant's message for one turn of ui.conversation: help first (and alone) for a
    person in danger, a refusal card, or the answer with its sources; or an input error."""
    answer = turn.get("answer")
    if turn.get("error") or not isinstance(answer, dict):
        body = f'<p class="ask-error">⚠️ {esc(turn.get("error") or "No answer.")}</p>'
    elif turn.get("danger"):
        body = help_html(answer.get("language", "en"))
    elif answer.get("abstained"):
        body = refusal_html(answer, turn.get("suggestions"))
    else:
        body = answered_html(esc(turn.get("id", "")), answer, turn.get("suggestions"))  # ids are hex; still escaped
    return one_line(f'<div class="ask-msg">{body}</div>')


def user_markdown(question: str, limit: int = 600) -> str:
    """The user's chat message; a very long question is shown shortened."""
    q = question or ""
    if len(q) > limit:
        q = f"{q[:limit]}… ({len(question):,} characters)"
    return md_text(q)


def group_citations(citations) -> list[list[dict]]:
    """Citations that quote the same passage, together, in order of first citation."""
    groups: dict[str, list[dict]] = {}
    for c in citations or ():
        if isinstance(c, dict):
            groups.setdefault(c.get("chunk_id") or f"#{c.get('n')}", []).append(c)
    return list(groups.values())


# ---------------------------------------------------------------- the conversation as Markdown

def md_plain(text) -> str:
    """Text for the exported Markdown file: readable as it is, but no HTML tag survives a viewer.

    >>> md_plain("a <b>x</b> & y")
    'a &lt;b&gt;x&lt;/b&gt; & y'
    """
    return ("" if text is None else str(text)).replace("<", "&lt;").replace(">", "&gt;")


def turn_markdown(i: int, turn: dict) -> str:
    """One turn of the export: the question as a heading, the answer with its [n] markers as
    footnotes ([^i-n]) and the quoted sentences listed under it."""
    answer = turn.get("answer") if isinstance(turn.get("answer"), dict) else {}
    lines = [f"## {i}. {md_plain(turn.get('question', '')).strip()}", ""]
    if turn.get("error") or not answer:
        lines.append(md_plain(turn.get("error") or "No answer."))
    elif turn.get("danger"):
        lines.append(f"**{md_plain(help_note(answer.get('language', 'en')))}**")
    elif answer.get("abstained"):
        say = labels(answer)
        lines.append(f"*{say['refused']}.* {md_plain(reason(answer.get('notice', '')) or say['nothing'])}")
        if turn.get("suggestions"):
            lines += ["", say["try"]] + [f"- {md_plain(q)}" for q in turn["suggestions"]]
    else:
        ns = {c.get("n") for c in answer.get("citations") or []}
        lines.append(_MARKER.sub(lambda m: f"[^{i}-{m.group(1)}]" if int(m.group(1)) in ns else m.group(0),
                                 md_plain(answer.get("answer", ""))))
        lines.append("")
        for c in answer.get("citations") or []:
            page = f", p. {c['page']}" if c.get("page") not in (None, "") else ""
            src = c.get("source") if isinstance(c.get("source"), dict) else None
            cited = (f" The report cites{' (' + str(src['ref']) + ')' if src.get('ref') is not None else ''}: "
                     f"{md_plain(src.get('title') or '')} {safe_url(src.get('url')) or ''}".rstrip()) if src else ""
            lines.append(f"[^{i}-{c.get('n')}]: {md_plain(c.get('section', ''))}{page}: "
                         f"“{md_plain(c.get('quote', ''))}”{cited}")
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(turns, title: str, editor: str, version: str) -> str:
    """The whole conversation as Markdown, each answer with its citations.

    >>> t = {"id": "ab", "question": "Share?", "answer": {"answer": "“46%” [1]", "abstained": False,
    ...      "citations": [{"n": 1, "section": "Intro", "page": 4, "quote": "46%"}]}}
    >>> print(conversation_markdown([t], "Report", "Argos", "v1"))
    # Questions to “Report”
    <BLANKLINE>
    Answers quote the report *Report* (edited by Argos), version v1.
    <BLANKLINE>
    ## 1. Share?
    <BLANKLINE>
    “46%” [^1-1]
    <BLANKLINE>
    [^1-1]: Intro, p. 4: “46%”
    <BLANKLINE>
    """
    by = f" (edited by {md_plain(editor)})" if editor else ""
    head = [f"# Questions to “{md_plain(title)}”", "",
            f"Answers quote the report *{md_plain(title)}*{by}, version {md_plain(version)}.", ""]
    return "\n".join(head) + "\n" + "\n".join(turn_markdown(i, t) for i, t in enumerate(turns or [], start=1))


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


def about_html(title: str, editor: str) -> str:
    """The note over the chat, for the public. The report version is in the page footer: a
    hash in the first sentence told a reader nothing and pushed the chat down (issue #11)."""
    by = f" (edited by {esc(editor)})" if editor else ""
    return (f'<div class="about" role="note"><strong>What this is:</strong> answers come only from the report '
            f'<cite>{esc(title)}</cite>{by}. Each quotes it: a number such as [1] opens the passage. When the '
            f'report does not cover a question, it says so. It is not legal advice. If someone is in danger, contact '
            f'local emergency services (the report names no hotline). The conversation stays in this browser; '
            f'“New conversation” erases it.</div>')
