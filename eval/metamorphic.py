"""Metamorphic agreement: a question typed another way must get the same outcome.

    python -m eval.metamorphic [--questions A.jsonl B.jsonl …] [--report eval/REPORT.md]

Each question of each set is asked as written and as five copies, each changed
in one way people change what they type: lowercased, stripped of punctuation,
stripped of accents, behind a filler prefix, and with one letter of its longest
content word mistyped. A copy agrees when it gets the same outcome as the
original: both answered with the same first cited sentence, or both refused.
The copies are made deterministically (a question's typo is the same every run).

>>> TRANSFORMS["no_punct"]("¿Cuántas víctimas hay en Europa?")
'Cuántas víctimas hay en Europa'
>>> TRANSFORMS["no_accents"]("¿Cuántas víctimas hay en Europa?")
'¿Cuantas victimas hay en Europa?'
>>> TRANSFORMS["typo"]("Who is the executive director of UNODC?")
'Who is the execytive director of UNODC?'
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from rag.lexicon import fold

HERE = Path(__file__).resolve().parent
SETS = (HERE / "questions.jsonl", HERE / "probes.jsonl", HERE / "users.jsonl", HERE / "users2.jsonl")
MARK_START, MARK_END = "<!-- metamorphic:start -->", "<!-- metamorphic:end -->"
AGREEMENT_FLOOR = 0.98  # tests/test_eval.py fails below this, per transformation

FILLERS = ("hey can you tell me ", "pls ", "quick question: ", "i want to know ", "hi, ")
# Neighbouring keys on a QWERTY keyboard: the letter a hurried typist hits instead.
_NEAR_KEYS = dict(zip("abcdefghijklmnopqrstuvwxyz",
                      ("s", "v", "x", "s", "w", "d", "f", "g", "u", "k", "l", "k", "n",
                       "m", "p", "o", "w", "t", "a", "r", "y", "c", "e", "z", "t", "x")))
_FUNCTION = set("what which when where who whom whose why how does did the and for from with about into "
                "that this these those there their have been were cuantos cuantas cuales donde quien".split())


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def no_punct(text: str) -> str:
    """Every punctuation mark dropped except inside words and numbers ("ki-moon", "2,053", "U.S")."""
    text = re.sub(r"[¿¡?!\"“”«»()\[\]]|(?<!\w)['‘’]|['‘’](?!\w)|[.,;:](?!\w)|(?<!\w)[.,;:]", " ", text)
    return " ".join(text.split())


def filler(text: str) -> str:
    """A filler phrase in front, chosen by the question, lowercasing its first word as people do."""
    lead = FILLERS[_digest(text) % len(FILLERS)]
    first = text.lstrip("¿¡")
    return lead + (first[:1].lower() + first[1:] if first[:2].isupper() is False else first)


def typo(text: str) -> str:
    """One letter of the question's longest content word (5+ letters) replaced by a neighbouring key;
    the first and last letters are kept, as they are in most typing slips."""
    words = [m for m in re.finditer(r"[^\W\d_]{5,}", text) if m.group().lower() not in _FUNCTION]
    if not words:
        return text
    m = max(words, key=lambda w: (len(w.group()), -w.start()))
    word = m.group()
    inner = [i for i in range(1, len(word) - 1) if word[i].lower() in _NEAR_KEYS]
    if not inner:
        return text
    i = inner[_digest(text) % len(inner)]
    new = _NEAR_KEYS[word[i].lower()]
    return text[:m.start() + i] + (new.upper() if word[i].isupper() else new) + text[m.start() + i + 1:]


TRANSFORMS = {
    "lowercase": str.lower,
    "no_punct": no_punct,
    "no_accents": fold,  # ñ becomes n, as people type it
    "filler": filler,
    "typo": typo,
}


def outcome(record: dict) -> tuple:
    """What must not change: refused, or the first cited sentence (document and its start)."""
    if record.get("abstained") or not record.get("citations"):
        return ("refused",)
    c = record["citations"][0]
    start = int(c["chunk_id"].rsplit(":", 1)[1].split("-")[0]) + c["quote_start"]
    return ("answered", c["doc"], start)


def sentence_of(outcome_key: tuple, sentences) -> tuple:
    """An answered outcome's quote start mapped to its sentence, so a quote trimmed differently
    inside the same sentence still agrees."""
    if outcome_key[0] != "answered":
        return outcome_key
    _, doc, start = outcome_key
    for s in sentences:
        if s.doc_id == doc and s.start <= start < s.end:
            return ("answered", doc, s.start)
    return outcome_key


def agreement(pipeline, questions: list[dict], transforms=TRANSFORMS) -> dict[str, dict]:
    """Per transformation: how many questions it changed, and how many of those kept their outcome.
    A question the transformation leaves as it is counts neither way."""
    from . import run as run_mod

    def ask(q: dict, text: str) -> tuple:
        rec, _ = run_mod.run(pipeline, [{**q, "question": text}], progress=False)
        return sentence_of(outcome(rec[0]), pipeline.tables.sentences)

    base = {q["id"]: ask(q, q["question"]) for q in questions}
    out = {}
    for name, fn in transforms.items():
        changed = agree = 0
        flips = []
        for q in questions:
            text = fn(q["question"])
            if text == q["question"]:
                continue
            changed += 1
            if ask(q, text) == base[q["id"]]:
                agree += 1
            else:
                flips.append((q["id"], text))
        out[name] = {"changed": changed, "agree": agree, "rate": agree / changed if changed else 1.0, "flips": flips}
    return out


def table(results: dict[str, dict[str, dict]]) -> str:
    """Markdown: one row per question set, one column per transformation."""
    names = list(TRANSFORMS)
    lines = ["| set | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for set_name, res in results.items():
        cells = [f"{res[n]['rate']:.1%} ({res[n]['agree']}/{res[n]['changed']})" for n in names]
        lines.append(f"| {set_name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def splice(report: str, section: str) -> str:
    """``report`` with the text between the metamorphic markers replaced (appended if absent)."""
    block = f"{MARK_START}\n{section}\n{MARK_END}"
    if MARK_START in report and MARK_END in report:
        head, rest = report.split(MARK_START, 1)
        return head + block + rest.split(MARK_END, 1)[1]
    return report.rstrip("\n") + "\n\n" + block + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.metamorphic", description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=Path, nargs="+", default=[s for s in SETS if s.exists()])
    p.add_argument("--report", type=Path, default=None, help="a Markdown file whose metamorphic section to rewrite")
    p.add_argument("--flips", action="store_true", help="list the questions whose outcome changed")
    args = p.parse_args(argv)
    from rag.pipeline import Pipeline

    from . import run as run_mod

    pipeline = Pipeline.open(progress=False)
    results = {}
    for path in args.questions:
        try:
            questions = run_mod.read_questions(path)
        except (OSError, ValueError) as e:
            print(f"eval.metamorphic: {e}", file=sys.stderr)
            return 1
        results[path.name] = agreement(pipeline, questions)
    text = table(results)
    print(text)
    if args.flips:
        for set_name, res in results.items():
            for name, r in res.items():
                for qid, q in r["flips"]:
                    print(f"{set_name} {name} {qid}: {q}")
    if args.report:
        section = ("## Metamorphic agreement\n\nThe same outcome (refused, or the same first cited sentence) "
                   "for each question and its copy typed another way; `python -m eval.metamorphic --report "
                   f"{args.report}` regenerates this table. The test fails below {AGREEMENT_FLOOR:.0%}.\n\n" + text)
        old = args.report.read_text(encoding="utf-8") if args.report.exists() else ""
        args.report.write_text(splice(old, section), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
