"""Stage 5a: read the question before searching. Normalise it, tell its language,
make an elliptical follow-up whole, mend a misspelt name, name the country a
place stands for, and find its names and the kind of fact it asks for.

>>> question_cues("How many victims were detected?")
{'number'}
>>> question_cues("How long did Germany take to ratify the Protocol?")
{'duration'}
>>> question_cues("Who is the executive director of UNODC?")
{'leader'}
>>> words_of("The U.S. State Department's 2,053 girls")
['the', 'us', 'state', 'department', '2053', 'girls']
"""
from __future__ import annotations

import math
import re
import unicodedata

from .chunk import names_in
from .lexicon import NAME_STOP, SPANISH_STOPWORDS, URL, YEAR, fold, stopwords, tokenize, words_of
from .places import code, countries, members, region_names
from .retrieve import MADE_BY
from . import read as read_mod
from .read import COMMON_ZIPF, language  # noqa: F401  (the stages ask question.language)

MAX_QUESTION_CHARS = 1000  # the longest eval question is ~200; a pasted page is not a question
# A previous turn is context, not input: cut to these, never refused. The longest answer on the
# eval sets is ~1,500 characters (the "more detail" five sentences); 4,000 is what
# clean_question reads before refusing a question.
MAX_ANSWER_CHARS = 4 * MAX_QUESTION_CHARS
HISTORY_TURNS = 3  # earlier turns read; a follow-up leans on the last one
# Runs of words (or names) of the previous question compared with a follow-up's phrase, each
# encoded. The eval sets' previous questions have at most 12; a 1,000-character one had ~600
# (2.0-7.1 s). At 32 a follow-up took 4.1x one bare encoding (a normal one 2.1x), 9.6x in
# Spanish (e5 is slower), at load average 10 (eval/bench_input.py).
MAX_SPANS = 24
MAX_NAME_WORDS = 4  # a person's name ("Ghada Waly", "Ban Ki-moon"); a run of 600 names is none
FOLLOW_SIMILAR = 0.3  # below this, "And X?" is appended to the previous question, not swapped in
SAME_LENGTH = 0.05


def clean_question(text: str) -> str:
    """Normalise a question; raise ValueError with a message for bad input."""
    if not isinstance(text, str):
        raise ValueError("The question must be text.")
    if len(text) > MAX_QUESTION_CHARS * 4:
        raise ValueError(f"The question is too long ({len(text):,} characters); "
                         f"please keep it under {MAX_QUESTION_CHARS:,}.")
    text = _normalise(text)
    if not text:
        raise ValueError("Please type a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"The question is too long ({len(text):,} characters); "
                         f"please keep it under {MAX_QUESTION_CHARS:,}.")
    return text


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the last space if there is one.

    >>> clip("How many women were counted?", 14), clip("short", 14)
    ('How many women', 'short')
    """
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    return cut.rstrip()


def check_history(history) -> None:
    """Raise ValueError naming the first turn of ``history`` that is no (question, answer)
    pair of text (the answer may be None: a turn that was not answered)."""
    if not isinstance(history, (list, tuple)):
        raise ValueError(f"history must be a list of (question, answer) pairs, not {type(history).__name__}")
    for n, turn in enumerate(history):
        if not isinstance(turn, (list, tuple)) or len(turn) != 2:
            what = f"{len(turn)} items" if isinstance(turn, (list, tuple)) else type(turn).__name__
            raise ValueError(f"history[{n}] must be a (question, answer) pair, not {what}")
        if not isinstance(turn[0], str):
            raise ValueError(f"history[{n}]: the question must be text, not {type(turn[0]).__name__}")
        if turn[1] is not None and not isinstance(turn[1], str):
            raise ValueError(f"history[{n}]: the answer must be text or None, not {type(turn[1]).__name__}")


def clean_history(history) -> list[tuple[str, str]]:
    """The last HISTORY_TURNS (question, answer) pairs, the question normalised like a new one
    and cut to MAX_QUESTION_CHARS, the answer cut to MAX_ANSWER_CHARS (None reads as ""); a turn
    with no question left is dropped. Raise ValueError naming the first malformed turn.

    >>> clean_history([("Who  edited it?", "Argos"), ["x " * 600, None]])[1][0][-3:], clean_history(None)
    ('x x', [])
    >>> clean_history([1, 2])
    Traceback (most recent call last):
    ...
    ValueError: history[0] must be a (question, answer) pair, not int
    """
    if history is None:
        return []
    check_history(history)
    # The raw text is cut before normalising, as clean_question refuses it, so the work is bounded.
    turns = [(clip(_normalise(q[:4 * MAX_QUESTION_CHARS]), MAX_QUESTION_CHARS), (a or "")[:MAX_ANSWER_CHARS])
             for q, a in history[-HISTORY_TURNS:]]
    return [(q, a) for q, a in turns if q]


def cognates(question: str, stems) -> set[str]:
    """The report's English stems that a Spanish question's lower-case words are cognate with:
    the stem (5+ letters) begins the word, or shares its first 80% with it.

    >>> sorted(cognates("¿En qué año legalizó Alemania la prostitución?", {"legal", "prostitut", "year"}))
    ['legal', 'prostitut']
    """
    words = {fold(w) for w in re.findall(r"\b[a-záéíóúñü]{5,}\b", question)}
    found = set()
    for stem in (x for x in stems if len(x) >= 5 and x.isalpha()):
        need = max(5, math.ceil(0.8 * len(stem)))
        if any(w[:need] == stem[:need] for w in words):
            found.add(stem)
    return found


def spanish_words(question: str) -> list[str]:
    """A Spanish question's words beyond its function words, as typed.

    >>> spanish_words("cual es la capital de Venezuela")
    ['capital', 'Venezuela']
    """
    return [w for w in re.findall(r"\w+", question) if fold(w.lower()) not in SPANISH_STOPWORDS]


def spanish_terms(question: str, stems) -> set[str]:
    """``cognates`` of a Spanish question's words beyond its function words ("informe" is no
    "information").

    A name the report writes as typed is one of its terms too ("la brigada Henry Reeve").

    >>> sorted(spanish_terms("¿Cuándo legalizó el informe la prostitución?", {"legal", "prostitut", "inform"}))
    ['legal', 'prostitut']
    >>> sorted(spanish_terms("desde cuando existe la brigada Henry Reeve", {"exist", "henri", "reev"}))
    ['exist', 'henri', 'reev']
    """
    words = spanish_words(question)
    # …a name, not a Spanish word typed with a capital ("la Trata", zipf 5.3 in Spanish; "Henry" 4.3)
    named = {x for w in words if w[0].isupper() and len(w) >= 4 and not read_mod.common_in_spanish(w)
             for x in tokenize([w])[0] if x in stems}
    return cognates(" ".join(words), stems) | named


_FOLLOW = re.compile(fold(r"^(and|but|also|what about|how about|and what about|and how about|same for|"
                     r"what of|y|¿y|y qué|¿y qué|qué hay de|¿qué hay de)\b[\s,]*"), re.I)
# …and a demonstrative ending the question: alone ("who said that"), or a distal one before
# its noun ("who released that doc"; "who edited this report" means the report itself, and
# "that the US did" is a clause, not a pointer).
_PRONOUN = re.compile(r"\b(they|them|their|it|its|he|she|his|her|him|of (?:those|these))\b"
                      r"|\b(this|that|these|those)\s*\??\s*$|\b(that|those)\s+(?!(?:the|a|an)\b)[a-z]+\s*\??\s*$", re.I)
_WH = re.compile(fold(r"^[¿¡\s]*(who|what|when|where|which|why|how|is|are|does|do|did|can|qué|quién|cuál|cuándo|dónde|cómo|cuántos|cuántas|por qué)\b"), re.I)
def question_names(query: str, lang: str = "en") -> list[str]:
    """Names and years a passage must contain (or mean) to answer the question.
    Of a non-English question's names only places are checked ("Japón": the report
    must say Japan or Japón); "Trata" or "Unión Europea" would need translating.

    >>> question_names("What was the 2019 slogan of the World Day against Trafficking?")
    ['the World Day', 'Trafficking', '2019']
    >>> question_names("¿Cuántas víctimas de trata se detectaron en Japón en 2018?", "es")
    ['Japón', '2018']
    """
    names = names_in(query, skip_first=False)
    if lang != "en":
        names = [n for n in names if countries(n) or members(n)]
    return names + YEAR.findall(query)


def name_countries(query: str, vocabulary: frozenset[str]) -> str:
    """Follow a place the report never names with the country it stands for and
    the report does name, so retrieval finds "the United States" for "Washington".

    >>> v = frozenset({"united", "states", "cuba"})
    >>> name_countries("When did Washington or the American envoy answer Havana?", v)
    'When did Washington (United States) or the American (United States) envoy answer Havana (Cuba)?'
    >>> name_countries("When did the United States or Japan ratify it?", v)
    'When did the United States or Japan ratify it?'
    """
    for name in names_in(query, skip_first=False):
        if set(words_of(name)) - NAME_STOP <= vocabulary and not code(name):  # "US": "u.s." is in it
            continue
        # "American" is also the demonym of the Northern Mariana Islands: keep what the report names.
        named = [c for c in countries(name) if set(words_of(c)) <= vocabulary]
        if named:
            query = query.replace(name, f"{name} ({', '.join(named)})", 1)
    return query


# Small words an organisation's initials skip: "UNODC" is United Nations Office (on) Drugs (and) Crime.
_INITIALS_SKIP = frozenset("of the and on in for to de del la las los y el".split())


def name_initials(query: str, names, vocabulary: frozenset[str]) -> str:
    """A word the report never writes, as the one name of the report's ``names`` whose initials
    it spells, so that "ga" finds the General Assembly.

    >>> name_initials("which ga session passed it", ["the General Assembly", "Global Alliance Against"], frozenset())
    'which General Assembly session passed it'
    >>> name_initials("which ga session passed it", ["the General Assembly", "Global Alliance"], frozenset())  # which?
    'which ga session passed it'
    >>> name_initials("the ga and the un", ["the General Assembly", "the United Nations"], frozenset({"un"}))
    'the General Assembly and the un'
    """
    spelt: dict[str, set[str]] = {}
    for n in names:
        words = [w for w in re.findall(r"[^\W\d_]+", n) if w.lower() not in _INITIALS_SKIP]
        if len(words) >= 2 and all(w[0].isupper() for w in words):
            spelt.setdefault("".join(w[0] for w in words).lower(), set()).add(" ".join(words))
    for m in reversed(list(re.finditer(r"\b[^\W\d_]{2,6}\b", query))):
        w = m.group().lower()
        # a common word is itself: "se usa para" (Spanish zipf 4.9) is no United States of America
        if w not in vocabulary and len(spelt.get(w, ())) == 1 and read_mod.zipf(w) < COMMON_ZIPF:
            query = f"{query[:m.start()]}{next(iter(spelt[w]))}{query[m.end():]}"
    return query


# "1940s", "the 40s", "the '40s", "los años 40": a two-digit decade is either century's.
_DECADE = re.compile(r"\b(1[89]|20)(\d)0'?s\b|'?\b(\d)0'?s\b|\baños (\d)0\b", re.I)


def name_decades(query: str, vocabulary: frozenset[str]) -> str:
    """A decade as the years of it the report writes, so that "its early treaty back in the
    40s" finds the 1949 Convention.

    >>> name_decades("the un's early treaty back in the 40s", frozenset({"1949", "2000"}))
    "the un's early treaty back in the 1949"
    >>> name_decades("what happened in the 2010s", frozenset({"2010", "2013", "1949"}))
    'what happened in the 2010 or 2013'
    >>> name_decades("5 percent in 40 countries", frozenset({"1949"}))
    '5 percent in 40 countries'
    """
    for m in reversed(list(_DECADE.finditer(query))):
        starts = [m.group(1) + m.group(2)] if m.group(1) else [c + (m.group(3) or m.group(4)) for c in ("19", "20")]
        if years := sorted(v for v in vocabulary if len(v) == 4 and v.isdigit() and v[:3] in starts):
            query = f"{query[:m.start()]}{' or '.join(years)}{query[m.end():]}"
    return query


# MiniLM puts "dept" 0.85 from "department", "govt" 0.91 from "government", "stats" 0.77 from
# "statistics"; a look-alike of another meaning stays below 0.4 ("dept": "development" 0.36).
CONTRACTION_MATCH = 0.7


def contracts(short: str, word: str) -> bool:
    """Whether ``short`` is a contraction of ``word``: its first and last letters, the rest in
    order, at least two letters dropped, and not its first letters alone ("sec" may be
    "second" or "secretary").

    >>> contracts("dept", "department"), contracts("yrs", "years"), contracts("sec", "second")
    (True, True, False)
    """
    if len(word) < len(short) + 2 or word.startswith(short) or short[0] != word[0] or short[-1] != word[-1]:
        return False
    rest = iter(word[1:-1])
    return all(c in rest for c in short[1:-1])


def consonants(word: str) -> str:
    """``word`` without its vowels: "people" -> "ppl"."""
    return word[:1] + re.sub(r"[aeiouy]", "", word[1:])


def spell_out(query: str, vocabulary: frozenset[str], like=None) -> str:
    """A contraction typed for a word of the report, spelt out: "state dept" -> "state
    department", "how many yrs" -> "how many years". The word must be the report's, and
    WordNet's synonym of the contraction ("yr": "year") or within CONTRACTION_MATCH of it
    (``like``: MiniLM's cosines of single words). Only uncommon words of two to five letters
    that the report never writes are read so.

    >>> spell_out("how many yrs between them", frozenset({"years", "yeast", "between"}))
    'how many years between them'
    >>> spell_out("what pg are the ppl on", frozenset({"page", "people", "pages"}))
    'what page are the people on'
    """
    stem = read_mod.stemmer().stemWord

    def word(m: re.Match) -> str:
        w = m.group()
        low = w.lower()
        # A common word is itself ("did" is no "directed"): the contractions typed are below
        # zipf 4.5 ("stats" 4.3, "govt" 3.8, "pct" 3.2).
        if not (2 <= len(low) <= 5 and low.isalpha()) or low in vocabulary or w[0].isupper() \
                or read_mod.zipf(low) >= COMMON_ZIPF:
            return w
        # The word's consonants alone, when one word of the report has them ("ppl": "people",
        # "pg": "page"; MiniLM puts them 0.38 and 0.27 apart, WordNet has neither)…
        if len(skeleton := [v for v in vocabulary if v.isalpha() and v[0] == low[0] and consonants(v) == low]) == 1:
            return skeleton[0]
        cands = sorted(v for v in vocabulary if v.isalpha() and contracts(low, v))
        if not cands:
            return w
        synonyms = read_mod.related(stem(low))
        if by_sense := [v for v in cands if stem(v) in synonyms]:
            return min(by_sense, key=len)
        if like is not None:
            sims = like([low], cands)[0]
            if float(sims.max()) >= CONTRACTION_MATCH:
                return cands[int(sims.argmax())]
        return w

    return re.sub(r"\b[^\W\d_]+\b", word, query)


def rewrite_followup(question: str, history: list[tuple[str, str]] | None, similar=None) -> str:
    """Make an elliptical follow-up a full question, using the previous question.
    ``similar(phrase, candidates)`` (cosines; the pipeline passes MiniLM's, e5's for Spanish) lets a
    follow-up without names swap the previous question's closest phrase.

    >>> rewrite_followup("And how many in Western and Southern Europe?",
    ...                  [("How many women victims were recorded in North America?", "5,735")])
    'How many women victims were recorded in Western and Southern Europe?'
    >>> rewrite_followup("What about the Netherlands?", [("How long did Germany take to ratify the Protocol?", "")])
    'How long did the Netherlands take to ratify the Protocol?'
    >>> rewrite_followup("And for forced labor?", [("What share are trafficked for sexual exploitation?", "")],
    ...                  lambda p, cs: [float(c == "sexual exploitation") for c in cs])
    'What share are trafficked for forced labor?'
    >>> rewrite_followup("and for Western Europe boys", [("North America victims by sex", "")],
    ...                  lambda p, cs: [float(c == "sex") for c in cs])
    'Western Europe victims by boys'
    >>> rewrite_followup("and kids?", [("what % of eu victims were women and girls", "")],
    ...                  lambda p, cs: [float(c == "girls") for c in cs])
    'what % of eu victims were kids'
    >>> rewrite_followup("How many of them signed?", [("How many countries met in Palermo?", "")])
    'How many of the countries signed? (How many countries met in Palermo?)'
    >>> rewrite_followup("Did it attach conditions?", [("When did the US ratify it?", "")])
    'Did it attach conditions? (When did the US ratify it?)'
    >>> rewrite_followup("Who edited the report?", [("How long did Germany take?", "")])
    'Who edited the report?'
    >>> rewrite_followup("how many girls there?", [("which region has the most victims?", "North America")])
    'how many girls in North America?'
    >>> rewrite_followup("in how many countries?", [("how many victims are the estimates based on?", "48,478")])
    'in how many countries? (how many victims are the estimates based on? 48,478)'
    >>> rewrite_followup("how many of those signed", [("how many countries met in palermo", "148")])
    'how many of the countries signed (how many countries met in palermo 148)'
    >>> rewrite_followup("how many of those were kids", [("how many trafficking victims did eu countries report", "14,145")])
    'how many of those were kids (how many trafficking victims did eu countries report 14,145)'
    >>> rewrite_followup("and who is 2nd?", [("which region has the most victims?", "North America")])
    'who is 2nd? (which region has the most victims? North America)'
    """
    if not history:
        return question
    prev = history[-1][0]
    context = context_of(history)
    # "how many girls there" after "North America": there = the place the answer names last
    # (the question's, when the answer is short); a quote naming none leaves it to the thread.
    answer = history[-1][1]
    if (there := _THERE.search(question)) and (place := place_in(answer) or ("“" not in answer and place_in(prev))):
        question = f"{question[:there.start()]}in {place}{question[there.end():]}"
    connective = _FOLLOW.match(question)
    # After a connective, a question with a verb of its own keeps its words, the previous turn
    # as context ("and who is 2nd", "y cuando se creo la onu"); a fragment is completed from it.
    carried = bool(connective and _WH.match(rest := question[connective.end():]) and _OWN_VERB.search(rest))
    if carried:
        question, connective = rest, None
    short = len(question.split()) <= 3 and not _WH.match(question)
    if not (connective or short):
        # "How many of them signed?" after "How many countries met…?": them = the countries.
        counted = re.match(r"\W*(?:how many|which|what|cuantos|cuantas|que|cuales)\s+([a-z]+s)\b", fold(prev), re.I)
        if counted and (them := re.search(r"\b(of them|of those|of these|they|de ellos|de ellas)\b", question, re.I)):
            noun, said = counted.group(1), them.group().lower()
            named = question[:them.start()] + (f"the {noun}" if said == "they" else f"de los {noun}" if said.startswith("de ")
                                               else f"of the {noun}") + question[them.end():]
            return f"{named} ({context})"  # the rest of the previous question still holds ("in 2018")
        # "What is her job?" after "Who said …?" "Romina Canessa, …": her = the person named last.
        if _PERSON.search(question) and (who := person_in(prev) or person_in(answer, last=False)):
            named = _PERSON.sub(lambda m: f"{who}'s" if possessive(m, question) else who, question, count=1)
            # "when did she say it": "it" is still the previous question's.
            return f"{named} ({context})" if _PRONOUN.search(named) else named
        # A whole question leaning on a pronoun, going on from the answer ("whats second") or
        # carrying on from it ("in how many countries") keeps its words; the previous turn is context.
        leans = carried or _PRONOUN.search(question) or ONWARD.search(question) or carries_on(question)
        return f"{question} ({context})" if leans else question
    rest = (question[connective.end():] if connective else question).strip(" ?¿")
    new, old = names_in(rest, skip_first=False), names_in(prev, skip_first=False)[:MAX_SPANS]
    if new and old:
        # The previous name most like the new one, a place for a place: "Países Bajos" takes
        # Alemania's place, not Protocolo's.
        sims = similar(new[-1], old) if similar is not None and len(old) > 1 else [0.0] * (len(old) - 1) + [1.0]
        place = bool(countries(new[-1]))
        best = max(range(len(old)), key=lambda i: (bool(countries(old[i])) == place, sims[i], i))
        whole = prev.replace(old[best], new[-1], 1)
        # …and what it asks besides the name takes its closest words' place: "and for western
        # europe boys" after "north america victims by sex" asks about boys, not about sex.
        # "one" stands for what was asked before ("and the pegasus one"); a Spanish fragment's
        # words are no English stop words ("y en canada solo"), and keep to the name alone.
        rest = " ".join(rest.replace(new[-1], " ", 1).split())
        if similar is None or not set(tokenize([rest])[0]) - {"one", "ones"} or language(question) == "es":
            return whole
        prev, new = whole, []
    if similar is not None and not new and 0 < len(rest.split()) <= 5:
        prep = re.match(r"(for|in|of|about|from|to|on|among|with|the|para|en|de|del|sobre|con|entre|el|la|los|las)\s+",
                        rest, re.I)
        core = rest[prep.end():] if prep else rest
        span = closest_span(prev, core, similar, after=prep.group(1) if prep else None)
        if span is not None:
            return prev[:span[0]] + core + prev[span[1]:]
    return f"{prev.rstrip('?')} — {rest}"


_PERSON = re.compile(r"\b(he|she|him|her|his)\b", re.I)
# Words that go on from the previous answer: "what else did the MEPs ask for", "and second".
ONWARD = re.compile(r"\b(else|second|2nd|third|3rd|next|other|another|rest|otra|otro|otros|segund[oa]|"
                    r"tercer[oa]?|siguiente)\b", re.I)


# "there" as a place ("how many girls there", "y cuantos alli"), not "are there any".
_THERE = re.compile(r"(?<!\bare )(?<!\bis )(?<!\bwere )(?<!\bwas )\b(?:over |in )?(there|alli|ahi|alla)\b"
                    r"(?!\s+(?:is|are|was|were|be|been|any)\b)", re.I)
# A verb of the question's own after its question word: an auxiliary or a Spanish clitic,
# which a fragment ("how many in europe", "y por que el 30 de julio") lacks.
_OWN_VERB = re.compile(r"\b(is|are|was|were|did|does|do|has|have|had|can|could|will|would|es|son|fue|fueron|era|"
                       r"eran|se|hay|ha|han|tiene|tienen|esta|estan)\b", re.I)
# A question opening on a preposition and its question word carries on from the last answer:
# "in how many countries", "since when", "by whom", "en cuantos paises", "desde cuando".
_CARRIES_ON = re.compile(r"^\W*(in|on|at|by|for|from|since|until|to|with|en|desde|hasta|por|para|con|de)\s+"
                         r"(how|what|which|when|whom|who|where|cuant[oa]s?|que|cual(?:es)?|cuando|quien(?:es)?|donde)\b", re.I)
# A previous answer of at most this many words, quoting nothing, is what the follow-up is about
# ("North America", "48,478", "EFE"); a quoting answer is followed by its sentence (thread.py).
SHORT_ANSWER = 8


def context_of(history: list[tuple[str, str]]) -> str:
    """What a follow-up leans on: the previous question, and its answer when that is short.

    >>> context_of([("which region has the most victims?", "North America")])
    'which region has the most victims? North America'
    >>> context_of([("what did UNODC say?", "The report states: “Millions of women …” [1]")])
    'what did UNODC say?'
    """
    prev, answer = history[-1]
    short = answer.strip() and "“" not in answer and len(answer.split()) <= SHORT_ANSWER
    return f"{prev} {answer.strip()}" if short else prev


def carries_on(question: str) -> bool:
    """Whether ``question`` opens on a preposition and its question word ("in how many countries").

    >>> carries_on("in how many countries"), carries_on("in 2018 how many victims were there")
    (True, False)
    """
    return bool(_CARRIES_ON.match(question))


def place_in(text: str) -> str | None:
    """The last place ``text`` names ("North America", "Thailand"), or None.

    >>> place_in("North America, then Thailand"), place_in("Western and Southern Europe"), place_in("Ghada Waly")
    ('Thailand', 'Western and Southern Europe', None)
    """
    found = [n for n in names_in(text, skip_first=False)
             if any(countries(p) or members(p) or region_names(p) for p in (n, re.split(r"\s+(?:and|y)\s+", n)[-1]))]
    return found[-1] if found else None


def person_in(text: str, last: bool = True) -> str | None:
    """The last (or first) name of a person in ``text``: two or more capitalised words after
    any acronym or common word of a title, the last one rare (wordfreq zipf < COMMON_ZIPF),
    no place and no "of" ("UNODC Executive Director Ghada Waly" -> "Ghada Waly"; not "Equality Now").

    >>> person_in("Romina Canessa, speaking to IPS"), person_in("What did the European Union say?")
    ('Romina Canessa', None)
    >>> person_in("UNODC Executive Director Ghada Waly called on Equality Now", last=False)
    'Ghada Waly'
    """
    zipf = read_mod.zipf
    people = []
    for name in names_in(text, skip_first=False):
        words = name.split()
        while words and (words[0].isupper() or zipf(words[0]) >= COMMON_ZIPF):
            words = words[1:]
        who = " ".join(words)
        if 2 <= len(words) <= MAX_NAME_WORDS and zipf(words[-1]) < COMMON_ZIPF and not any(w.isupper() or w.lower() in NAME_STOP for w in words) \
                and not countries(who) and not members(who):
            people.append(who)
    return (people[-1] if last else people[0]) if people else None


def possessive(m: re.Match, text: str) -> bool:
    """Whether the pronoun at ``m`` owns the next word ("his job", "her view"), not "ask her"."""
    if m.group().lower() == "his":
        return True
    nxt = re.match(r"\s+([a-z]+)", text[m.end():], re.I)
    return m.group().lower() == "her" and bool(nxt) and nxt.group(1).lower() not in stopwords()


def closest_span(text: str, phrase: str, similar, after: str | None = None) -> tuple[int, int] | None:
    """The run of one to three content words of ``text`` most like ``phrase``
    ("boys" -> "men" in "How many men victims…"), if its cosine reaches FOLLOW_SIMILAR.
    ``after``: a preposition the follow-up began with ("And for forced labor?"); runs
    right after it in ``text`` ("…trafficked for sexual exploitation") go first."""
    stop = set(stopwords()) | {"what", "which", "who", "how", "when", "where", "why"}
    runs, run = [], []
    for m in re.finditer(r"[\w'-]+", text):
        if m.group().lower() in stop:
            runs, run = runs + [run] if run else runs, []
        else:
            run.append(m)
    runs += [run] if run else []
    spans = sorted({(r[i].start(), r[j].end()) for r in runs for i in range(len(r)) for j in range(i, min(i + 3, len(r)))})
    if after:
        spans = [sp for sp in spans if re.search(rf"\b{re.escape(after)}\s+$", text[:sp[0]], re.I)] or spans
    spans = spans[:MAX_SPANS]  # in reading order: the previous question's first runs
    if not spans:
        return None
    sims = similar(phrase, [text[a:b] for a, b in spans])
    # A run as long as the phrase wins a near tie: "adult men" is 0.751 from "adult" and
    # 0.750 from "adult women", and takes the place of the latter.
    size = len(phrase.split())
    best = max(range(len(spans)), key=lambda k: sims[k] + SAME_LENGTH * (len(text[slice(*spans[k])].split()) == size))
    if sims[best] < FOLLOW_SIMILAR:
        return None
    # One of a pair ("women and girls") gives its place to the pair: "And kids?" asks about
    # kids instead of both, not "women and kids".
    a, b = spans[best]
    for r1, r2 in zip(runs, runs[1:]):
        if re.fullmatch(r"\s+(and|or|y|o|e)\s+", text[r1[-1].end():r2[0].start()], re.I) and (
                r1[0].start() <= a and b <= r1[-1].end() or r2[0].start() <= a and b <= r2[-1].end()):
            return r1[0].start(), r2[-1].end()
    return a, b


# Who heads something, in either language; any of them answers any other ("head" ~ "Director").
_LEADER = (r"(presidents?|directors?|heads?|boss(es)?|chair\w*|leaders?|chiefs?|ceos?|secretar(y|ies)|ministers?|executives?|"
           r"commissioners?|coordinators?|governors?|mayors?|found(er|ers|ed)|presidentes?|presidentas?|director(a|es)?|jef(e|a)s?|"
           r"líder(es)?|secretari[oa]s?|ministr[oa]s?)\b(?!-)")  # "head-on" is no head
# Spanish acronyms the report spells in English (a cognate check cannot see these)
_ACRONYMS_ES = {"ONG": "NGOs", "ONU": "UN", "UE": "EU", "OIT": "ILO", "OMS": "WHO"}


def counted(question: str) -> str:
    """What a "how many" question counts, or "" (a Spanish acronym in English).

    >>> counted("How many NGOs signed the Protocol?"), counted("How many of the countries signed?")
    ('NGOs', 'countries')
    >>> counted("How many times has it grown?"), counted("¿Cuántas ONG firmaron el Protocolo?")
    ('', 'NGOs')
    >>> counted("cuantas ong firmaron el protocolo")  # typed in lower case, still the acronym
    'NGOs'
    """
    m = re.search(r"\b(?:how many|cuant[oa]s) (?:of (?:the|them|those) |de (?:l[oa]s|ell[oa]s) )?(\w[\w-]*)", fold(question), re.I)
    # "how many times" asks for a multiple, "how many years" for a span: not a thing counted
    if not m or re.fullmatch(r"times|days|weeks|months|years|decades|more|fewer|less|veces|días|años|meses", m.group(1), re.I):
        return ""
    return _ACRONYMS_ES.get(m.group(1).upper(), m.group(1))


def _words(alternatives: str) -> str:
    return fold(rf"\b({alternatives})\b")  # questions are read without accents


# The plurals a keyword query asks for a count by ("north america victims numbers"); words that
# ask, no topic a sentence must meet (``needs.CUE_WORDS``).
COUNT_WORDS = ("numbers", "figures", "stats", "statistics", "total", "totals")
# A keyword query: no word that asks ("eu victims total 2018", "smuggling section page").
KEYWORD_QUERY = ("^(?!.*" + _words(r"what|whats|when|where|which|who|whom|whose|why|how|qué|cuándo|dónde|cuál|quién|"
                                  r"por qué|cómo") + ")")

# The kinds of fact a question asks for, by the words that ask. Within a group the first
# match wins; a kind in _ONLY replaces all others (the last such match wins).
_ASKS = (
    # "fivefold", not a %; and a change asked of a share or a count is its factor ("how has the
    # share of kids changed", "how much bigger is the proportion", "cuánto aumentó el porcentaje":
    # "the percentage of children has increased fivefold"), not the share itself.
    (("factor", _words(r"by what factor|how many times|how many-fold|cuántas veces|how much (bigger|larger|higher|"
                       r"greater|smaller|lower)|how (has|have|did|does|do) [\w' ]{1,40}? (change|changed|grow|grown|"
                       r"grew|increase|increased|rise|risen|rose|evolve|evolved)|how much (has|have|did) [\w' ]{1,40}? "
                       r"(grow|grown|increase|increased|rise|risen|go up|gone up)|cuánto (ha )?(aumentó|aumentado|creció|"
                       r"crecido|subió|subido|cambió|cambiado)|cómo (ha )?(cambiado|cambió|evolucionado)")),
     ("percent", _words(r"percent|percentage|share|proportion|fraction|porcentaje|proporción") + "|%"),
     ("duration", _words(r"how long|how much time|how many (days|weeks|months|years)|what delay|cuánto tiempo|"
                         r"cuánto (tardó|tarda|tardaron|tardan)|cuántos (días|meses|años) (tardó|tardaron)")),
     ("money", _words(r"budget|revenue|how much money|how much did \w+( \w+)? (cost|earn|spend|pay|raise)|cost of|"
                      r"presupuesto|cuánto dinero")),
     # "the population of Cuba" is a number; "What population is most affected?" is a group
     ("age", _words(r"how old|what age|qué edad|cuántos años tiene")),  # a number, named so in a refusal
     # …and a keyword query by the plural alone ("north america victims numbers", "eu victims
     # total 2018"), not by "figure", which may be a chart; a question asking what, when or
     # which says what it asks ("When did UNODC publish the latest statistics?").
     ("number", _words(r"how many|how much|how large|how big|number of|population of|what is the population|inhabitants|"
                       r"cuántos|cuántas|cuánto|número|población de")
      + "|" + KEYWORD_QUERY + ".*" + _words("|".join(COUNT_WORDS) + "|números|cifras|estadísticas"))),
    # A keyword query asks for a date by the word alone ("gaatw report year cambodians"), not
    # a rate ("per year") or a span ("the last year").
    # "exact date the Netherlands accepted the protocol" is not answered by its year.
    (("day", _words(r"exact (date|day)|what day|which day|precise date|fecha exacta|d[ií]a exacto|qué día")),
     ("date", _words(r"what year|which year|what date|what day|which day|qué año|qué día|en qué fecha|fecha")
      + r"|(?<!per )(?<!each )(?<!every )(?<!a )(?<!last )(?<!this )(?<!that )(?<!same )(?<!past )\b(year|date)\b(?! (ago|old|later|earlier|before|after))"),),
    # "Which country has the lowest number…?" is not answered by a count without a "lowest";
    # "which region comes second" not by the first ("the highest number … is North America").
    (("next", _words(r"second|2nd|third|3rd|runner.?up|segund[oa]|tercer[oa]?")),
     ("least", _words(r"lowest|smallest|fewest|least")), ("most", _words(r"highest|largest|biggest|greatest"))),
)
# What a document symbol is asked of; the words ask, they are no topic (``needs.needs_of``).
SYMBOL_WORDS = "resolutions?|documents?|docs?|resolución|resolucion|documento"
_ONLY = (
    # "Who said that?" is not answered by the quote, but by the sentence naming its speaker.
    ("agent", _words(r"who (said|says|say|reported|released|published|issued|stated|warned|denounced|accused|blamed|"
                     r"made|came up with|is behind)|who (do|does|did) \w+ (blame|accuse)|quién dijo|quién publicó|"
                     r"quiénes dijeron|quién lo dijo")),
    # "Who is the president of Argos?" is not answered by "Edited by Argos".
    # "who is cubas foreign minister": up to three words before the title.
    ("leader", rf"\b(who|quién|quiénes) ((is|was|are|were|es|era|fue|son) ((the|its|their|el|la|los|las) )?([\w']+ ){{0,3}}"
               rf"{_LEADER}|(founded|leads|heads|runs|directs|chairs|fundó|dirige|preside)\b)"
               # "nso group ceo name", "head of unodc", "nicaragua president": a title typed as the
               # thing looked up (last, or before "of", "name", "in 2010") asks who holds it, not
               # "what did the executive director say" (a when/why/how or "did" question), "which
               # secretary of state released it" (``asked_entity``'s) nor "president biden's
               # policy" (a name after the title).
               rf"|^\W*(?!.*\b(when|where|why|how|which|did|does|do|cuando|donde|por que|como)\b)(?:[\w']+ )*?{_LEADER}"
               rf"(\s+(of|name|names|called|in|at|de|del|en)\b|\W*$)"),
    # "Who is the author of the IPS report?" is not answered by a sentence naming IPS alone.
    ("author", _words(r"who (is|was|are|were) the (authors?|writers?)|who wrote|who authored|quién escribió|"
                      r"quién es el autor|quiénes son los autores") + "|" + MADE_BY),
    # "What prison sentence does German law impose?": a span, but only a penalty answers.
    ("penalty", _words(r"(prison|jail) (sentences?|terms?|time)|penalt(y|ies)|punishments?|fines?|"
                       r"how long in (prison|jail)|pena de prisión|penas?|condenas?|cárcel|multas?")),
    # "What hotline number…?": a number, but only a phone number answers.
    ("contact", _words(r"hotline|helpline|phone|telephone|e-?mail address|teléfono|línea de ayuda|correo")),
    # "global plan of action doc number": a document's symbol ("64/293", "A/RES/68/192"), no count.
    ("symbol", _words(rf"({SYMBOL_WORDS}) (number|no|nr|symbol|code|#|número|numero)|"
                      rf"(number|symbol|código|codigo|número|numero|signatura) (of|for|de) (the |la |el |esa |esta )?({SYMBOL_WORDS})")),
)


_ONLY_FOLDED = tuple((cue, fold(rx)) for cue, rx in _ONLY)  # questions are read without accents


# "which senators…", "name of the photographer", "who is the author": a question that asks for
# someone to be named by their kind (``read.kind_of``). The kind's noun is one of the first three
# words after the asking ones, before a word of grammar ("which us senators did…"). Not a place:
# "which countries are the biggest recipients" is answered by "the most powerful countries".
_ENTITY = re.compile(r"\b(?:which|what|wat|whose|names? of(?: the| a| an)?|who (?:is|was|are|were) (?:the|a|an))"
                     r"((?:\s+[A-Za-z][\w'-]*){1,3})")


# "where was she born", "where is efe based": a place of someone's, which only a sentence naming
# a place answers (not "where does the figure come from", a source).
_WHERE_OF = re.compile(r"\bwhere (?:is|was|are|were|did|does|do)\b.*\b(born|based|headquartered|located|stud(?:y|ied)|"
                       r"live[sd]?|gr[eo]w up|raised|(?<!come )(?<!comes )(?<!came )(?<!get )(?<!got )from)\b")


def asked_entity(question: str) -> tuple[str, str]:
    """The kind of someone an English question asks to be named ("person" or "body") and the
    noun it asks by, or a place of someone's ("place" and its verb), or ("", ""). A word of a
    name ("General Assembly") or a people ("European") is no kind.

    >>> asked_entity("which us senators did cuba name"), asked_entity("name of the photographer for the photos")
    (('person', 'senators'), ('person', 'photographer'))
    >>> asked_entity("which European body issued it"), asked_entity("who is the executive director of unodc")
    (('', ''), ('person', 'director'))
    >>> asked_entity("what share of victims are children"), asked_entity("what could not officials do")
    (('', ''), ('', ''))
    >>> asked_entity("name of the cuban doctors contingent"), asked_entity("names of the U.S. congressmen involved")
    (('body', 'contingent'), ('person', 'congressmen'))
    >>> asked_entity("which heads of state were targeted")
    ('person', 'heads')
    >>> asked_entity("where did she study law"), asked_entity("where did that number come from")
    (('place', 'study'), ('', ''))
    """
    if m := _WHERE_OF.search(fold(question.lower())):
        return "place", m.group(1)
    stops = set(stopwords())
    # "US (United States)", "U.S."
    for m in _ENTITY.finditer(re.sub(r"(?<=\b[A-Za-z])\.", "", re.sub(r"\s*\([^)]*\)", "", fold(question)))):
        words = m.group(1).split()
        # a kind of three words ("heads of state", "secretary of state"), its head plural or not
        if len(words) == 3 and words[1] == "of":
            for head in (words[0], words[0].removesuffix("s")):
                if k := read_mod.kind_of(f"{head} of {words[2]}".lower()):
                    return k, words[0].lower()
        run = words[:next((i for i, w in enumerate(words) if w.lower() in stops), len(words))]
        # The phrase's last word heads it ("executive director"; "cuban doctors contingent" asks
        # for a contingent), past a participle ("the us congressmen involved in…").
        while run and re.search(r"\w(ed|ing)$", run[-1]) and len(run) > 1:
            run = run[:-1]
        if run and not run[-1][0].isupper() and not countries(run[-1].capitalize()) and (k := read_mod.kind_of(run[-1].lower())):
            return k, run[-1].lower()
    return "", ""


_WHEN = re.compile(r"\b(when|cuando)\b")
_WH_BEFORE = re.compile(r"\b(what|who|whom|whose|which|how|where|why|que|quien|quienes|cual|cuales|como|donde|por que)\b")


def asks_when(q: str) -> bool:
    """Whether a (lower-case, folded) question asks when: its "when" opens it, follows "and",
    "since" or "as of", or ends it; after another question word it opens a clause ("what
    does the report mean when it says…", "who was president when the US ratified…").

    >>> asks_when("quick q when did unodc publish it"), asks_when("who founded argos and when")
    (True, True)
    >>> asks_when("what does the report mean when it says x"), asks_when("which presidents time is when cuts began")
    (False, False)
    """
    m = _WHEN.search(q)
    if not m:
        return False
    before, after = q[:m.start()], q[m.end():]
    return (not _WH_BEFORE.search(before) or bool(re.search(r"\b(and|or|since|of|until|till|y|desde|hasta)\s+$", before))
            or not re.search(r"\w", re.sub(r"\b(tho|though|exactly|then)\b", "", after)))


def question_cues(question: str) -> set[str]:
    """The kinds of fact a question asks for.

    >>> sorted(question_cues("In what year did the share of children grow by what factor?"))
    ['date', 'factor']
    >>> question_cues("What hotline number can victims call?")
    {'contact'}
    >>> question_cues("gaatw report year cambodians"), question_cues("how many victims per year")
    ({'date'}, {'number'})
    >>> question_cues("why has the number of child victims tripled")
    {'reason'}
    """
    q = fold(question.lower())
    cues = {next((cue for cue, rx in group if re.search(rx, q)), None) for group in _ASKS} - {None}
    if not cues & {"day", "date"} and asks_when(q):
        cues.add("date")
    for cue, rx in _ONLY_FOLDED:
        if re.search(rx, q):
            cues = {cue}
    # "why is the real number of victims higher" asks for a reason, not the number it names,
    # nor "why did the eu fine germany" for a penalty.
    if re.match(r"\W*(why|how come|por que|porque)\b", q):
        cues = {"reason"}
    return cues


_SPAN = re.compile(r"\b(\d[\d,.]*|a few|several|one|two|three|four|five|six|seven|eight|nine|ten|\w+teen|\w+ty)"
                   r"(\s+and\s+\w+)?\s+(days?|weeks?|months?|years?|decades?|centuries)\b", re.I)
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"


def has_cue(text: str, cue: str) -> bool:
    """Whether ``text`` holds the kind of fact asked for. URLs and names such as
    "COVID-19" or a reference's "(16)" are no counts; a year is a date, not a count.

    >>> has_cue("since its inception in 2005, during COVID-19", "number")
    False
    >>> has_cue("Fifty percent of the victims", "percent"), has_cue("five are adult women", "number")
    (True, True)
    >>> has_cue("the percentage of children has increased fivefold", "factor"), has_cue("up 5%", "factor")
    (True, False)
    >>> has_cue("The three days between their arrest", "duration"), has_cue("557 were deported in 2010", "duration")
    (True, False)
    >>> has_cue("On December 18, during its 68th Session, three years earlier, it approved 64/293", "number")
    False
    >>> has_cue("one of the first efforts", "number"), has_cue("one in four victims", "number")
    (False, True)
    >>> has_cue("2018 (or most recent)", "most"), has_cue("the most affected populations", "most")
    (False, True)
    >>> has_cue("a group has raised billions of dollars", "money"), has_cue("it was published by UNODC", "money")
    (True, False)
    >>> has_cue("call 1-888-373-7888 or write to help@example.org", "contact"), has_cue("in 2018, 148 countries", "contact")
    (True, False)
    """
    return bool(cue_spans(text, cue))


def _blank(rx, text: str, flags=0) -> str:
    """``text`` with the matches of ``rx`` blanked out, offsets kept."""
    return re.sub(rx, lambda m: " " * len(m.group()), text, flags=flags)


_CUE_RX = {
    "percent": (r"\d[\d.,]*\s?%|\b\w+ percent\b", 0),
    "factor": (r"\b(\w+fold|doubled|tripled|quadrupled|halved|twice|\w+ times)\b", re.I),
    "duration": (_SPAN.pattern, re.I),
    # A reason given: the connectives of cause and purpose (a closed class, as stop words are;
    # no maintained list of them is on PyPI) and the words that name a reason, cause or aim.
    # On the 54 "why" questions of the sets, 16 of the 21 unanswerable ones answered had none
    # in their quotes, and 1 of the answerable ones answered right.
    "reason": (r"\b(because|since|due to|owing to|given|thanks to|as a result|in order to|so as to|so that|reasons?|"
               r"causes?|caused|purposes?|aims?|goals?|motives?|justif\w+|driven|leads? to|led to|result of|why|"
               r"therefore|hence|thus|consequently)\b", re.I),
    "contact": (r"\+?\(?\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b|[\w.-]+@[\w-]+\.\w", 0),
    "symbol": (r"\b(?!(?:19|20)\d\d/(?:19|20)\d\d)(?:[A-Z]{1,4}/)*\d{1,4}/\d{1,4}\b", 0),  # "A/RES/68/192", "64/293"
    "money": (r"[$€£]\s?\d[\d,.]*|\b(dollars?|euros?|pounds|USD|EUR)\b", re.I),
    "number": (r"(?<![\w-])(?!(?:19|20)\d\d\b)\d[\d,.]*|\b(one|two|three|four|five|six|seven|eight|nine|ten|"
               r"hundred|thousand|million|billion|trillion|\w+fold|doubled|tripled|quadrupled|halved|twice)\b", re.I),
    "date": (rf"\b(1[89]|20)\d\d\b|{_MONTH}", 0),
    "day": (rf"{_MONTH} \d{{1,2}}\b|\b\d{{1,2}} (of )?{_MONTH}", 0),
    "leader": (r"\b" + _LEADER, re.I),
    "author": (r"\b(authors?|authored|wrote|written by|edited by|editors?)\b", re.I),
    # Someone named: a person's two names, or an organisation's acronym ("COVID-19" is neither).
    "agent": (r"(?<![.!?] )(?<!^)\b[A-Z][a-z]+ [A-Z][a-z]+|\b[A-Z]{3,}s?\b(?!-\d)", 0),
    "most": (r"\b(highest|largest|biggest|greatest|mostly|majority|main|top|leading|leads)\b|\bmost (?!recent)", re.I),
    "least": (r"\b(lowest|smallest|fewest|least|minority)\b", re.I),
    # what follows the first of a ranking ("It is followed by Western and Southern Europe")
    "next": (r"\b(followed by|second|third|next|then comes|runner.?up)\b", re.I),
    "penalty": (r"\b(prison|imprison\w*|jail\w*|sentenced|penalt(y|ies)|punish\w*|fined)\b", re.I),
}


def cue_spans(text: str, cue: str) -> list[tuple[int, int]]:
    """Where ``text`` holds the kind of fact asked for, as character spans.

    >>> cue_spans("published in 2011 by GAATW", "date"), cue_spans("at www.globe.com/2021/07/18/news/", "date")
    ([(13, 17)], [(17, 27)])
    """
    # A URL's numbers are no counts, but a news URL's path is its date ("…com/2021/07/18/…").
    dated = [m.span(1) for m in re.finditer(r"/((?:19|20)\d\d/\d\d(?:/\d\d)?)/", text)] if cue == "date" else []
    text = _blank(r"^- \(\d+\)", _blank(URL, text))
    cue = "number" if cue == "age" else cue
    if cue == "number":
        # Spans ("three years"), resolutions ("64/293"), ordinals ("68th"), days ("December 18")
        # and "one of the first efforts" count nothing.
        for rx in (_SPAN, r"[\w/]*\d/\d[\w/]*", r"\b\d+(st|nd|rd|th)\b", rf"{_MONTH} \d\d?\b|\b\d\d? {_MONTH}",
                   r"\b[Oo]ne (of|another)\b"):
            text = _blank(rx, text)
    rx, flags = _CUE_RX[cue]
    return sorted(dated + [m.span() for m in re.finditer(rx, text, flags)])
