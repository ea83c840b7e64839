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
    return sorted(set(STOPWORDS_EN_PLUS) | {"many", "much", "say", "says", "tell", "give", "describe", "report",
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
