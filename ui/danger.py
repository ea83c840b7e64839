"""Does a message read as a person in danger? First person + coercion, close together.

A fixed phrase list (rag.safety) misses how people actually write: "they took my passport
and make me work", "im locked in", "no me dejan salir", with typos and no punctuation. A
question *about* the report ("how many victims had their passports taken") must not count.
The difference is who it happens to: the message counts when a first-person word (I, me,
my, we, our; yo, me, mi, nos, estoy, puedo…) sits within a few words of a cue of coercion:

  documents   a document and a taking verb           "they took my passport", "tienen mis papeles"
  force       forced / obliged / sold                 "they force me", "me obligan", "sold us"
  make work   make + work                             "make me work", "me hacen trabajar"
  confined    locked, trapped, kidnapped              "im locked in", "estoy encerrada"
  no leaving  a negation and leave / go out           "i cant leave", "no me dejan salir"
  unpaid      a negation and pay                      "they dont pay me", "sin pagarme"
  threats     threaten, beat                          "they threaten my family", "me amenazan"
  victim      I + victim / trafficked                 "am i a victim", "i was trafficked"

Words are compared without case or accents; a cue word of five letters or more also
matches with one letter wrong, missing, extra or swapped ("pasport", "forsed"). Windows do
not cross a sentence end (. ! ? ;), so "Why can't victims leave? I wonder" stays a question,
and a verb right after "I" or "we" is the speaker acting ("I kept my passport"), not harm.
rag.safety's phrases ("help me", "emergency", "hotline") are kept as well (``in_danger``).
It takes ~0.03 ms a message; tests/test_danger.py has 21 phrasings that must count and 17
questions that must not.

>>> in_danger("they took my passport and make me work, what do I do")
True
>>> in_danger("how many victims had their passports taken")
False
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rag.safety import in_danger as asks_for_help

# Words that put the speaker in the sentence: as subject, as object, as owner. Spanish drops
# subject pronouns, so its first-person verbs count as subjects ("estoy encerrada", "no puedo salir").
SUBJECT = frozenset("i i'm im i've ive we we're yo estoy estamos puedo podemos tengo tenemos soy somos".split())
OBJECT = frozenset("me myself us ourselves conmigo nos".split())
OWNER = frozenset("my mine our ours mi mis nuestro nuestra nuestros nuestras".split())
PERSON, ANYONE = SUBJECT | OBJECT, SUBJECT | OBJECT | OWNER
# "I kept my passport", "we sold the house", "I locked the door": the speaker acts, nothing is
# done to them, so a verb cue right after one of these does not count ("I'm locked in" does).
ACTOR = frozenset("i we yo i'll we'll i'd we'd i've ive we've".split())

# A trailing * marks a prefix ("oblig*": obligan, obligaron, obligada), a trailing ! a word
# matched exactly (one slip would turn "victim" into "victims", the report's topic).
CUES = {
    "doc": "passport passports papers documents document id visa pasaporte pasaportes papeles documento* dni",
    "seize": "took take takes taken taking tok kept keep keeps keeping hold holds holding held stole stolen "
             "confiscat* seiz* quitaron quitan quito retien* retuv* tienen guardan robaron",
    "force": "force forced forces forcing forcd coerc* oblig* forzad* fuerzan forzaron sold vendieron vendio",
    "make": "make makes made making hacen hicieron",
    "work": "work works working labour labor trabaj* prostitut* beg begging",
    "confine": "locked trapped held captive prisoner kidnap* encerrad* encierran atrapad* secuestr* retenid*",
    "leave": "leave escape salir irme escapar",
    "neg": "can't cant cannot not won't wont don't dont didn't didnt never without no nunca sin",
    "pay": "pay paid paying pagan pagaron pagar pagarme",
    "threat": "threaten threatens threatened threatening amenaz* beat beats beating golpe* pegan",
    "victim": "victim! victima! trafficked",
}
VERBS = frozenset("seize force make confine threat".split())  # the kinds ACTOR can cancel
# "go" alone is everywhere ("I didn't go to the talk"); "go home", "go out" or a last "go"
# ("they won't let me go") is leaving.
GO_WHERE = frozenset("home out outside away anywhere".split())
# "forced labour" is a topic ("what does the report say about forced labour"), not something
# done to the speaker: a force word right before one of these does not count.
TOPIC_NOUNS = frozenset("labour labor marriage marriages begging criminality prostitution work".split())


@dataclass(frozen=True)
class Rule:
    """Cues that must all appear near a speaker word.

    ``window`` is the largest distance from the first to the last word of a match, speaker
    word included: "they took my passport" spans 2, "passport was taken from me" 4. A speaker
    word of ``SUBJECT`` counts only before the cues ("I'm locked in"; "locked, can I read"
    is not), an object or owner on either side (Spanish puts them first: "me obligan").
    With ``glue``, only those words may stand between speaker and cue ("I was trafficked").
    """
    need: tuple
    window: int
    speaker: frozenset
    glue: frozenset | None = None


BE = frozenset("am a an was were are is being been soy somos".split())
RULES = (
    Rule(("doc", "seize"), 6, ANYONE),  # 6: "my passport and my papers were taken" (5) in,
    # "tell me what the protocol says about confiscated passports" (8) out
    Rule(("force",), 3, PERSON),  # "they forced my hand" is no danger: subject or object only
    Rule(("make", "work"), 4, ANYONE),
    Rule(("confine",), 3, PERSON),  # "my phone is locked" is not
    Rule(("neg", "leave"), 5, PERSON),  # 5: "I am not allowed to leave"
    Rule(("neg", "pay"), 4, OBJECT | OWNER),  # "they don't pay me"; "I didn't pay for it" is not
    Rule(("work", "neg", "pay"), 4, SUBJECT),  # "I work without pay"
    Rule(("threat",), 3, ANYONE),
    Rule(("victim",), 3, SUBJECT, BE),  # "am I a victim"; "can I help a victim" is not
)
_SENTENCE_END = re.compile(r"[.!?;]+(?:\s|$)|[¿¡]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def fold(text: str) -> str:
    """Lower case, no accents, straight apostrophes.

    >>> fold("¿Víctima? I’m")
    "¿victima? i'm"
    """
    t = unicodedata.normalize("NFKD", (text or "").replace("’", "'").replace("‘", "'").lower())
    return "".join(c for c in t if not unicodedata.combining(c))


def words(sentence: str) -> list[str]:
    """A sentence's words, contractions kept whole.

    >>> words("they can't leave, ok")
    ['they', "can't", 'leave', 'ok']
    """
    return _WORD.findall(sentence)


def one_edit(a: str, b: str) -> bool:
    """At most one letter wrong, missing, extra or two swapped.

    >>> [one_edit("pasport", "passport"), one_edit("forsed", "forced"), one_edit("frocde", "forced")]
    [True, True, False]
    """
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def matches(word: str, cue: str) -> bool:
    """Does ``word`` spell ``cue`` (a word, or a prefix ending in *)? Cues of five letters
    or more allow one slip: shorter ones ("go", "took") would match too many other words.

    >>> [matches("obligaron", "oblig*"), matches("pasport", "passport"), matches("to", "tok")]
    [True, True, False]
    """
    if cue.endswith("!"):
        return word == cue[:-1]
    if cue.endswith("*"):
        stem = cue[:-1]
        if word.startswith(stem):
            return True
        return len(stem) >= 5 and any(one_edit(word[:n], stem) for n in (len(stem) - 1, len(stem), len(stem) + 1))
    return word == cue or (len(cue) >= 5 and word[:1] == cue[:1] and one_edit(word, cue))


@lru_cache(maxsize=4096)
def kinds(word: str) -> frozenset:
    """The cue kinds a word belongs to (sorted for the example).

    >>> sorted(kinds("held"))
    ['confine', 'seize']
    """
    return frozenset(k for k, cues in CUES.items() if any(matches(word, c) for c in cues.split()))


def cue_positions(ws: list[str]) -> dict[str, list[int]]:
    """Where each cue kind occurs in a sentence's words.

    >>> cue_positions(["i", "kept", "my", "passport"]), cue_positions(["they", "kept", "my", "passport"])
    ({'doc': [3]}, {'seize': [1], 'doc': [3]})
    """
    at: dict[str, list[int]] = {}
    for i, w in enumerate(ws):
        before, after = ws[i - 1] if i else "", ws[i + 1] if i + 1 < len(ws) else ""
        found = set(kinds(w))
        if w == "go" and (not after or after in GO_WHERE):
            found.add("leave")
        if before in ACTOR or (before == "to" and "seize" in found):  # "need to take my passport"
            found -= VERBS
        if after in TOPIC_NOUNS:
            found.discard("force")
        for k in found:
            at.setdefault(k, []).append(i)
    return at


def rule_hits(ws: list[str], at: dict[str, list[int]], rule: Rule) -> bool:
    """Some speaker word with, for each needed cue, its nearest occurrence, all within the window.

    >>> r = RULES[3]  # confined
    >>> [rule_hits(w, cue_positions(w), r) for w in (["im", "locked", "in"], ["locked", "can", "i"])]
    [True, False]
    """
    if not all(k in at for k in rule.need):
        return False
    for f, w in enumerate(ws):
        if w not in rule.speaker:
            continue
        cues = [min(at[k], key=lambda i: abs(i - f)) for k in rule.need]
        if w in SUBJECT and w not in OBJECT and f > min(cues):
            continue
        if max(cues + [f]) - min(cues + [f]) > rule.window:
            continue
        lo, hi = sorted((f, min(cues, key=lambda i: abs(i - f))))
        if rule.glue is None or all(x in rule.glue for x in ws[lo + 1:hi]):
            return True
    return False


def coercion(text: str) -> str | None:
    """The first rule a sentence of ``text`` meets, by its cues (e.g. "doc+seize"), or None.

    >>> coercion("no me dejan salir de la casa"), coercion("What is forced labour?")
    ('neg+leave', None)
    """
    for sentence in _SENTENCE_END.split(fold(text)):
        ws = words(sentence)
        at = cue_positions(ws)
        for rule in RULES:
            if rule_hits(ws, at, rule):
                return "+".join(rule.need)
    return None


def in_danger(text: str) -> bool:
    """A person who may be in danger: first-person coercion, or a plea for help (rag.safety)."""
    return coercion(text) is not None or asks_for_help(text)
