"""The Ask tab's conversation as data: what is kept of each turn, in the browser.

The conversation lives in the browser's localStorage (gr.BrowserState), so it survives a
reload; every event sends it back to the server, which re-renders the chat from it. So a
kept turn is data, never HTML (ui/render.py escapes it when it draws the chat), and what
comes back is checked (``clean_turns``): localStorage is the browser's to change.

>>> t = new_turn("Share?", {"question": "Share?", "answer": "“46%” [1]", "abstained": False,
...               "citations": [{"n": 1, "text": "x", "quote": "x", "retrieved": 1}], "retrieved": []}, tid="ab12cd34")
>>> sorted(t)
['answer', 'danger', 'error', 'id', 'question', 'suggestions']
>>> sorted(t["answer"]), sorted(t["answer"]["citations"][0])  # no retrieved passages, no timings
(['abstained', 'answer', 'citations', 'language', 'notice', 'question', 'report_version'], ['n', 'quote', 'source', 'text'])
>>> clean_turns([t, "junk", {"id": "<b>", "question": 5}]) == [t]
True
"""
from __future__ import annotations

import re
import uuid

# Kept turns. As JSON a refusal is 0.6 KB and an answer 2.5-6 KB (its cited passages are most
# of it; the answer records were 5-12 KB with the retrieved passages), measured on four
# questions; so 30 turns are at most ~180 KB in localStorage (AES, base64: ~1.4x) and on
# every request, where gradio's size limit is megabytes.
MAX_TURNS = 30
MAX_TEXT = 20_000  # characters of any one kept string (a question is at most ~1,000)
CITATION_KEYS = ("n", "chunk_id", "doc", "section", "page", "quote", "quote_start", "quote_end", "text", "source")
_ID = re.compile(r"^[0-9a-f]{8}$")


def new_id() -> str:
    return uuid.uuid4().hex[:8]


def new_turn(question: str, answer: dict | None, danger: bool = False, suggestions=(), error: str = "",
             tid: str | None = None) -> dict:
    """A turn to keep: the question as typed, what is kept of the answer record (enough to draw
    it, cite it and open it in the report; not the retrieved passages, ~6 KB, nor timings)."""
    return {"id": tid or new_id(), "question": question, "answer": _answer(answer),
            "error": error, "danger": bool(danger), "suggestions": list(suggestions or ())}


def _text(v) -> str:
    return v[:MAX_TEXT] if isinstance(v, str) else ""


def _int(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _citation(c) -> dict | None:
    if not isinstance(c, dict) or _int(c.get("n")) is None:
        return None
    out = {k: c[k] for k in CITATION_KEYS if k in c}
    for k in ("chunk_id", "doc", "section", "quote", "text"):
        if k in out:
            out[k] = _text(out[k])
    for k in ("quote_start", "quote_end", "page"):
        if k in out and _int(out[k]) is None and not (k == "page" and isinstance(out[k], str)):
            out[k] = None
    src = out.get("source")
    out["source"] = ({k: src.get(k) for k in ("ref", "title", "url") if isinstance(src.get(k), (str, int))}
                     if isinstance(src, dict) else None)
    return out


def _answer(a) -> dict | None:
    if not isinstance(a, dict):
        return None
    out = {k: _text(a.get(k)) for k in ("question", "answer", "language", "notice", "report_version")}
    out["abstained"] = bool(a.get("abstained"))
    out["citations"] = [c for c in map(_citation, a.get("citations") or []) if c] \
        if isinstance(a.get("citations"), list) else []
    return out


def clean_turns(value) -> list[dict]:
    """The kept turns from the browser, malformed ones dropped, the last ``MAX_TURNS`` kept."""
    out = []
    for t in value if isinstance(value, list) else []:
        if not isinstance(t, dict) or not _ID.match(str(t.get("id", ""))) or not isinstance(t.get("question"), str):
            continue
        sugg = t.get("suggestions") if isinstance(t.get("suggestions"), list) else []
        out.append({"id": t["id"], "question": _text(t["question"]), "answer": _answer(t.get("answer")),
                    "error": _text(t.get("error")), "danger": bool(t.get("danger")),
                    "suggestions": [_text(s) for s in sugg if isinstance(s, str)][:5]})
    return out[-MAX_TURNS:]


def history(turns: list[dict]) -> list[tuple[str, str]]:
    """(question, answer) pairs for the pipeline's follow-ups; failed turns left out.

    >>> history([{"question": "q1", "answer": {"answer": "a1"}}, {"question": "bad", "answer": None}])
    [('q1', 'a1')]
    """
    return [(t["question"], t["answer"].get("answer") or "") for t in turns if isinstance(t.get("answer"), dict)]


def asked(turns: list[dict]) -> set[str]:
    """The questions already asked, folded, so related questions do not repeat them."""
    return {t["question"].strip().lower() for t in turns} | \
           {(t["answer"].get("question") or "").strip().lower() for t in turns if isinstance(t.get("answer"), dict)}


def find(turns: list[dict], tid: str) -> dict | None:
    return next((t for t in turns if t.get("id") == tid), None)
