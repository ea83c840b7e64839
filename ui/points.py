"""Talking points: 3–8 bullets quoted from the report, facts and figures first.

The app collects candidate sentences (those of a section, or those of the
passages retrieved for a topic) with a relevance score and the report's own
source for each; ``select_points`` picks and orders them and ``to_markdown``
writes them for a brief, inline or with footnotes.

>>> c = [Candidate("Adult women are 46% of all victims.", "Intro", 4, 0.8, start=90),
...      Candidate("Trafficking is a crime against people.", "Intro", 4, 0.9, start=10),
...      Candidate("Figure: a chart.", "Intro", 4, 0.99, start=50)]
>>> [p.text for p in select_points(c, n_min=1)]
['Adult women are 46% of all victims.', 'Trafficking is a crime against people.']
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

MIN_POINTS, MAX_POINTS = 3, 8
SKIP_SECTIONS = {"Cover", "Credits", "Contents", "References"}
_NOT_A_POINT = re.compile(r"^\s*(Figure( note)?:|Photo credit:|Source:|Copyright:|- \(\d+\))", re.I)
_FIGURE = re.compile(r"\d|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
                     r"hundred|thousand|million|billion|trillion|half|third|quarter|percent)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    text: str
    section: str
    page: int | None
    score: float
    source_title: str | None = None
    source_url: str | None = None
    source_ref: int | None = None
    start: int = 0  # offset in the report, to keep the report's order within a group


# A sentence opening with a pronoun or connective leans on the one before it; out of
# context it makes a weaker bullet, so it ranks a little lower.
_DANGLING = re.compile(r"^(it|this|these|they|that|those|he|she|the rest|in other words|however|but|also|"
                       r"likewise|in addition|moreover|therefore|thus)\b", re.I)
DANGLING_PENALTY = 0.05


def has_figure(text: str) -> bool:
    """Does the sentence carry a number, a share or a date?

    >>> has_figure("72% of whom were women"), has_figure("It is a scourge.")
    (True, False)
    """
    return bool(_FIGURE.search(text))


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def usable(text: str) -> bool:
    """A sentence that reads as a point: not a caption, credit or reference line,
    not a fragment, not a wall of text."""
    words = len(text.split())
    return not _NOT_A_POINT.match(text) and 6 <= words <= 70


def clean_point(text: str) -> str:
    """A sentence as a bullet: list markers and surrounding whitespace removed.

    >>> clean_point("- The most powerful countries continue to be recipients.")
    'The most powerful countries continue to be recipients.'
    """
    return re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", " ".join((text or "").split()))


def quoted(text: str) -> str:
    """The sentence in curly quotes, unless it already opens with a quotation mark.

    >>> quoted("Women are 46%."), quoted('"We know," she said.')
    ('“Women are 46%.”', '"We know," she said.')
    """
    return text if text[:1] in "\"“‘'«" else f"“{text}”"


def select_points(cands: list[Candidate], n_min: int = MIN_POINTS, n_max: int = MAX_POINTS,
                  margin: float = 0.25) -> list[Candidate]:
    """The most relevant usable sentences (within ``margin`` of the best, but at
    least ``n_min`` when there are that many), at most ``n_max``, then ordered
    facts and figures first, each group in the report's order."""
    seen, pool = set(), []
    adjusted = [replace(c, text=clean_point(c.text)) for c in cands]
    adjusted = [replace(c, score=c.score - DANGLING_PENALTY * bool(_DANGLING.match(c.text))) for c in adjusted]
    for c in sorted(adjusted, key=lambda c: -c.score):
        k = _key(c.text)
        if not usable(c.text) or k in seen or any(k in s or s in k for s in seen):
            continue
        seen.add(k)
        pool.append(c)
    if not pool:
        return []
    best = pool[0].score
    chosen = [c for c in pool if c.score >= best - margin][:n_max]
    if len(chosen) < n_min:
        chosen = pool[:n_min]
    return sorted(chosen, key=lambda c: (not has_figure(c.text), c.start))


def _md(text: str) -> str:
    """Markdown-escape a quote so it pastes as the report's exact words (``<`` and ``>``
    as entities, so no renderer, even one that passes HTML through, sees a tag)."""
    t = re.sub(r"([\\`*_\[\]])", r"\\\1", " ".join(text.split()))
    return t.replace("<", "&lt;").replace(">", "&gt;")


def _where(p: Candidate) -> str:
    page = f", p. {p.page}" if p.page else ""
    return f"“{p.section}”{page}"


def _source_md(p: Candidate) -> str:
    if not (p.source_title or p.source_url):
        return ""
    ref = f"reference ({p.source_ref}), " if p.source_ref is not None else ""
    title = _md(p.source_title or p.source_url or "")
    url = (p.source_url or "").replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return ref + (f"[{title}]({url})" if url.startswith(("http://", "https://")) else title)


def to_markdown(points: list[Candidate], heading: str, report: str, version: str,
                footnotes: bool = False) -> str:
    """Bullets for a brief. Inline: each bullet ends with its section and page
    (and the report's source). With ``footnotes``: each bullet ends with
    ``[^n]`` and the footnotes at the end give report, section, page, source."""
    lines = [f"## Talking points: {_md(heading)}", ""]
    notes = []
    for n, p in enumerate(points, start=1):
        src = _source_md(p)
        if footnotes:
            lines.append(f"- {quoted(_md(p.text))} [^{n}]")
            tail = f" Source cited by the report: {src}." if src else ""
            notes.append(f"[^{n}]: *{_md(report)}*, {_md(_where(p))}.{tail}")
        else:
            tail = f"; the report cites {src}" if src else ""
            lines.append(f"- {quoted(_md(p.text))} ({_md(_where(p))}{tail})")
    lines += ["", f"_Quoted from *{_md(report)}* (report version {_md(version)})._"]
    if footnotes and notes:
        lines += [""] + notes
    return "\n".join(lines) + "\n"


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe slug.

    >>> slug("Trafficking & smuggling: not the same!")
    'trafficking-smuggling-not-the-same'
    """
    s = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return s[:limit].rstrip("-") or "talking-points"
