"""Questions as people type them: the reading stage on the real report, and the
metamorphic agreement of the outcome over the dev, probe and user question sets."""
from __future__ import annotations

import pytest

from eval import metamorphic
from eval import run as run_mod
from rag.question import question_cues
from rag.read import language, load_lexicon


def test_a_damaged_word_list_cache_is_remade(tmp_path):
    cache = tmp_path / "lexicon.json"
    cache.write_text("garbage{", encoding="utf-8")
    made = load_lexicon(cache)
    from wordfreq import zipf_frequency

    assert made["zipf"]["trafficking"] == zipf_frequency("trafficking", "en") and made["gazetteer"]["japan"] == "Japan"
    assert load_lexicon(cache) == made  # saved whole, and read back as made
    cache.write_text('{"stamp": {"format": 0}}', encoding="utf-8")  # an older format is remade
    assert load_lexicon(cache)["stamp"] == made["stamp"]


def test_names_typed_in_lower_case_are_read_as_names(pipeline):
    r = pipeline.reader
    assert r.read("what did ghada waly say about covid").text == "what did Ghada Waly say about covid?"
    assert "Japan" in r.read("how many trafficking victims are there in japan").text
    assert "Blinken" in r.read("what did antony blinkn say").text  # a slip mended, then a name
    # a word no list knows is a name the report must name; a common word is not
    assert "Zxqvort" in r.read("what did zxqvort say").text and "Toiling" not in r.read("toiling workers").text
    # a city whose name is often written but only ever a name is a place; one that is a word is not
    assert "London" in r.read("how many victims in london").text and "Washington" in r.read("did washington sign").text
    assert "Nice" not in r.read("how many victims in nice").text
    # a word the report capitalises that is only ever a name, however common: "Mediterranean" (4.0)
    assert "Mediterranean" in r.read("how many migrants drowned in the mediterranean").text
    assert "Protocol" not in r.read("when was the protocol signed").text  # also a word


def test_lower_case_places_the_report_never_names_are_refused(pipeline):
    for q in ("how many trafficking victims are there in japan", "what share of victims in india are children"):
        a = pipeline.ask(q)
        assert a.abstained, (q, a.answer)


def test_a_possessive_typed_without_its_apostrophe_is_the_name(pipeline):
    r = pipeline.reader
    assert r.read("who is cubas foreign minister").text == "who is Cuba's foreign minister?"
    assert r.read("canessas ngo").text == "Canessa's NGO?" and r.read("how many ngos signed").text == "how many NGOs signed?"
    assert r.read("how many turkeys").text == "how many turkeys?"  # a word this common is one
    # a demonym's plural that the report writes is its people, not a possessive
    assert r.read("how many cambodians were deported").text == "how many Cambodians were deported?"
    # and once read as places, the place checks hold: the report has no figures for them
    for q in ("japans share of victims who are children", "indias number of detected victims",
              "venezuelas foreign minister"):
        a = pipeline.ask(q)
        assert a.abstained, (q, a.answer)


@pytest.mark.parametrize("typed, meant", [
    ("slofan", "slogan"), ("nationaliry", "nationality"), ("strwngthened", "strengthened"),  # no list holds them
    ("goverment", "government"), ("comission", "commission"),  # misspellings people often make (zipf 2.7, 2.1)
])
def test_a_slip_is_mended_to_a_word_the_report_may_not_use(pipeline, typed, meant):
    assert pipeline.reader.read(f"what about the {typed}").text == f"what about the {meant}?"


def test_a_word_or_name_people_write_is_no_slip(pipeline):
    r = pipeline.reader
    for q in ("toiling workers", "what did blinken say", "criminality in cuba", "zxqvort"):
        assert not r.read(q).mended, r.read(q)


def test_a_slip_is_mended_to_the_word_the_report_writes_beside_the_others(pipeline):
    r = pipeline.reader
    # "directed" and "detected" are both one letter away; the report's detected victims are the ones
    assert r.read("share of boys among derected victims").text == "share of boys among detected victims?"
    assert r.read("the anti-ezploitation accord").text == "the anti-exploitation accord?"  # each part of a hyphenated word
    # a Spanish question's slip of a name is mended to the report's name, not to a Spanish word ("casa")
    assert r.read("que dijo ghasa waly sobre el covid").text == "que dijo Ghada Waly sobre el covid?"
    assert r.read("y los nuños").text == "y los ninos?"  # niños (zipf 5.4), not the city of Ñuñoa


def test_surface_form_does_not_change_the_reading(pipeline):
    r = pipeline.reader
    # (a capital typed inside the question is kept as a name: "Protocol" typed so is one)
    forms = ("How many countries signed the palermo protocol?", "how many countries signed the palermo protocol",
             "hey can you tell me how many countries signed the palermo protocol pls",
             "How many countries signed the palermo protocl?", "¿How many countries signed the palermo protocol!")
    assert len({r.read(f).text for f in forms}) == 1, [r.read(f).text for f in forms]


def test_spanish_is_told_without_accents_or_question_marks(pipeline):
    for q in ("cuantas victimas hay en europa", "quien edito el informe", "que es la trata de personas"):
        assert pipeline.reader.read(q).language == language(q) == "es", q
    # names say nothing of the language: "ghada waly" alone reads as Spanish to lingua
    for q in ("palermo convention countries signed", "who said that", "ghada waly", "ref 3 url"):
        assert pipeline.reader.read(q).language == "en", q
    assert question_cues("cuantas victimas hay en europa") == question_cues("¿Cuántas víctimas hay en Europa?") == {"number"}


@pytest.mark.parametrize("q, lang", [
    # two or three words lingua reads the wrong way ("prime minister in" 0.55 Spanish), set right
    # by how often each word is used in either language
    ("thailand prime minister in 2010", "en"), ("frontex role central mediterranean", "en"),
    ("palantir contractor", "en"), ("y en sudamerica", "es"), ("y en europa", "es"),
    ("la onu", "es"), ("ley de trata", "es"), ("smuggling protocol", "en")])
def test_a_few_typed_words_are_told_by_their_frequencies_too(pipeline, q, lang):
    assert pipeline.reader.read(q).language == lang, pipeline.reader.read(q)


def test_unaccented_spanish_gets_a_spanish_answer(pipeline):
    a = pipeline.ask("cuantas victimas hay en europa")
    assert a.language == "es" and (a.answer.startswith("El informe") or a.abstained), a.answer


# Every transformation holds the 98% floor (the metamorphic table in eval/REPORT.md); lowercase
# since 49c5851 (questions 98.1%, probes 98.2%: one flip more in either and it fails).
GATED = tuple(metamorphic.TRANSFORMS)


@pytest.mark.parametrize("path", metamorphic.SETS, ids=lambda p: p.name)
def test_outcome_survives_how_the_question_is_typed(pipeline, path):
    questions = run_mod.read_questions(path)
    res = metamorphic.agreement(pipeline, questions, {n: metamorphic.TRANSFORMS[n] for n in GATED})
    low = {n: (r["rate"], r["flips"][:5]) for n, r in res.items() if r["rate"] < metamorphic.AGREEMENT_FLOOR}
    assert not low, low
