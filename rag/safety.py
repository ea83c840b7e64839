"""Help for people in danger: the report names no hotline, so the bot points to
local emergency services and never invents a number.

Pipeline.ask puts the note in the answer record's ``help`` field; the web app
shows it above the answer.
"""
from __future__ import annotations

import re

_DANGER = re.compile(
    r"\b(help me|save me|rescue me|please help|i need help|in danger|danger (now|right now)|emergency|"
    r"hotline|helpline|help ?line|phone number|who (can|do|should) (i|we) (call|contact|tell)|"
    r"where can (i|we|someone) (get|find) help|(i am|i'm|im|we are|we're) being|"
    r"being (trafficked|held|forced|sold|exploited|abused)|trapped|kidnapp\w*|locked (in|up)|"
    r"(can ?not|can't|cannot) (leave|escape|go home)|not allowed to leave|"
    r"took (my|our) (passport|documents|papers)|forc(ed|es|ing) me|threaten\w* (me|us|my)|"
    r"ayuda|ay[uú]dame|auxilio|socorro|peligro|emergencia|me obligan|nos obligan|atrapad[oa]s?|"
    r"secuestrad[oa]s?|l[ií]nea de ayuda|a qui[eé]n (llamo|puedo llamar))\b",
    re.I)


def in_danger(question: str) -> bool:
    """Does the question read as a person in danger or looking for help?

    >>> in_danger("I am being held and they took my passport")
    True
    >>> in_danger("How many victims were detected in Europe?")
    False
    """
    return bool(_DANGER.search(question or ""))


HELP_NOTE = {
    "en": ("If you or someone you know may be in danger right now, contact your local emergency "
           "services. This report does not name any hotline or helpline, so this assistant cannot "
           "give you one; local emergency services or a trusted local support organisation can "
           "direct you to help where you are."),
    "es": ("Si usted u otra persona puede estar en peligro ahora mismo, contacte con los servicios "
           "de emergencia locales. Este informe no menciona ninguna línea de ayuda, así que este "
           "asistente no puede darle una; los servicios de emergencia locales o una organización de "
           "apoyo de confianza pueden orientarle donde esté."),
}


def help_note(language: str = "en") -> str:
    return HELP_NOTE.get(language, HELP_NOTE["en"])
