"""A question that asks for someone to be named by their kind ("which senators", "name of the
photographer") is answered only by a sentence that names one: a name it does not type, a
person's for a kind of person, beside the kind's noun when the sentence has it."""
import pytest

from rag.judge import person_like
from rag.needs import entity_of
from rag.question import asked_entity


def test_the_kind_asked_for_is_read_from_the_noun_after_the_asking_words():
    assert asked_entity("names of the us (United States) congressmen involved") == ("person", "congressmen")
    assert asked_entity("what organization published the global report") == ("body", "organization")
    assert asked_entity("which asian countries r on the list") == ("", "")
    assert asked_entity("what percentage of victims are women") == ("", "")


def test_the_reports_own_subject_groups_are_not_roles_to_be_named(pipeline):
    idf = pipeline.tables.idf
    assert entity_of("which victims are most affected", idf) == ("", "")
    assert entity_of("which children are trafficked", idf) == ("", "")
    assert entity_of("which journalists were spied on", idf) == ("person", "journalists")


def test_a_persons_name_has_a_word_that_is_only_a_name():
    assert person_like("Antony Blinken") and person_like("Jeffrey Edward Epstein")
    assert not person_like("National Council for Intergenerational Equality") and not person_like("Cuban")


@pytest.mark.parametrize("question", [
    "names of the us congressmen involved in the scandals",
    "Names of the U.S. congressmen involved in the scandals?",
    "name of the photographer for the ecuador photos",
    "which heads of state were targeted with pegasus",
    "how old was jeffrey epstein",
])
def test_a_kind_the_report_does_not_name_is_refused(pipeline, question):
    a = pipeline.ask(question)
    assert a.abstained, a.answer


@pytest.mark.parametrize("question, name", [
    ("which senators did the cuban foreign ministry name", "Rubio"),
    ("who is the executive director of unodc", "Ghada Waly"),
    ("Which Secretary of State released the US document on human trafficking?", "Blinken"),
    ("which asian countries r on the us state dept list", "Afghanistan"),
    ("which region of the world has the most recorded victims", "North America"),
    ("in which city did 148 countries meet in december 2000", "Palermo"),
])
def test_a_kind_the_report_names_is_answered_with_the_name(pipeline, question, name):
    a = pipeline.ask(question)
    assert not a.abstained and name in a.answer
