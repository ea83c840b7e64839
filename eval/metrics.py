"""Scoring one answer record against one question, and summarising many.

Matching is done on normalised text: whitespace folded, curly quotes made
straight, Markdown marks and thousands separators dropped, case ignored.

>>> norm('The “46%” of **5,735** women')
'the "46%" of 5735 women'
>>> contains_any("It adds: five are adult women (46% of the total)", ["46 %", "46%"])
True
"""
from __future__ import annotations

import re
import statistics
import unicodedata

MAX_ANSWER_WORDS = 80  # answers longer than this do not count as correct


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"'}))
    text = re.sub(r"\*\*|__|`|\[(\d+)\]", "", text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return " ".join(text.lower().split())


def contains_any(text: str, needles: list[str]) -> bool:
    t = norm(text)
    return any(norm(n) and norm(n) in t for n in needles)


def score(q: dict, r: dict) -> dict:
    """Per-question metrics for question ``q`` and answer record ``r``."""
    evidence, answers = q.get("evidence") or [], q.get("answers") or []
    answerable = bool(answers or evidence)
    ranks = [i for i, p in enumerate(r.get("retrieved", []), start=1) if contains_any(p["text"], evidence)]
    words = len(r.get("answer", "").split())
    cited = [contains_any(c["quote"], evidence) or contains_any(c["text"], evidence) for c in r.get("citations", [])]
    out = {"id": q["id"], "kind": q.get("kind", ""), "answerable": answerable,
           "abstained": bool(r.get("abstained")), "words": words, "latency_ms": r.get("latency_ms", 0.0)}
    if answerable:
        first = ranks[0] if ranks else None
        out.update(
            recall_at_1=first == 1, recall_at_5=bool(first and first <= 5), rr=1.0 / first if first else 0.0,
            correct=(not r.get("abstained")) and words <= MAX_ANSWER_WORDS and contains_any(r.get("answer", ""), answers),
            citation_precision=(sum(cited) / len(cited)) if cited else 0.0,
            citation_hit=any(cited),
            quote_hit=any(contains_any(c["quote"], evidence) for c in r.get("citations", [])),
            false_refusal=bool(r.get("abstained")))
    else:
        out.update(correct=bool(r.get("abstained")))
    return out


def summarise(rows: list[dict]) -> dict:
    """Overall metrics, as fractions (0-1) and milliseconds."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    lat = sorted(r["latency_ms"] for r in rows) or [0.0]

    def mean(xs, key):
        return round(sum(x[key] for x in xs) / len(xs), 4) if xs else None

    return {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "recall_at_1": mean(ans, "recall_at_1"), "recall_at_5": mean(ans, "recall_at_5"), "mrr": mean(ans, "rr"),
        "answer_accuracy": mean(ans, "correct"), "citation_precision": mean(ans, "citation_precision"),
        "citation_hit": mean(ans, "citation_hit"), "quote_hit": mean(ans, "quote_hit"),
        "abstention_accuracy": mean(una, "correct"), "false_refusal_rate": mean(ans, "false_refusal"),
        "answer_words_median": statistics.median([r["words"] for r in ans]) if ans else None,
        "latency_ms_median": round(statistics.median(lat), 2),
        "latency_ms_p95": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2),
    }


def by_kind(rows: list[dict]) -> dict[str, dict]:
    kinds = sorted({r["kind"] for r in rows})
    return {k: summarise([r for r in rows if r["kind"] == k]) for k in kinds}
