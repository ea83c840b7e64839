"""Stage 6: a short extractive answer with quote-level citations, or a refusal.

The answer is one to three sentences of the report, chosen from the retrieved
passages by a score that mixes meaning (MiniLM cosine, sentence vectors made
at build time), the question's key terms and what kind of fact it asks for.
``judge`` decides whether they answer (or why not: one refusal, with a reason);
``cite`` quotes each, attributed to the report (and to the report's own source
where it names one) and cited to its passage with character offsets. What the
question asks for (names, cues, language) comes from ``question``.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from .chunk import Chunk, Sentence, names_in, overlapping, overlapping_in_doc, per_doc  # noqa: F401  (Chunk: suggest()'s doctest)
from .cite import Citation, budgets, frame, lead_words, make_citation, source_of, trim
from .judge import (ABSTAIN_BELOW, COMMON_IDF, COSINE_FLOOR, REFERENCE_SECTION, VALUE_CUES, WHY, near_terms, places_in,
                    quoted_by, runs_into, runs_on, sentence_covers, stemmed_words, unanswered, unasked, uncovered, unmet_words, unquoted)
from .load import Reference  # noqa: F401  (Tables.references)
from .needs import ASKS_DIFFERENCE, needs_of
from .multilingual import COSINE_SCALE, COSINE_SHIFT
from .places import members
from .lexicon import YEAR, fold, tokenize, words_of
from .question import KEYWORD_QUERY, cue_spans, has_cue, language, question_cues, spanish_terms
from .read import related
from .retrieve import Passage, asked_captions, asked_reference, asked_sections, counts_references, named_section
from .thread import Thread, thread_bonus

REFUSAL = "The report doesn't cover this."
REFUSALS = {"en": REFUSAL, "es": "El informe no trata este tema."}
WORDS = {False: 80, True: 160}  # answer length cap, by "more detail"
MORE_SENTENCES = 2  # "more detail" allows this many sentences beyond Config.max_sentences

# Score = cosine + lex_weight (Config) * key-term coverage + CUE * (sentence has the kind of fact
# asked for). Weights and the refusal threshold come from the eval (eval/REPORT.md).
CUE, RANK = 0.12, 0.04
# The question's terms (idf-weighted, as a share of all of them) within NEAR_WORDS words of a
# value of the kind asked for: "…(GAATW) report published in 2011" over "in 2010, Thai
# authorities…" for "What year was the GAATW report published?". On dev, 0.3-0.5 and 4-6 words
# answered three more questions and one fewer (a paraphrase sharing no term with its answer).
PROXIMITY, NEAR_WORDS = 0.3, 4
# The reference list and the contents page answer questions about sources and
# pages; elsewhere their lines (titles, URLs) only look like answers.
META_SECTIONS = {REFERENCE_SECTION: r"\b(references?|sources?|titles?|articles?|websites?|links?|urls?|cited|cites?|listed|publish\w*|fuentes?|referencias?|t[ií]tulos?)\b",
                 "Contents": r"\b(pages?|sections?|chapters?|contents|index|p[aá]ginas?|secci[oó]n)\b",
                 # "Report title: Human Trafficking: …" is no definition of trafficking
                 **dict.fromkeys(("Cover", "Credits"), r"\b(titled?|titles?|edit\w*|authors?|wrote|written|copyright|"
                                 r"covers?|photo\w*|design\w*|layout|publish\w*|argos|credits?|who made|"
                                 r"t[ií]tulo|autor\w*|portada|foto\w*|dise[ñn]o)\b")}
# A reference entry is mostly a name: "- (14) Palantir official website" has cosine 0.60 with
# "How does the report describe Palantir?", the answering sentence 0.30. 0.3 let it win; 0.5
# answered that one more dev question and changed no other.
META_PENALTY = 0.5
# "What is reference 4?": the list item "- (4) …" itself, whatever its cosine; "What is the
# report's main argument?": the summary's points ("Who is the author?": the credits).
REFERENCE_ITEM = 0.5
# A sentence holding the year the question names (which the answer must hold): 0.05 let
# "the promotional slogans of the last few years" outrank "in 2019, the phrase …".
YEAR_MATCH = 0.1
# …and any other number it types, which the words it is scored by drop: "the chapter that
# starts on page 9" ranked "…: page 16." 0.22 above "…: page 9." without it.
NUMBER_MATCH = 0.25
_NUMBER = re.compile(r"(?<![\w.,/-])\d+(?:[.,]\d+)*(?![\w/-])")
# A figure for a place the question does not name ("in Europe … 15% for forced labor") yields
# to the report's general one (38%). On dev, 0.1 answered two more questions, 0.15 (with
# judge.ON_TOPIC at 0.45) three; 0.2 also answered three, with longer answers.
EXTRA_PLACE = 0.15
_ASKS_PLACE = re.compile(r"\b(where|(which|what) (\w+ )?(regions?|countries|country|nations?|parts?|places?|cit(y|ies)|continents?))\b", re.I)
# An English question's word the report never uses counts as its WordNet senses
# (``read.related``; a Spanish word is none of them: "principal" is no "main") at this share
# of their weight: at 0.5 "how many backed the protocol" finds "endorsed", and dev and users2
# each answered one more question, losing none.
SENSE_WEIGHT = 0.5
# "What is migrant smuggling?", "que es el trafico de migrantes": the sentence that defines it
# ("Article 3 … defines smuggling of migrants as …") over ones that only name it. 0.15: the
# dev, probe and user definitions answered, no other answer changed (eval/REPORT.md). When the
# term asked is uncommon, twice that for a sentence defining it and none for one defining
# another ("what counts as exploitation": "Exploitation shall include…", 0.21 below the
# definition of trafficking, which names it).
DEFINES = 0.15
_ASKS_DEFINITION = re.compile(r"^(what is|what are|define|definition of|meaning of|what does .{1,40} (mean|include)|"
                              r"what (counts|qualifies) as|what constitutes|what is meant by|"
                              r"que es|que son|que significa|definicion de|significado de|que cuenta como)\b", re.I)
# "Exploitation shall include, at a minimum, …" is how the Protocol defines a term by its kinds.
_DEFINING = re.compile(r"\b(defines|is defined|are defined|definition of|shall mean|shall include)\b", re.I)
SHORT_SENTENCE = 12  # words; a shorter best sentence is followed by the next one
# Where a sentence holding the kind of fact asked for, but not the best one, is looked for:
# a quote's speaker stood one or two sentences either side of it in the user questions, and
# the second of a ranking in the sentence after the first ("It is followed by …").
BESIDE_FOR = {"agent": (-1, 1, -2, 2), "next": (1,)}
# When the best sentence does not answer (no figure, another year, off the topic), the next
# ones may: "what year… was the UN created" is met by the 4th (0.28 below, "since its creation
# in 1945"), "how has the share of kids changed" by the 5th ("…increased fivefold").
RETRY_RANKS, RETRY_WITHIN = 6, 0.3
# …only when it holds no figure of the kind asked, or none near the topic, or no one saying what
# was asked ("What did the USA say about Cuba?" leads with Cuba's response; the State
# Department's statement is next): a year, a name or a topic missing from the best sentence is
# mostly missing from the report ("in 2020", "slogan").
RETRY_REASONS = {"no_fact", "off_topic", "unsaid"}
KEEP_WITHIN = 0.10  # a second sentence must score within this of the best one
# A page asked for: "what page", "page number", or in a keyword query the word alone ("page of
# the section on cuba", "smuggling section page"), not before a page's number ("the chapter
# that starts on pg 9").
_ASKS_PAGE = re.compile(r"\b(what|which|wat)\s+(page|pg)\b|\b(page|pg)\s+(number|no|#)|\bon what page\b"
                        r"|\b(qu[eé]|cu[aá]l)\s+p[aá]gina\b"
                        rf"|{KEYWORD_QUERY}.*\b(page|pg|p[aá]gina)\b(?!\s*\d)", re.I)
_PAGE_LINE = re.compile(r":\s*page \d+\.?\s*$")
PAGE_LEADS = {"en": "On page {page}, ", "es": "En la página {page}, "}
COUNT_LEADS = {"en": "The report's reference list has {n} entries. The last reads: ",
               "es": "La lista de referencias del informe tiene {n} entradas. La última dice: "}
# A sentence of the best one's section that holds a question word no chosen sentence has
# ("how many days…": "The three days between their arrest…", four sentences after "…deported
# 557 Cambodians", 0.19 below it; "what else did the MEPs urge": "They also urged…", 0.31 below).
COVER_REACH, COVER_WITHIN = 4, 0.35
FRAME_WORDS = 6  # a quote's attribution and marker ("Citing UNODC, it adds: … [2]")
STRONG = 0.6  # below this best score, runners-up must come from the best sentence's section
NEAR_DUPLICATE = 0.92  # cosine above which two sentences say the same thing


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    retrieved: tuple[dict, ...]
    report_version: str
    latency_ms: float = 0.0
    mode: str = "extractive"
    query: str = ""  # the question as searched (follow-ups rewritten)
    language: str = "en"
    suggestions: tuple[str, ...] = ()
    notice: str = ""  # why it refused, or why a generative answer fell back to extractive
    score: float | None = None  # best sentence score (the refusal threshold is ABSTAIN_BELOW)
    help: str = ""  # where to find help, when the question reads as a person in danger

    def to_dict(self) -> dict:
        d = asdict(self)
        d["citations"] = [dict(c, source=c["source"]) for c in d["citations"]]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_text(self) -> str:
        lines = [self.help, ""] if self.help else []
        lines.append(self.answer)
        if self.notice:
            lines.append(f"({self.notice})")
        if self.suggestions:
            lines += ["", "You could ask:"] + [f"  - {s}" for s in self.suggestions]
        for c in self.citations:
            page = f", p. {c.page}" if c.page else ""
            src = f" — source ({c.source.ref}): {c.source.title} {c.source.url or ''}".rstrip() if c.source else ""
            lines.append(f"[{c.n}] {c.section}{page} ({c.chunk_id}){src}")
        lines.append(f"(report version {self.report_version}, {self.latency_ms:.0f} ms)")
        return "\n".join(lines)


# ---------------------------------------------------------------- sentence choice

@dataclass(frozen=True, eq=False)
class Tables:
    """What the answer stage looks up, computed once when an index is opened."""
    sentences: tuple[Sentence, ...]
    sentence_matrix: np.ndarray  # unit vectors, one row per sentence
    sentence_terms: tuple[frozenset, ...]  # stemmed BM25 terms per sentence
    sentence_places: tuple[frozenset, ...]  # the countries and regions each sentence names
    sentence_words: tuple[tuple[tuple[int, str], ...], ...]  # (offset, stem) of each word, per sentence
    section_titles: tuple[str, ...]
    by_chunk: dict[str, list[int]]  # chunk id -> its sentences
    idf: dict[str, float]
    vocabulary: frozenset[str]  # every word of the corpus (numbers without separators)
    chunk_words: dict[str, str]  # chunk id -> its section's words, lower-case, space-joined
    chunk_entities: dict[str, np.ndarray]  # chunk id -> vectors of the names its section contains
    name_vectors: dict[str, np.ndarray]  # every name the sections contain -> its vector
    anchors: dict  # doc id -> link anchors
    references: tuple[Reference, ...]
    e5_matrix: np.ndarray | None = None  # the sentences in multilingual-e5's space, if indexed
    # doc id -> how a quote of it is attributed ("UNODC, Global Report …"), for each source
    # document indexed beside the report
    documents: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, corpus, index, embedder) -> "Tables":
        """Name vectors come from the index (encoding ~230 names at every start took 2-4 s)."""
        sents = index.sentences
        dim = index.sentence_vectors.d
        matrix = index.sentence_vectors.reconstruct_n(0, len(sents)) if sents else np.zeros((0, dim))
        by_chunk = chunk_sentences(index.chunks, sents)
        # Names are looked up in a chunk's whole section: a chunk boundary can fall
        # between "World Day" and "in 2019" though the section says both. Each section is
        # read once and its words and names shared by its chunks: read once per chunk, a
        # 1 MB section of 1,059 chunks took 759 s of a 774 s start, and 11 GB.
        home, texts = chunk_sections(corpus, index.chunks)
        names = {key: sorted(set(names_in(v, skip_first=False))) for key, v in texts.items()}
        vecs = dict(zip(index.names, index.name_vectors.reconstruct_n(0, len(index.names)))) if index.names else {}
        for n in {n for ns in names.values() for n in ns} - set(vecs):  # a source added since the build
            vecs[n] = embedder.encode([n])[0]
        words = {key: " ".join(words_of(v)) for key, v in texts.items()}
        entities = {key: np.stack([vecs[n] for n in ns]) if ns else np.zeros((0, dim), np.float32)
                    for key, ns in names.items()}
        vocabulary = {w for d in corpus.documents for w in words_of(d.text)}
        vocabulary |= {w for r in index.references for w in words_of(f"{r.publisher} {r.title}")}
        e5 = index.sentence_vectors_e5
        terms = tokenize([s.text for s in sents])  # once for both (0.45 s a megabyte)
        return cls(sents, np.asarray(matrix, dtype=np.float32), tuple(frozenset(t) for t in terms),
                   tuple(places_in(s.text) for s in sents), tuple(stemmed_words(s.text) for s in sents),
                   tuple(dict.fromkeys(s.section for s in sents)), by_chunk,
                   idf_table(terms), frozenset(vocabulary),
                   {k: words[key] for k, key in home.items()}, {k: entities[key] for k, key in home.items()}, vecs,
                   {d.doc_id: d.anchors for d in corpus.documents}, index.references,
                   np.asarray(e5.reconstruct_n(0, len(sents)), dtype=np.float32) if e5 is not None and sents else None,
                   {d.doc_id: document_name(d, index.references) for d in corpus.documents if d.doc_id != "report"})


def document_name(doc, references) -> str:
    """How a source document is named when quoted: its reference's publisher and title, else
    its own title, else its id ("source-notes")."""
    ref = next((r for r in references if r.n == doc.ref), None)
    if ref is not None and ref.title:
        return f"{ref.publisher}, {ref.title}" if ref.publisher and ref.publisher not in ref.title else ref.title
    return doc.title or doc.doc_id


def chunk_sentences(chunks, sents) -> dict[str, list[int]]:
    """Chunk id -> the positions in ``sents`` of the sentences it overlaps, in order."""
    return {c.chunk_id: hit for c, hit in zip(chunks, overlapping_in_doc(sents, chunks))}


def chunk_sections(corpus, chunks) -> tuple[dict[str, tuple], dict[tuple, str]]:
    """(chunk id -> key, key -> text): the text a chunk's names and words are read in. That
    is the first section holding its start, keyed (doc id, start, end) and shared by the
    section's chunks, or the chunk's own text when none does (a corpus changed since the
    build). Chunks of documents the corpus lacks have none."""
    docs = {d.doc_id: d for d in corpus.documents}
    home, texts = {}, {}
    for doc_id, members in per_doc(chunks).items():
        if doc_id not in docs:
            continue
        doc = docs[doc_id]
        hits = overlapping([(s.start, s.end) for s in doc.sections],
                           [(chunks[n].start, chunks[n].start + 1) for n in members])
        for n, hit in zip(members, hits):
            c = chunks[n]
            sec = doc.sections[hit[0]] if hit else None
            key = (doc_id, sec.start, sec.end) if sec else (doc_id, c.chunk_id)
            home[c.chunk_id] = key
            if key not in texts:
                texts[key] = doc.text[sec.start:sec.end] if sec else c.text
    return {c.chunk_id: home[c.chunk_id] for c in chunks if c.chunk_id in home}, texts


@dataclass(frozen=True)
class Scored:
    index: int  # into the index's sentence list
    passage: Passage
    score: float
    asked: bool = False  # the part asked for by what it is: "reference 4", the summary, the credits
    introduced: bool = False  # what the sentence before only announces: quoted from its start


def score_sentences(question: str, qvec: np.ndarray, passages: list[Passage], t: Tables,
                    lex_weight: float = 0.35, e5: bool = False, thread: Thread | None = None) -> list[Scored]:
    """Every sentence of the retrieved passages, scored and sorted best first.
    ``e5``: ``qvec`` is a multilingual-e5 vector, compared with ``t.e5_matrix``; ``thread``:
    a follow-up's place in the conversation, whose own words (not the previous question's)
    are compared, and near whose sentences a sentence scores more (``thread.thread_bonus``)."""
    matrix, scale, shift = (t.e5_matrix, COSINE_SCALE, COSINE_SHIFT) if e5 else (t.sentence_matrix, 1.0, 0.0)
    own = thread.own if thread is not None else question
    if thread is not None and thread.vec is not None:
        qvec = thread.vec
    q_terms = set(tokenize([own])[0])
    q_weight = sum(t.idf.get(x, 1.0) for x in q_terms) or 1.0
    senses = set() if e5 else senses_of(q_terms, t.idf) - q_terms
    cues = question_cues(own)
    named = named_section(question, t.section_titles)
    # "What does the section on X argue?" asks for X, not for the contents' line naming it.
    meta_ok = {name: bool(re.search(rx, question, re.I)) and not (named and name == "Contents")
               for name, rx in META_SECTIONS.items()}
    # "how many references": the list's last item, numbered as many as it holds
    number = len(t.references) if counts_references(question) and t.references else asked_reference(question)
    item = f"- ({number})"
    meta_ok[REFERENCE_SECTION] = meta_ok[REFERENCE_SECTION] or number is not None  # "ref 3 url"
    caption = asked_captions(question)
    titles = asked_sections(question)
    folded = fold(question)
    asks = _ASKS_DEFINITION.search(folded) if not cues else None
    defining = DEFINES if asks else 0.0
    defined = defined_term(folded[asks.end():], t.idf) if asks else set()
    if not cues and not (caption or titles or number is not None) and ASKS_DIFFERENCE.search(folded):
        # A difference is answered by the sentences defining either side, not by the one
        # announcing "there are differences that should be pointed out"; both sides, however
        # common ("traffick" is in 84 of 139 sentences).
        defining, defined = DEFINES, set(tokenize([ASKS_DIFFERENCE.sub(" ", folded)])[0])
    # "What share of victims…?" is answered by the global figure before Europe's.
    elsewhere = EXTRA_PLACE if cues and not _ASKS_PLACE.search(question) else 0.0
    years = YEAR.findall(question)
    numbers = {n for n in _NUMBER.findall(question) if not YEAR.fullmatch(n)}
    asked_places = {c for p in places_in(question) for c in _countries_of(p)}  # "Southeast Asian": Thailand too
    seen, out = set(), []
    for p in passages:
        for i in t.by_chunk.get(p.chunk.chunk_id, ()):
            if i in seen:
                continue
            seen.add(i)
            text, section = t.sentences[i].text, t.sentences[i].section
            cos = scale * float(matrix[i] @ qvec) + shift
            lex = (sum(t.idf.get(x, 1.0) for x in q_terms & t.sentence_terms[i])
                   + SENSE_WEIGHT * sum(t.idf[x] for x in senses & t.sentence_terms[i])) / q_weight
            found = {c: cue_spans(text, c) for c in cues}
            cue = (sum(bool(v) for v in found.values()) / len(cues)) if cues else 0.5
            meta = META_PENALTY if meta_ok.get(section) is False else 0.0
            lookup = text.startswith(item) or any(tp.search(section) for tp in titles)
            # The part asked for by what it is (a reference, the credits, a caption line) and the
            # section named each count: "the photos in the section on trafficking and smuggling"
            # is that section's photo credit, over its other sentences and the cover's credit.
            captioned = bool(caption) and text.startswith(caption)
            ways = (lookup or captioned) + (section == named)
            ref = REFERENCE_ITEM * ways
            extra = elsewhere if any(not asked_places & set(_countries_of(p)) for p in t.sentence_places[i]) else 0.0
            year = (YEAR_MATCH if any(y in text for y in years) else 0.0) + (
                NUMBER_MATCH if numbers & set(_NUMBER.findall(text)) else 0.0)
            define = (defining * (2 * bool(defined & defines(text)) if defined else 1)) if _DEFINING.search(text) else 0.0
            spans = [sp for v in found.values() for sp in v]
            near = sum(t.idf.get(x, 1.0) for x in near_terms(t.sentence_words[i], spans, q_terms, NEAR_WORDS)) / q_weight
            out.append(Scored(i, p, cos + lex_weight * lex + CUE * (cue - 0.5) * 2 + PROXIMITY * near + year + define
                              + RANK / p.rank - meta + ref - extra
                              + (thread_bonus(i, thread, t.sentences) if thread else 0.0), lookup or captioned))
    # "who said that", "when did it start": a follow-up pointing at what was just said asks
    # about where the conversation stands, whatever scores higher elsewhere (a "since 1949"
    # outscored the Henry Reeve Contingent's "since its inception in 2005" by 0.53).
    if thread is not None and thread.pointed:
        out = [x for x in out if thread_bonus(x.index, thread, t.sentences) > 0] or out
    return sorted(out, key=lambda x: -x.score)


def senses_of(stems, idf: dict[str, float]) -> set[str]:
    """The report's stems (``idf``'s) of the words WordNet gives a sense of, for each of
    ``stems`` the report never uses ("kid": "child", "children").

    >>> sorted(senses_of(["kid", "victim"], {"children": 2.5, "victim": 1.5}))
    ['children']
    """
    return {x for u in stems if u not in idf for x in related(u) if x in idf}


def defined_term(rest: str, idf: dict[str, float]) -> set[str]:
    """The uncommon stems of what a definition question asks to define: the words after "what
    counts as", up to a preposition ("exploitation under the trafficking protocol": "exploit").

    >>> sorted(defined_term(" exploitation under the trafficking protocol?", {"exploit": 2.0}))
    ['exploit']
    """
    head = re.split(r"\b(?:under|in|according|for|by|within|from|per|segun|en|bajo)\b|[?,]", rest, maxsplit=1)[0]
    return {x for x in tokenize([head])[0] if idf.get(x, 0.0) >= COMMON_IDF}


def defines(text: str) -> set[str]:
    """The stems of what a defining sentence defines: its words up to six past the defining verb
    ("Exploitation shall include", "… defines smuggling of migrants as")."""
    m = _DEFINING.search(text)
    return set(tokenize([" ".join(text[:m.end()].split()[-8:] + text[m.end():].split()[:6])])[0]) if m else set()


def _countries_of(place: str) -> tuple[str, ...]:
    """A region's countries, or the country itself."""
    return members(place) or (place,)


def choose(scored: list[Scored], t: Tables, detail: bool = False, max_sentences: int = 3,
           terms: frozenset[str] | None = None, cover: bool = True) -> list[Scored]:
    """The best sentence, plus runners-up that add something: any within
    KEEP_WITHIN of it, its neighbours within twice that when they share one of the question's
    uncommon ``terms`` (an answer often spills into the next sentence; a neighbour sharing only
    "trafficking" is context, not answer; None: any neighbour, for a question whose words are
    not the report's), the next one when it only introduces, and (``cover``) ``covering``'s."""
    if not scored:
        return []
    limit = max_sentences + (MORE_SENTENCES if detail else 0)
    best = scored[0]
    picked = [best]
    near = {best.index - 1, best.index + 1}
    for s in scored[1:]:
        if len(picked) >= limit:
            break
        spills = s.index in near and (terms is None or bool(terms & t.sentence_terms[s.index]))
        margin = KEEP_WITHIN * (2 if spills else 1) * (2 if detail else 1)
        if s.score < best.score - margin or s.passage.chunk.doc_id != best.passage.chunk.doc_id and s.index in near:
            continue
        if best.score < STRONG and t.sentences[s.index].section != t.sentences[best.index].section:
            continue  # on a weak match, sentences from elsewhere read as stitched together
        if any(float(t.sentence_matrix[s.index] @ t.sentence_matrix[p.index]) > NEAR_DUPLICATE for p in picked):
            continue
        picked.append(s)
    if cover:
        picked += covering(picked, scored, t, terms, limit, WORDS[detail])
    # A sentence that only introduces says nothing without the one it introduces: the best
    # one's next sentence, or a quotation another picked one announces ("The official response
    # of the Cuban government was immediate." / "\"We reject … this defamatory campaign…\"").
    for p in list(picked):
        follow = _continuation(p, t)
        if follow is not None and all(x.index != follow.index for x in picked) and (
                p is best or t.sentences[follow.index].text.lstrip().startswith(('"', "“"))):
            keep = [x for x in picked if x is best or x is p]
            rest = [x for x in picked if x is not best and x is not p]
            picked = keep + rest[:max(0, limit - len(keep) - 1)] + [follow]
    # The best sentence leads, with the picked sentences right around it in the report's order
    # ("…arrested and deported 557 Cambodians." / "The three days between their arrest…");
    # the rest follow in the report's order.
    ordered = sorted(picked, key=lambda x: (t.sentences[x.index].doc_id, t.sentences[x.index].start))
    if best.asked:  # the part asked for ("Photo credit: …", "- (4) …") leads the prose before it
        return [best] + [p for p in ordered if p is not best]
    at = ordered.index(best)
    lo, hi = at, at
    while lo > 0 and ordered[lo - 1].index == ordered[lo].index - 1:
        lo -= 1
    while hi + 1 < len(ordered) and ordered[hi + 1].index == ordered[hi].index + 1:
        hi += 1
    return ordered[lo:hi + 1] + ordered[:lo] + ordered[hi + 1:]


def covering(picked: list[Scored], scored: list[Scored], t: Tables, terms: frozenset[str] | None,
             limit: int, room: int) -> list[Scored]:
    """Sentences to add to ``picked`` so that it holds more of the question's uncommon ``terms``:
    for each term no picked sentence has, rarest first, the best-scored sentence within
    COVER_REACH of the best one, in its section and within COVER_WITHIN of its score, that
    has it and fits, with the rest, in ``room`` words. An answer's words are often the next
    sentences' ("The three days between…")."""
    if not terms or len(picked) >= limit:
        return []
    best = picked[0]
    home = t.sentences[best.index]
    have = set().union(*(t.sentence_terms[p.index] for p in picked))
    near = [s for s in scored if abs(s.index - best.index) <= COVER_REACH and s.score >= best.score - COVER_WITHIN
            and t.sentences[s.index].doc_id == home.doc_id and t.sentences[s.index].section == home.section
            and all(s.index != p.index for p in picked)]
    out = []
    used = sum(len(t.sentences[p.index].text.split()) + FRAME_WORDS for p in picked)
    for term in sorted(terms - have, key=lambda x: -t.idf.get(x, 0.0)):
        if len(picked) + len(out) >= limit or term in have:
            continue
        # Only into room left under the cap: a cut in the sentences chosen for the whole
        # question costs more than the word gained (a name's sentence crowded out the answer).
        if hit := next((s for s in near if term in t.sentence_terms[s.index] and s not in out
                        and used + len(t.sentences[s.index].text.split()) + FRAME_WORDS <= room), None):
            used += len(t.sentences[hit.index].text.split()) + FRAME_WORDS
            out.append(hit)
            have |= t.sentence_terms[hit.index]
    return out


def with_beside(chosen: list[Scored], t: Tables, cue: str) -> list[Scored]:
    """``chosen``, with the nearest sentence of the best one's section (BESIDE_FOR) that holds
    ``cue`` added in the report's order: "who said that?" is answered by the sentence before
    or after the quote that names its speaker ("…Ghada Waly called on…" / "Millions of
    women…"), "which region comes second" by the one after the first ("It is followed by…")."""
    best = t.sentences[chosen[0].index]
    # A quote that runs on is said by whoever is named where it ends, not before it ("… R.
    # Kelly …" / "\"We know that the United States is …" / "… girls,\" Canessa told IPS.").
    after = cue == "agent" and runs_on(best.text)
    for k in sorted(BESIDE_FOR[cue], key=lambda k: (k < 0, abs(k))) if after else BESIDE_FOR[cue]:
        i = chosen[0].index + k
        if 0 <= i < len(t.sentences) and t.sentences[i].doc_id == best.doc_id \
                and t.sentences[i].section == best.section and has_cue(said_by(t.sentences[i].text, cue), cue):
            extra = Scored(i, chosen[0].passage, chosen[0].score)
            return sorted([chosen[0], extra], key=lambda x: x.index) + [c for c in chosen[1:] if c.index != i]
    return chosen


def said_by(text: str, cue: str) -> str:
    """Where in ``text`` the fact of kind ``cue`` may stand: a quote's speaker stands outside it
    ("\"We know that the United States is a source…\" / \"…,\" Canessa told IPS."): a name
    inside the quote is what was said, not who said it.

    >>> said_by('"We know that the United States is a source', "agent"), said_by('"It is", Canessa said', "date")
    ('', '"It is", Canessa said')
    """
    return unquoted(text) if cue == "agent" else text


def _continuation(best: Scored, t: Tables) -> Scored | None:
    """The next sentence, when the best one only introduces it ("The official
    response was immediate." / a sentence ending in a colon)."""
    s = t.sentences[best.index]
    if len(s.text.split()) >= SHORT_SENTENCE and not s.text.rstrip().endswith(":"):
        return None
    nxt, chunk = best.index + 1, best.passage.chunk
    if nxt < len(t.sentences) and t.sentences[nxt].doc_id == chunk.doc_id \
            and chunk.start <= t.sentences[nxt].start and t.sentences[nxt].end <= chunk.end:
        return Scored(nxt, best.passage, best.score, introduced=True)
    return None


# ---------------------------------------------------------------- records and refusals

def idf_table(terms: list[list[str]]) -> dict[str, float]:
    """BM25-style idf of stemmed terms over sentences (``tokenize`` of each)."""
    df: dict[str, int] = {}
    for toks in terms:
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    n = len(terms)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


def suggest(question: str, passages: list[Passage], suggestions: dict, n: int = 3) -> tuple[str, ...]:
    """Questions the report answers, from the sections nearest the question.

    >>> p = Passage(Chunk("c", "report", "Introduction", 4, 0, 1, "x"), 1.0, 1)
    >>> suggest("Capital of Australia?", [p], {"Introduction": ("Q1?", "Q2?"), "Other": ("Q3?",)})
    ('Q1?', 'Q2?', 'Q3?')
    """
    sections = list(dict.fromkeys(p.chunk.section for p in passages))
    sections += [s for s in suggestions if s not in sections]
    out: list[str] = []
    for sec in sections:
        for q in suggestions.get(sec, ()) or (f"What does the report say about “{sec}”?",):
            if q.lower() != question.lower() and q not in out:
                out.append(q)
            if len(out) == n:
                return tuple(out)
    return tuple(out)


def retrieved_records(passages: list[Passage]) -> tuple[dict, ...]:
    return tuple({"chunk_id": p.chunk.chunk_id, "text": p.chunk.text, "score": round(p.score, 6),
                  "section": p.chunk.section, "page": p.chunk.page} for p in passages)


@dataclass(frozen=True)
class Draft:
    """What the extractive stage decided, before timing is added."""
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = field(default=())
    why: str = ""
    score: float | None = None  # the best sentence's score, compared with ABSTAIN_BELOW


def rerank(passages: list[Passage], scored: list[Scored]) -> list[Passage]:
    """Passages ordered by their best sentence's score: a chunk that holds the
    answering sentence beats one that merely shares its topic."""
    best_of: dict[str, float] = {}
    for s in scored:
        best_of.setdefault(s.passage.chunk.chunk_id, s.score)
    ranked = sorted(passages, key=lambda p: -best_of.get(p.chunk.chunk_id, -1.0))
    return [Passage(p.chunk, best_of.get(p.chunk.chunk_id, p.score), r)
            for r, p in enumerate(ranked, start=1)]


def placed(needs, names, name_vecs, t: Tables):
    """A test of whether a sentence names one of the places the question does, or None when
    it names none."""
    vec_of = dict(zip(names, name_vecs if name_vecs is not None else ()))
    places = [(n, vec_of[n]) for n in needs.places if n in vec_of]
    if not places:
        return None
    return lambda i: sentence_covers(i, *map(list, zip(*places)), t)


def refusal(lang: str, why: str, score: float | None = None, **details) -> Draft:
    """The one refusal, in the question's language, with the reason (``WHY[lang][why]``)."""
    lang = lang if lang in REFUSALS else "en"
    return Draft(REFUSALS[lang], True, why=WHY[lang][why].format(**details), score=score)


def extract(question: str, query: str, qvec: np.ndarray, passages: list[Passage], t: Tables,
            names: list[str] = (), name_vecs: np.ndarray | None = None, detail: bool = False,
            lex_weight: float = 0.35, max_sentences: int = 3, e5: bool = False, like=None,
            thread: Thread | None = None) -> tuple[Draft, list[Passage]]:
    """Choose, attribute and cite sentences, or refuse. ``names`` are the
    question's names (``question.question_names``; only places for non-English ones) and
    ``name_vecs`` their vectors; ``e5``: ``qvec`` is a multilingual-e5 vector; ``like``: single
    words' cosines (``Embedder.like``), so a topic word may be met by its synonym; ``thread``:
    a follow-up's place in the conversation (``score_sentences``).
    Returns the draft and the passages re-ranked by their best sentence."""
    lang = language(query)
    if thread is not None and thread.pointed:
        # What "it" points at is where the conversation stands: the previous question's names
        # and years are met there ("who released it (what did the state dept say on july 1
        # 2021)" by "The document, released by … Blinken", two sentences after the 2021).
        keep = [k for k, n in enumerate(names) if n.lower() in thread.own.lower()]
        query, names = thread.own, [names[k] for k in keep]
        name_vecs = name_vecs[keep] if name_vecs is not None else None
    needs = needs_of(query, list(names), lang, t.idf, e5, thread.own if thread else None)
    counting = counts_references(query) and bool(t.references)
    if counting:  # the count is the list's length, given in the lead, not a sentence's figure
        needs = dataclasses.replace(needs, cues=needs.cues - {"number"}, counted="", lookup=True)
    if reason := unasked(query, needs, t, lang):
        return refusal(lang, reason[0], **reason[1]), passages
    scored = score_sentences(query, qvec, passages, t, lex_weight, e5, thread)
    ranked = rerank(passages, scored)
    if names and name_vecs is not None:
        gaps_of = {p.chunk.chunk_id: uncovered(names, name_vecs, p.chunk.chunk_id, t) for p in passages}
        kept = [s for s in scored if not gaps_of[s.passage.chunk.chunk_id]]
        if scored and not kept:
            gaps = sorted(set.intersection(*(set(g) for g in gaps_of.values())) or gaps_of[scored[0].passage.chunk.chunk_id])
            return refusal(lang, "unnamed", what=", ".join(gaps)), ranked
        scored = kept
    # The item or section asked for by what it is answers however little its words share with
    # the question: "ref 3 url" and "- (3) UNODC. …" have cosine 0.10, "report credits" and
    # "Cover photo by Getty Images." 0.13.
    # A sentence beside where the conversation stands is related by it: "who said that"
    # (about a quote) and '… ," he said in a statement' have cosine 0.13; "who put that doc
    # out" and "Of course, the information was quickly replicated…" score 0.25.
    beside_thread = bool(scored) and thread is not None and thread_bonus(scored[0].index, thread, t.sentences) > 0
    if not (scored and scored[0].asked) and not (beside_thread and thread.pointed):
        if not scored or scored[0].score < ABSTAIN_BELOW:
            return refusal(lang, "weak", scored[0].score if scored else None,
                           what=f"{scored[0].score:.2f}" if scored else "-", floor=ABSTAIN_BELOW), ranked
        # A document symbol the best sentence spells ("64/293", "A/RES/68/192") names it
        # whatever the cosine (0.10 for the bare "64/293").
        symbols = re.findall(r"\w+(?:/\w+)+", query)
        spelt = symbols and all(x.lower() in t.sentences[scored[0].index].text.lower() for x in symbols)
        if not e5 and not spelt and not beside_thread and (
                cos := float(t.sentence_matrix[scored[0].index] @ qvec)) < COSINE_FLOOR:
            return refusal(lang, "unrelated", scored[0].score, what=f"{cos:.2f}", floor=COSINE_FLOOR), ranked
    # A Spanish question's terms are not the report's: its neighbours are kept as before.
    # A word the report never uses stands for the report's words of its senses ("and kids": the
    # "children accounted for 22%" beside the EU's total).
    stems = tokenize([query])[0]
    uncommon = None if e5 else frozenset(x for x in {*stems, *senses_of(stems, t.idf)} if t.idf.get(x, 0.0) >= COMMON_IDF)
    def pick(lead: Scored, cover: bool) -> list[Scored]:
        chosen = choose([lead] + [s for s in scored if s is not lead], t, detail, max_sentences, uncommon, cover)
        # "who said that" asks who said the best sentence: a name in another one (the "U.S." of
        # the next paragraph) is not its speaker.
        for cue in needs.cues & set(BESIDE_FOR):
            if chosen and not has_cue(said_by(t.sentences[chosen[0].index].text, cue), cue):
                chosen = with_beside(chosen, t, cue)
        return chosen

    # "what did she tell ips": what someone said is their words, a quotation they stand outside
    # of as its speaker ("\"We know that the United States is …\" / \"… girls,\" Canessa told
    # IPS."), when the sentences chosen around the best one ("… statements by … Romina Canessa,
    # who …") hold none. As with a retry (below), a word the report never uses keeps the question
    # to its best sentence: "respond" is no statement of the State Department's.
    first = pick(scored[0], False)
    if needs.speakers and not needs.unknown and not scored[0].asked and not any(
            quoted_by(s.index, needs.speakers, t) for s in first) and (
            own := next((s for s in scored[1:RETRY_RANKS] if quoted_by(s.index, needs.speakers, t)), None)):
        # …from where the quotation opens
        opens = next((s for s in scored if s.index == own.index - 1 and runs_into(s.index, t)), own)
        scored = [opens] + [s for s in scored if s is not opens]
        first = pick(scored[0], False)
    # The judge reads the sentences chosen for the question as a whole, before those added for
    # one of its words (``covering``: "… reported in 2020 by the UODC" is no figure for 2020).
    lead, reason = scored[0], unanswered(query, first, needs, name_vecs, qvec, t, lang, e5, like)
    runners = [s for s in scored[1:RETRY_RANKS] if s.score >= scored[0].score - RETRY_WITHIN]
    # A word the report never uses keeps a speaker's question to its best sentence: it is mostly
    # the saying asked for ("how did the us govt respond to cubas statement": the State
    # Department's statement is no response); a figure's is mostly a word for its source ("the
    # ips piece on us trafficking": "in a report published in August 2019").
    if reason and reason[0] in RETRY_REASONS and not e5 and not (needs.unknown and reason[0] == "unsaid"):
        for other in runners:
            # A runner-up answers only by itself: with its own runners-up, one would meet the
            # figure and another the topic.
            if not unanswered(query, pick(other, False)[:1], needs, name_vecs, qvec, t, lang, e5, like):
                lead, reason = other, None
                break
    if reason:
        return refusal(lang, reason[0], scored[0].score, **reason[1]), ranked
    # A value's event typed as a phrasal verb ("when did unodc put out its report") is met by the
    # runner-up that says it ("… a report published in February 2021 …") over the best sentence,
    # which met only the other words ("… the UN approved the so-called Global Plan …" in 2010).
    if needs.cues & VALUE_CUES and not e5 and lead is scored[0] and (
            events := tuple(w for w in needs.words if " " in w)) and unmet_words(first, needs, t, like, events):
        lead = next((other for other in runners if not unmet_words(mine := pick(other, False)[:1], needs, t, like, events)
                     and not unanswered(query, mine, needs, name_vecs, qvec, t, lang, e5, like)), lead)
    # A figure for a place the question names comes from a sentence naming it: "cuántos hombres
    # víctimas en Europa Occidental" led with North America's figures, Western Europe's second.
    if needs.cues and (here := placed(needs, names, name_vecs, t)) and not here(lead.index):
        lead = next((s for s in runners if here(s.index) and all(has_cue(t.sentences[s.index].text, c) for c in needs.cues)),
                    lead)
    chosen = pick(lead, True)
    # The cap counts every word of the answer: each quote's attribution ("The report, citing
    # European Parliament, states:" is 7), its marker and up to two "…" come out of it.
    whole = [t.sentences[s.index] for s in chosen]
    overhead = sum(len(frame(w.text, n == 0, source_of(w.doc_id, w.start, w.end, w.text, t.anchors, t.references),
                             t.references, lang, document=t.documents.get(w.doc_id, "")).split())
                   - len(w.text.split()) + 3 for n, w in enumerate(whole))
    # The best sentence holding the value asked for keeps its words first ("… of the 148 countries
    # present, 121 signed … and only about 80 countries endorsed …" was cut to its first 20
    # beside two sentences of context); other questions' answers are as often a runner-up's.
    holds = bool(needs.cues) and all(has_cue(t.sentences[lead.index].text, c) for c in needs.cues)
    shares = budgets([len(w.text.split()) for w in whole], WORDS[detail] - overhead,
                     lead=next((n for n, s in enumerate(chosen) if s.index == lead.index), None) if holds else None)
    # A Spanish question's quote is cut to the clause its cognates meet, names included
    # ("¿Qué día se conmemora el Día Mundial contra la Trata de Personas?": "July 30 … Persons").
    spanish = frozenset(spanish_terms(query.lower(), t.idf)) if e5 else None
    cuts = [trim(t.sentences[s.index].text, query, share, t.idf, spanish, None if e5 else related) if not s.introduced
            else lead_words(t.sentences[s.index].text, share) for s, share in zip(chosen, shares)]
    # An empty or ellipsis-only quote is no answer: 'The report states: "…"'.
    kept = [(s, cut) for s, cut in zip(chosen, cuts) if re.search(r"\w", t.sentences[s.index].text[slice(*cut)])]
    # …and what a sentence announces is no answer without it
    kept = [(s, cut) for s, cut in kept if not s.introduced or any(k.index == s.index - 1 for k, _ in kept)]
    if not kept:
        return refusal(lang, "unquotable", scored[0].score), ranked
    parts, citations = [], []
    for n, (s, (a, b)) in enumerate(kept, start=1):
        sent = t.sentences[s.index]
        sent = Sentence(sent.sentence_id, sent.doc_id, sent.section, sent.page,
                        sent.start + a, sent.start + b, sent.text[a:b])
        src = source_of(sent.doc_id, sent.start, sent.end, sent.text, t.anchors, t.references)
        cit = make_citation(n, sent, s.passage, src)
        citations.append(cit)
        quote = ("… " if a > 0 else "") + cit.quote + (" …" if b < len(t.sentences[s.index].text.rstrip()) else "")
        said = frame(quote, n == 1, src, t.references, lang, t.sentences[s.index].text, t.documents.get(sent.doc_id, ""))
        parts.append(f"{said} [{n}]")
    # "which page talks about palantir": the page the quote is on, unless the quote is the
    # contents' line that gives it ("Introduction: page 4.").
    if _ASKS_PAGE.search(query) and (page := citations[0].page) and not _PAGE_LINE.search(citations[0].quote):
        lead = PAGE_LEADS.get(lang, PAGE_LEADS["en"]).format(page=page)
        parts[0] = f"{lead}{parts[0][:1].lower()}{parts[0][1:]}"
    elif counting and citations[0].quote.startswith(f"- ({len(t.references)})"):
        lead = COUNT_LEADS.get(lang, COUNT_LEADS["en"]).format(n=len(t.references))
        parts = [lead + parts[0][parts[0].index("“"):]]
        citations = citations[:1]
    return Draft(" ".join(parts), False, tuple(citations), score=scored[0].score), ranked
