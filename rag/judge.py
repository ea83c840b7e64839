"""Stage 6b: judge whether the chosen sentences answer the question, or say why not.

The question's requirements are read once into a ``needs.Needs`` record; ``unasked``
checks those that need no sentence (an opinion asked of the bot, a number the report
never writes), ``unanswered`` checks the rest against the chosen sentences, for every
question: the kind of fact, its names and places, its topic, the thing counted, its
years. Each returns a reason key of ``WHY`` and its details; the answer stage turns it
into the one refusal.

>>> covers("the Dutch", None, "accept (netherlands, 5 years)", None)
True
"""
from __future__ import annotations

import dataclasses
import functools
import os
import re
from typing import TYPE_CHECKING

import numpy as np

from .chunk import names_in
from .multilingual import COSINE_SCALE, COSINE_SHIFT
from .places import countries, members, region_names, spellings
from .lexicon import NAME_STOP, YEAR, fold, stemmer, terms_of, tokenize, words_of
from .needs import COMMON_IDF, Needs, stems_among, typed_terms  # noqa: F401  (COMMON_IDF: answer's)
from .question import cognates, cue_spans, has_cue, spanish_words
from .read import (adverbs, documents, is_city, is_name, is_verb, only_filler, phrasal, phrasal_heads, phrases, related,
                   sayings, zipf)

if TYPE_CHECKING:
    from .answer import Tables

Reason = tuple[str, dict]  # a key of WHY and what fills it in

# Best-sentence score under which nothing answers. `python -m eval.calibrate` on a dev run:
# up to 0.40 the score alone refuses no answerable question; it refuses 59% of unanswerable
# ones at 0.30, the rules below the rest. Recorded in the index manifest.
ABSTAIN_BELOW = 0.30
# Term and cue bonuses can lift a sentence with nothing in common with the question ("Who is
# the author?": cosine 0.11, score 0.47). The lowest best-sentence cosine among the English
# dev questions the report answers was 0.165 (a reference by number), then 0.27.
COSINE_FLOOR = 0.15
# Cosine at which a passage's name stands for the question's: "Dutch" ~ "Netherlands"
# 0.78, "Havana" ~ "Cuba" 0.86; but MiniLM puts countries close to each other
# ("Brazil" ~ "Germany" 0.76, "Mexico" ~ "North America" 0.60), hence this high.
ENTITY_MATCH = 0.77
NAME_WINDOW = 40  # tokens: about two sentences
_SAYS_ABOUT = re.compile(r"\b(?:say|says|said|write|writes|mention|mentions|think|thinks|tell us) "
                         r"(?:about|on|regarding|concerning) ([^?.!]+)", re.I)
# Shared terms decide nearly every case. 0.4 let "How many traffickers did the Global Plan of
# Action convict?" through on a sentence naming the plan (0.41); 0.5 refused a paraphrase
# whose answer shares no term with it ("grown females": "five are adult women (46%…": 0.478).
ON_TOPIC = 0.45
# …and a Spanish question with no cognate at all is only its meaning: "cual es la capital de
# venezuela" is 0.26 from its best sentence, "cual es la capital de nicaragua" 0.33; "¿Cuál es la
# fuente de los gráficos del informe?" 0.34, "en que ano se creo la onu segun el informe" 0.40.
UNMAPPED_TOPIC = 0.33
# Words between the figure and the question's term it must be about: at most 13 in the
# answered dev questions, 22 and 34 in later probes ("Henry Reeve … Contingent … since its
# inception in 2005"; "Transnational crime … several trillion US dollars"); 48 in one the
# report does not answer (the year of a warning, not of the legalization asked about).
TOPIC_WINDOW = 40
# The kinds of fact that are values, whose sentence must be on the question's topic; a title
# ("Who is the US Secretary of State named in the report?") is checked by its names alone.
VALUE_CUES = {"number", "age", "percent", "date", "day", "money", "factor", "symbol"}
COUNT_CUES = VALUE_CUES - {"date", "day", "symbol"}  # values whose year is checked as the count's (``years_of_values``)
# Years written as one: "between 2017 and 2018", "2019, 2017 and 2016", "2010-2012".
_YEAR_RUN = re.compile(r"\b(?:19|20)\d\d(?:(?:\s*,\s*|\s*-\s*|\s*–\s*|\s+(?:and|to|until|through)\s+)(?:19|20)\d\d\b)*")
# In the answered dev questions, every counted noun this rare was in the answer ("undocumented" 4.5).
COUNTED_IDF = 3.0
# A word of the sentence within this cosine of a question's word that the report uses elsewhere
# stands for it. Synonyms in dev and user questions: "accuse" ~ "condemn", "grown" ~ "adult"
# 0.51; words of an off-topic question against the quoted sentence: 0.31-0.44.
WORD_MATCH = 0.5
# A word of the sentence within this cosine of a question's word is the same word spelt another
# way, where WordNet (``read.related``) has no sense for it: "feb" ~ "February" 0.91, "dept" ~
# "Department" 0.85, "celebs" ~ "celebrities" 0.83, "labour" ~ "labor" 0.86, "kids" ~ "children"
# 0.88; below it lie words only near in meaning: "currency" ~ "dollars" 0.77, "weather" ~
# "climate" 0.65, "price" ~ "dollars" 0.59, "sentenced" ~ "crime" 0.57.
VARIANT_MATCH = 0.8
# Why an answer was refused (the record's "notice"), in the question's language.
WHY = {
    "en": {"empty": "the question has no word to look up", "unknown": "the report never mentions {what}", "unnamed": "no passage found mentions {what}",
           "weak": "best sentence score {what} < {floor}", "unrelated": "best sentence is unrelated (cosine {what} < {floor})",
           "no_fact": "no sentence found gives the {cue} asked for", "not_for": "no sentence found gives the {cue} for {what}",
           "off_topic": "no sentence found gives the {cue} about {what}", "not_year": "no sentence found is about {what}",
           "not_about": "no sentence found is about {what}", "unquotable": "the best sentence has nothing to quote",
           "unsaid": "no sentence found has {what} say it", "unnamed_kind": "no sentence found names the {what} asked for",
           "opinion": "it asks for an opinion: this assistant only reports what the report says",
           "advice": "it asks for advice: this assistant only reports what the report says",
           "contrary": "it takes for granted what the report contradicts (\u201c{what}\u201d)"},
    "es": {"empty": "la pregunta no tiene ninguna palabra que buscar", "unknown": "el informe nunca menciona {what}", "unnamed": "ningún pasaje encontrado menciona {what}",
           "weak": "puntuación de la mejor frase {what} < {floor}",
           "unrelated": "la mejor frase no tiene relación (coseno {what} < {floor})",
           "no_fact": "ninguna frase encontrada da {cue} que se pide", "not_for": "ninguna frase encontrada da {cue} de {what}",
           "off_topic": "ninguna frase encontrada da {cue} sobre {what}", "not_year": "ninguna frase encontrada trata de {what}",
           "not_about": "ninguna frase encontrada trata de {what}",
           "unquotable": "la mejor frase no tiene nada que citar",
           "unsaid": "ninguna frase encontrada recoge lo que dijo {what}",
           "unnamed_kind": "ninguna frase encontrada nombra {what}",
           "opinion": "pide una opinión: este asistente solo informa de lo que dice el informe",
           "advice": "pide un consejo: este asistente solo informa de lo que dice el informe",
           "contrary": "da por hecho lo que el informe contradice (\u00ab{what}\u00bb)"},
}


def stemmed_words(text: str) -> tuple[tuple[int, str], ...]:
    """Each word's offset and stem, stopwords kept (they count towards distances).

    >>> stemmed_words("Reports published")
    ((0, 'report'), (8, 'publish'))
    """
    stem = stemmer().stemWord
    return tuple((m.start(), stem(m.group().lower())) for m in re.finditer(r"\w[\w'-]*", text))


def near_terms(words: tuple[tuple[int, str], ...], spans: list[tuple[int, int]], terms: set[str],
               window: int) -> set[str]:
    """The ``terms`` within ``window`` words of a value at ``spans`` (character offsets).

    >>> w = stemmed_words("GAATW report published in 2011; in 2010 Thai police arrested them")
    >>> sorted(near_terms(w, [(26, 30)], {"gaatw", "report", "publish"}, 4)), near_terms(w, [(35, 39)], {"gaatw"}, 4)
    (['gaatw', 'publish', 'report'], set())
    """
    at = [k for k, (o, _) in enumerate(words) if any(a <= o < b for a, b in spans)]
    return {w for k in at for j, (_, w) in enumerate(words[max(0, k - window):k + window + 1], max(0, k - window))
            if w in terms and j not in at}


def near_value(text: str, cues: set[str], terms: set[str], window: int = TOPIC_WINDOW,
               words: tuple[tuple[int, str], ...] | None = None) -> bool:
    """Whether a value of the kind asked for (``cues``) stands within ``window`` words of
    one of the stemmed ``terms``. ``words``: ``stemmed_words(text)``, if already made.

    >>> near_value("Thailand legalized it in 1990.", {"date"}, {"legal"})
    True
    >>> near_value("In 2006 it was warned. " + "x " * 45 + "They legalized it.", {"date"}, {"legal"})
    False
    """
    words = words if words is not None else stemmed_words(text)
    return bool(near_terms(words, [sp for c in cues for sp in cue_spans(text, c)], terms, window))


def places_in(text: str) -> frozenset[str]:
    """The countries and regions ``text`` names.

    >>> sorted(places_in("In Europe, Dutch and Thai police met."))
    ['Europe', 'Netherlands', 'Thailand']
    """
    found = set()
    for name in names_in(re.sub(r"^(In|On|At|For|From|By|As|Of|And|But)\s+", "", text), skip_first=False):
        found |= set(countries(name)) or ({name.removeprefix("the ")} if members(name) else set())
    return frozenset(found)


def name_pattern(name: str) -> str:
    """A regex for a name as a phrase, tolerant of word endings
    ("Cuba's Foreign Ministry" finds "cuban foreign ministry"; "South America"
    does not find "southern europe … north america").

    >>> bool(re.search(name_pattern("Cuba's Foreign Ministry"), "the cuban foreign ministry said"))
    True
    >>> bool(re.search(name_pattern("South America"), "southern europe and north america"))
    False
    """
    ws = [w for w in words_of(name) if w not in NAME_STOP or len(words_of(name)) == 1]
    stems = [re.escape(w[:max(4, len(w) - 2)]) if len(w) > 4 else re.escape(w) for w in ws]
    return r"\b" + r"\w*(?: (?:and|of|the|de|y))* ".join(stems) + r"\w*"


def uncovered(names: list[str], name_vecs: np.ndarray, chunk_id: str, t: Tables) -> list[str]:
    """The question's names that a passage neither spells nor means.

    "the Dutch" is covered by a passage naming the Netherlands (cosine 0.78);
    "Japan" is not covered by one naming Germany and Russia only.
    """
    words, vecs = t.chunk_words.get(chunk_id, ""), t.chunk_entities.get(chunk_id)
    return [name for name, v in zip(names, name_vecs) if not covers(name, v, words, vecs)]


def near_each_other(parts: list[str], tokens: list[str], window: int = NAME_WINDOW) -> bool:
    """Whether two or more name words all occur within ``window`` tokens: "the Palermo
    Protocol" is the Protocol presented at the Palermo meeting a sentence later, but
    "South America" is not "South Sudan" sections away from "North America".

    >>> near_each_other(["palermo", "protocol"], "met in palermo to sign it the new protocol".split())
    True
    >>> near_each_other(["south", "america"], ["south"] + ["x"] * 50 + ["america"])
    False
    """
    if len(parts) < 2:
        return False
    where = [[i for i, t in enumerate(tokens) if t == w] for w in parts]
    if not all(where):
        return False
    return any(all(any(abs(j - i) <= window for j in ws) for ws in where) for i in where[0])


def covers(name: str, vec: np.ndarray, words: str, vecs: np.ndarray | None) -> bool:
    """Whether a text (its ``words_of``, space-joined, and the vectors of the names
    it holds) spells ``name`` or the country it stands for ("Washington"), or names
    something within ENTITY_MATCH of it."""
    if any(re.search(name_pattern(n), words) for n in (name, *countries(name))):
        return True
    # "Washington" or "the Dutch" may be spelt as its country's capital or people; "Southeast
    # Asian" is any of its countries: "Thai authorities … Bangkok" covers it.
    if any(re.search(rf"\b{re.escape(' '.join(words_of(s)))}s?\b", words)
           for s in (*region_names(name), *(s for c in (*countries(name), *members(name)) for s in spellings(c)))):
        return True
    # Each way of saying a region, word by word: "Europa Occidental" is the "western europe"
    # of "Western and Southern Europe".
    tokens = words.split()
    if any(near_each_other([w for w in words_of(n) if w not in NAME_STOP], tokens) for n in (name, *region_names(name))):
        return True
    # A place is covered by the gazetteer alone: MiniLM puts "Eastern Europe" 0.8 from
    # "Southern Europe", and countries close to each other.
    if countries(name) or members(name):
        return False
    return vecs is not None and len(vecs) > 0 and float((vecs @ vec).max()) >= ENTITY_MATCH


def sentence_covers(i: int, names: list[str], name_vecs: np.ndarray, t: Tables) -> bool:
    """Whether sentence ``i`` spells or means any of ``names``; a name of several words
    may spread to the sentences either side ("Palermo" here, "Protocol" in the next)."""
    text = t.sentences[i].text
    own = [t.name_vectors[n] for n in names_in(text, skip_first=False) if n in t.name_vectors]
    words = " ".join(words_of(text))
    around = " ".join(s.text for s in t.sentences[max(0, i - 1):i + 2] if s.doc_id == t.sentences[i].doc_id)
    return any(covers(n, v, words, np.stack(own) if own else None)
               or near_each_other([w for w in words_of(n) if w not in NAME_STOP], words_of(around))
               for n, v in zip(names, name_vecs))


CUE_NAMES = {"en": {"day": "exact date", "leader": "title", "most": "highest", "least": "lowest", "next": "next in rank",
                    "agent": "speaker or source", "symbol": "document symbol"},
             "es": {"day": "la fecha exacta", "number": "la cifra", "age": "la edad", "percent": "el porcentaje", "date": "la fecha", "money": "el importe",
                    "contact": "el contacto", "duration": "el plazo", "factor": "el factor",
                    "penalty": "la pena", "leader": "el cargo", "most": "el máximo", "least": "el mínimo", "next": "el siguiente",
                    "author": "el autor", "agent": "quién lo dice", "reason": "la razón",
                    "symbol": "la signatura del documento"}}


def cue_names(cues: set[str], lang: str) -> str:
    """The kinds of fact asked for, as the refusal's reason names them.

    >>> cue_names({"date", "number"}, "en"), cue_names({"percent"}, "es")
    ('date/number', 'el porcentaje')
    """
    return "/".join(CUE_NAMES.get(lang, {}).get(c, c) for c in sorted(cues))


def unasked(query: str, needs: Needs, t: Tables, lang: str) -> Reason | None:
    """Refuse before reading any sentence: nothing to look up ("¿Y?", "Why?", "hi"), the bot's
    own opinion or advice asked for, a number the report never writes, or a topic "about" words it never uses
    ("climate change"; a paraphrase is asked in other shapes, and "change" alone is not the topic)."""
    stems = tokenize([query])[0]
    if not needs.names and not needs.years and not stems or only_filler(query):  # "hi", "ok thanks", "hola"
        return "empty", {}
    if needs.stance:
        return needs.stance, {}
    if gaps := list(dict.fromkeys(n for n in re.findall(r"\b\d[\d,]*\b", query) if n.replace(",", "") not in t.vocabulary)):
        return "unknown", {"what": ", ".join(gaps)}
    if lang == "en" and (gaps := unwritten_phrases(query, t)):
        return "unknown", {"what": ", ".join(gaps)}
    if lang == "en" and (about := _SAYS_ABOUT.search(query)) and (
            gaps := [w for w in re.findall(r"[A-Za-z][\w-]*", about.group(1))
                     if (stem := terms_of(w)) and stem[0] not in t.idf and w.lower() not in adverbs()]):
        return "unknown", {"what": ", ".join(gaps)}
    return None


_WORD = r"[^\W\d_][\w'-]{2,}"  # a word of a sentence a question's word may be met by


@functools.lru_cache(maxsize=2)
def _report_words(t: Tables) -> str:
    """Every word of the corpus and its reference list, lower case, hyphens as spaces. Each
    section once: its chunks share its words, and a 1 MB section joined once for each of its
    1,059 chunks was ~1 GB."""
    refs = (words_of(f"{r.publisher} {r.title}") for r in t.references)
    return " " + " | ".join([*dict.fromkeys(t.chunk_words.values()), *(" ".join(w) for w in refs)]).replace("-", " ") + " "


def unwritten_phrases(query: str, t: Tables) -> list[str]:
    """The names of several words in ``query`` (``read.phrases``: "who won the world cup") that
    the report never writes, nor anything WordNet says stands for them ("caribbean island" is
    met by "Caribbean")."""
    words = " ".join(words_of(query)).replace("-", " ").split()
    text, table = _report_words(t), phrases()
    grams = dict.fromkeys(" ".join(words[i:i + n]) for n in (4, 3, 2) for i in range(len(words) - n + 1))
    return [p for p in grams if p in table and not any(f" {x} " in text for x in (p, *table[p]))]


@functools.lru_cache(maxsize=4096)
def adverbs_in(text: str) -> frozenset[str]:
    """The stems of the words of ``text`` that are only ever adverbs (``read.adverbs``); read
    once per sentence, not at each of the topic checks that meet it.

    >>> sorted(adverbs_in("Likewise, the Ministry said"))
    ['likewis']
    """
    return frozenset(stems_among(text, adverbs()))


REFERENCE_SECTION = "References"  # the reference list's section, as ``clean.clean`` heads it


def about(i: int, needs: Needs, t: Tables, like=None) -> set[str]:
    """The stems of sentence ``i`` that stand for the question's topic: its topic terms, a stem
    that begins one of them or that one begins ("editor": "edited"; a Spanish "dirección":
    "director"), a word WordNet gives one of the topic's words' senses ("kids": "children",
    "pact": "treaty"), and (``like(words, words)``: MiniLM cosines of single words) a word
    near one the report uses elsewhere (WORD_MATCH), or that spells one it never uses another
    way (VARIANT_MATCH: "feb": "February")."""
    def same(x: str, s: str) -> bool:
        return x == s or min(len(x), len(s)) >= 4 and (x.startswith(s) or s.startswith(x))

    # An adverb says how, not what: "Likewise, …" does not meet "what is the weather like".
    terms = t.sentence_terms[i] - (adverbs_in(t.sentences[i].text) - needs.topic)
    found = {x for x in terms if any(same(x, s) for s in needs.topic)}
    met = {s for s in needs.topic if any(same(x, s) for x in found)}
    # A figure's topic word that the report uses ("rescue", "ratify") is met only by itself: a
    # figure beside a synonym ("saved") is another figure. A name the report never uses is
    # met by no other word, only by its own other spellings. A phrasal verb is no word the
    # report uses, whatever its verb alone is ("come out": "come").
    missing = [w for w in needs.words if terms_of(w)[0] not in met
               and (not needs.cues & VALUE_CUES or w in needs.unknown or " " in w)]
    # A sentence may put a topic word another way: a WordNet sense of it ("kids": "children",
    # "accuse": "alleged"), never for a name, nor the senses of a phrasal verb's verb alone.
    # Nor, for a word the report never uses, the sentence's phrasal verb's verb alone ("win" is
    # not met by "carries out", a kind of "win" only as in "carry the state"; WordNet lists too
    # few senses of phrasal verbs to hold words the report uses to this: "ask": "called on").
    heads = phrasal_heads(t.sentences[i].text)
    found |= terms & {x for w in missing if not (w in needs.unknown and is_name(w)) and " " not in w
                      for x in related(terms_of(w)[0]) if w not in needs.unknown or x not in heads}
    # …but the phrasal verb's own senses ("request": "called on")
    found |= {h for h, near in heads.items() for w in missing if " " not in w and terms_of(w)[0] in near}
    # An item of the reference list is a document, whatever the question calls it ("paper",
    # "study", "piece"; ``read.documents``).
    if t.sentences[i].section == REFERENCE_SECTION:
        found |= {terms_of(w)[0] for w in missing if w.lower() in documents()}
    # …or a verb that shares a sense of a phrasal verb ("kicked out": "deported"; ``needs.topic_words``).
    if forms := frozenset().union(*(phrasal(*w.split(" ", 1)) or () for w in missing if " " in w)):
        found |= {x[0] for w in re.findall(_WORD, t.sentences[i].text.lower()) if w in forms and (x := terms_of(w))}
    if like is not None and missing:
        own = [w for w in dict.fromkeys(re.findall(_WORD, t.sentences[i].text))
               if (x := terms_of(w)) and x[0] not in found]
        if own:
            # A word the report uses elsewhere may be met by one near it in meaning; one it
            # never uses steps off the report's ground, and is met only by its other spellings.
            unknown = np.array([[w in needs.unknown] for w in missing])
            floors = np.where(unknown, VARIANT_MATCH, WORD_MATCH)
            sims = (like(missing, own) >= floors) & ~(unknown & np.array([terms_of(o)[0] in heads for o in own]))
            found |= {terms_of(w)[0] for j, w in enumerate(own) if sims[:, j].any()}
    return found


# "50 years later", "three years earlier": a span counted from a date said before. In the
# report that date stood up to 3 sentences back ("the 1949 Convention …" / "However, …" /
# "But it was not until December 2000, 50 years later, …").
_COUNTED_FROM = re.compile(r"\b(later|earlier|before|after|afterwards|since then|ago)\b", re.I)
RELATIVE_REACH = 3


def dated_by(i: int, t: Tables) -> list[int]:
    """The sentences that may hold the year sentence ``i`` speaks of: itself, the one before it,
    and when it counts a span from an earlier date, up to RELATIVE_REACH back in its section."""
    reach = RELATIVE_REACH if _COUNTED_FROM.search(t.sentences[i].text) else 1
    return [j for j in range(i, max(-1, i - reach - 1), -1)
            if t.sentences[j].doc_id == t.sentences[i].doc_id and t.sentences[j].section == t.sentences[i].section]


AGENT_REACH = 2


def beside(i: int, t: Tables, reach: int = 1) -> list[int]:
    """Sentence ``i`` and the ``reach`` either side of it in the same document."""
    return [j for j in range(max(0, i - reach), min(len(t.sentences), i + reach + 1))
            if t.sentences[j].doc_id == t.sentences[i].doc_id]


def unquoted(text: str) -> str:
    """``text`` without what it quotes. A lone mark closes a quote begun in an earlier sentence
    when punctuation precedes it, else opens one that runs on.

    >>> unquoted('"We reject this campaign by Senators Marco Rubio," the Ministry said.')
    '  the Ministry said.'
    >>> unquoted('run on by Rubio," the Ministry said'), unquoted('Waly said: "millions are out of work')
    (' the Ministry said', 'Waly said: ')
    """
    text, m, closes = _lone_mark(text)
    if not m:
        return text
    return text[m.end():] if closes else text[:m.start()]


def runs_on(text: str) -> bool:
    """Whether ``text`` opens a quote it does not close (``unquoted``): its speaker is named
    where the quote ends, in a sentence after it.

    >>> runs_on('"We know that the United States is a source.'), runs_on('girls," Canessa told IPS.')
    (True, False)
    """
    _, m, closes = _lone_mark(text)
    return bool(m) and not closes


def runs_into(i: int, t: Tables) -> bool:
    """Whether sentence ``i``'s quote runs on (``runs_on``) into the next sentence of its document."""
    return runs_on(t.sentences[i].text) and i + 1 < len(t.sentences) and t.sentences[i + 1].doc_id == t.sentences[i].doc_id


def _lone_mark(text: str) -> tuple[str, re.Match | None, bool]:
    """``text`` with its whole quotes blanked, its first lone quotation mark, and whether that
    mark closes a quote begun in an earlier sentence (punctuation precedes it) or opens one."""
    text = re.sub(r'"[^"]*"|“[^”]*”', " ", text)
    m = re.search(r'["“”]', text)
    return text, m, bool(m) and m.start() > 0 and text[m.start() - 1] in ",.!?;:"


def same_word(w: str, h: str) -> bool:
    """Whether two lower-case words are one: equal, or sharing their first 4+ letters and three
    quarters of the shorter ("cuban", "cuba"; "ministerio", "ministry").

    >>> same_word("cuban", "cuba"), same_word("ministerio", "ministry"), same_word("marco", "ministry")
    (True, True, False)
    """
    n = len(os.path.commonprefix([w, h]))
    return w == h or n >= 4 and n >= 0.75 * min(len(w), len(h))


# How far a speaker's name stands from the word saying it spoke, in lower-case words (capitalised
# ones are the rest of a name or its title: "UNODC Executive Director Ghada Waly called on" is 0
# after UNODC): "the Cuban Foreign Ministry said" 0, "The official response of the Cuban
# government" 2 before, "according to a Global Alliance Against Trafficking in Women (GAATW)" 3.
SPEAKER_REACH = 3
# …and after it ("Romina Canessa, who acknowledges" 1); "Cuba has been harshly criticized" is
# said of Cuba, its verb passive.
SPEAKER_REACH_AFTER = 2
_PASSIVE = frozenset({"be", "been", "being", "is", "are", "was", "were"})
_ARTICLES = frozenset({"the", "a", "an", "this", "these", "those", "its", "their", "his", "her"})
# What is said of someone, not by them: "stated that … Venezuela", "remarks about Cuba",
# "this accusation against Cuba".
_OF_WHOM = frozenset({"that", "about", "on", "against", "regarding", "concerning", "toward", "towards"})


def speaks(i: int, names: tuple[str, ...], t: Tables) -> bool:
    """Whether sentence ``i`` has one of ``names`` outside its quotes as whoever says something:
    a word of saying (``read.sayings``) within SPEAKER_REACH_AFTER lower-case words after it
    ("Ghada Waly called on"; not a noun, "Venezuela, the list is completed") or SPEAKER_REACH
    before it ("the communiqué issued by the Cuban Ministry", "according to IPS"; not "…,
    Russia, … and Turkmenistan, according to EFE"), with no "that", "about" or "against"
    between: "the U.S. State Department stated that Cuba, Nicaragua and Venezuela …" is said
    of Venezuela, not by it. A name is its last word ("Waly" for "Ghada Waly"), or a word
    sharing its first 4+ letters and three quarters of the shorter ("Cuban" for "Cuba"; a
    Spanish "Ministerio")."""
    word = r"[^\W\d_][\w-]*"
    words = re.findall(word, unquoted(t.sentences[i].text))
    heads = [ws[-1].lower() for n in names if (ws := re.findall(word, re.sub(r"'s\b", "", n)))]
    says = sayings()

    def said(order, after: bool) -> bool:
        lower = 0
        for j in order:
            w = words[j].lower()
            if w in _OF_WHOM or after and w in _PASSIVE:
                return False
            if w in says and not (after and (w == "according" or words[j - 1].lower() in _ARTICLES)):
                return True
            if not words[j][0].isupper():
                lower += 1
                if lower > (SPEAKER_REACH_AFTER if after else SPEAKER_REACH):
                    return False
        return False

    return any(said(range(k + 1, len(words)), True) or said(range(k - 1, -1, -1), False)
               for k, w in enumerate(words) if w[0].isupper() and any(same_word(w.lower(), h) for h in heads))


# '…," he said in a statement': a quote's speaker written as a pronoun, after the quote
_PRONOUN_SAYS = re.compile(r'["”]\s*,?\s*(?:he|she|they)\s+([a-z]+)')


def quoted_by(i: int, names: tuple[str, ...], t: Tables) -> bool:
    """Whether sentence ``i`` quotes one of ``names``: it holds a quotation mark and they speak
    in it (``speaks``), or its quote runs on to the next sentence, where they do; a speaker
    written "he" or "she" is the one named in the sentence before the quote opens ("… Ghada Waly
    called on …" / "\"Millions of women … are out of work …" / "…,\" he said in a statement …").
    """
    text = t.sentences[i].text
    if not re.search(r'["“”]', text):
        return False
    ends = i + 1 if runs_into(i, t) else i
    if speaks(ends, names, t):
        return True
    said = _PRONOUN_SAYS.search(t.sentences[ends].text)
    if not said or said.group(1) not in sayings():
        return False
    # the sentence before the one the quote opens in (``i``, or the one before when ``i`` ends it)
    ended = ends == i and i > 0 and runs_into(i - 1, t)
    before = i - 2 if ended else i - 1
    return before >= 0 and t.sentences[before].doc_id == t.sentences[i].doc_id \
        and any(re.search(name_pattern(n), " ".join(words_of(t.sentences[before].text))) for n in names)


# Words between a kind's noun and the name that fills it: "Senators Marco Rubio" 0, "the
# Secretary of State, Antony Blinken" 2; "R. Kelly, members of British royalty" is 3 from it.
ENTITY_REACH = 2


def person_like(name: str) -> bool:
    """Whether a name is a person's: one of its words is only ever a name ("Kelly", "Rubio")
    or no word list's ("Waly"), and no people's ("British"); "National Council for
    Intergenerational Equality" is not.

    >>> person_like("Marco Rubio"), person_like("Waly"), person_like("National Council for Equality"), person_like("British")
    (True, True, False, False)
    """
    return any((is_name(w) or not zipf(w)) and not countries(w) for w in re.findall(r"[^\W\d_]{3,}", name))


def noun_at(words: list[str], noun: str) -> list[int]:
    """Where ``noun`` (or a word it begins: "royal", "royalty") stands among ``words``."""
    stem = terms_of(noun)[0]
    # British or American spelling: "organis" for "organiz", at three quarters' common start
    return [k for k, w in enumerate(words) if (x := terms_of(w)) and (
        x[0] == stem or len(stem) >= 4 and (x[0].startswith(stem) or len(os.path.commonprefix([x[0], stem])) >= 0.75 * len(stem)))]


def with_noun(chosen: list, noun: str, t: Tables) -> list:
    return [c for c in chosen if noun_at(re.findall(r"\w[\w'-]*", t.sentences[c.index].text.lower()), noun)]


def offers(i: int, needs: Needs, query: str, t: Tables) -> bool:
    """Whether sentence ``i`` names whom the question asks to be named (``needs.entity``): a
    name it does not type, a person's for a kind of person, within ENTITY_REACH words of the
    kind's noun when the sentence has it; or for a place, one the question does not name."""
    kind, noun = needs.entity
    text = t.sentences[i].text
    if kind == "place":  # a place it does not name, nor one holding it ("Europe" for "EU")
        def spread(p: str) -> set[str]:
            return set(members(p)) or set(countries(p)) or {p}

        asked = [spread(p) for p in needs.places]
        return any(not any(spread(p) >= a for a in asked) for p in t.sentence_places[i])
    typed = re.findall(r"[a-z]+", fold(query.lower()).replace(".", ""))
    words = [(m.start(), m.group().lower()) for m in re.finditer(r"\w[\w'-]*", text)]
    at = noun_at([w for _, w in words], noun)
    for name in names_in(text, skip_first=False):
        # The name beside its kind's noun, or a part of it the question types none of: "Marco
        # Rubio" of "Senators Marco Rubio", "Ghada Waly" of "UNODC Executive Director Ghada
        # Waly"; not "the Nobel Peace Prize" for "which organisations nominated it for the nobel".
        parts = [[]]
        for w in re.findall(r"[^\W\d_]+", fold(name.lower()).replace(".", "")):
            if noun_at([w], noun):
                parts.append([])
            elif w not in NAME_STOP:
                parts[-1].append(w)
        if not any(p and not any(same_word(w, q) for w in p for q in typed)
                   and (kind != "person" or person_like(" ".join(p))) for p in parts):
            continue
        start = text.find(name)
        first = sum(1 for o, _ in words if o < start)
        last = first + len(re.findall(r"\w[\w'-]*", name)) - 1
        if not at or any(first - ENTITY_REACH - 1 <= k <= last + ENTITY_REACH + 1 for k in at):
            return True
    return False


_FIGURE_LINE = re.compile(r"(Figure|Figure note|Source):")


def around(chosen: list, t: Tables) -> list[int]:
    """The ``chosen`` sentences and those beside them (``beside``), in the report's order, each once."""
    return sorted({j for c in chosen for j in beside(c.index, t)})


def unnamed_words(chosen: list, needs: Needs, t: Tables, like=None) -> list[str]:
    """The question's words the report never uses that are names (``read.is_name``: "unicef",
    "obama", typed in lower case, so not among its names) and that no chosen sentence, or one
    beside it, spells another way (VARIANT_MATCH: "feb" for "February")."""
    names = [w for w in needs.unknown if is_name(w)]
    if not names or like is None:
        return names
    near = around(chosen, t)
    own = list(dict.fromkeys(w for j in near for w in re.findall(_WORD, t.sentences[j].text)))
    if not own:
        return names
    sims = like(names, own)
    return [w for k, w in enumerate(names) if float(sims[k].max()) < VARIANT_MATCH]


def unmet_words(chosen: list, needs: Needs, t: Tables, like=None, words: tuple[str, ...] | None = None) -> list[str]:
    """The question's words the report never uses, other than names (``unnamed_words``), that
    no chosen sentence or one beside it puts another way (``about``: a WordNet sense of it, a
    spelling within VARIANT_MATCH): "what currency does nicaragua use" is not answered by a
    sentence naming Nicaragua, nor "when did the us withdraw from the protocol" by its ratification.
    ``words``: these of the question's words instead, whether the report uses them or not."""
    near = around(chosen, t)
    out = []
    for w in needs.unknown if words is None else words:
        if is_name(w):
            continue
        one = dataclasses.replace(needs, topic=frozenset(terms_of(w)), words=(w,),
                                  unknown=(w,) if w in needs.unknown else ())
        if not any(about(j, one, t, like) for j in near):
            out.append(w)
    return out


def unanswered(query: str, chosen: list, needs: Needs, name_vecs: np.ndarray | None, qvec: np.ndarray,
               t: Tables, lang: str, e5: bool = False, like=None) -> Reason | None:
    """Why the ``chosen`` sentences (``.index`` into ``t.sentences``) do not answer, or None.
    ``e5``: ``qvec`` is multilingual-e5's (a Spanish question): its cosines are compared with
    ``t.e5_matrix`` on MiniLM's scale, and its terms are its cognates among the report's words.
    ``like``: word cosines (``about``)."""
    text = [t.sentences[c.index].text for c in chosen]
    # A span can be worded many ways ("until 2006", "for centuries"): it guides the score only.
    cues = needs.cues
    has = [all(has_cue(x, cue) for cue in cues) for x in text]
    what_kind = cue_names(cues, lang)
    # "How many doctors…?" answered by a sentence with no count is no answer.
    if cues and not any(has):
        return "no_fact", {"cue": what_kind}
    # "how long has she been in that job": a span is worded many ways ("until 2006", "three
    # days"), so it is no cue, but a span or a date to count from must be there.
    if needs.span and not any(has_cue(x, "duration") or YEAR.search(x) for x in text):
        return "no_fact", {"cue": cue_names({"duration"}, lang)}
    # "How many victims were recorded in Mexico?" is not answered by a count about something
    # else from a section that names Mexico: the sentence with the figure must name (or mean)
    # one of the question's names, a place if it names one ("When did Germany ratify the
    # Protocol?" is not answered by the US's date beside "the Protocol").
    vec_of = dict(zip(needs.names, name_vecs if name_vecs is not None else ()))
    named = [(n, vec_of[n]) for n in (needs.places or needs.names) if n in vec_of]
    who = ", ".join(n for n, _ in named)
    # A source is often named beside its figure ("… deported 557 Cambodians." / "According to a
    # GAATW report…"): "who reported that?" may be met by a neighbour of a sentence that names it,
    # and what a source is the source of two sentences before ("… the U.S. State Department
    # stated …" / "Of course, …" / "The document, released by the Secretary of State, …").
    # A city is where something happened, often told the sentence before its figure ("… 148
    # countries met in the city of Palermo …" / "… of the 148 countries present, 121 signed …");
    # a country is what a figure counts, and must stand in its sentence.
    cities = bool(named) and all(is_city(n) for n, _ in named)
    others = [(n, vec_of[n]) for n in needs.names if n in vec_of and n not in needs.places]

    def reach(i: int) -> list[int]:
        # a figure's lines are one thing: "Figure note: … 48,478 victims …" is UNODC's by the
        # "Source: UNODC …" of the caption before it
        if _FIGURE_LINE.match(t.sentences[i].text):
            return [j for j in beside(i, t) if j == i or _FIGURE_LINE.match(t.sentences[j].text)]
        if cues == {"agent"}:
            return beside(i, t, AGENT_REACH)
        if cues == {"reason"}:  # a reason goes on from its subject: "… 14,145 victims" / "However, … due to …"
            return beside(i, t)
        # a date of a thing the question names ("the GAATW report … published in 2011") is the
        # date of its story, whose place the sentence before may tell ("… 557 Cambodians …")
        story = cues <= {"date", "day"} and bool(others) and sentence_covers(i, *zip(*others), t)
        return [j for j in beside(i, t) if j <= i] if cities or story else [i]

    if cues and named and not any(h and any(sentence_covers(j, *zip(*named), t) for j in reach(c.index))
                                  for h, c in zip(has, chosen)):
        return "not_for", {"cue": what_kind, "what": who}
    # "uk trafficking victims figure" asks for no kind of fact, but is about the UK: a place the
    # question names must be named in a chosen sentence's passage, or two sentences either side
    # where the passage begins or ends mid-story, whatever is asked (a story names it once: "…
    # deported 557 undocumented Cambodians from Bangkok." is three sentences before "… the
    # beggars were deported.").
    if not cues and needs.places and named and not any(
            sentence_covers(j, *zip(*named), t) for c in chosen
            for j in {*t.by_chunk[c.passage.chunk.chunk_id], *beside(c.index, t, AGENT_REACH)}):
        return "not_about", {"what": who}
    # A title must stand by its name: "Who founded Polaris?" is not answered by "… Polaris,
    # funded by the same actors, … [60 words] … heads of state"; a title with no name, by its
    # topic ("who is cubas foreign minister" is not "UNODC Executive Director Ghada Waly"; an
    # author's byline, "Edited by Argos", is the report's, whatever the words "who wrote it").
    holder = set(tokenize([" ".join(n for n, _ in named)])[0]) if named else \
        set(needs.topic) if "leader" in cues else set()
    if cues & {"leader", "author"} and holder and not any(
            near_value(x, cues, holder, words=t.sentence_words[c.index]) for x, c in zip(text, chosen)):
        return "not_for", {"cue": what_kind, "what": who or typed_terms(query, holder, e5)}
    # Every question must be about its topic: "How many people did the Global Plan of Action
    # rescue?" is not answered by a count of signatories beside the plan's name, nor "capital
    # of Cuba" by Cuba's policy. A value must stand near a topic term ("already in 2006, …" is
    # not when "the Netherlands … legalized prostitution", 48 words on); other answers may
    # carry it in the sentence either side. A Spanish question's topic is its cognates, so a
    # sentence close to it in meaning (e5) also answers. An English one's cosine is mostly its
    # names' and common words': with it, "When did Thailand ratify the Protocol?" took "in 2010,
    # Thai authorities arrested…" (0.5), and dropping it refused no answerable question of the
    # four sets that the judge answered right (eval/REPORT.md).
    # "unicef figures on child trafficking": a name the report never writes, typed in lower case.
    if unnamed := unnamed_words(chosen, needs, t, like):
        return "unknown", {"what": ", ".join(unnamed)}
    # "what was r kelly sentenced to": every word of the question that is not a name is one the
    # report never uses, and none is met near the chosen sentences.
    name_words = {x.lower() for n in needs.names for x in n.split()}
    # A look-up's words are the reference list's ("reference 16 whats the outlet"), not the text's.
    content = [w for w in needs.words if not is_name(w) and w.lower() not in name_words]
    if content and not needs.lookup and set(content) <= set(needs.unknown) and set(content) <= set(strange := unmet_words(chosen, needs, t, like)):
        return "unknown", {"what": ", ".join(strange)}
    if needs.speakers and not any(speaks(j, needs.speakers, t) for c in chosen for j in beside(c.index, t)):
        return "unsaid", {"what": ", ".join(needs.speakers)}
    met: dict[int, set[str]] = {}  # chosen sentences are often neighbours: each is read once

    def about_(j: int) -> set[str]:
        if j not in met:
            met[j] = about(j, needs, t, like)
        return met[j]

    def meaning(i: int) -> float:  # a Spanish question's e5 cosine, on MiniLM's scale
        return COSINE_SCALE * float(t.e5_matrix[i] @ qvec) + COSINE_SHIFT

    def on_topic(i: int) -> bool:
        if cues & VALUE_CUES:
            if found := about_(i):
                return near_value(t.sentences[i].text, cues, found, words=t.sentence_words[i])
        elif any(about_(j) for j in beside(i, t)):
            return True
        return e5 and meaning(i) >= ON_TOPIC

    # A reason is a reason for an event: "why did the eu fine germany", "why did germany pull out
    # of the protocol" are not answered by why Germany was slow to sign. Each verb of a why
    # question (``read.is_verb``, or a phrasal verb) must be met beside the chosen sentences, where
    # its other words need not be ("why might the real eu number be higher": "actual number").
    if cues == {"reason"} and not needs.lookup and (events := tuple(
            w for w in needs.words if " " in w or is_verb(w))) and (
            unmet := unmet_words(chosen, needs, t, like, events)):
        return "not_about", {"what": ", ".join(unmet)}
    # "why did the us refuse to ratify the protocol" asks the reason for what the report says did
    # happen ("… the country ratified the Protocol in 2005, but with certain reservations …").
    if needs.denied and (said := affirmed(chosen, needs.denied, named, t)):
        return "contrary", {"what": said}
    # …and "why are most victims adult men" the reason for what the report says is a minority
    # ("Only 20% of the victims are adult men").
    if needs.most and (said := minority(chosen, needs.most, named if needs.places else [], t)):
        return "contrary", {"what": said}
    # "cual es la capital de venezuela": a Spanish question none of whose words the report has a
    # cognate of is about what its meaning is close to (e5), or about nothing the report says.
    if e5 and not needs.topic and not needs.lookup and not any(h and meaning(c.index) >= UNMAPPED_TOPIC
                                                               for h, c in zip(has, chosen)):
        return "not_about", {"what": ", ".join(spanish_words(query))}
    if needs.topic and not needs.lookup and not any(h and on_topic(c.index) for h, c in zip(has, chosen)):
        if needs.unknown and len(needs.unknown) == len(needs.words):
            return "unknown", {"what": ", ".join(needs.unknown)}
        what = typed_terms(query, set(needs.topic), e5)
        return ("off_topic", {"cue": what_kind, "what": what}) if cues & VALUE_CUES else ("not_about", {"what": what})
    # "which senators…", "name of the photographer": a name of that kind must be given.
    # The sentences that have the kind's noun are the ones that must name it ("… and even U.S.
    # congressmen involved …" is not answered by "Romina Canessa" in the next sentence).
    kind, noun = needs.entity
    if kind and not needs.lookup and not any(
            offers(c.index, needs, query, t) for c in (kind != "place" and with_noun(chosen, noun, t) or chosen)):
        return ("unnamed_kind", {"what": noun}) if kind != "place" else ("no_fact", {"cue": cue_names({"place"}, lang)})
    # "How many NGOs signed the Protocol?" is not answered by a count of countries: what is
    # counted must be in the sentence when the report names it elsewhere and it is uncommon.
    what = needs.counted
    noun = sorted(cognates(what.lower(), t.idf)) if e5 and what.islower() else tokenize([what])[0]
    if noun and t.idf.get(noun[0], 0.0) >= COUNTED_IDF and not any(
            noun[0] in t.sentence_terms[c.index] and has_cue(x, "number") for x, c in zip(text, chosen)):
        return "not_for", {"cue": cue_names({"number"}, lang), "what": what}
    # "What was the slogan in 2020?" is not answered by the 2019 slogan: a year the question
    # names must be in a chosen sentence or the one before it ("In 2019, … . It was …"), and
    # each year it names ("eu victims reported in 2019 and 2020" is not answered by 2020's alone).
    dated = " ".join(t.sentences[i].text for c in chosen for i in dated_by(c.index, t))
    if missed := [y for y in needs.years if y not in dated]:
        return "not_year", {"what": ", ".join(missed)}
    # …and a count's year must be its own sentence's: when that sentence writes the year asked,
    # the one written nearest the count ("48,478 victims detected in 135 countries in 2018 or,
    # if data not available for that year, in 2019, 2017 and 2016" is no count for 2016), else
    # one said just before it ("… December 2000 …" / "… published in 2006, … 80 countries
    # endorsed …"), not in another chosen sentence.
    counts = cues & COUNT_CUES

    def count_for(y: str, x: str, i: int) -> bool:
        if y in x:
            return (ys := years_of_values(x, counts)) is None or y in ys
        return any(y in t.sentences[j].text for j in dated_by(i, t))

    if counts and needs.years and not any(
            h and all(count_for(y, x, c.index) for y in needs.years) for h, x, c in zip(has, text, chosen)):
        return "not_year", {"what": ", ".join(needs.years)}
    return None


# A word within this many before a verb denies it: "did not ratify", "has never been ratified".
NEGATION_REACH = 3
_NEGATIONS = frozenset({"not", "never", "no", "n't", "refus", "declin", "fail", "without"})
AFFIRMED_WORDS = 6  # words either side of the verb quoted in the refusal


def affirmed(chosen: list, denied: tuple[str, ...], named: list, t: Tables) -> str:
    """Where a chosen sentence, or one beside it, that names the question's ``named`` (name,
    vector) pairs says that one of the ``denied`` stems happened, with no negation within
    NEGATION_REACH words before it: the words around it, or ""."""
    for j in around(chosen, t):
        offsets, words = zip(*t.sentence_words[j]) if t.sentence_words[j] else ((), ())
        if named and not sentence_covers(j, *zip(*named), t):
            continue
        for k, w in enumerate(words):
            before = words[max(0, k - NEGATION_REACH):k]
            if w in denied and not (_NEGATIONS & set(before) or any(b.endswith("n't") for b in before)):
                text = t.sentences[j].text
                end = offsets[k + AFFIRMED_WORDS + 1] if k + AFFIRMED_WORDS + 1 < len(offsets) else len(text)
                return text[offsets[max(0, k - AFFIRMED_WORDS)]:end].strip(" ,;:")
    return ""


# Words between a share and what it is the share of: "Only 20% of the victims are adult men" 6.
SHARE_REACH = 8


def minority(chosen: list, most: frozenset[str], places: list, t: Tables) -> str:
    """Where a sentence of the report gives a share under half within SHARE_REACH words of
    every stem of ``most``, for the question's ``places`` (name, vector) when it names any: the
    words around it, or "". A share is a fact wherever the report gives it, so the chosen
    sentences ("These two cases … demonstrate that human traffickers' prey on …") are read first,
    then the rest."""
    for j in dict.fromkeys([*around(chosen, t), *range(len(t.sentences))]):
        text, words = t.sentences[j].text, t.sentence_words[j]
        if places and not sentence_covers(j, *zip(*places), t):
            continue
        for a, b in sorted(cue_spans(text, "percent")):
            share = re.search(r"\d+(?:\.\d+)?", text[a:b])
            # …in its own clause: "Only 20% of the victims are adult men; and the rest, 15%, are boys"
            lo = max(text.rfind(x, 0, a) for x in ";:.") + 1
            hi = min([i for x in ";:." if (i := text.find(x, b)) >= 0] or [len(text)])
            clause = [(o, w) for o, w in words if lo <= o < hi]
            if share and float(share.group()) < 50 and near_terms(tuple(clause), [(a, b)], set(most), SHARE_REACH) >= most:
                return text[lo:hi].strip(" ,;:")
    return ""


def years_of_values(text: str, cues: set[str]) -> set[str] | None:
    """The years ``text`` gives its values of the kinds ``cues`` for: those of the run of years
    nearest each value; None when it writes no year (its year is the one before's, ``dated_by``)
    or no such value.

    >>> sorted(years_of_values("48,478 victims in 135 countries in 2018 or, if not, in 2019, 2017 and 2016.", {"number"}))
    ['2018']
    >>> sorted(years_of_values("between 2017 and 2018, EU countries reported 14,145 victims", {"number"}))
    ['2017', '2018']
    """
    runs = [(m.start(), m.end(), m.group()) for m in _YEAR_RUN.finditer(text)]
    values = [sp for c in cues for sp in cue_spans(text, c) if not YEAR.fullmatch(text[slice(*sp)])]
    if not runs or not values:
        return None
    out = set()
    for a, b in values:
        run = min(runs, key=lambda r: max(r[0] - b, a - r[1], 0))
        out |= set(YEAR.findall(run[2]))
    return out
