"""Talking points: 3–8 bullets quoted from the report, facts and figures first.

Staff paste these bullets into documents, so a bullet is not always one
sentence: ``build_units`` cuts the report into units that read on their own.
A unit holds a quotation whole (sentences are joined until the quotation marks
balance), with its speaker (a bare quotation takes the sentence that says who
speaks), and a unit that opens with a pronoun ("They also urged…") or whose
quotation is attributed to one ("…,” he said") takes the sentence before it,
which names the referent. A unit that cannot be made whole (a quotation the
report never closes, or one longer than a bullet) is no point at all.

``select_points`` picks and orders the units (facts and figures first, global
figures before regional ones) and ``to_markdown`` / ``to_text`` write them for
a brief: Markdown inline or with footnotes, or plain text to paste.

>>> c = [Candidate("Adult women are 46% of all victims.", "Intro", 4, 0.8, start=90),
...      Candidate("Trafficking is a crime against people.", "Intro", 4, 0.9, start=10),
...      Candidate("Figure: a chart.", "Intro", 4, 0.99, start=50)]
>>> [p.text for p in select_points(c, n_min=1)]
['Adult women are 46% of all victims.', 'Trafficking is a crime against people.']
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from rag.cite import with_article

MIN_POINTS, MAX_POINTS = 3, 8
MARGIN = 0.25  # points are those within this much cosine of the best one
SKIP_SECTIONS = {"Cover", "Credits", "Contents", "References"}
# A sentence over 70 words is a wall of text, not a point (the report's longest has 105).
MAX_SENTENCE_WORDS = 70
# A bullet of several sentences may be longer: the Ghada Waly quotation (two sentences and
# "he said…", 69 words) with the sentence naming her (26) is 95 words. The United States'
# reservation (111 words) and the GAATW quotation (six sentences, 119) are paragraphs, not
# bullets, so they are not offered at all (a quotation is never cut).
MAX_POINT_WORDS = 100
# At most this many earlier runs are taken in to name a pronoun's referent: "These two
# cases…" leans on "They also urged…", which leans on the MEPs' sentence (2; 121 words).
MAX_CONTEXT = 2
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
    end: int = 0  # end offset: two candidates whose spans overlap are one point (0: unknown)
    source_publisher: str | None = None  # who the report cites ("European Commission")


# ---------------------------------------------------------------- quotations and pronouns

def balanced(text: str) -> bool:
    """Is every quotation opened in ``text`` also closed in it? Straight double quotes
    pair up by parity (the report uses only those: 59 of them, one left open); curly
    and angle quotes by count. Single quotes are left out: ’ is also the apostrophe.

    >>> balanced('He said "we know." Then left.'), balanced('"We know that it is a source.')
    (True, False)
    >>> balanced("“Yes,” she said."), balanced("no quotes at all")
    (True, True)
    """
    return (text.count('"') % 2 == 0 and text.count("“") == text.count("”")
            and text.count("«") == text.count("»"))


_OPEN = "\"“«"
_CLOSE = "\"”»"
# Pronouns and demonstratives that point back to something said before. "We" is the
# authors' own voice ("As we have noted") and needs no referent.
_PRONOUN = r"(?:it|its|they|them|their|this|these|that|those|he|him|his|she|her|such)"
# Linking words a pronoun may follow: "However, they clarify…", "But it can also be…".
_CONNECTIVE = (r"(?:however|but|and|also|likewise|moreover|thus|therefore|yet|besides|similarly|"
               r"in addition|in fact|of course|for example|for this reason|in this regard|in this context|"
               r"in other words)")
_LEADING_PRONOUN = re.compile(rf"^\W*(?:{_CONNECTIVE},?\s+)?{_PRONOUN}\b", re.I)
# "It is urgent to…", "It should be noted that…", "it was not until…": the expletive it
# points at the clause that follows, not back at an earlier sentence.
_EXPLETIVE = re.compile(rf"^\W*(?:{_CONNECTIVE},?\s+)?it\s+(?:is|was|will be|would be|should be|must be|"
                        r"can be|has been|had been|seems|remains)\s+(?:not\s+)?(?:\w+\s+)?"
                        r"(?:that|to|until|when|whether)\b", re.I)
_SPEECH = (r"(?:said|says|say|told|tells|stated|states|state|added|adds|declared|declares|wrote|writes|"
           r"reads|read|explained|explains|warned|warns|noted|notes|asked|asks|affirmed|affirms|insisted|"
           r"concluded|emphasized|emphasizes|recalled|recalls|acknowledged|acknowledges|argued|argues)\b")
# A quotation's speaker after its closing mark: '…," Canessa told IPS.' (name, verb) or
# '…," reads one of the reservations…' (verb, name).
_SPEAKER_AFTER = re.compile(rf"[,.!?;:]?[{_CLOSE}]\s+(?:(?P<who>[^\s\"“”«»,.;][^\"“”«».;]{{0,80}}?)\s+{_SPEECH}"
                            rf"|{_SPEECH}\s+(?P<who2>[^\"“”«».;]{{2,120}}))", re.I)
# Before its opening mark: 'Blinken's remarks …, pointing to an alleged "…"', 'X stated
# that …"', 'According to a GAATW report …, "…"', 'X defines Y as "…"'.
_SPEAKER_BEFORE = re.compile(rf"(?P<who>[A-Z][^\"“”«»]{{0,200}}?)\s+(?:{_SPEECH}|called|defines|define|"
                             rf"indicates|replicates|reveals|emphasizes|demanded|urged|warned)\b[^\"“”«»]*[{_OPEN}]"
                             rf"|\baccording to (?P<who2>[^\"“”«»,]{{2,120}}),[^\"“”«»]*[{_OPEN}]", re.I)
_PRONOUN_WHO = re.compile(rf"^{_PRONOUN}$", re.I)


def leading_pronoun(text: str) -> bool:
    """Does ``text`` open with a pronoun that points back (not the expletive "it")?

    >>> leading_pronoun("They also urged stricter rules."), leading_pronoun("However, they clarify it.")
    (True, True)
    >>> leading_pronoun("It is urgent to act."), leading_pronoun("Theirs is not this.")
    (False, False)
    """
    return bool(_LEADING_PRONOUN.match(text)) and not _EXPLETIVE.match(text)


def speaker(text: str) -> str | None:
    """Who speaks a quotation in ``text``, as the report names them, or None.

    >>> speaker('"We know that," Canessa told IPS.')
    'Canessa'
    >>> speaker('"It is the law," reads one of the reservations filed with the UN.')
    'one of the reservations filed with the UN'
    >>> speaker('"We need action," he said in a statement.')
    'he'
    >>> speaker('Cuba has a policy: "zero tolerance".') is None
    True
    """
    m = _SPEAKER_AFTER.search(text)
    if m:
        return (m.group("who") or m.group("who2")).strip()
    m = _SPEAKER_BEFORE.search(text)
    if m:
        return (m.group("who") or m.group("who2")).strip()
    return None


def opens_with_quote(text: str) -> bool:
    return clean_point(text)[:1] in _OPEN


def needs_referent(text: str) -> bool:
    """Does ``text`` lean on the sentence before it: a leading pronoun, or a quotation
    that opens it and whose speaker is a pronoun ('"…," he said')?

    >>> needs_referent('"We need action," he said.'), needs_referent('"We know," Canessa told IPS.')
    (True, False)
    >>> needs_referent("These data are contained in a report."), needs_referent("It should be noted that x.")
    (True, False)
    """
    if leading_pronoun(clean_point(text)):
        return True
    who = speaker(text) if opens_with_quote(text) else None
    return bool(who and _PRONOUN_WHO.match(who))


def bare_quote(text: str) -> bool:
    """Is ``text`` a quotation and nothing else, so that its speaker is in another sentence?

    >>> bare_quote('"Thus, both were considered criminals."'), bare_quote('"We know," Canessa said.')
    (True, False)
    """
    t = clean_point(text).strip()
    return (len(t) > 2 and t[0] in _OPEN and t.rstrip(".!?")[-1:] in _CLOSE
            and balanced(t[1:-1].rstrip(".!?\"”»")) and speaker(t) is None)


# ---------------------------------------------------------------- units

@dataclass(frozen=True)
class Unit:
    """Consecutive report sentences ``first``..``last`` (indices into the list given to
    ``build_units``) that read on their own. ``core`` are the sentences the unit is
    about (the ones scored); the others were taken in for a referent or a speaker."""
    first: int
    last: int
    core: tuple[int, ...]
    text: str
    section: str
    page: int | None
    start: int
    end: int


@dataclass(frozen=True)
class _Run:  # sentences first..last of one paragraph whose quotation marks balance
    first: int
    last: int
    whole: bool  # False: a quotation the report opens and never closes before the paragraph ends


def _words(text: str) -> int:
    return len(text.split())


def _join(sentences, first: int, last: int) -> str:
    return " ".join(clean_point(sentences[i].text) for i in range(first, last + 1))


def paragraph_starts(sentences, doc_text: str) -> list[bool]:
    """For each sentence (in report order): does it open a paragraph or a section?

    >>> from rag.chunk import Sentence
    >>> t = "One. Two.\\n\\nThree."
    >>> ss = [Sentence("a", "d", "S", 1, 0, 4, "One."), Sentence("b", "d", "S", 1, 5, 9, "Two."),
    ...       Sentence("c", "d", "S", 1, 11, 17, "Three.")]
    >>> paragraph_starts(ss, t)
    [True, False, True]
    """
    out = []
    for i, s in enumerate(sentences):
        prev = sentences[i - 1] if i else None
        out.append(prev is None or prev.section != s.section or prev.doc_id != s.doc_id
                   or "\n\n" in doc_text[prev.end:s.start] or prev.end > s.start)
    return out


def _runs(sentences, para: list[bool]) -> list[_Run]:
    """Cut the sentences into runs: a sentence that leaves a quotation open is joined
    with the next ones of its paragraph until the marks balance; a bare quotation is
    joined with the sentence after it in its paragraph when that names its speaker."""
    runs, i, n = [], 0, len(sentences)
    while i < n:
        j = i
        while not balanced(_join(sentences, i, j)) and j + 1 < n and not para[j + 1]:
            j += 1
        whole = balanced(_join(sentences, i, j))
        if whole and bare_quote(_join(sentences, i, j)) and j + 1 < n and not para[j + 1] \
                and balanced(sentences[j + 1].text) and speaker(_join(sentences, i, j + 1)):
            j += 1  # '"…"' + 'said X.' -> one run
        runs.append(_Run(i, j, whole))
        i = j + 1
    return runs


def build_units(sentences: Sequence, doc_text: str) -> list[Unit]:
    """The report's sentences (``rag.chunk.Sentence``, in report order) as units that
    read on their own; see the module docstring. Each run of sentences is one unit's
    core; a run that needs a referent or a speaker takes up to ``MAX_CONTEXT`` runs
    before it in its section. Runs that stay incomplete make no unit.

    >>> from rag.chunk import Sentence
    >>> t = ('UNODC head Ghada Waly spoke of the victims in the report. '
    ...      '"Millions are out of work. We need action," he said. They also urged more aid for all.')
    >>> ss, at = [], 0
    >>> for k, s in enumerate(['UNODC head Ghada Waly spoke of the victims in the report.', '"Millions are out of work.',
    ...                        'We need action," he said.', 'They also urged more aid for all.']):
    ...     at = t.index(s, at); ss.append(Sentence(str(k), "d", "S", 1, at, at + len(s), s)); at += len(s)
    >>> [(u.first, u.last, u.core) for u in build_units(ss, t)]
    [(0, 0, (0,)), (0, 2, (1, 2)), (0, 3, (3,))]
    """
    para = paragraph_starts(sentences, doc_text)
    runs = _runs(sentences, para)
    units = []
    for k, run in enumerate(runs):
        if not run.whole:
            continue
        first, taken = run.first, 0
        text = _join(sentences, first, run.last)
        while (needs_referent(text) or bare_quote(text)) and taken < MAX_CONTEXT and k - taken > 0:
            prev = runs[k - taken - 1]
            if not prev.whole or sentences[prev.first].section != sentences[run.first].section \
                    or not all(_prose(sentences[i].text) for i in range(prev.first, prev.last + 1)):
                break  # a caption or an unclosed quotation names no referent
            taken += 1
            first = prev.first
            text = _join(sentences, first, run.last)
        if needs_referent(text) or bare_quote(text) \
                or not all(_prose(sentences[i].text) for i in range(first, run.last + 1)):
            continue
        s0, s1 = sentences[first], sentences[run.last]
        units.append(Unit(first, run.last, tuple(range(run.first, run.last + 1)), text, s0.section, s0.page,
                          s0.start, s1.end))
    return units


# ---------------------------------------------------------------- choosing and ordering

# A sentence opening with a connective ("In other words", "However") or the expletive
# "It is…" leans on the one before it; out of context it makes a weaker bullet, so it
# ranks a little lower (a pronoun that points back is resolved by build_units).
_DANGLING = re.compile(r"^(it|this|these|they|that|those|he|she|the rest|in other words|however|but|also|"
                       r"likewise|in addition|moreover|therefore|thus)\b", re.I)
DANGLING_PENALTY = 0.05

# "globally", "worldwide", "around the world": a figure for the whole world.
_GLOBAL = re.compile(r"\b(global(ly)?|worldwide|world-wide|(all over|around|across) the world|overall)\b", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][\w.]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w.]*)*")


def regional(text: str) -> bool:
    """Does the sentence give a figure for one region or country, rather than the world?
    A region as ``rag.places`` knows them ("Europe", "North America"; "European" too), or
    a country ("the U.S.", "Cuba"); a sentence that says "globally" is global.

    >>> regional("In Europe, 72% were women."), regional("Two are girls (19%), globally.")
    (True, False)
    >>> regional("The U.S. reported 500 cases."), regional("Only 20% of the victims are adult men.")
    (True, False)
    """
    from rag import places

    if _GLOBAL.search(text):
        return False
    low = text.lower()
    if any(re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", low) for k in places.REGIONS):
        return True
    for m in _CAPITALISED.finditer(text):
        run = m.group().rstrip(".")
        if places.countries(run) or places.countries(run.replace(".", "")):
            return True
    return False


# A statistic: a share ("46%", "Fifty percent", "half"), a count ("14,145 victims",
# "148 countries", "five are adult women") or a change ("tripled"). A year or an
# article number alone ("in 2019", "Article 3") is a figure but not a statistic.
_COUNTED = (r"(?:victims?|women|men|girls|boys|children|people|persons|countries|nations|cases|migrants|"
            r"individuals|signatories|traffickers)")
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|million|billion)"
_STATISTIC = re.compile(rf"%|\bpercent\b|\b(?:half|a third|a quarter|tripled|doubled|quadrupled|\w+fold)\b"
                        rf"|\b\d{{1,3}}(?:,\d{{3}})+\b"
                        rf"|\b(?:(?!(?:19|20)\d\d\b)\d+|{_NUMBER_WORD})\s+(?:[a-z-]+\s+){{0,2}}(?:are\s+|were\s+)?"
                        rf"(?:[a-z-]+\s+)?{_COUNTED}\b", re.I)
# Within the margin, a statistic ranks a little higher, as much as a connective opening
# ranks lower: staff quote the report's numbers first. With it, "two are girls (19%)"
# (0.232 for the topic "children", 9th) makes the cut of 8.
STATISTIC_BONUS = 0.05


def statistic(text: str) -> bool:
    """Does the sentence give a share, a count or a change (not only a year)?

    >>> statistic("Two are girls (19%)."), statistic("148 countries detected 50,000 victims.")
    (True, True)
    >>> statistic("In 2019, the phrase was promulgated."), statistic("Five are adult women.")
    (False, True)
    """
    return bool(_STATISTIC.search(text))


def figure_rank(text: str) -> int:
    """Where a point goes: 0 a global statistic, 1 a regional one, 2 another figure
    (a date), 3 no figure.

    >>> [figure_rank(t) for t in ("Girls are 19% of victims globally.", "In Europe, 72% were women.",
    ...                           "On July 1, 2021, it said so.", "Trafficking is a crime.")]
    [0, 1, 2, 3]
    """
    if statistic(text):
        return 1 if regional(text) else 0
    return 2 if has_figure(text) else 3


def has_figure(text: str) -> bool:
    """Does the sentence carry a number, a share or a date?

    >>> has_figure("72% of whom were women"), has_figure("It is a scourge.")
    (True, False)
    """
    return bool(_FIGURE.search(text))


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _prose(text: str) -> bool:
    """A sentence of running text: no caption or credit, not a wall of text."""
    return not _NOT_A_POINT.match(clean_point(text)) and _words(text) <= MAX_SENTENCE_WORDS


def usable(text: str) -> bool:
    """A unit that reads as a point: not a caption, credit or reference line, not a
    fragment, not a paragraph, no quotation left open.

    >>> usable("Adult women are 46% of all victims."), usable("Figure: Shares of victims by age."), usable("Too short.")
    (True, False, False)
    """
    return not _NOT_A_POINT.match(text) and 6 <= _words(text) <= MAX_POINT_WORDS and balanced(text)


def clean_point(text: str) -> str:
    """A sentence as a bullet: list markers and surrounding whitespace removed.

    >>> clean_point("- The most powerful countries continue to be recipients.")
    'The most powerful countries continue to be recipients.'
    """
    return re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", " ".join((text or "").split()))


def _nested(text: str) -> str:
    """Double quotation marks inside a quoted bullet become single ones.

    >>> _nested('they called the "conscious use" of it')
    'they called the ‘conscious use’ of it'
    """
    text = text.replace("“", "‘").replace("”", "’")
    return re.sub(r'(^|[\s(\[—–-])"', "\\1‘", text).replace('"', "’")


def quoted(text: str) -> str:
    """The sentence in curly quotes (quotation marks inside it made single), unless it
    already opens with a quotation mark.

    >>> quoted("Women are 46%."), quoted('"We know," she said.')
    ('“Women are 46%.”', '"We know," she said.')
    >>> quoted('The MEPs called it "conscious use".')
    '“The MEPs called it ‘conscious use’.”'
    """
    return text if text[:1] in "\"“‘'«" else f"“{_nested(text)}”"


def _overlaps(c: Candidate, chosen: list[Candidate]) -> bool:
    return c.end > c.start and any(o.end > o.start and c.start < o.end and o.start < c.end for o in chosen)


def select_points(cands: list[Candidate], n_min: int = MIN_POINTS, n_max: int = MAX_POINTS,
                  margin: float = MARGIN) -> list[Candidate]:
    """The most relevant usable points (within ``margin`` of the best, but at least
    ``n_min`` when there are that many), at most ``n_max``, none overlapping another,
    then ordered: statistics first, global before regional, then other figures (dates),
    then the rest, each group in the report's order."""
    seen, pool = set(), []
    adjusted = [replace(c, text=clean_point(c.text)) for c in cands]
    adjusted = [replace(c, score=c.score - DANGLING_PENALTY * bool(_DANGLING.match(c.text))) for c in adjusted]
    # The bonus orders the pool (which points make the cut of n_max); the margin is
    # measured on relevance alone, so a statistic at the top does not narrow it.
    for c in sorted(adjusted, key=lambda c: -(c.score + STATISTIC_BONUS * statistic(c.text))):
        k = _key(c.text)
        if not usable(c.text) or k in seen or any(k in s or s in k for s in seen) or _overlaps(c, pool):
            continue
        seen.add(k)
        pool.append(c)
    if not pool:
        return []
    best = max(c.score for c in pool)
    chosen = [c for c in pool if c.score >= best - margin][:n_max]
    if len(chosen) < n_min:
        chosen = pool[:n_min]
    return sorted(chosen, key=lambda c: (figure_rank(c.text), c.start))


# ---------------------------------------------------------------- writing

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


def _cites(p: Candidate, md: bool = False) -> str:
    """'the European Commission, ' before the source: who the report cites, with its article."""
    if not p.source_publisher:
        return ""
    who = with_article(p.source_publisher)
    return f"{_md(who) if md else who}, "


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
            tail = f" Source cited by the report: {_cites(p, md=True)}{src}." if src else ""
            notes.append(f"[^{n}]: *{_md(report)}*, {_md(_where(p))}.{tail}")
        else:
            tail = f"; the report cites {_cites(p, md=True)}{src}" if src else ""
            lines.append(f"- {quoted(_md(p.text))} ({_md(_where(p))}{tail})")
    lines += ["", f"_Quoted from *{_md(report)}* (report version {_md(version)})._"]
    if footnotes and notes:
        lines += [""] + notes
    return "\n".join(lines) + "\n"


def to_text(points: list[Candidate], heading: str, report: str, version: str) -> str:
    """The bullets as plain text to paste into a document: no Markdown (no ``##``, no
    ``[title](url)``, no escapes), a "•" before each bullet, the source's link written out.

    >>> p = Candidate("Children are 22% of victims.", "Europe", 6, 1.0, "Data Collection", "https://ec.eu/x",
    ...               6, source_publisher="European Commission")
    >>> print(to_text([p], "children", "Human Trafficking", "v1"))
    Talking points: children
    <BLANKLINE>
    • “Children are 22% of victims.” (“Europe”, p. 6; the report cites the European Commission, reference (6), Data Collection, https://ec.eu/x)
    <BLANKLINE>
    Quoted from Human Trafficking (report version v1).
    <BLANKLINE>
    """
    lines = [f"Talking points: {' '.join(heading.split())}", ""]
    for p in points:
        tail = ""
        if p.source_title or p.source_url:
            ref = f"reference ({p.source_ref}), " if p.source_ref is not None else ""
            parts = [x for x in (p.source_title, p.source_url) if x]
            tail = f"; the report cites {_cites(p)}{ref}{', '.join(dict.fromkeys(parts))}"
        lines.append(f"• {quoted(' '.join(p.text.split()))} ({_where(p)}{tail})")
    lines += ["", f"Quoted from {' '.join(report.split())} (report version {version})."]
    return "\n".join(lines) + "\n"


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe slug.

    >>> slug("Trafficking & smuggling: not the same!")
    'trafficking-smuggling-not-the-same'
    """
    s = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return s[:limit].rstrip("-") or "talking-points"
