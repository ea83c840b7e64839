"""Hostile and malformed input (issue 12): bounded work per request, validation at the boundary."""
from __future__ import annotations

import json
import time

import pytest

from eval.run import read_questions
from rag.question import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS, MAX_SPANS


@pytest.fixture
def encoded(pipeline, monkeypatch):
    """The texts the pipeline's MiniLM encodes, call by call."""
    calls = []
    real = pipeline.embedder.encode

    def counting(texts, *args, **kwargs):
        calls.append(list(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(pipeline.embedder, "encode", counting)
    return calls


def _work(calls) -> tuple[int, int]:
    """Texts encoded, and their characters."""
    return sum(len(c) for c in calls), sum(len(t) for c in calls for t in c)


def test_previous_question_past_the_cap_is_cut_not_refused(pipeline, encoded):
    # The repro took 128 s; a previous question is context, so it is cut, not refused.
    t0 = time.perf_counter()
    a = pipeline.ask("And for forced labor?", history=[("word " * 20000, "")])
    assert time.perf_counter() - t0 < 30
    assert len(a.query) <= 2 * MAX_QUESTION_CHARS
    texts, chars = _work(encoded)
    assert texts <= MAX_SPANS + 40 and chars <= 6 * MAX_QUESTION_CHARS, (texts, chars)


def test_work_does_not_grow_past_the_caps(pipeline, encoded):
    """A previous question of 1,000 characters compared ~600 runs of words (2-7 s); now at most
    MAX_SPANS, and ten times the text costs exactly the same."""
    pipeline.ask("And for forced labor?", history=[(("word " * 200)[:MAX_QUESTION_CHARS], "")])
    at_cap = _work(encoded)
    encoded.clear()
    pipeline.ask("And for forced labor?", history=[("word " * 2000, "x" * 10 * MAX_ANSWER_CHARS)] * 10_000)
    assert _work(encoded) == at_cap
    assert at_cap[0] <= MAX_SPANS + 40, at_cap


def test_previous_answer_full_of_names_is_bounded(pipeline, encoded):
    # One 600-word run of names was taken for a person and searched: 4 s at 3,300 characters,
    # 239 s at 55,000.
    a = pipeline.ask("What is her job?", history=[("Who said it?", "Ghada Waly " * 300)])
    assert len(a.query) < 100, a.query
    assert _work(encoded)[1] <= 6 * MAX_QUESTION_CHARS


def test_normal_history_reads_as_before(pipeline):
    assert pipeline.ask("And for forced labor?", history=[
        ("What share are trafficked for sexual exploitation?", "")]).query == \
        "What share are trafficked for forced labor?"
    assert pipeline.ask("What is her job?", history=[
        ("Who said that?", "Romina Canessa, speaking to IPS")]).query == "What is Romina Canessa's job?"
    # a turn that was not answered (None) or had no question is no reason to refuse this one
    assert pipeline.ask("Who edited this report?", history=[("   ", None)]).query == "Who edited this report?"


@pytest.mark.parametrize("history, message", [
    ([1, 2], r"history\[0\] must be a \(question, answer\) pair, not int"),
    ("What?", "history must be a list of .* not str"),
    ([("q",)], r"history\[0\] must be a \(question, answer\) pair, not 1 items"),
    ([("ok", "ok"), (3, "a")], r"history\[1\]: the question must be text, not int"),
    ([("q", 5)], r"history\[0\]: the answer must be text or None, not int"),
])
def test_malformed_history_is_a_value_error(pipeline, history, message):
    with pytest.raises(ValueError, match=message):
        pipeline.ask("And for boys?", history=history)


@pytest.mark.parametrize("row, message", [
    ({"id": {"a": 1}, "question": "Who?"}, ':2: "id" must be text or a whole number, not dict'),
    ({"id": "x", "question": "Who?", "answers": [1, 2]}, ':2: "answers" must be a list of text; item 0 is int'),
    ({"id": "x", "question": "Who?", "evidence": "Argos"}, ':2: "evidence" must be a list of text, not str'),
    ({"id": "x", "question": "Who?", "history": [1, 2]}, r':2: "history": history\[0\] must be a'),
    ({"id": "x", "question": "Who?", "history": [["a", "b", "c"]]}, r':2: "history": history\[0\] .* not 3 items'),
    ({"id": "x", "question": "Who?", "history": [["a", 7]]}, r':2: "history": history\[0\]: the answer must be text'),
    ({"id": "x", "question": 5}, ':2: "question" must be text, not int'),
    ({"id": "x", "question": "Who?", "kind": ["fact"]}, ':2: "kind" must be text, not list'),
])
def test_bad_question_file_names_line_and_field(tmp_path, row, message):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "ok", "question": "Who edited this report?"}) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(ValueError, match=message):
        read_questions(path)


def test_chat_though_is_no_word_to_look_up(pipeline):
    a = pipeline.ask("what about children tho", history=[("how many children are victims", "")])
    assert "tho" not in a.notice, a.notice
    assert not a.abstained and "children" in a.answer, (a.query, a.answer)
