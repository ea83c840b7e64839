"""Stage 5: find the passages for a query.

Three rankings of the chunks are fused by reciprocal rank fusion: dense
search over chunk vectors, BM25 (``bm25s``, Snowball stemming), and each
chunk's best single sentence (a short fact, like the report's editor, is
lost in a 160-token chunk vector but stands out as a sentence).

A non-English question ("multilingual" mode) ranks chunks by their best
sentence in multilingual-e5's space alone: for a Spanish question MiniLM and
the English BM25 lists are mostly noise (adding e5 as a third list beside them
put the evidence first for 7 of 15 Spanish dev questions, e5 alone 12-13).

>>> rrf([[2, 0, 1], [0, 3]], k=60)[:2]
[(0, 0.03252247488101534), (2, 0.01639344262295082)]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .chunk import Chunk, overlapping_in_doc
from .index import Index
from .lexicon import fold, tokenize

# How deep each retriever's list goes before fusion: deeper lists let a chunk
# that one retriever ranks 15th still win on the other; 30 is past the point
# where recall@5 on the eval set stopped changing.
DEPTH = 30
MODES = ("hybrid", "dense", "bm25", "multilingual")
_ASKED_REF = re.compile(r"\b(?:references?|ref\.?|refs?|sources?|footnotes?|referencias?|fuentes?)\s*(?:no\.?\s*|number\s*|n[º°]\s*|#\s*)?"
                        r"\(?(\d{1,3})\)?", re.I)


# "who put this report together", "who's behind this paper", "quien hizo este informe": the
# report itself, asked who made it, is answered by its credits ("Edited by Argos"), not by a
# source's ("… a report published in February 2021 by the United Nations Office …"); only the
# bare report: "who published the gaatw report" asks for another's. Read without accents.
MADE_BY = (r"\b(who|whos|quien|quienes)( is| was| are|'s|s| estan?)? (behind|made|did|wrote|write|published|produced|"
           r"prepared|created|compiled|edited|authored|released|issued|put out|put together|put|detras de|hizo|"
           r"escribio|publico|elaboro|preparo|edito|redacto) (this|the|your|ur|este|el) (report|paper|doc|"
           r"document|study|publication|pdf|booklet|informe|documento|reporte|estudio)( together| out| up)?\W*$")
# Questions about the report itself, answered by a section that no term or vector finds:
# "What is the report's main argument?" (the summary; "argument" is not in it), "Who is the
# author?" (the credits say "Edited by"). Question pattern -> section-title pattern.
SECTION_LOOKUPS = (
    (re.compile(r"\b(main (argument|point|message|idea|finding|conclusion)s?|key (points?|findings?|messages?|"
                r"takeaways?)|summar\w*|conclu\w*|in a nutshell|overall message|argue|thesis|gist|"
                r"resumen|conclusi\w*|idea principal)\b", re.I),
     re.compile(r"\b(summary|conclusions?|key findings|resumen|conclusiones)\b", re.I)),
    (re.compile(r"\b(authors?|wrote|written by|editors?|edited|copyright|cover (photo|design|image)|"
                r"photo credits?|credits?|autor\w*|edito|escribio|escrit[oa]|portada|creditos)\b|" + MADE_BY, re.I),
     re.compile(r"^(credits|cover|creditos|portada)$", re.I)),
    (re.compile(r"\b(table of contents|contents|list of (sections|chapters)|what (sections|chapters)|"
                r"(sections|chapters) (does|of|in) (the|this|it)|indice|contenidos?|tabla de contenidos?)\b", re.I),
     re.compile(r"^(contents|[ií]ndice|contenidos?)$", re.I)),
)


# "Who provided the photos in the section on trafficking and smuggling?": the words after it.
_NAMED_SECTION = re.compile(r"\b(?:section|chapter|heading|seccion|capitulo|apartado)\s+(?:on|about|called|titled|"
                            r"entitled|named|sobre|titulad[oa]|llamad[oa]|de)?\s*[\"“']?([^\"”'?]+)", re.I)
# …or the words before it: "the photos in the smuggling vs trafficking section".
_SECTION_NAMED = re.compile(r"\b(?:in|from|of|on)\s+(?:the\s+)?([^\"”'?]+?)\s+(?:section|chapter|part)\b", re.I)


def asked_sections(question: str) -> list[re.Pattern]:
    """The title patterns of the sections a question asks for by what they are.

    >>> [bool(p.search("Summary")) for p in asked_sections("What is the report's main argument?")]
    [True]
    >>> asked_sections("What does it say about Cuba?")
    []
    """
    return [titles for asks, titles in SECTION_LOOKUPS if asks.search(fold(question))]


def named_section(question: str, titles: tuple[str, ...]) -> str | None:
    """The one of ``titles`` a question names ("the section on X"): sharing most terms
    with X, at least half of them, and no other title as many.

    >>> titles = ("Trafficking and smuggling are not the same", "Trafficking as an argument")
    >>> named_section("Whose photos are in the section on trafficking and smuggling?", titles)
    'Trafficking and smuggling are not the same'
    >>> named_section("What does the section on trafficking say?", titles) is None
    True
    >>> named_section("who provided the photos in the smuggling vs trafficking section", titles)
    'Trafficking and smuggling are not the same'
    >>> named_section("which country are the photo credits in the smuggling section from", titles)
    'Trafficking and smuggling are not the same'
    """
    # "On which page does the section on X start?" is the contents' to answer, not X's.
    if re.search(r"\b(pages?|p[aá]ginas?)\b", question, re.I):
        return None
    # "the photo credits in the smuggling section from": the words after "section" say nothing.
    said = (set(tokenize([m.group(1)])[0]) for rx in (_NAMED_SECTION, _SECTION_NAMED) if (m := rx.search(question)))
    want = next((w for w in said if w), set())
    shared = sorted(((len(want & set(tokenize([t])[0])), t) for t in set(titles)), reverse=True)
    if want and shared and shared[0][0] * 2 >= len(want) and (len(shared) == 1 or shared[1][0] < shared[0][0]):
        return shared[0][1]
    return None


# "What is the source of the charts?", "who took the photos": a caption or credit line answers
# it, a line no term or vector of the question finds in another language ("¿Cuál es la fuente
# de los gráficos?" ranked two reference items first and no caption in the top 8).
# Question pattern -> the heads of the lines that answer it.
CAPTION_LOOKUPS = (
    (re.compile(r"\b(charts?|graphs?|graphics?|diagrams?|captions?|gr[aá]fic[oa]s?|diagramas?|figuras?)\b", re.I),
     ("Figure:", "Figure note:")),
    (re.compile(r"\b(photos?|photographs?|pictures?|images?|fotos?|fotograf[ií]as?|im[aá]genes)\b", re.I),
     ("Photo credit:", "Cover photo")),
)


def asked_captions(question: str) -> tuple[str, ...]:
    """The heads of the caption lines a question asks for by what they caption.

    >>> asked_captions("cual es la fuente de los graficos"), asked_captions("who took the photos")
    (('Figure:', 'Figure note:'), ('Photo credit:', 'Cover photo'))
    >>> asked_captions("what figures does unodc give")
    ()
    """
    return tuple(h for asks, heads in CAPTION_LOOKUPS if asks.search(question) for h in heads)


def asked_reference(question: str) -> int | None:
    """The number of the reference a question asks about: the list item "- (4) …"
    is found by its number, which no embedding or BM25 term carries.

    >>> asked_reference("What is the title of reference 4?"), asked_reference("Who published ref. (13)?")
    (4, 13)
    >>> asked_reference("How many references does the report list?") is None
    True
    """
    m = _ASKED_REF.search(question)
    return int(m.group(1)) if m else None


# "how many references does it list", "cuantas referencias tiene": a count of the reference
# list, which no sentence writes (its items are numbered, and "(16)" is no count).
_COUNTS_REFERENCES = re.compile(r"\b(how many|number of|cuant[oa]s|numero de)\s+(?:\w+\s+)?"
                                r"(references?|refs?|sources?|citations?|footnotes?|referencias|fuentes|citas)\b", re.I)


def counts_references(question: str) -> bool:
    """Whether a question asks how long the reference list is.

    >>> counts_references("how many references r listed at the end"), counts_references("cuantas referencias tiene")
    (True, True)
    >>> counts_references("how many victims does reference 3 count")
    False
    """
    return bool(_COUNTS_REFERENCES.search(question))


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float  # fused score (hybrid), cosine (dense) or BM25 score
    rank: int


class Retriever:
    """Holds the index and its BM25 model (rebuilt on load: ~10 ms for the report)."""

    def __init__(self, index: Index, embedder) -> None:
        import bm25s

        self.index, self.embedder = index, embedder
        self.chunks_of_sentence = chunks_holding(index.chunks, index.sentences)
        # reference number -> the chunks holding its list item ("- (4) IPS. …")
        self.reference_chunks: dict[int, list[int]] = {}
        for ci, c in enumerate(index.chunks):
            for n in re.findall(r"(?m)^- \((\d{1,3})\)", c.text):
                self.reference_chunks.setdefault(int(n), []).append(ci)
        self.section_titles = tuple(dict.fromkeys(c.section for c in index.chunks))
        # caption head ("Figure:") -> the chunks holding a line it begins (7 of 35 in the report)
        self.caption_chunks: dict[str, list[int]] = {}
        for ci, c in enumerate(index.chunks):
            for head in {h for _, heads in CAPTION_LOOKUPS for h in heads if re.search(rf"(?m)^{h}", c.text)}:
                self.caption_chunks.setdefault(head, []).append(ci)
        self.bm25 = bm25s.BM25()
        self.bm25.index(tokenize([f"{c.section} {c.text}" for c in index.chunks]), show_progress=False)

    def dense_ranking(self, qvec: np.ndarray, depth: int = DEPTH) -> list[tuple[int, float]]:
        scores, ids = self.index.chunk_vectors.search(qvec.reshape(1, -1), min(depth, len(self.index.chunks)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def sentence_ranking(self, qvec: np.ndarray, depth: int = DEPTH, e5: bool = False) -> list[tuple[int, float]]:
        """Chunks ranked by their best sentence's cosine with the query
        (``e5``: ``qvec`` is a multilingual-e5 vector)."""
        n = min(depth * 3, len(self.index.sentences))
        if n == 0:
            return []
        vectors = self.index.sentence_vectors_e5 if e5 else self.index.sentence_vectors
        scores, ids = vectors.search(qvec.reshape(1, -1), n)
        best: dict[int, float] = {}
        for si, score in zip(ids[0], scores[0]):
            for ci in self.chunks_of_sentence[si] if si >= 0 else ():
                best.setdefault(ci, float(score))
        return sorted(best.items(), key=lambda kv: -kv[1])[:depth]

    def bm25_ranking(self, query: str, depth: int = DEPTH) -> list[tuple[int, float]]:
        tokens = tokenize([query])[0]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        top = np.argsort(-scores, kind="stable")[:depth]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def search(self, query: str, k: int = 5, mode: str = "hybrid", rrf_k: int = 60,
               qvec: np.ndarray | None = None) -> list[Passage]:
        """Top ``k`` passages for ``query``, best first, overlapping chunks removed.
        "multilingual" mode needs ``qvec`` from the index's multilingual-e5 model."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode == "multilingual" and (qvec is None or self.index.sentence_vectors_e5 is None):
            raise ValueError("multilingual search needs an index built with multilingual vectors and a query vector")
        if qvec is None and mode != "bm25":
            qvec = self.embedder.encode([query])[0]
        if mode == "multilingual":
            ranked = self.sentence_ranking(qvec, e5=True)
        elif mode == "dense":
            ranked = self.dense_ranking(qvec)
        elif mode == "bm25":
            ranked = self.bm25_ranking(query)
        else:
            ranked = rrf([[i for i, _ in self.dense_ranking(qvec)], [i for i, _ in self.bm25_ranking(query)],
                          [i for i, _ in self.sentence_ranking(qvec)]], rrf_k)
        # A lookup by structure goes first: the item of "reference 4", the summary for "the main argument".
        first = self.reference_chunks.get(asked_reference(query), [])
        named = named_section(query, self.section_titles)
        if (titles := asked_sections(query)) or named:
            first = first + [ci for ci, c in enumerate(self.index.chunks)
                             if c.section == named or any(tp.search(c.section) for tp in titles)]
        # Captions asked for go next, in the order retrieval ranks them.
        order = {i: n for n, (i, _) in enumerate(ranked)}
        captioned = {ci for h in asked_captions(query) for ci in self.caption_chunks.get(h, ())}
        first = first + sorted(captioned - set(first), key=lambda i: (order.get(i, len(order)), i))
        if first:
            top = ranked[0][1] if ranked else 1.0
            ranked = [(i, top) for i in first] + [(i, s) for i, s in ranked if i not in first]
        out: list[Passage] = []
        for i, score in ranked:
            chunk = self.index.chunks[i]
            if any(_overlap(chunk, p.chunk) > 0.5 for p in out):
                continue
            out.append(Passage(chunk, score, len(out) + 1))
            if len(out) == k:
                break
        return out


def chunks_holding(chunks, sentences) -> list[list[int]]:
    """For each sentence, the positions in ``chunks`` of the chunks of its document holding
    its start, in order (found by start: ``overlapping``, not every chunk per sentence)."""
    return overlapping_in_doc(chunks, sentences, start_only=True)


def rrf(rankings: list[list[int]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: each list adds 1/(k + rank) to an item's score."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _overlap(a: Chunk, b: Chunk) -> float:
    """Shared characters as a share of the shorter chunk (0 across documents)."""
    if a.doc_id != b.doc_id:
        return 0.0
    shared = min(a.end, b.end) - max(a.start, b.start)
    return max(0, shared) / max(1, min(a.end - a.start, b.end - b.start))
