"""Stage 6c: quote and attribute. Cut each chosen sentence to the words budget,
name who speaks (the report, or the source it cites), and cite the exact span.

>>> frame("Fifty percent …", True, None, ())
'The report states: “Fifty percent …”'
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .chunk import Sentence
from .load import Reference
from .lexicon import YEAR, tokenize
from .question import has_cue, question_cues
from .read import phrasal_heads
from .retrieve import Passage


@dataclass(frozen=True)
class Source:
    ref: int
    title: str
    url: str | None


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc: str
    section: str
    page: int | None
    quote: str
    quote_start: int  # offsets of the quote inside ``text`` (the passage)
    quote_end: int
    text: str
    source: Source | None = None


def budgets(lengths: list[int], total: int, floor: int = 15, lead: int | None = None) -> list[int]:
    """Split a word budget over sentences: short ones keep all their words,
    the rest share what is left evenly; ``lead`` (an index) first takes all it has, leaving
    the others ``floor`` words each (or fewer, their whole length).

    >>> budgets([10, 60, 50], 80), budgets([10, 60, 50], 80, lead=1)
    ([10, 35, 35], [10, 55, 15])
    """
    out = [0] * len(lengths)
    left, todo = total, sorted(range(len(lengths)), key=lambda i: lengths[i])
    if lead is not None:
        out[lead] = max(floor, min(lengths[lead], total - sum(min(n, floor) for i, n in enumerate(lengths) if i != lead)))
        left -= out[lead]
        todo.remove(lead)
    while todo:
        share = max(floor, left // len(todo))
        i = todo.pop(0)
        out[i] = min(lengths[i], share)
        left -= out[i]
    return out


def shared(query: set[str], clause: set[str]) -> set[str]:
    """The stems of ``clause`` that are the query's, or begin or extend one of 4+ letters
    (Snowball leaves "created" "creat" and "creation" whole).

    >>> sorted(shared({"creat", "un"}, {"creation", "un", "1945"}))
    ['creation', 'un']
    """
    return {x for x in clause if x in query or len(x) >= 4 and any(
        len(s) >= 4 and (x.startswith(s) or s.startswith(x)) for s in query)}


def trim(text: str, query: str, limit: int, idf: dict[str, float] | None = None,
         terms: frozenset[str] | None = None, related=None) -> tuple[int, int]:
    """The span of ``text`` to quote: all of it when it is at most ``limit``
    words, else the run of clauses around the one sharing most with the query
    (its terms weighted by ``idf``: "2019" says more than "world"), grown to the run that meets
    most of the question. ``terms``: the query's stems, when not its own words' (a Spanish
    question's English cognates); ``related``: a stem's WordNet senses (``read.related``).

    >>> t = "In 2010, the UN approved a plan, which many praised, and in 2013 it set a day."
    >>> t[slice(*trim(t, "When was the day set?", 8))]
    'and in 2013 it set a day.'
    >>> t = "Figure note: Estimates are based on information about 48,478 victims detected in 135 countries."
    >>> t[slice(*trim(t, "How big was the sample?", 8))]
    'Estimates are based on information about 48,478 victims'
    >>> t = "The purpose is not to celebrate another anniversary, but to raise awareness of victims."
    >>> t[slice(*trim(t, "What is the purpose of the day?", 8))]
    'but to raise awareness of victims.'
    >>> t = "They urged protection for migrants and asylum seekers, who in their view are at risk."
    >>> t[slice(*trim(t, "who did they say are at risk", 12))]
    'for migrants and asylum seekers, who in their view are at risk.'
    >>> from .read import related
    >>> t = "In many regions adult victims are freed after a raid, while children are sold again, it says."
    >>> t[slice(*trim(t, "what happens to the kids", 9))], t[slice(*trim(t, "what happens to the kids", 9, related=related))]
    ('In many regions adult victims are freed after a', 'while children are sold again, it says.')
    >>> t = "A group raised billions for systems in the name of stopping trafficking, which has ended up being used for surveillance."
    >>> t[slice(*trim(t, "how has the tech ended up being misused", 12, related=related))]
    'name of stopping trafficking, which has ended up being used for surveillance.'
    >>> t = 'The ministry stressed that the country is known for its record: "We have zero tolerance."'
    >>> t[slice(*trim(t, "what does the ministry say its stance is", 8))]
    '"We have zero tolerance."'
    """
    if len(text.split()) <= limit:
        return 0, len(text)
    cuts = [0] + [m.end() for m in re.finditer(r"[,;:]\s+|\s+-\s*|\)?\.\s+(?=[A-Z])", text)] + [len(text)]
    clauses = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    q = set(tokenize([query])[0]) if terms is None else set(terms)
    cues, years = question_cues(query), YEAR.findall(query)
    source = re.search(r"\b(sources?|fuentes?|come from|provenance|procedencia)\b", query, re.I)
    idf = idf or {}

    kin = set()
    if related is not None:
        # The question words' WordNet senses, but not those of a phrasal verb's verb alone:
        # "ended up being misused" is no "stop" or "raise", senses of "end"; the phrasal verb's
        # own are ("finished").
        heads = phrasal_heads(query)
        kin = set().union(*(related(x) for x in q if x not in heads), *heads.values()) - q

    def weigh(span: str) -> float:
        stems = set(tokenize([span])[0])
        met = shared(q, stems)
        # fsum: a set's order follows the process's string hashes, and runs meeting the same
        # terms must tie exactly for the tie to go the same way in every run
        score = math.fsum(idf.get(x, 1.0) for x in met) + 2 * sum(has_cue(span, c) for c in cues)
        # a WordNet sense of a question word ("kids": "children") says less than the word itself
        score += 0.5 * math.fsum(idf.get(x, 1.0) for x in shared(kin, stems) - met)
        score += 10 * sum(y in span for y in years)  # the answer must hold the year asked about
        return score + 5 * bool(source and re.match(r"\s*Source:", span))  # a caption's source, asked in any language

    def fit(i: int) -> float:
        clause = text[slice(*clauses[i])]
        score = weigh(clause)
        # A quotation the sentence opens is what a party says, its frame only who says it: "…
        # emphasizes that the Caribbean country has been recognized …: "Cuba has a policy of Zero
        # Tolerance …"" asked "what does the cuban govt say its stance is" (as much as a cue).
        if re.match(r'\s*["“]', clause):
            score += 2
        # "The purpose is not to celebrate…, but to raise awareness…": the claim follows "but".
        if i > 0 and re.match(r"but\b", clause) and re.search(r"\bnot\b", text[slice(*clauses[i - 1])]):
            score = max(score, fit(i - 1) + 1)
        return score

    best = max(range(len(clauses)), key=fit)
    lo = hi = best
    size = lambda a, b: len(text[clauses[a][0]:clauses[b][1]].split())  # noqa: E731
    while True:
        grow = [(lo - 1, hi)] if lo > 0 else []
        grow += [(lo, hi + 1)] if hi + 1 < len(clauses) else []
        grow = [g for g in grow if size(*g) <= limit]
        if not grow:
            break
        ahead = (lo, hi + 1) in grow and text[slice(*clauses[hi])].rstrip().endswith(":")  # "Source:" → what
        lo, hi = grow[-1] if len(grow) == 2 and (ahead or size(*grow[-1]) <= size(*grow[0])) else grow[0]
    # Of the runs around the best clause that fit, the one meeting most of the question ("access
    # to medical services -particularly for mothers and children-" asked "…particularly for who");
    # of equals, the one grown smallest side first.
    runs = [(a, b) for a in range(best + 1) for b in range(best, len(clauses)) if size(a, b) <= limit]
    lo, hi = max(runs, key=lambda r: (weigh(text[clauses[r[0]][0]:clauses[r[1]][1]]), r == (lo, hi)), default=(lo, hi))
    start = clauses[lo][0]
    if size(lo, hi) < limit and lo > 0 and _RELATIVE.match(text[start:]):
        # "…asylum seekers, who in their view are at particular risk…": who is in the clause before
        before = list(re.finditer(r"\S+", text[:start]))[-(limit - size(lo, hi)):]
        start = before[0].start()
    elif size(lo, hi) < limit // 2 and hi + 1 < len(clauses):
        hi += 1  # "Figure note:" alone says nothing: take the start of the next clause too
    _, length = lead_words(text[start:clauses[hi][1]], limit)  # one clause over the budget: its first words
    return start, len(text[:start + length].rstrip(" ,;:-"))


_RELATIVE = re.compile(r"(who|whom|whose|which)\b", re.I)


def lead_words(text: str, limit: int) -> tuple[int, int]:
    """The span of ``text``'s first ``limit`` words: what a sentence before it announced
    ("The official response … was immediate.") is what it says first.

    >>> t = '"We reject this campaign," the Ministry said, adding more.'
    >>> t[slice(*lead_words(t, 4))], t[slice(*lead_words(t, 40))]
    ('"We reject this campaign,"', '"We reject this campaign," the Ministry said, adding more.')
    """
    words = list(re.finditer(r"\S+", text))
    if len(words) <= limit:
        return 0, len(text)
    return 0, len(text[:words[max(1, limit) - 1].end()].rstrip(" ,;:-"))


def source_of(doc_id: str, start: int, end: int, text: str, anchors_by_doc: dict,
              references: tuple[Reference, ...]) -> Source | None:
    """The report's own source for a quote: a link inside it, else a named source."""
    by_n = {r.n: r for r in references}
    for a in anchors_by_doc.get(doc_id, ()):
        if a.ref in by_n and a.start < end and a.end > start:
            r = by_n[a.ref]
            return Source(r.n, r.title, r.url)
    best = None
    for r in references:
        for alias in r.aliases:
            m = re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), r)
    return Source(best[1].n, best[1].title, best[1].url) if best else None


# A body's name takes "the" in running English ("citing the European Commission") when
# it opens with one of these words or is headed by one of these nouns; an acronym
# ("UNODC", "IPS") or a proper name ("Palantir", "Aristegui Noticias") takes none.
_ARTICLE_FIRST = {"european", "united", "international", "world", "global", "national", "federal", "inter-american"}
_ARTICLE_HEAD = {"commission", "office", "organization", "organisation", "council", "agency", "parliament",
                 "ministry", "department", "government", "assembly", "alliance", "court", "union", "nations",
                 "secretariat", "bank", "fund", "programme", "program", "institute", "observatory"}


def with_article(name: str) -> str:
    """``name`` as it reads after "citing": "the" before a body's name that takes one.

    >>> with_article("European Commission"), with_article("United Nations"), with_article("UNODC")
    ('the European Commission', 'the United Nations', 'UNODC')
    >>> with_article("Global Alliance Against Trafficking in Women"), with_article("The Boston Globe")
    ('the Global Alliance Against Trafficking in Women', 'The Boston Globe')
    >>> with_article("Office of the High Commissioner"), with_article("Aristegui Noticias"), with_article("")
    ('the Office of the High Commissioner', 'Aristegui Noticias', '')
    """
    name = " ".join((name or "").split())
    words = name.split()
    if not words or words[0].lower() == "the" or (len(words) == 1 and words[0].isupper()):
        return name
    lows = [w.lower().strip(",.") for w in words]
    if lows[0] in _ARTICLE_FIRST or any(w in _ARTICLE_HEAD for w in lows):
        return f"the {name}"
    return name


def unlisted(quote: str) -> str:
    """A quote without the list dash a report line opens with ("- The most powerful …"):
    inside quotation marks the dash reads as part of the words.

    >>> unlisted("- The most powerful countries …"), unlisted("Fifty - fifty")
    ('The most powerful countries …', 'Fifty - fifty')
    """
    return re.sub(r"^\s*[-*•–]\s+", "", quote)


LEADS = {  # the attribution before each quote, in the question's language
    "en": {"figure": "A figure caption in the report reads", "photo": "A photo credit in the report reads",
           "first": "The report states", "next": "It adds",
           "first_citing": "The report, citing {pub}, states", "next_citing": "Citing {pub}, it adds",
           "document": "{doc}, a source the report cites, states"},
    "es": {"figure": "Un pie de figura del informe dice", "photo": "Un crédito fotográfico del informe dice",
           "first": "El informe afirma", "next": "Añade",
           "first_citing": "El informe, citando a {pub}, afirma", "next_citing": "Citando a {pub}, añade",
           "document": "{doc}, una fuente que cita el informe, afirma"},
}


def frame(quote: str, first: bool, source: Source | None, references: tuple[Reference, ...],
          lang: str = "en", whole: str = "", document: str = "") -> str:
    """Attribute a quote: the report speaks, never the bot. The quote stays in the
    report's English; the words around it follow the question's language. ``whole``:
    the sentence the quote was cut from ("… Source: UNODC" is still a caption).
    ``document``: the title of the source document quoted, when the quote is not the
    report's own: that document speaks, named each time (a quote of the report may follow).

    >>> frame("Fifty percent …", True, None, ()), frame("Fifty percent …", False, None, (), "es")
    ('The report states: “Fifty percent …”', 'Añade: “Fifty percent …”')
    >>> frame("- The most powerful countries …", True, Source(0, "European Commission", None), ())
    'The report, citing the European Commission, states: “The most powerful countries …”'
    >>> frame("In 2018, 148 countries …", False, None, (), document="UNODC, Global Report 2020")
    '“UNODC, Global Report 2020”, a source the report cites, states: “In 2018, 148 countries …”'
    """
    leads = LEADS.get(lang, LEADS["en"])
    q = unlisted(quote.strip())
    kind = (whole or q).strip()
    if document:
        lead = leads["document"].format(doc=f"“{document}”")
    elif kind.startswith(("Figure:", "Figure note:", "Source: ")):
        lead = leads["figure"]
    elif kind.startswith("Photo credit:"):
        lead = leads["photo"]
    elif source is not None:
        pub = next((r.publisher for r in references if r.n == source.ref and r.publisher), "") or source.title
        lead = leads["first_citing" if first else "next_citing"].format(pub=with_article(pub) if lang == "en" else pub)
    else:
        lead = leads["first" if first else "next"]
    return f"{lead}: “{q}”"


def make_citation(n: int, s: Sentence, p: Passage, source: Source | None) -> Citation:
    c = p.chunk
    start, end = max(s.start, c.start), min(s.end, c.end)
    return Citation(n, c.chunk_id, c.doc_id, c.section, c.page, c.text[start - c.start:end - c.start],
                    start - c.start, end - c.start, c.text, source)
