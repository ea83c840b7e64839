"""The Evaluate and Report tabs in a real headless Chromium (issue #11): a grade saved twice
is one grade with its history and its grader, exported as Excel-ready CSV; the last run's
results survive a restart; the wrong-only filter; the report's contents, previous/next and
back-to-the-answer links, and its reference links.

One app process for this module (its own data folder); the page helpers and the
no-request-leaves-the-machine check are test_browser.py's.
"""
from __future__ import annotations

import csv
import io
import json

import pytest

from test_browser import (LAPTOP, PHONE, ask, browser, go_tab, no_sideways_scroll, open_page, shot,  # noqa: F401
                          wait_text)
from conftest import start_app

THREE = "\n".join([
    '{"id": "g1", "kind": "fact", "question": "Who edited this report?", "answers": ["Argos"], '
    '"evidence": ["Editor: Argos, International Observatory of Migration and Human Rights."]}',
    '{"id": "g2", "kind": "unanswerable", "question": "What is the capital of Australia?"}',
    '{"id": "g3", "kind": "fact", "question": "What share of detected victims are adult women?", '
    '"answers": ["46%"], "evidence": ["five are adult women (46% of the total number of victims)"]}',
]) + "\n"
# w2's expected answer is not in the report's, so the automatic check says no.
FOUR = "\n".join([
    '{"id": "w1", "kind": "fact", "question": "Who edited this report?", "answers": ["Argos"], '
    '"evidence": ["Editor: Argos, International Observatory of Migration and Human Rights."]}',
    '{"id": "w2", "kind": "fact", "question": "Who edited this report?", "answers": ["Zebediah Quux"], '
    '"evidence": ["Editor: Argos, International Observatory of Migration and Human Rights."]}',
    '{"id": "w3", "kind": "unanswerable", "question": "What is the capital of Australia?"}',
    '{"id": "w4", "kind": "fact", "question": "What share of detected victims are adult women?", '
    '"answers": ["46%"], "evidence": ["five are adult women (46% of the total number of victims)"]}',
]) + "\n"


@pytest.fixture(scope="module")
def app(pipeline, tmp_path_factory):
    proc = start_app(pipeline, tmp_path_factory, "browser-eval")
    yield proc
    proc.stop()


def run_file(page, path, n: int) -> None:
    go_tab(page, "Evaluate")
    page.set_input_files("#eval-upload input[type=file]", str(path))
    page.wait_for_selector("#eval-upload .file-preview")
    page.click("#eval-run-upload")
    wait_text(page, "#eval-summary", f"{n} questions from {path.name}")
    n_rows(page, n)


# Gradio 6's table is a grid of divs: rows are .virtual-row (all rendered, for a few rows).
ROWS = "#eval-table .virtual-row"


def table_ids(page) -> list[str]:
    return [t.strip() for t in page.locator(f"{ROWS} .first-column").all_inner_texts()]


def row(page, table: str, qid: str):
    """The row of ``table`` whose first cell is ``qid`` (the grades table's first cell is the time)."""
    return page.locator(f"{table} .virtual-row").filter(has=page.get_by_role("gridcell", name=qid, exact=True))


def n_rows(page, n: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === {n}")


def pick(page, qid: str) -> None:
    row(page, "#eval-table", qid).first.locator(".first-column").click()
    page.wait_for_selector(f"#grade-target b:text-is('{qid}')")


def save(page, grade: str, comment: str, grader: str) -> None:
    page.locator("#grade-choice label", has_text=grade).click()
    page.fill("#grade-comment textarea, #grade-comment input", comment)
    page.fill("#grade-grader textarea, #grade-grader input", grader)
    page.click("#grade-save")
    wait_text(page, "#grades-table", comment)


def grade_cleared(page) -> bool:
    return page.locator("#grade-choice input:checked").count() == 0 and \
        page.input_value("#grade-comment textarea, #grade-comment input") == ""


def test_a_second_grade_updates_the_first_keeps_its_history_and_exports_for_excel(open_page, tmp_path):
    qfile = tmp_path / "three.jsonl"
    qfile.write_text(THREE, encoding="utf-8")
    page = open_page(accept_downloads=True)
    run_file(page, qfile, 3)
    assert grade_cleared(page), "the grade control starts empty, not on 'correct'"
    pick(page, "g2")
    page.click("#grade-save")  # no grade picked: nothing is saved
    wait_text(page, "#grade-status", "Pick a grade")
    page.locator("#grade-choice label", has_text="correct").click()
    page.click("#grade-save")  # no name: nothing is saved
    wait_text(page, "#grade-status", "Type your name")
    save(page, "partly", "first look", "Ana Tester")
    assert grade_cleared(page), "the grade and comment clear after saving"
    wait_text(page, "#eval-table", "partly")
    save(page, "wrong", "second look", "Bo Ñandú")
    assert grade_cleared(page)
    wait_text(page, "#grade-target", "1 earlier grade kept")
    rows = row(page, "#grades-table", "g2")
    assert rows.count() == 1, "saving again updates the grade, no silent duplicate"
    line = rows.first.inner_text()
    assert "wrong" in line and "Bo Ñandú" in line and "second look" in line and "partly (Ana Tester" in line
    shot(page, "laptop-evaluate-graded")

    page.click("#grades-export")
    link = page.locator("#grades-csv a").first
    link.wait_for()
    with page.expect_download() as dl:
        link.click()
    raw = open(dl.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, so Excel reads it as UTF-8"
    lines = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    g2 = [r for r in lines if r["question_id"] == "g2"]
    assert len(g2) == 1
    assert g2[0]["grade"] == "wrong" and g2[0]["grader"] == "Bo Ñandú" and g2[0]["times_graded"] == "2"
    history = json.loads(g2[0]["history"])
    assert [(h["grade"], h["grader"], h["comment"]) for h in history] == [("partly", "Ana Tester", "first look")]


def test_the_last_run_survives_a_restart_and_the_wrong_only_filter(open_page, app, tmp_path):
    qfile = tmp_path / "four.jsonl"
    qfile.write_text(FOUR, encoding="utf-8")
    page = open_page()
    run_file(page, qfile, 4)
    assert table_ids(page) == ["w1", "w2", "w3", "w4"]
    pick(page, "w1")
    save(page, "wrong", "wrong on reflection", "Ana Tester")
    page.check("#eval-wrong-only input")
    n_rows(page, 2)
    assert table_ids(page) == ["w1", "w2"], "graded wrong, or ungraded and the check says no"
    saved = json.loads((app.data_dir / "last_run.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in saved["rows"]] == ["w1", "w2", "w3", "w4"] and saved["source"] == "four.jsonl"

    app.stop()
    app.start(timeout=240)

    page.reload()  # the same browser: its stored grader name too
    page.wait_for_selector("button[role=tab]")
    go_tab(page, "Evaluate")
    wait_text(page, "#eval-summary", "4 questions from four.jsonl")
    page.wait_for_selector("#eval-chart .bar")
    n_rows(page, 4)
    assert table_ids(page) == ["w1", "w2", "w3", "w4"]
    assert "wrong" in row(page, "#eval-table", "w1").first.inner_text()
    assert page.input_value("#grade-grader textarea, #grade-grader input") == "Ana Tester", \
        "the grader's name is remembered by the browser"
    other = open_page()  # another browser sees the same last run
    go_tab(other, "Evaluate")
    wait_text(other, "#eval-summary", "4 questions from four.jsonl")
    page.check("#eval-wrong-only input")
    n_rows(page, 2)
    page.uncheck("#eval-wrong-only input")
    n_rows(page, 4)


@pytest.mark.parametrize("name,viewport", [("laptop", LAPTOP), ("phone", PHONE)])
def test_evaluate_chart_is_text_in_both_themes(open_page, name, viewport, tmp_path):
    """The chart is HTML bars in the theme's colours: no white picture in dark mode, labels at text size."""
    qfile = tmp_path / "three.jsonl"
    qfile.write_text(THREE, encoding="utf-8")
    page = open_page(viewport)
    page.goto(page.url.split("?")[0] + "?__theme=dark")
    page.wait_for_selector("button[role=tab]")
    run_file(page, qfile, 3)
    page.wait_for_selector("#eval-chart .bar")
    assert page.locator("#eval-chart img").count() == 0
    labels = page.locator("#eval-chart .bar-k")
    assert labels.count() == 3 and "unanswerable" in labels.nth(2).inner_text()
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#eval-chart .bar-k')).fontSize)")
    assert size >= 13, f"chart labels at {size}px"
    bg = page.evaluate("() => getComputedStyle(document.querySelector('#eval-chart .bar-track')).backgroundColor")
    assert bg not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), bg  # the dark theme's own fill
    box = page.locator("#eval-upload").bounding_box()
    assert box and box["height"] >= 140, "the upload box has room for its text"
    no_sideways_scroll(page)
    shot(page, f"{name}-dark-evaluate")


def test_report_contents_prev_next_back_to_the_answer_and_links(open_page):
    page = open_page()
    text = ask(page, "What share of detected victims are adult women?")
    assert "46%" in text
    page.locator("#chat [data-testid=bot] a.mk").first.click()  # the answer's own source
    page.locator("#chat details.ask-src[open] .cite-open").first.click()
    page.wait_for_selector("button[role=tab][aria-selected=true]:has-text('Report')")
    page.wait_for_selector("#report-view mark#hl")
    assert "Introduction" in page.inner_text("#report-view h2")

    toc = page.locator("#report-view .toc-side .toc-list li")
    assert toc.count() == 13 and "p. 17" in toc.last.inner_text()
    assert page.locator("#report-view .toc-side a[aria-current=page]").inner_text() == "Introduction"
    page.click("#report-view .report-pager a.next")
    wait_text(page, "#report-view h2", "Powerful countries")
    page.click("#report-view .report-pager a.prev")
    wait_text(page, "#report-view h2", "Introduction")
    page.locator("#report-view .toc-side a", has_text="Trafficking and smuggling").click()
    wait_text(page, "#report-view h2", "Trafficking and smuggling")
    credits = page.locator("#report-view p.credit")
    assert credits.count() == 2 and "Photo credit" in credits.first.inner_text()
    assert page.evaluate("() => getComputedStyle(document.querySelector('#report-view p.credit')).fontStyle") == "italic"

    page.locator("#report-view .toc-side a", has_text="References").click()
    wait_text(page, "#report-view h2", "References")
    refs = page.locator("#report-view ol.refs > li")
    assert refs.count() == 16
    body = page.inner_text("#report-view .section-body")
    assert "- (1)" not in body and "(1) UNODC" not in body, "a list, not literal dashes and numbers"
    links = page.locator("#report-view ol.refs a")
    assert links.count() == 16
    for i in range(links.count()):
        a = links.nth(i)
        assert a.get_attribute("href").startswith("https://")
        assert a.get_attribute("target") == "_blank" and "noopener" in a.get_attribute("rel")
    assert page.locator("#ref-5 a").get_attribute("href").startswith("https://www.europarl.europa.eu/")
    shot(page, "laptop-report-references")

    page.click("#report-view .back-to-answer")
    page.wait_for_selector("button[role=tab][aria-selected=true]:has-text('Ask')")
    assert "46%" in page.locator("#chat [data-testid=bot]").last.inner_text(), "the conversation is kept"


def test_report_contents_fold_on_a_phone(open_page):
    page = open_page(PHONE)
    go_tab(page, "Report")
    page.wait_for_selector("#report-view h2")
    assert not page.locator("#report-view .toc-side").is_visible()
    fold = page.locator("#report-view details.toc-fold")
    assert fold.is_visible()
    fold.locator("summary").click()
    fold.locator("a", has_text="Introduction").click()
    wait_text(page, "#report-view h2", "Introduction")
    assert page.locator("#report-view ul.points").count() == 0  # the Introduction has no list
    page.locator("#report-view .report-pager a.prev").click()
    wait_text(page, "#report-view h2", "Summary")
    assert page.locator("#report-view ul.points > li").count() == 3
    no_sideways_scroll(page)
    shot(page, "phone-report-summary")
