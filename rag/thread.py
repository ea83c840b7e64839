"""Stage 5c: where a conversation stands in the report.

A follow-up ("who released that doc", "what else did they ask for", "and second") is most
often answered beside the sentence the previous answer stood on: the report names the
document's author in the sentence after the State Department's finding, and the second
region in the one after the first. ``thread_of`` finds that sentence from the previous turn;
``thread_bonus`` is what a sentence near it adds to its score.

>>> quotes_of('The report states: “… Cuba, Nicaragua and Venezuela are not making …” [1] It adds: “Yes.” [2]')
['Cuba, Nicaragua and Venezuela are not making']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .cite import source_of
from .question import _PERSON, _PRONOUN, ONWARD, carries_on
from .retrieve import Passage

# A quote of fewer words could stand in several sentences ("the Protocol").
MIN_QUOTE_WORDS = 4
# Score added to a sentence beside the thread's (0 or 1 sentences away) and, half of it, two
# away; sentence scores of one question spread ~0.3-0.9, so this reorders close candidates
# near the thread, not a clearly better sentence elsewhere (eval: follow-ups of every set).
THREAD = 0.15
THREAD_REACH = 2
# A demonstrative before a noun anywhere ("who put that doc out"; ``question._PRONOUN`` takes
# it only at the end, where it cannot open a clause: "that the US did").
_POINTER = re.compile(r"\b(that|this|those|these|ese|esa|eso|esos|esas)\s+(?!(?:the|a|an|is|was|are|were|"
                      r"it|el|la|los|las|es|fue)\b)[^\W\d_]+", re.I)


@dataclass(frozen=True)
class Thread:
    """A follow-up's place in the conversation: the sentences the previous answer stood on,
    and the follow-up's own words and their vector (without the previous question that
    ``question.rewrite_followup`` appends for context, which would lead back to the
    previous answer's own sentence: "who released that doc (what did the State Department
    say about Cuba?)" scored the State Department's sentence 0.17 above the one naming
    Blinken)."""
    sentences: tuple[int, ...]
    own: str
    # what sentences are compared with: the own words' and the whole question's MiniLM vectors,
    # summed and normalised (the own words lead, the previous question keeps the subject:
    # "who said that"); None for a question read with multilingual-e5
    vec: np.ndarray | None
    pointed: bool = False  # it points at the previous answer ("who said that", "when did it start")
    onward: bool = False  # it asks past the previous answer ("what else", "and second")


def own_words(query: str, previous: str) -> str:
    """``query`` without the previous question appended to it for context.

    >>> own_words("who released that doc? (what did the state dept say?)", "what did the state dept say?")
    'who released that doc?'
    """
    return query[:-len(previous) - 3] if query.endswith(f" ({previous})") else query


def refers_back(question: str, history: list[tuple[str, str]] | None) -> bool:
    """Whether ``question`` leans on the turn before it: it points at it (``points``) or goes
    on from it ("what else", "and second"). One that only completes it ("and in europe") is
    rewritten whole (``question.rewrite_followup``), and its answer stands elsewhere.

    >>> refers_back("what else did they ask for", [("what did the meps want", "…")])
    True
    >>> refers_back("when was the protocol signed", [("what did the state dept say", "…")])
    False
    """
    return bool(history) and (points(question) or onward(question) or carries_on(question))


def points(question: str) -> bool:
    """Whether ``question`` points at what was just said, by a pronoun or a demonstrative:
    what it asks about is there ("who released that doc", "when did it start").

    >>> points("who put that doc out"), points("what did she say"), points("and second")
    (True, True, False)
    """
    return bool(_PRONOUN.search(question) or _PERSON.search(question) or _POINTER.search(question))


def onward(question: str) -> bool:
    """Whether ``question`` asks past the previous answer.

    >>> onward("what else did they ask for"), onward("who said that")
    (True, False)
    """
    return bool(ONWARD.search(question))


def quotes_of(answer: str) -> list[str]:
    """The report's words an answer quotes, without the ellipses that cut them."""
    quotes = (q.strip(" …") for q in re.findall(r"“([^”]*)”", answer))
    return [q for q in quotes if len(q.split()) >= MIN_QUOTE_WORDS]


# A follow-up asking for the source of what was just said: "whats the title of it", "n whats
# the ref title", "source?", "link pls". One naming its own reference ("ref 4") or asking for
# the list ("which sources does it cite") is no such question.
_SOURCE = re.compile(r"\b(?:the|its|their|that|this|su|la|el)\s+(?:source|ref|reference|link|url|title|article|outlet|"
                     r"fuente|referencia|enlace|titulo|articulo)\b|^\W*(?:and\s+|y\s+)?(?:the\s+)?(?:source|ref|link|url|"
                     r"title|fuente|enlace|titulo)\W*$", re.I)


def asks_source(question: str) -> bool:
    """Whether a follow-up asks for the source of the previous answer.

    >>> asks_source("what is the title of it?"), asks_source("source?"), asks_source("which sources does it cite")
    (True, True, False)
    """
    return bool(_SOURCE.search(question))


def cited_reference(answer: str, t) -> int | None:
    """The reference list's number for what a previous answer quotes or names: a link in the
    quoted sentence ("in [a report](#ref-4) published …"), else a source the quote or the
    answer names ("EFE" is reference 12). ``t``: the answer stage's tables."""
    for s in (t.sentences[i] for i in quoted_sentences(answer, [s.text for s in t.sentences])):
        if found := source_of(s.doc_id, s.start, s.end, s.text, t.anchors, t.references):
            return found.ref
    found = source_of("", 0, 0, answer, {}, t.references)
    return found.ref if found else None


def unit(vec: np.ndarray) -> np.ndarray:
    return vec / (np.linalg.norm(vec) or 1.0)


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def quoted_sentences(answer: str, texts: list[str]) -> tuple[int, ...]:
    """The indices of ``texts`` holding the words ``answer`` quotes.

    >>> quoted_sentences("It states: “… not making sufficient efforts …” [1]", ["a", "They are not making sufficient efforts."])
    (1,)
    """
    quotes = [_squash(q) for q in quotes_of(answer)]
    return tuple(i for i, x in enumerate(texts) if any(q in _squash(x) for q in quotes)) if quotes else ()


def thread_of(answer: str, vec: np.ndarray, texts: list[str], matrix: np.ndarray) -> tuple[int, ...]:
    """The sentences (indices into ``texts``) a previous answer stood on: those holding the
    words it quotes, else the one nearest (cosine with ``matrix``'s rows) ``vec``, the
    previous question and answer encoded together (an answer typed as "14,145" says little
    without its question)."""
    if found := quoted_sentences(answer, texts):
        return found
    if not len(matrix):
        return ()
    return (int(np.argmax(matrix @ vec)),)


def thread_bonus(i: int, thread: Thread, sentences) -> float:
    """What sentence ``i`` of ``sentences`` (with ``.doc_id`` and ``.section``) gains for
    standing within THREAD_REACH sentences of the thread, in the same document and section;
    half as much for the thread's own sentences when the follow-up asks past them (what else
    it names may be in the sentence quoted, or the next one).

    >>> from types import SimpleNamespace as S
    >>> sents = [S(doc_id="r", section=x) for x in "AAABB"]
    >>> [thread_bonus(i, Thread((0,), "", None), sents) for i in range(5)]
    [0.15, 0.15, 0.075, 0.0, 0.0]
    >>> [thread_bonus(i, Thread((0,), "", None, onward=True), sents) for i in range(3)]
    [0.075, 0.15, 0.075]
    """
    here = sentences[i]
    gaps = [abs(i - j) for j in thread.sentences
            if sentences[j].doc_id == here.doc_id and sentences[j].section == here.section]
    if not gaps or min(gaps) > THREAD_REACH:
        return 0.0
    return THREAD / 2 if min(gaps) == 2 or thread.onward and min(gaps) == 0 else THREAD


def with_thread(passages: list[Passage], thread: Thread, chunks, by_chunk: dict[str, list[int]],
                sentences) -> list[Passage]:
    """``passages``, then the ``chunks`` holding a sentence near the thread that none of them
    holds: "who released it" shares no word with the sentence naming the document's author."""
    held = {p.chunk.chunk_id for p in passages}
    extra = [c for c in chunks if c.chunk_id not in held
             and any(thread_bonus(i, thread, sentences) > 0 for i in by_chunk.get(c.chunk_id, ()))]
    return passages + [Passage(c, 0.0, len(passages) + n) for n, c in enumerate(extra, start=1)]
