"""Generated English prose of any size, made from the report's own sentences, for the
build benchmark (``eval/bench_build.py``) and the scale tests.

Each sentence is the head of one report sentence joined to the tail of another, its
figures redrawn and, one time in three, a made-up name added ("…, said Orlena Vask of
the Tarvel Council."), so a megabyte holds ~6,500 sentences with few repeats and a few
thousand distinct names, as a long source would. Deterministic for a seed.

>>> text = prose(20_000, seed=1)
>>> 18_000 <= len(text.encode()) <= 20_000, text[:1].isupper()
(True, True)
"""
from __future__ import annotations

import random
import re
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "corpus" / "report.md"
_SYLLABLES = "ar ven tal or mi sa ko ru del an fe lis ba tor un ne va ril os ka".split()
_BODIES = ("Council", "Institute", "Foundation", "Commission", "Office", "Network", "Agency")


def report_sentences() -> list[str]:
    """The report's prose sentences, without list items, headings and captions."""
    from rag.chunk import split_sentences

    body = "\n".join(line for line in REPORT.read_text(encoding="utf-8").splitlines()
                     if line and not line.startswith(("#", "- ", "Figure", "Photo")))
    body = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", body)
    return [body[s:e] for s, e in split_sentences(body) if len(body[s:e].split()) >= 8]


def _name(rng: random.Random) -> str:
    word = lambda: "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()  # noqa: E731
    return f"{word()} {word()} of the {word()} {rng.choice(_BODIES)}"


def _sentence(rng: random.Random, pool: list[str]) -> str:
    a, b = rng.choice(pool).split(), rng.choice(pool).split()
    words = a[:rng.randint(3, max(3, len(a) // 2))] + b[rng.randint(len(b) // 2, len(b) - 2):]
    text = re.sub(r"\d[\d,.]*\d|\d", lambda m: f"{rng.randint(2, 99_999):,}", " ".join(words))
    text = text[0].upper() + text[1:].rstrip(".,;:") + "."
    if rng.random() < 1 / 3:
        text = text[:-1] + f", said {_name(rng)}."
    return text


def prose(size: int, seed: int = 0, headings: bool = False) -> str:
    """About ``size`` bytes (never more) of paragraphs of 3-8 sentences; ``headings``: Markdown,
    a ``## `` section every 20 paragraphs (else one run, as a .txt is one section)."""
    rng, pool = random.Random(seed), report_sentences()
    out, total, paras = [], 0, 0
    while True:
        para = " ".join(_sentence(rng, pool) for _ in range(rng.randint(3, 8)))
        if headings and paras % 20 == 0:
            para = f"## Part {paras // 20 + 1}: {_sentence(rng, pool)[:60].rstrip('.,')}\n\n{para}"
        if total + len(para.encode()) + 2 > size:
            return "\n\n".join(out) + "\n" if out else para.encode()[:size].decode(errors="ignore")
        out.append(para)
        total += len(para.encode()) + 2
        paras += 1
