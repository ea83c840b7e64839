"""The web app's pure parts (rendering, talking points, grades) and its API,
called with gradio_client against app.py running on a loopback port."""
from __future__ import annotations

import csv
import html
import json
import os
import re
import sqlite3
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # gradio_client sends telemetry unless this is off
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui import points, render  # noqa: E402
from ui.access import grader_access  # noqa: E402
from ui.grades import GradeStore  # noqa: E402
from ui.grading import Grading  # noqa: E402
from conftest import start_app  # noqa: E402
from ui.service import EvalRun, Service, clean_history, eval_table, summary_html  # noqa: E402

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def no_tags(s: str) -> bool:
    """No live <script> or <img> tag (escaped text such as &lt;img is fine)."""
    return "<script" not in s.lower() and "<img" not in s.lower()


def cit(**kw) -> dict:
    text = kw.pop("text", "First sentence. The quoted sentence is here. Last one.")
    quote = kw.pop("quote", "The quoted sentence is here.")
    start = text.find(quote)
    return {"n": 1, "chunk_id": "report:0-10", "doc": "report", "section": "Intro", "page": 4, "quote": quote,
            "quote_start": start, "quote_end": start + len(quote), "text": text, "source": None, **kw}


def turn(a: dict, suggestions=()) -> dict:
    """A kept turn of the Ask tab's conversation (ui/conversation.py) for answer record ``a``."""
    from ui.conversation import new_turn

    return new_turn(a.get("question", "q?"), a, False, suggestions, tid="ab12cd34")


def answer(**kw) -> dict:
    return {"question": "q?", "answer": "The report states: “x” [1]", "abstained": False, "citations": [cit()],
            "retrieved": [], "report_version": "abc123", "latency_ms": 12.0, "mode": "extractive", "query": "q?",
            "language": "en", "suggestions": [], "notice": "", **kw}


# ---------------------------------------------------------------- escaping and rendering

def test_esc_neutralises_html_and_template_syntax():
    out = render.esc(XSS + " ${alert(1)} {{value}} `x`")
    assert no_tags(out) and "${" not in out and "{{" not in out and "`" not in out
    assert html.unescape(out) == XSS + " ${alert(1)} {{value}} `x`"


def test_md_text_shows_markup_as_text():
    out = render.md_text(XSS + " **bold** [link](javascript:alert(1)) # h\n- item")
    assert no_tags(out)
    assert "\\*\\*bold\\*\\*" in out and "\\[link\\]" in out and "\n\\- item" in out


def test_user_and_answer_messages_are_escaped():
    assert no_tags(render.user_markdown(XSS))
    long = render.user_markdown("x" * 5000)
    assert len(long) < 700 and "5,000 characters" in long
    a = answer(question=XSS, answer=f"The report states: “{XSS}” [1]",
               citations=[cit(section=XSS, text=f"A {XSS} B", quote=XSS)])
    out = render.turn_html(turn(a))
    assert no_tags(out) and 'href="#src-ab12cd34-1"' in out and "\n" not in out


def test_the_words_around_an_answer_follow_its_language():
    es = render.turn_html(turn(answer(language="es", answer="El informe afirma: “x” [1]"), ["¿Quién?"]))
    assert "Fuentes" in es and "Abrir en el informe" in es and "Preguntas relacionadas" in es and "Sources" not in es
    refused = render.turn_html(turn(answer(language="es", abstained=True, citations=[]), ["¿Quién?"]))
    assert "El informe no trata este tema" in refused and "Preguntas que el informe puede responder" in refused
    assert "Si está en peligro" in render.turn_html(dict(turn(answer(language="es")), danger=True))
    assert "Sources" in render.turn_html(turn(answer()))


def test_highlight_marks_exact_offsets_and_clamps():
    text = "One. Two <b>. Three."
    out = render.highlight(text, 5, 13)
    assert out == "One. <mark>Two &lt;b&gt;.</mark> Three."
    assert render.highlight(text, -5, 3) == "<mark>One</mark>. Two &lt;b&gt;. Three."
    assert render.highlight(text, 10, 500).endswith("<mark>b&gt;. Three.</mark>")
    assert "<mark>" not in render.highlight(text, 9, 9)


def test_highlight_many_merges_overlaps_and_labels():
    out = render.highlight_many("aaaa bbbb cccc", [(0, 4, 1), (10, 14, 2), (2, 6, 3)])
    assert out.count("<mark>") == 2
    assert out.startswith("<mark>aaaa b</mark>")
    assert "[1]" in out and "[2]" in out and "[3]" in out


def test_quote_span_uses_offsets_or_finds_the_quote():
    c = cit()
    s, e = render.quote_span(c)
    assert c["text"][s:e] == c["quote"]
    broken = dict(c, quote_start=0, quote_end=3)  # offsets that do not match the quote
    s, e = render.quote_span(broken)
    assert c["text"][s:e] == c["quote"]
    assert render.quote_span(dict(c, quote="not there", quote_start=None)) == (0, 0)


def test_sources_panel_highlights_quote_and_links_source():
    c1 = cit(source={"ref": 3, "title": "UN news <i>x</i>", "url": "https://news.un.org/x"})
    c2 = cit(n=2, quote="Last one.", source={"ref": 9, "title": "bad", "url": "javascript:alert(1)"})
    c2["quote_start"] = c2["text"].find("Last one.")
    c2["quote_end"] = c2["quote_start"] + len("Last one.")
    out = render.turn_html(turn(answer(answer="“x” [1] “y” [2]", citations=[c1, c2])))
    assert out.count('<details class="ask-src"') == 1  # same passage: one source, both quotes marked
    assert out.count('href="#src-ab12cd34-1"') == 2  # both markers open it
    assert "<mark>The quoted sentence is here.</mark>" in out and "<mark>Last one.</mark>" in out
    assert 'href="https://news.un.org/x"' in out and "UN news &lt;i&gt;x&lt;/i&gt;" in out
    assert "javascript:" not in out  # an unsafe URL is shown as text, never linked
    assert 'id="open-ab12cd34-1"' in out and "Intro" in out and "p. 4" in out


def test_corpus_html_in_passages_is_inert():
    c = cit(text=f"Intro {XSS} and more.", quote=XSS, section=XSS)
    c["quote_start"] = c["text"].find(XSS)
    c["quote_end"] = c["quote_start"] + len(XSS)
    out = render.turn_html(turn(answer(question=XSS, citations=[c]), [XSS]))
    assert no_tags(out)
    assert "&lt;script&gt;" in out


def test_refusal_panel_offers_clickable_suggestions():
    a = answer(abstained=True, answer="The report doesn't cover this.", citations=[],
               suggestions=["What share of victims are women?", XSS])
    out = render.turn_html(turn(dict(a, notice="the report never mentions Japan"), a["suggestions"]))
    card = out[out.index('<section class="ask-refusal"'):out.index("</section>")]
    assert "<h3>The report doesn’t cover this</h3>" in card and "The report never mentions Japan." in card
    assert card.count('class="suggestion"') == 2 and no_tags(out)  # the suggestions are inside the card
    assert "score" not in render.turn_html(turn(dict(a, notice="score 0.31 below 0.42")))


def test_danger_questions_get_a_help_note_without_any_number():
    for q in ("I am being held and they took my passport, help me", "Who can I call? I'm trapped",
              "Estoy en peligro, ¿a quién llamo?"):
        assert render.in_danger(q), q
    for q in ("How many victims were detected in Europe?", "What is the Palermo Protocol?"):
        assert not render.in_danger(q), q
    for lang in ("en", "es"):
        note = render.help_note(lang)
        assert not re.search(r"\d", note), "never invent a number"
        assert "emergenc" in note.lower()
    assert "does not name any hotline" in render.help_note("en")
    out = render.turn_html(dict(turn(answer(), ["Q?"]), danger=True))
    assert out.index("If you are in danger") < out.index("local emergency services")
    assert "<mark>" not in out and "ask-src" not in out and "suggestion" not in out  # help alone, no quotes


def test_section_view_marks_quote_and_links_sources():
    from rag.load import Anchor, Reference, Section

    text = "Title\n\nA claim from UNODC here. <script>x</script> The quoted bit. End."
    sec = Section("Intro <b>", 4, 7, len(text))
    q0 = text.index("The quoted bit.")
    out = render.section_html(text, sec, [Anchor(text.index("UNODC"), text.index("UNODC") + 5, 1, None)],
                              [Reference(1, "UNODC", "Global Report", "https://unodc.org/r")],
                              (q0, q0 + len("The quoted bit.")))
    assert '<mark class="hl" id="hl">The quoted bit.</mark>' in out
    assert '<a href="https://unodc.org/r"' in out and "(1) UNODC. Global Report" in out
    assert no_tags(out) and "Intro &lt;b&gt;" in out and "p. 4" in out


def test_about_note_names_report_and_version():
    out = render.about_html("Human <Trafficking>", "Argos")
    assert "Human &lt;Trafficking&gt;" in out and "Argos" in out and "not legal advice" in out


def test_safe_url():
    assert render.safe_url("https://x.org/a?b=1") == "https://x.org/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//x.org", "https://x.org/\"onmouseover=", None, ""):
        assert render.safe_url(bad) is None


def test_clean_history():
    assert clean_history([["q", "a"], ["only"], 5, ("q2", None)]) == [("q", "a"), ("q2", "")]
    assert len(clean_history([["q", "a"]] * 50)) == 10


# ---------------------------------------------------------------- talking points

def cand(text, score, **kw):
    return points.Candidate(text, kw.pop("section", "Intro"), kw.pop("page", 4), score, **kw)


def test_points_facts_first_within_bounds_and_deduplicated():
    cands = [cand(f"General claim number word {w} about trafficking policy here.", 0.9 - i / 100)
             for i, w in enumerate("abcde")]
    cands += [cand("Adult women are 46% of the detected victims.", 0.7),
              cand("Adult women are 46% of the detected victims.", 0.69),  # duplicate
              cand("Figure: Shares of detected victims.", 0.95),  # caption, not a point
              cand("Too short.", 0.99)]
    got = points.select_points(cands)
    assert 3 <= len(got) <= 8
    assert got[0].text.startswith("Adult women are 46%")
    assert sum(p.text.startswith("Adult women") for p in got) == 1
    assert not any(p.text.startswith(("Figure", "Too short")) for p in got)


def test_points_minimum_three_when_available():
    cands = [cand("A strongly relevant sentence about the topic here.", 0.9),
             cand("A weakly relevant sentence about another thing here.", 0.2),
             cand("Another weakly relevant sentence about something else.", 0.1)]
    assert len(points.select_points(cands)) == 3
    assert points.select_points([]) == []


def test_points_markdown_inline_and_footnotes():
    ps = [cand("Adult women are 46% of the *detected* victims.", 0.9, source_title="UN [news]",
               source_url="https://news.un.org/x_(y)", source_ref=3),
          cand("Trafficking is a crime against people in many countries.", 0.8, section="Summary", page=3)]
    inline = points.to_markdown(ps, "women", "Human Trafficking", "v1")
    assert inline.count("\n- ") == 2 and "“Summary”, p. 3" in inline and "v1" in inline
    assert "\\*detected\\*" in inline and "UN \\[news\\]" in inline
    foot = points.to_markdown(ps, "women", "Human Trafficking", "v1", footnotes=True)
    assert "[^1]" in foot and "[^2]" in foot
    notes = [line for line in foot.splitlines() if line.startswith("[^")]
    assert len(notes) == 2
    assert "“Intro”, p. 4" in notes[0] and "https://news.un.org/x_%28y%29" in notes[0] and "reference (3)" in notes[0]
    assert "Summary" in notes[1] and "Source cited" not in notes[1]


def test_points_clean_bullets_and_slug():
    got = points.select_points([cand("- The most powerful countries continue to be the recipients.", 0.9)], n_min=1)
    assert got[0].text.startswith("The most powerful")
    assert points.quoted('"We know," she said to them.') == '"We know," she said to them.'
    assert points.slug("<script>../../etc") == "script-etc"


# ---------------------------------------------------------------- grades

def test_grades_survive_reopen_and_use_wal(tmp_path):
    db = tmp_path / "data" / "grades.sqlite3"
    store = GradeStore(db)
    assert store.journal_mode == "wal"
    store.add("fact-001", "Who edited?", "Argos", "correct", "fine", "Argos", "v1")
    store.add("fact-001", "Who edited?", "Argos", "partly", "second thoughts", "Argos", "v1")
    again = GradeStore(db)
    rows = again.all()
    assert [r["grade"] for r in rows] == ["partly", "correct"]  # newest first, nothing overwritten
    assert again.latest()[("fact-001", "Argos")]["comment"] == "second thoughts"
    with pytest.raises(ValueError):
        again.add("x", "q", "a", "excellent")
    with pytest.raises(ValueError):
        again.add("", "q", "a", "wrong")


def test_concurrent_graders_lose_nothing(tmp_path):
    db = tmp_path / "grades.sqlite3"
    GradeStore(db)
    threads, per, errors = 8, 40, []

    def grader(t):
        try:
            store = GradeStore(db)  # each grader its own store, like separate app workers
            for i in range(per):
                store.add(f"q{i}", f"question {i}", f"answer {i}", ("correct", "partly", "wrong")[i % 3],
                          f"grader {t} item {i}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=grader, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    store = GradeStore(db)
    assert store.count() == threads * per
    comments = {r["comment"] for r in store.all()}
    assert len(comments) == threads * per
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_csv_export(tmp_path):
    store = GradeStore(tmp_path / "g.sqlite3")
    store.add("q1", "Who, exactly?", 'He said "no"\nthen left', "wrong", "=HYPERLINK(\"http://x\")")
    store.add("q2", "Second", "ok", "correct", "")
    path = store.export_csv(tmp_path / "out" / "grades.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert [r["question_id"] for r in rows] == ["q1", "q2"]  # oldest first
    assert rows[0]["answer"] == 'He said "no"\nthen left' and rows[0]["grade"] == "wrong"
    assert rows[0]["comment"].startswith("'=")  # a formula is kept as text
    assert set(rows[0]) >= {"created_at", "question", "expected", "report_version", "comment", "grader", "history"}


def test_a_second_grade_replaces_the_first_and_keeps_it_as_history(tmp_path):
    store = GradeStore(tmp_path / "g.sqlite3")
    store.add("q1", "Who?", "Argos", "partly", "unsure", "Argos", "v1", grader="Ana")
    store.add("q2", "Where?", "Quito", "correct", "", "", "v1", grader="Bo")
    store.add("q1", "Who?", "Argos", "wrong", "on reflection", "Argos", "v1", grader="  Bo\n ")
    store.add("q1", "Who?", "Another answer", "correct", "", "", "v2", grader="Ana")  # a new answer: its own grade
    cur = store.current()
    assert [(g["question_id"], g["answer"], g["grade"], g["grader"]) for g in cur] == [
        ("q1", "Argos", "wrong", "Bo"), ("q2", "Quito", "correct", "Bo"), ("q1", "Another answer", "correct", "Ana")]
    assert [(h["grade"], h["grader"], h["comment"]) for h in cur[0]["history"]] == [("partly", "Ana", "unsure")]
    assert store.count() == 4  # nothing overwritten
    assert store.latest()[("q1", "Argos")]["grade"] == "wrong"
    rows = list(csv.DictReader(store.export_csv(tmp_path / "g.csv").open(encoding="utf-8-sig")))
    assert [(r["question_id"], r["grade"], r["times_graded"]) for r in rows] == [
        ("q1", "wrong", "2"), ("q2", "correct", "1"), ("q1", "correct", "1")]
    assert json.loads(rows[0]["history"])[0]["grader"] == "Ana" and rows[1]["history"] == ""
    listed, msg = Grading(store, grader_access("127.0.0.1", {})).rows("")
    assert msg == "" and len(listed) == 3 and listed[0][1] == "q1" and listed[0][3] == "correct"
    by_answer = {r[1] + r[3]: r for r in listed}
    assert by_answer["q1wrong"][4] == "Bo" and by_answer["q1wrong"][6].startswith("partly (Ana, ")


def test_a_store_from_before_graders_gets_the_column(tmp_path):
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as con:  # the schema as it was, with one grade in it
        con.execute("CREATE TABLE grades (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
                    "question_id TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, expected TEXT NOT NULL "
                    "DEFAULT '', report_version TEXT NOT NULL DEFAULT '', grade TEXT NOT NULL, comment TEXT NOT NULL "
                    "DEFAULT '')")
        con.execute("INSERT INTO grades (created_at, question_id, question, answer, grade) "
                    "VALUES ('2024-01-01T00:00:00.000', 'q1', 'Q', 'A', 'correct')")
    store = GradeStore(db)
    assert store.problem == ""
    store.add("q1", "Q", "A", "wrong", grader="Ana")
    g = store.current()[0]
    assert g["grade"] == "wrong" and g["grader"] == "Ana" and g["history"][0]["grader"] == ""


def test_grading_refuses_a_save_without_a_grade(tmp_path):
    from ui.grades import clean_grader

    store = GradeStore(tmp_path / "g.sqlite3")
    grading = Grading(store, grader_access("127.0.0.1", {}))
    stored, msg = grading.save("", {"id": "q1", "question": "Q", "answer": "A"}, None, "", "v1", "Ana")
    assert not stored and "Pick a grade" in msg and store.count() == 0
    stored, msg = grading.save("", {"id": "q1", "question": "Q", "answer": "A"}, "wrong", "", "v1", " \t")
    assert not stored and "Type your name" in msg and store.count() == 0
    assert clean_grader("\x1b[31mAna\x00") == "[31mAna" and clean_grader("x" * 200) == "x" * 80


def test_last_run_round_trip_and_a_bad_file_is_reported(tmp_path):
    from ui import last_run

    rows = [{"id": "q1", "question": "Q <b>", "answer": "A", "expected": "", "correct": False, "cited": None,
             "latency_ms": 2.5}]
    run = last_run.make(rows, {"questions": 1, "answer_accuracy": 0.0}, {}, "four.jsonl", "v1", 1.23)
    assert last_run.load(tmp_path) is None  # nothing saved yet
    path = last_run.save(tmp_path / "data", run)
    assert json.loads(path.read_text(encoding="utf-8")) == last_run.load(tmp_path / "data") == run
    assert [p.name for p in path.parent.iterdir()] == ["last_run.json"]  # no temporary file left
    path.write_text('{"format": 1, "rows": [{"id": 3}]', encoding="utf-8")  # cut short
    with pytest.raises(last_run.LastRunError, match="not JSON"):
        last_run.load(tmp_path / "data")
    path.write_text(json.dumps({**run, "rows": [{"id": "q1"}]}), encoding="utf-8")
    with pytest.raises(last_run.LastRunError, match="lacks question"):
        last_run.load(tmp_path / "data")
    (tmp_path / "file").write_text("x")
    with pytest.raises(last_run.LastRunError, match="not kept"):
        last_run.save(tmp_path / "file", run)  # the data "folder" is a file


# ---------------------------------------------------------------- eval table

def test_eval_table_and_summary_escape():
    from eval import metrics

    qs = [{"id": "a", "kind": "<b>k</b>", "question": "Who?", "answers": ["Argos"], "evidence": ["Editor: Argos"]},
          {"id": "b", "kind": "unanswerable", "question": "Capital?"}]
    recs = [{"answer": "The report states: “Editor: Argos” [1]", "abstained": False, "latency_ms": 5,
             "citations": [{"quote": "Editor: Argos", "text": "Editor: Argos"}], "retrieved": [{"text": "Editor: Argos"}]},
            {"answer": "The report doesn't cover this.", "abstained": True, "latency_ms": 3, "citations": [], "retrieved": []}]
    scores = [metrics.score(q, r) for q, r in zip(qs, recs)]
    run = EvalRun(recs, scores, qs, metrics.summarise(scores), metrics.by_kind(scores))
    rows = eval_table(run, {("a", recs[0]["answer"]): {"grade": "partly"}})
    assert rows[0][:2] == ["a", "Who?"] and rows[0][3] == "Argos" and rows[0][4:6] == ["yes", "yes"]
    assert rows[0][7] == "partly"
    assert rows[1][3] == "(should refuse)" and rows[1][4] == "yes" and rows[1][5] == "–"
    out = summary_html(run.summary, run.kinds)
    assert "&lt;b&gt;k&lt;/b&gt;" in out and "<b>k</b>" not in out and "100%" in out


# ---------------------------------------------------------------- the service, on the real report

@pytest.fixture(scope="module")
def service(pipeline, tmp_path_factory):
    return Service(pipeline, tmp_path_factory.mktemp("data"), verify_examples=True)


def test_examples_come_from_sections_and_are_answered(service, pipeline):
    assert service.editor == "Argos" and service.version == pipeline.index.version
    assert service.builtin_count == len(service.read_questions()) > 100
    assert 3 <= len(service.examples) <= 6
    for q in service.examples:
        assert not pipeline.ask(q).abstained, q


def test_citation_opens_the_right_section_at_the_quote(service):
    a = service.ask("What share of detected victims are adult women?")
    assert not a["abstained"] and a["citations"]
    for c in a["citations"]:
        idx, (s, e) = service.locate(c)
        assert service.report.text[s:e] == c["quote"]
        sec = service.sections[idx]
        assert sec.start <= s < sec.end and sec.title == c["section"]
        view = service.section_view(idx, (s, e))
        assert '<mark class="hl" id="hl">' in view


def test_talking_points_for_a_section_and_a_topic(service):
    intro = next(i for i, s in enumerate(service.sections) if s.title == "Introduction")
    tp = service.talking_points(intro)
    assert 3 <= len(tp.points) <= 8
    figs = [points.has_figure(p.text) for p in tp.points]
    assert figs == sorted(figs, reverse=True), "facts and figures first"
    assert all(p.section == "Introduction" and p.page == 4 for p in tp.points)
    for p in tp.points:  # every bullet is the report's exact words
        assert p.text in " ".join(service.report.text.split())
    assert tp.markdown_footnotes.count("[^") == 2 * len(tp.points)
    topic = service.talking_points(None, "smuggling of migrants")
    assert 3 <= len(topic.points) <= 8 and any("smuggl" in p.text.lower() for p in topic.points)
    off = service.talking_points(None, "football scores")
    assert not off.points and "doesn’t cover" in off.note
    with pytest.raises(ValueError):
        service.talking_points(None, "x" * 5000)
    with pytest.raises(ValueError):
        service.talking_points(None, "")


def test_suggestions_after_refusal_are_answerable(service):
    sugg = service.suggest("How many victims were detected in Japan?")
    assert len(sugg) == 3 and set(sugg) <= set(service.examples)


def test_related_questions_follow_every_answer_and_skip_what_was_asked(service, pipeline):
    known = {q for qs in pipeline.corpus.suggestions.values() for q in qs}  # each answered (test_answer.py)
    a = service.ask("What share of detected victims are adult women?")
    asked = {"Who edited this report?"}
    related = service.related(a, asked)
    assert len(related) == 3 and set(related) <= known and not asked & set(related)
    assert a["question"] not in related
    refused = service.ask("What is the capital of Australia?")
    assert service.related(refused) == list(refused["suggestions"])[:3]


def test_hostile_corpus_renders_as_text(embedder, tmp_path):
    """A corpus file with <script> and <img onerror> in its text, headings and links:
    every view the app builds from it (passages, report section, talking points) shows it as text."""
    import json as _json

    from rag import Config, Pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.md").write_text(
        "# Bad <b>report</b>\n\n## Credits {page=2}\n\nEdited by Mallory <i>x</i>.\n\n"
        "## Attacks <script>alert(1)</script> {page=3}\n\n"
        f"The smugglers wrote {XSS} on the wall in 2020. "
        "Forty percent of the 300 victims saw the [script tag](javascript:alert(1)) there. "
        "Nobody ran the <img src=x onerror=alert(3)> code from the wall of the building.\n", encoding="utf-8")
    (corpus / "references.json").write_text(_json.dumps([]), encoding="utf-8")
    p = Pipeline.open(Config(corpus_dir=corpus, index_dir=tmp_path / "index"), progress=False, embedder=embedder)
    svc = Service(p, tmp_path / "data", verify_examples=False)
    a = svc.ask("What did the smugglers write on the wall?")
    assert not a["abstained"] and a["citations"]
    views = [render.turn_html(turn(a)), render.conversation_markdown([turn(a)], svc.title, svc.editor, svc.version),
             render.about_html(svc.title, svc.editor)]
    idx, span = svc.locate(a["citations"][0])
    views.append(svc.section_view(idx, span))
    views += [svc.section_view(i) for i in range(len(svc.sections))]
    tp = svc.talking_points(idx)
    views.append(tp.markdown_footnotes)
    for v in views:
        assert no_tags(v), v[:300]
        assert 'href="javascript' not in v
    assert "&lt;script&gt;" in views[0]


def test_questions_are_not_logged_unless_asked(pipeline, tmp_path):
    quiet = Service(pipeline, tmp_path / "quiet", verify_examples=False)
    quiet.ask("Who edited this report?")
    assert not (tmp_path / "quiet" / "questions.jsonl").exists()
    loud = Service(pipeline, tmp_path / "loud", log_questions=True, verify_examples=False)
    loud.ask("Who edited this report?")
    assert "Who edited this report?" in (tmp_path / "loud" / "questions.jsonl").read_text()


# ---------------------------------------------------------------- the running app, through gradio_client

@pytest.fixture(scope="module")
def app(pipeline, tmp_path_factory):
    proc = start_app(pipeline, tmp_path_factory, "app")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app.url, verbose=False, download_files=False)


def test_api_ask_returns_the_answer_schema(client):
    a = client.predict("What share of detected victims are adult women?", api_name="/ask")
    assert {"question", "answer", "abstained", "citations", "retrieved", "report_version", "latency_ms",
            "mode", "query", "language", "suggestions", "notice"} <= set(a)
    assert not a["abstained"] and "46%" in a["answer"]
    c = a["citations"][0]
    assert {"n", "chunk_id", "doc", "section", "page", "quote", "quote_start", "quote_end", "text", "source"} <= set(c)
    assert c["text"][c["quote_start"]:c["quote_end"]] == c["quote"]


def test_api_follow_up_and_refusal(client):
    first = "How many women victims were recorded in North America?"
    a1 = client.predict(first, api_name="/ask")
    a2 = client.predict("And how many in Western and Southern Europe?", [[first, a1["answer"]]], api_name="/ask")
    assert "4,388" in a2["answer"] and "Western and Southern Europe" in a2["query"]
    r = client.predict("What is the capital of Australia?", api_name="/ask")
    assert r["abstained"] and r["citations"] == []


def test_api_bad_input_gets_a_message_not_a_hang(client):
    import time

    from gradio_client.exceptions import AppError

    t0 = time.perf_counter()
    with pytest.raises(AppError, match="too long"):
        client.predict("x" * 100_000, api_name="/ask")
    with pytest.raises(AppError, match="type a question"):
        client.predict("   ", api_name="/ask")
    assert time.perf_counter() - t0 < 30


def test_api_talking_points(client):
    tp = client.predict("children", "", api_name="/talking_points")
    assert 1 <= len(tp["points"]) <= 8 and tp["markdown_footnotes"].count("[^1]") == 2


def test_served_page_loads_nothing_from_outside(app):
    """The page, its theme CSS and config name no outside host for anything the browser loads."""
    page = urllib.request.urlopen(app.url, timeout=10).read().decode()
    theme = urllib.request.urlopen(app.url + "theme.css", timeout=10).read().decode()
    assert "fonts.googleapis" not in page + theme and "fonts.gstatic" not in page + theme
    loads = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", page) + re.findall(r"url\((https?://[^)]+)\)", theme)
    assert [u for u in loads if not u.startswith(("http://127.0.0.1", "http://localhost"))] == []


def test_app_logs_no_questions_by_default(app, client):
    secret = "What did the report say about the secret word zebrafish-4711?"
    client.predict(secret, api_name="/ask")
    assert "zebrafish" not in app.log_tail(1_000_000)
    assert not (app.data_dir / "questions.jsonl").exists()


def test_asking_waits_for_the_kept_conversation(service):
    """The page's load brings the kept conversation back; an answer that arrived before that
    reply was overwritten by it (CI: the first answer vanished on a loaded machine). So the
    box, the button and the examples are off until that same reply turns them on."""
    import app

    demo = app.build(service)
    cfg = demo.get_config_file()
    by_elem = {c["props"].get("elem_id"): c for c in cfg["components"] if c.get("props", {}).get("elem_id")}
    box, button, chat = by_elem["question"], by_elem["ask-btn"], by_elem["chat"]
    assert box["props"]["interactive"] is False and button["props"]["interactive"] is False
    assert not chat["props"].get("examples")
    loads = [d for d in cfg["dependencies"] if any(t[1] == "load" for t in d["targets"])]
    restoring = [d for d in loads if chat["id"] in d["outputs"]]
    assert len(restoring) == 1, "one load event brings the conversation back"
    assert {box["id"], button["id"]} <= set(restoring[0]["outputs"]), "and it is the one that turns asking on"
