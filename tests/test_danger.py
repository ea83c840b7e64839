"""The Ask tab's danger detector (ui/danger.py): first person + coercion, close together."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui.danger import coercion, in_danger  # noqa: E402

# How people write it: lowercase, no punctuation, typos, Spanish, someone else's hand.
IN_DANGER = [
    "they took my passport and make me work, what do I do",
    "They took my passport and make me work. What do I do?",
    "they tok my pasport and make me work",
    "my boss kept my documents and i cant leave",
    "im locked in the house",
    "i am not allowed to leave the farm",
    "they wont let me go",
    "my employer has my passport and they force me to work 14 hours",
    "we are forced to work without pay",
    "they dont pay me and threaten my family",
    "i work without pay and they hold my papers",
    "am i a victim of trafficking",
    "I think I was trafficked",
    "They forsed me to sleep in the factory",
    "me quitaron el pasaporte y me obligan a trabajar",
    "no me dejan salir de la casa",
    "estoy encerrada y no puedo salir",
    "tienen mis documentos",
    "no me pagan y me amenazan",
    "me hacen trabajar sin pagarme",
    "soy victima de trata",
]
# Questions about the report (and other ordinary ones) that mention the same things.
NOT_IN_DANGER = [
    "how many victims had their passports taken",
    "What does the report say about forced labour?",
    "Are migrants forced to work in agriculture?",
    "In my country, are people forced to work on farms?",
    "Why can't victims leave their traffickers? I wonder",
    "Can you tell me what the Palermo Protocol says about confiscated passports?",
    "Do I need to take my passport to the embassy?",
    "I kept my notes on the report, what are its main points?",
    "Who made this report?",
    "Explain to me how trafficked people are kept in debt",
    "I didn't pay for the report, is it free?",
    "my phone is locked, can I still read the report",
    "Can I help a victim of trafficking by reading this?",
    "¿Cuántas víctimas fueron obligadas a trabajar?",
    "¿Qué dice el informe sobre el trabajo forzoso?",
    "¿Tengo que llevar mi pasaporte?",
    "What share of detected victims are adult women?",
]


@pytest.mark.parametrize("text", IN_DANGER)
def test_first_person_coercion_is_danger(text):
    assert coercion(text), text
    assert in_danger(text)


@pytest.mark.parametrize("text", NOT_IN_DANGER)
def test_questions_about_the_report_are_not(text):
    assert coercion(text) is None, text
    assert not in_danger(text), text


def test_pleas_for_help_still_count():
    """rag.safety's phrases are kept: a plea needs no coercion word."""
    for text in ("help me please", "Who can I call? I'm trapped", "Estoy en peligro, ¿a quién llamo?"):
        assert in_danger(text), text


def test_a_sentence_end_stops_the_window():
    assert coercion("they took my passport") == "doc+seize"
    assert coercion("They took the passports. My question is about the report") is None
