"""Stage 5b: what an answer must satisfy, read once from the question.

``needs_of`` turns a (canonical) question into a ``Needs`` record: the kind of fact
asked for, the names, places and years an answer must hold, the topic terms it must
be about, the thing counted, the words the report never uses, and whether the
question asks the bot for an opinion or advice. ``judge`` checks every requirement
against the chosen sentences, for every question.

>>> n = needs_of("What did Obama say about human trafficking in Cuba?", ["Cuba"], "en",
...              {"cuba": 2.9, "human": 1.2, "traffick": 0.5})
>>> n.names, sorted(n.topic), n.unknown, n.stance
(('Cuba',), ['obama'], ('Obama',), '')
>>> needs_of("capital of Cuba?", ["Cuba"], "en", {"cuba": 2.9}).unknown
('capital',)
>>> needs_of("what do you think about the us policy", [], "en", {"polici": 3.2}).stance
'opinion'
>>> needs_of("should i donate to Equality Now?", ["Equality Now"], "en", {}).stance
'advice'
>>> needs_of("who should i call if my neighbour is trafficked", [], "en", {}).stance
'advice'
>>> needs_of("where can i donate", [], "en", {}).stance, needs_of("best way to talk to my kids about it", [], "en", {}).stance
('advice', 'advice')
>>> needs_of("do u agree palantir is evil", [], "en", {}).stance
'opinion'
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .chunk import names_in
from .lexicon import YEAR, fold, stemmer, terms_of, tokenize
from .places import countries, members
from .question import COUNT_WORDS, SYMBOL_WORDS, asked_entity, cognates, counted, question_cues, spanish_terms
from .read import adverbs, describings, is_name, is_verb, phrasal, sayings, spanish_word
from .retrieve import asked_reference, asked_sections
from .senses import PARTICLES

# Terms in more than ~a fifth of the sentences ("traffick": 84 of 139, "victim": 31) share
# nothing: "How many traffickers were convicted?" is not about any sentence saying "trafficking".
COMMON_IDF = 1.5
# Words that ask for a kind of fact rather than name a topic ("what share", "who heads").
CUE_WORDS = (" percent percentage share proportion fraction number year date many much time long money"
             " highest largest biggest greatest lowest smallest fewest least most first second third runner"
             " president director head boss chair chairman leader chief ceo secretary minister executive"
             # …and for a line of the reference list, a page, a name or a definition ("What is the
             # title of reference 4?", "What does GAATW stand for?", "Who is named…?")
             " reference ref source article title link url website page section chapter part"
             " name named called stand mean meaning definition define chart graph figure caption diagram"
             # …or how the report puts it ("How is Polaris described?", "what's her job?")
             " describe described describes say says said mention mentioned mentions cite cited cites quote quoted"
             " explain explained explains characterize characterise talk talks call calls job role position post"
    " profession occupation")
# …or how two things differ ("trafficking vs smuggling", "whats the diff", "diferencia entre
# trata y trafico"): these words ask, they are no topic the report would have to use.
DIFFERENCE_WORDS = ("difference", "differences", "diff", "differ", "differs", "different", "distinguish", "versus", "vs")
CUE_WORDS += " " + " ".join(DIFFERENCE_WORDS + COUNT_WORDS)
ASKS_DIFFERENCE = re.compile(rf"\b({'|'.join(DIFFERENCE_WORDS)}|distinguish\w*|same( thing)? as|diferencias?|diferente|"
                             r"distint[oa]s?)\b", re.I)

_JUDGED = ("right|wrong|justified|correct|biased|unbiased|objective|impartial|neutral|reliable|credible|"
           "trustworthy|accurate|truthful|honest|propaganda|true|false|lying|telling the truth|trusted")
_JUZGADO = "imparcial|parcial|objetiv[oa]|neutral|fiable|confiable|creible|verdad|ciert[oa]|sesgad[oa]|propaganda"
# Questions addressed to the bot rather than to the report: its opinion ("what do you think
# about…", "¿qué opinas de…?") or advice for the asker ("should I…", "¿debo…?"). The report's
# own positions are asked about it ("what does the report think of…"), never of "you".
_OPINION = re.compile(
    r"\b(you|u|your|ur)\b.{0,40}\b(think|opinion|view|views|believe|feel|stance|take|agree|disagree)\b"
    r"|\b(your|ur) (opinion|view|take)\b"
    r"|\b(opinas|piensas|crees|te parece|tu opinion|usted opina|estas de acuerdo|esta de acuerdo)\b"
    r"|^(is|are|was|were) .{1,60}\b(right|wrong|good|bad|fair|justified|lying|correct) (about|to|on|in)\b"
    # …or which party is ("who is right in the end, cuba or the us", "which side is lying")
    rf"|\b(who|which( \w+)?) (is|was|are|were) ({_JUDGED})\b"
    # a yes-or-no judgement of the report or a party ("is the report biased", "is cuba telling
    # the truth", "el informe es imparcial"): the report's own words ("in their biased vision")
    # are asked for by "does the report say…"
    rf"|^(is|are|was|were) .{{0,60}}\b({_JUDGED})( \w+)?( or not)?\W*$|^(can|should|do) (i|we|you|u) (trust|believe)\b"
    rf"|\b(es|son|fue|era|esta|estan) (un[ao]? )?(muy )?({_JUZGADO})( o no)?\W*$", re.I)
_ADVICE = re.compile(
    r"^(should|shall|must) (i|we|my|our)\b|\b(what|how|who|which|when) (should|can|do|could|must) (i|we)\b|\bwhat to do\b"
    # …where the asker should go or act ("where can i donate"), not where to read the report's
    # parts ("where can i find the summary")
    r"|\bwhere (should|can|do|could|must) (i|we)\b(?! (find|see|read|get|look|view|download|access)\b)"
    # …or the best thing for the asker's own ("best way to talk to my kids about trafficking")
    r"|\bbest \w+( \w+)? (to|for)\b.*\b(my|me|our|us)\b"
    r"|^should (the|a|an|we|they|people|governments?|countries|[A-Z]\w*)\b"
    # …or asked with a verb of advising, of the bot ("what do you recommend", "advise me", "any
    # tips for me", "que me recomiendas"), or of what the asker should do ("which charity i should
    # donate to"); the report's own are asked of it ("what does the report recommend")
    r"|\b(you|u) (would |could |can )?(recommend|suggest|advise)\b|\b(recommend|suggest|advise) (me|us)\b"
    r"|\b(your|ur|any) (suggestions?|advice|tips?|recommendations?) (for|on) (me|us|which|what|how|where|who)\b"
    r"|\bi (should|ought to|shall)\b"
    r"|\b(debo|deberia|debemos|deberiamos|que hago|que hacemos|que puedo hacer|a quien (llamo|acudo|puedo))\b"
    r"|\b(recomiendas|aconsejas|sugieres|me (recomienda|aconseja|sugiere)|nos (recomienda|aconseja|sugiere)s?)\b", re.I)

# "What did Marco Rubio reply?" asks for his words: a quote that names him ("… figures such as
# Senators Marco Rubio and Robert Menendez," the Cuban Foreign Ministry said) is not them. The
# words between "what did" and the reporting verb name the speaker.
_SAID = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had)\s+(.{2,60}?)\s+(?:say|said|says|reply|replied|respond|"
    r"responded|answer|answered|claim|claimed|state|stated|argue|argued|tell|told|warn|warned|think|thinks)\b"
    r"|\bqu[eé]\s+(?:dijo|dijeron|respondi[oó]|contest[oó]|afirm[oó]|declar[oó]|opina|opin[oó])\s+(.{2,60}?)"
    r"(?:\s+(?:sobre|de|del|acerca|a|al|en)\b|\W*$)", re.I)


def speakers_of(query: str) -> tuple[str, ...]:
    """The names a question asks what they said (in any language: a Spanish question's other
    names are only its places, ``question.question_names``).

    >>> speakers_of("what did Marco Rubio reply to the Cuban Foreign Ministry?")
    ('Marco Rubio',)
    >>> speakers_of("What does the report say about Cuba?"), speakers_of("qué dijo Blinken sobre Cuba")
    ((), ('Blinken',))
    >>> speakers_of("what does the US reservation say its law is based on")
    ()
    """
    # "what does the us reservation say": a document speaks ("reservation", "report" are words
    # of saying, ``read.sayings``), not the name it is of.
    return tuple(n for m in _SAID.finditer(query) if (span := m.group(1) or m.group(2))
                 and span.split()[-1].lower() not in sayings() for n in names_in(span, skip_first=False))


_TYPED = r"[^\W\d_][\w'-]*"  # a word as typed: "Cuba's", "ki-moon", not "2019"


@dataclass(frozen=True)
class Needs:
    """What a sentence must hold to answer a question."""
    cues: frozenset[str]  # kinds of fact ("number", "date", …: question.question_cues)
    names: tuple[str, ...]  # names and places a passage must spell or mean (no years)
    places: tuple[str, ...]  # the names that are countries or regions
    years: tuple[str, ...]
    topic: frozenset[str]  # uncommon stems beyond names and asking words: what it is about
    words: tuple[str, ...]  # the topic's words as typed (English only)
    unknown: tuple[str, ...]  # the topic's words that the report never uses, as typed (Spanish: its names)
    counted: str  # what a "how many" question counts, or ""
    stance: str  # "opinion" or "advice" when the bot, not the report, is asked; else ""
    lookup: bool = False  # asks for a part of the report by what it is (reference 4, the summary)
    speakers: tuple[str, ...] = ()  # the names asked what they said ("what did Rubio reply")
    entity: tuple[str, str] = ("", "")  # the kind asked to be named and its noun: ("person", "senators")
    span: bool = False  # asks how long: worded too many ways to be a cue, but a span or a year must be given
    denied: tuple[str, ...] = ()  # the stems of what a why question says never happened ("why did the us refuse to ratify")
    most: frozenset[str] = frozenset()  # the topic a why question says most are ("why are most victims adult men")


def needs_of(query: str, names: list[str], lang: str, idf: dict[str, float], e5: bool = False,
             asks: str | None = None) -> Needs:
    """The ``Needs`` of a canonical question. ``names``: ``question.question_names``;
    ``idf``: the report's stems (one not in it is a word the report never uses);
    ``e5``: a Spanish question, whose topic is its cognates among the report's stems;
    ``asks``: the words that ask, when ``query`` carries the previous question for context
    ("who reported on it (how many cambodians were deported)" asks for a source, not a count).

    >>> sorted(needs_of("who reported it? (how many Cambodians were deported?)", [], "en", {},
    ...                 asks="who reported it?").cues)
    ['agent']
    """
    folded = fold(query)
    # "how many actually signed" counts what the question before it did, not "actually".
    asks = query if asks is None else asks
    cues = question_cues(asks)
    stance = "opinion" if _OPINION.search(folded) else "advice" if _ADVICE.search(folded) else ""
    years = tuple(n for n in names if YEAR.fullmatch(n))
    named = tuple(n for n in names if not YEAR.fullmatch(n))
    # …and words of describing ("how does the report label polaris"): they ask how it is put
    asked = set(tokenize([" ".join(named) + CUE_WORDS])[0]) | stems_among(query, describings())
    if "symbol" in cues:  # "doc number": "doc" asks
        kinds = [w for w in re.findall(r"\w+", fold(query.lower())) if re.fullmatch(fold(SYMBOL_WORDS), w)]
        asked |= {x for w in kinds for x in terms_of(w)} | cognates(" ".join(kinds), idf)
    terms = spanish_terms(query, idf) if e5 else set(tokenize([query])[0])
    # A year is checked as one ("not_year"), not as a topic a figure's sentence may meet alone;
    # an adverb says how, not what ("what did he say about cuba specifically").
    how = stems_among(query, adverbs())
    topic = frozenset(x for x in terms - asked - how if idf.get(x, math.inf) >= COMMON_IDF and not YEAR.fullmatch(x))
    words = () if e5 else topic_words(query, topic)
    unknown = tuple(w for w in words if terms_of(w)[0] not in idf)
    if e5:  # a Spanish question's words are not the report's, but a name is a name in both
        unknown = tuple(dict.fromkeys(w for w in re.findall(_TYPED, query) if is_name(w)
                                      and not spanish_word(w) and (s := terms_of(w)) and s[0] not in idf))
    return Needs(frozenset(cues - {"duration"}), named,
                 tuple(n for n in named if countries(n) or members(n)), years, topic, words, unknown,
                 "" if (thing := counted(asks)).lower() in adverbs() else thing, stance,
                 bool(asked_reference(query) or asked_sections(query)), speakers_of(query),
                 entity_of(asks, idf) if lang == "en" else ("", ""), "duration" in cues,
                 denied_of(asks, idf, e5) if cues == {"reason"} else (),
                 topic if cues == {"reason"} and _MOST.search(folded) else frozenset())


# "why are most victims adult men", "why are the majority of victims men": a why question saying
# what most are.
_MOST = re.compile(r"\b(most|majority|mostly|mainly|la mayoria|mayoritariamente)\b(?! (recent|recently|common|important|powerful))", re.I)


# "why did the us refuse to ratify", "why has germany never signed", "why didnt the us ever
# ratify", "por que eeuu no ratifico": what a question says did not happen is the first verb of
# the DENIED_REACH words after its negation. Not a delay ("why did germany not ratify until
# 2006"), which happened in the end.
_DENIED = re.compile(r"\b(?:refus(?:e|es|ed|ing)|declin(?:e|es|ed|ing)|fail(?:s|ed|ing)?|neg(?:o|aron|ado) a|"
                     r"never|not|nunca|no)\b", re.I)
_DELAY = re.compile(r"\b(?:until|till|before|so long|right away|yet|hasta|antes)\b", re.I)
DENIED_REACH = 4


def denied_of(query: str, idf: dict[str, float], e5: bool = False) -> tuple[str, ...]:
    """The report's stems of the verbs a question says did not happen (``_DENIED``), each once.
    A Spanish question's are its cognates; an English "no" is a determiner ("no data"), not a
    denial.

    >>> denied_of("why did the US refuse to ratify the protocol?", {"ratifi": 3.0})
    ('ratifi',)
    >>> denied_of("why did not the US (United States) ever ratify it", {"ratifi": 3.0})
    ('ratifi',)
    >>> denied_of("why did germany not ratify until 2006", {"ratifi": 3.0}), denied_of("why is there no data", {"data": 3.0})
    ((), ())
    >>> denied_of("por que eeuu no ratifico el protocolo", {"ratifi": 3.0}, e5=True)
    ('ratifi',)
    """
    if _DELAY.search(query):
        return ()
    out = []
    for m in _DENIED.finditer(query):
        if not e5 and m.group().lower() in ("no", "nunca"):
            continue
        # a capital is a name's, and counts no word ("did not the US (United States) ever ratify":
        # not "unite")
        for word in [w for w in re.findall(r"[^\W\d_]+", query[m.end():]) if not w[0].isupper()][:DENIED_REACH]:
            found = sorted(cognates(word.lower(), idf)) if e5 else \
                [x for x in terms_of(word)[:1] if x in idf] if is_verb(word) else []
            if found:
                out += found
                break
    return tuple(dict.fromkeys(out))


def stems_among(query: str, words: frozenset[str]) -> set[str]:
    """The stems of the words of ``query`` that are among ``words`` (lower case).

    >>> sorted(stems_among("How does it Label them, specifically?", frozenset({"label", "specifically"})))
    ['label', 'specif']
    """
    return set(tokenize([" ".join(w for w in re.findall(r"[a-z]+", query.lower()) if w in words)])[0])


def topic_words(query: str, topic: frozenset[str]) -> tuple[str, ...]:
    """The words of ``query`` behind ``topic``, as typed, each once; a phrasal verb as one, with
    its particle ("kicked out": met by "deported", ``read.phrasal``; "kicked" alone is not).

    >>> topic_words("how many cambodians did thailand kick out of bangkok", frozenset({"kick", "cambodian"}))
    ('cambodians', 'kick out')
    """
    typed = re.findall(_TYPED, query)
    return tuple(dict.fromkeys(
        f"{w} {typed[i + 1].lower()}" if i + 1 < len(typed) and typed[i + 1].lower() in PARTICLES
        and phrasal(w, typed[i + 1]) is not None else w
        for i, w in enumerate(typed) if (s := terms_of(w)) and s[0] in topic))


# A kind of person the report writes of in more than 1 sentence in 20 (idf 3.0: "victims" 1.5,
# "women" 2.1, "children" 2.5, "people" 2.7) is its subject, asked about as a group ("which
# victims are most affected"); rarer ones are roles a name fills ("senators" 4.5, "officials" 3.1).
ROLE_IDF = 3.0


def entity_of(asks: str, idf: dict[str, float]) -> tuple[str, str]:
    """``question.asked_entity``, unless its noun names one of the report's subject groups.

    >>> entity_of("which senators did cuba name", {"senat": 4.5}), entity_of("which victims", {"victim": 1.5})
    (('person', 'senators'), ('', ''))
    """
    kind, noun = asked_entity(asks)
    if kind in ("person", "body") and idf.get(terms_of(noun)[0], math.inf) < ROLE_IDF:
        return "", ""
    return kind, noun


def typed_terms(query: str, stems: set[str], e5: bool = False) -> str:
    """The words of ``query`` behind ``stems``, comma-joined, for a refusal's reason.

    >>> typed_terms("Why did the EU expel Cuba?", {"expel"})
    'expel'
    """
    stem = stemmer().stemWord
    return ", ".join(dict.fromkeys(w for w in re.findall(r"\w[\w'-]*", query)
                                   if stem(w.lower()) in stems or e5 and cognates(w.lower(), stems)))
