"""Stage 6: a short extractive answer with quote-level citations, or a refusal.

The answer is one to three sentences of the report, chosen from the retrieved
passages by a score that mixes meaning (MiniLM cosine, sentence vectors made
at build time), the question's key terms and what kind of fact it asks for.
Each sentence is quoted, attributed to the report (and to the report's own
source where it names one) and cited to its passage with character offsets.

>>> question_cues("How many victims were detected?")
{'number'}
>>> words_of("The U.S. State Department's 2,053 girls")
['the', 'u.s', 'state', 'department', '2053', 'girls']
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field

import numpy as np

from .chunk import Sentence
from .load import Reference
from .retrieve import Passage, tokenize

REFUSAL = "The report doesn't cover this."
REFUSALS = {"en": REFUSAL, "es": "El informe no trata este tema."}
MAX_QUESTION_CHARS = 1000  # the longest eval question is ~200; a pasted page is not a question
WORDS = {False: 80, True: 160}  # answer length cap, by "more detail"
MAX_SENTENCES = {False: 3, True: 5}

# Score = cosine + LEX * key-term coverage + CUE * (sentence has the kind of fact
# asked for). Weights and the refusal threshold come from the eval (eval/REPORT.md).
LEX, CUE, RANK = 0.35, 0.12, 0.04
ABSTAIN_BELOW = 0.42
KEEP_WITHIN = 0.10  # a second sentence must score within this of the best one
NEAR_DUPLICATE = 0.92  # cosine above which two sentences say the same thing


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
    notice: str = ""  # e.g. why a generative answer fell back to extractive

    def to_dict(self) -> dict:
        d = asdict(self)
        d["citations"] = [dict(c, source=c["source"]) for c in d["citations"]]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_text(self) -> str:
        lines = [self.answer]
        if self.suggestions:
            lines += ["", "You could ask:"] + [f"  - {s}" for s in self.suggestions]
        for c in self.citations:
            page = f", p. {c.page}" if c.page else ""
            src = f" — source ({c.source.ref}): {c.source.title} {c.source.url or ''}".rstrip() if c.source else ""
            lines.append(f"[{c.n}] {c.section}{page} ({c.chunk_id}){src}")
        lines.append(f"(report version {self.report_version}, {self.latency_ms:.0f} ms)")
        return "\n".join(lines)


# ---------------------------------------------------------------- the question

def clean_question(text: str) -> str:
    """Normalise a question; raise ValueError with a message for bad input."""
    if not isinstance(text, str):
        raise ValueError("The question must be text.")
    if len(text) > MAX_QUESTION_CHARS * 4:
        raise ValueError(f"The question is too long ({len(text):,} characters); "
                         f"please keep it under {MAX_QUESTION_CHARS:,}.")
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        raise ValueError("Please type a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"The question is too long ({len(text):,} characters); "
                         f"please keep it under {MAX_QUESTION_CHARS:,}.")
    return text


_ES_HINTS = re.compile(r"[¿¡ñáéíóú]|\b(qué|cuál|cuáles|cuántos|cuántas|cuándo|dónde|quién|quiénes|"
                       r"cómo|por qué|porcentaje|víctimas|informe|trata|según|los|las|del|una)\b", re.I)


def language(text: str) -> str:
    """'es' for Spanish questions (two or more Spanish cues), else 'en'."""
    return "es" if len(_ES_HINTS.findall(text)) >= 2 else "en"


_FOLLOW = re.compile(r"^(and|but|also|what about|how about|and what about|and how about|same for|"
                     r"what of|y|¿y|y qué|¿y qué|qué hay de|¿qué hay de)\b[\s,]*", re.I)
_PRONOUN = re.compile(r"\b(they|them|their|it|its|this|that|those|these|he|she|his|her)\b", re.I)
_WH = re.compile(r"^[¿¡\s]*(who|what|when|where|which|why|how|is|are|does|do|did|can|qué|quién|cuál|cuándo|dónde|cómo|cuántos|cuántas|por qué)\b", re.I)
_ENTITY = re.compile(r"(?:\b(?:the\s+)?[A-Z][\w.'-]*(?:\s+(?:and|of|de|del|y|the)\s+[A-Z][\w.'-]*|\s+[A-Z][\w.'-]*)*)")


def _entities(text: str, skip_first: bool = True) -> list[str]:
    found = []
    for m in _ENTITY.finditer(text):
        if skip_first and m.start() == len(text) - len(text.lstrip("¿¡ \"'")):
            continue  # a capital that only starts the question
        if len(m.group(0).strip()) > 1:  # not "I"
            found.append(m.group(0).strip())
    return found


def rewrite_followup(question: str, history: list[tuple[str, str]] | None) -> str:
    """Make an elliptical follow-up a full question, using the previous question.

    >>> rewrite_followup("And how many in Western and Southern Europe?",
    ...                  [("How many women victims were recorded in North America?", "5,735")])
    'How many women victims were recorded in Western and Southern Europe?'
    >>> rewrite_followup("What about the Netherlands?", [("How long did Germany take to ratify the protocol?", "")])
    'How long did the Netherlands take to ratify the protocol?'
    >>> rewrite_followup("Who edited the report?", [("How long did Germany take?", "")])
    'Who edited the report?'
    """
    if not history:
        return question
    prev = history[-1][0]
    connective = _FOLLOW.match(question)
    short = len(question.split()) <= 3 and not _WH.match(question)
    if not (connective or short or _PRONOUN.search(question)):
        return question
    rest = question[connective.end():] if connective else question
    new = _entities(rest, skip_first=not connective) or ([rest.strip(" ?¿")] if connective and len(rest.split()) <= 4 else [])
    old = _entities(prev)
    if new and old:
        return prev.replace(old[-1], new[-1], 1)
    if connective or short:
        return f"{prev.rstrip('?')} — {rest.strip()}"
    return f"{question} ({prev})"


def question_cues(question: str) -> set[str]:
    """The kind of fact a question asks for."""
    q = question.lower()
    cues = set()
    if re.search(r"\b(percent|percentage|share|proportion|fraction|porcentaje|proporción)\b|%", q):
        cues.add("percent")
    elif re.search(r"\b(how many|how much|number of|cuántos|cuántas|cuánto|número)\b", q):
        cues.add("number")
    if re.search(r"\b(when|what year|which year|what date|cuándo|qué año|en qué fecha)\b", q):
        cues.add("date")
    return cues


_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"


def has_cue(text: str, cue: str) -> bool:
    if cue == "percent":
        return bool(re.search(r"\d\s?%|\bpercent\b", text))
    if cue == "number":
        return bool(re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|trillion)\b", text, re.I))
    return bool(re.search(rf"\b(1[89]|20)\d\d\b|{_MONTH}", text))


def words_of(text: str) -> list[str]:
    """Lower-case words; thousands separators dropped so '2,053' matches '2053'."""
    return [re.sub(r"['’]s$", "", w.replace(",", ""))
            for w in re.findall(r"[\w][\w.,'’-]*[\w]|\w", text.lower())]


def missing_terms(question: str, vocabulary: set[str]) -> list[str]:
    """Names and numbers in an English question that the corpus never uses.

    A question about Japan cannot be answered from a report that never names
    Japan, however close its other words are.
    """
    terms = []
    for ent in _entities(question):
        ws = [w for w in words_of(ent) if w not in {"the", "and", "of"}]
        if ws and not all(w in vocabulary for w in ws):
            terms.append(ent)
    for num in re.findall(r"\b\d[\d,]*\b", question):
        if num.replace(",", "") not in vocabulary:
            terms.append(num)
    return terms


# ---------------------------------------------------------------- sentence choice

@dataclass(frozen=True)
class Scored:
    index: int  # into the index's sentence list
    passage: Passage
    score: float
    cosine: float


def score_sentences(question: str, qvec: np.ndarray, passages: list[Passage],
                    sentences: tuple[Sentence, ...], sentence_matrix: np.ndarray,
                    by_chunk: dict[str, list[int]], idf: dict[str, float]) -> list[Scored]:
    """Every sentence of the retrieved passages, scored and sorted best first."""
    q_terms = set(tokenize([question])[0])
    q_weight = sum(idf.get(t, 1.0) for t in q_terms) or 1.0
    cues = question_cues(question)
    seen, out = set(), []
    for p in passages:
        for i in by_chunk.get(p.chunk.chunk_id, ()):
            if i in seen:
                continue
            seen.add(i)
            s = sentences[i]
            cos = float(sentence_matrix[i] @ qvec)
            terms = set(tokenize([s.text])[0])
            lex = sum(idf.get(t, 1.0) for t in q_terms & terms) / q_weight
            cue = sum(has_cue(s.text, c) for c in cues) / max(1, len(cues))
            score = cos + LEX * lex + CUE * cue + RANK / p.rank
            out.append(Scored(i, p, score, cos))
    return sorted(out, key=lambda x: -x.score)


def choose(scored: list[Scored], sentence_matrix: np.ndarray, sentences: tuple[Sentence, ...],
           detail: bool = False) -> list[Scored]:
    """The best sentence, plus close runners-up that add something, within the word cap."""
    if not scored:
        return []
    best = scored[0]
    picked = [best]
    words = len(sentences[best.index].text.split())
    for s in scored[1:]:
        if len(picked) == MAX_SENTENCES[detail] or s.score < best.score - KEEP_WITHIN * (2 if detail else 1):
            break
        n = len(sentences[s.index].text.split())
        if words + n + 6 > WORDS[detail]:
            continue
        if any(float(sentence_matrix[s.index] @ sentence_matrix[p.index]) > NEAR_DUPLICATE for p in picked):
            continue
        picked.append(s)
        words += n
    return sorted(picked, key=lambda x: (sentences[x.index].doc_id, sentences[x.index].start))


# ---------------------------------------------------------------- citations

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


def frame(quote: str, first: bool, source: Source | None, references: tuple[Reference, ...]) -> str:
    """Attribute a quote: the report speaks, never the bot."""
    q = quote.strip()
    if q.startswith("Figure:") or q.startswith("Figure note:") or q.startswith("Source: "):
        lead = "A figure caption in the report reads"
    elif q.startswith("Photo credit:"):
        lead = "A photo credit in the report reads"
    elif source is not None:
        pub = next((r.publisher for r in references if r.n == source.ref and r.publisher), "") or source.title
        lead = f"The report, citing {pub}, states" if first else f"Citing {pub}, it adds"
    else:
        lead = "The report states" if first else "It adds"
    return f"{lead}: “{q}”"


def make_citation(n: int, s: Sentence, p: Passage, source: Source | None) -> Citation:
    c = p.chunk
    start, end = max(s.start, c.start), min(s.end, c.end)
    return Citation(n, c.chunk_id, c.doc_id, c.section, c.page, c.text[start - c.start:end - c.start],
                    start - c.start, end - c.start, c.text, source)


def idf_table(sentences: tuple[Sentence, ...]) -> dict[str, float]:
    """BM25-style idf of stemmed terms over sentences."""
    df: dict[str, int] = {}
    for toks in tokenize([s.text for s in sentences]):
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    n = len(sentences)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


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


def extract(question: str, query: str, qvec: np.ndarray, passages: list[Passage], tables,
            detail: bool = False) -> Draft:
    """Choose, attribute and cite sentences, or refuse. ``tables`` is the
    pipeline's precomputed state (sentences, their vectors, idf, vocabulary)."""
    lang = language(question)
    if lang == "en" and (gaps := missing_terms(query, tables.vocabulary)):
        return Draft(REFUSALS[lang], True, why=f"the report never mentions {', '.join(gaps)}")
    scored = score_sentences(query, qvec, passages, tables.sentences, tables.sentence_matrix,
                             tables.by_chunk, tables.idf)
    if not scored or scored[0].score < ABSTAIN_BELOW:
        top = f"{scored[0].score:.2f}" if scored else "none"
        return Draft(REFUSALS[lang], True, why=f"best sentence score {top} < {ABSTAIN_BELOW}")
    parts, citations = [], []
    for n, s in enumerate(choose(scored, tables.sentence_matrix, tables.sentences, detail), start=1):
        sent = tables.sentences[s.index]
        src = source_of(sent.doc_id, sent.start, sent.end, sent.text, tables.anchors, tables.references)
        cit = make_citation(n, sent, s.passage, src)
        citations.append(cit)
        parts.append(f"{frame(cit.quote, n == 1, src, tables.references)} [{n}]")
    return Draft(" ".join(parts), False, tuple(citations))
