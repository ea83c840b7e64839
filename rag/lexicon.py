"""The lexical primitives every stage shares: words, stems, stopwords, years, URLs,
and accent folding. One home, so that the chunker, the retriever, the question
reader and the judge cannot drift apart on what a word is.

>>> tokenize(["What does the report say about trafficked children?"])
[['traffick', 'children']]
>>> words_of("The U.S. State Department's 2,053 girls")
['the', 'us', 'state', 'department', '2053', 'girls']
>>> fold("¿Cuántas niñas?")
'¿Cuantas ninas?'
"""
from __future__ import annotations

import bisect
import functools
import re
import unicodedata

URL = re.compile(r"\S+://\S+|www\.\S+")
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# Joining words inside a name ("Office of Drugs and Crime", "Unión Europea de …").
NAME_STOP = frozenset({"the", "and", "of", "de", "del", "y"})

# Spanish function and question words: a Spanish question's "de", "los" or "qué" matched the
# Spanish titles in the reference list, and "¿Qué?" alone looked like something to search for.
# Both spellings of each: people type Spanish without accents ("cuantas victimas").
SPANISH_STOPWORDS = frozenset(
    "a al algo como cómo con cual cuál cuales cuáles cuando cuándo cuanto cuánto cuanta cuánta cuantos cuántos "
    "cuantas cuántas de del donde dónde el ella ellos en era es esa ese eso esta este esto fue han hay la las le "
    "lo los más mas me mi no nos o para pero por porque qué que quien quién quienes quiénes se según segun ser si "
    "sí sin sobre son su sus te tiene un una uno unos unas y ya informe dice dijo".split())


def fold(text: str) -> str:
    """``text`` without accents (ñ becomes n), as people type Spanish on an English keyboard."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=1)
def stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    # The 179 words of EN_PLUS, and the asking words its list lacks. "report": in a question it
    # is this report ("What does the report say…"), and it matched sentences about UNODC's and
    # IPS's reports (dropping it: evidence first for 83.5% of dev questions, not 82.7%).
    # Not "won", the list's fragment of "won't" (read as "will not" before this): "who won the
    # nobel peace prize" asks who won.
    return sorted(set(STOPWORDS_EN_PLUS) - {"won"} | {"many", "much", "say", "says", "tell", "give", "describe", "report",
                                            "mention", "mentioned", "according"} | SPANISH_STOPWORDS)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Stemmed terms without stopwords or URLs (a Spanish URL slug such as
    "trata-personas-estados-unidos" would otherwise match Spanish questions); accents
    folded, as questions are read."""
    import bm25s

    return bm25s.tokenize([fold(URL.sub(" ", t)) for t in texts], stopwords=stopwords(), stemmer=stemmer(),
                          return_ids=False, show_progress=False)


@functools.lru_cache(maxsize=50_000)  # a word's terms, asked for again and again by the judge
def terms_of(word: str) -> tuple[str, ...]:
    """``tokenize`` of one word, kept: "Trafficking" -> ('traffick',); "the" -> ()."""
    return tuple(tokenize([word])[0])


def words_of(text: str) -> list[str]:
    """Lower-case words without accents; thousands separators dropped so '2,053' matches '2053'."""
    return [re.sub(r"['’]s$", "", w.replace(",", "").replace(".", "") if re.fullmatch(r"(\w\.)+\w?", w) else w.replace(",", ""))
            for w in re.findall(r"[\w][\w.,'’-]*[\w]|\w", fold(text.lower()))]


def count_phrases(text: str, phrases) -> dict[str, int]:
    """``text.count(p)`` for each phrase ``p`` of two or more words joined by single spaces,
    found through an index of ``text``'s space-separated tokens: scanning the text once per
    phrase took 2.1 s for a megabyte's 4,359 names and 29 s for 4 MB (now 0.2 s, 1.2 s). An
    occurrence is a token ending in the first word, tokens equal to the inner ones, and a token
    beginning with the last; occurrences are counted left to right without overlap, as by
    ``str.count``.

    >>> count_phrases("the world days and other world day. world day world day", ["world day", "day world"])
    {'world day': 4, 'day world': 1}
    """
    tokens = text.split(" ")
    offsets = [0] * len(tokens)
    for i in range(1, len(tokens)):
        offsets[i] = offsets[i - 1] + len(tokens[i - 1]) + 1
    where: dict[str, list[int]] = {}
    for i, tok in enumerate(tokens):
        where.setdefault(tok, []).append(i)
    heads = _Affixes(where, reverse=False)
    tails = _Affixes(where, reverse=True)
    out = {}
    for p in phrases:
        ws = p.split(" ")
        k = len(ws)
        if k < 2 or "" in ws:
            out[p] = text.count(p)  # not a phrase of words: the plain scan
            continue
        # Candidates from the rarest part: an inner word (exactly), the last word (as a prefix)
        # or the first (as a suffix).
        inner = min(range(1, k - 1), key=lambda m: len(where.get(ws[m], ())), default=None)
        sizes = (len(where[ws[inner]]) if inner and ws[inner] in where else 0 if inner else None,
                 heads.size(ws[-1]), tails.size(ws[0]))
        if inner and sizes[0] <= min(sizes[1:]):
            candidates = [j - inner for j in where.get(ws[inner], ())]
        elif sizes[1] <= sizes[2]:
            candidates = [j - k + 1 for j in heads.positions(ws[-1])]
        else:
            candidates = tails.positions(ws[0])
        starts = sorted(offsets[i] + len(tokens[i]) - len(ws[0]) for i in candidates
                        if 0 <= i and i + k <= len(tokens) and tokens[i].endswith(ws[0])
                        and tokens[i + k - 1].startswith(ws[-1]) and tokens[i + 1:i + k - 1] == ws[1:-1])
        n, free = 0, 0
        for s in starts:
            if s >= free:
                n, free = n + 1, s + len(p)
        out[p] = n
    return out


class _Affixes:
    """The tokens beginning (or, ``reverse``, ending) with a string, by bisection over the
    sorted distinct tokens (reversed), with running totals of their positions."""

    def __init__(self, where: dict[str, list[int]], reverse: bool) -> None:
        self.where, self.reverse = where, reverse
        self.keys = sorted(t[::-1] if reverse else t for t in where)
        self.total = [0]
        for key in self.keys:
            self.total.append(self.total[-1] + len(where[key[::-1] if reverse else key]))

    def _range(self, affix: str) -> tuple[int, int]:
        a = affix[::-1] if self.reverse else affix
        after = a[:-1] + chr(ord(a[-1]) + 1) if ord(a[-1]) < 0x10FFFF else None
        return bisect.bisect_left(self.keys, a), bisect.bisect_left(self.keys, after) if after else len(self.keys)

    def size(self, affix: str) -> int:
        lo, hi = self._range(affix)
        return self.total[hi] - self.total[lo]

    def positions(self, affix: str) -> list[int]:
        lo, hi = self._range(affix)
        return [i for key in self.keys[lo:hi] for i in self.where[key[::-1] if self.reverse else key]]
