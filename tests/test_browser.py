"""The app in a real headless Chromium (Debian's package), driven by Playwright.

One app process per module (index in a temporary folder, grades in another).
Every page records every request it makes; any request to a host other than
the loopback app fails the test. Gradio keeps a connection open, so the tests
wait for elements, never for network idle. Screenshots of each tab at laptop
and phone widths go to artifacts/screenshots/.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium); not found",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from conftest import start_app  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "artifacts" / "screenshots"
LAPTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
T = 60_000  # ms: answers take well under a second, but the 2 shared cores can be very busy
XSS = 'What share are adult women <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>?'
QUESTIONS_JSONL = "\n".join([
    '{"id": "b1", "kind": "fact", "question": "Who edited this report?", "answers": ["Argos"], '
    '"evidence": ["Editor: Argos, International Observatory of Migration and Human Rights."]}',
    '{"id": "b2", "kind": "unanswerable", "question": "What is the capital of Australia?"}',
    '{"id": "b3", "kind": "fact", "question": "What share of detected victims are adult women <b>now</b>?", '
    '"answers": ["46%"], "evidence": ["five are adult women (46% of the total number of victims)"]}',
]) + "\n"


def loopback(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in ("data", "blob", "about") or u.hostname in ("127.0.0.1", "localhost", "::1")


@pytest.fixture(scope="module")
def app(pipeline, tmp_path_factory):
    proc = start_app(pipeline, tmp_path_factory, "browser")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, app):
    """Open the app in a fresh context; after the test, fail on any non-loopback request.
    ``theme`` is stored as the theme toggle stores it (None: nothing stored); ``scheme`` is
    the system's setting."""
    contexts, requests = [], []

    def _open(viewport=LAPTOP, accept_downloads=False, theme=None, scheme="light"):
        ctx = browser.new_context(viewport=viewport, accept_downloads=accept_downloads, color_scheme=scheme)
        ctx.set_default_timeout(T)
        if theme:
            ctx.add_init_script(f"try {{ localStorage.setItem('rag-theme', {json.dumps(theme)}); }} catch (e) {{}}")
        ctx.on("request", lambda r: requests.append(r.url))
        page = ctx.new_page()
        page.on("websocket", lambda ws: requests.append(ws.url))
        contexts.append(ctx)
        page.goto(app.url)
        page.wait_for_selector("#chat")
        page.wait_for_selector("button[role=tab]")
        page.wait_for_selector(".theme-pick input:checked")
        page.wait_for_selector("#ask-btn:not([disabled])")  # the kept conversation is back
        return page

    yield _open
    for ctx in contexts:
        ctx.close()
    outside = sorted({u for u in requests if not loopback(u)})
    assert requests, "no request was recorded at all"
    assert not outside, f"the page made requests off this machine: {outside}"


def run_upload(page, qfile) -> None:
    """Run the questions of ``qfile`` from the Evaluate tab and wait for the summary and chart."""
    go_tab(page, "Evaluate")
    page.set_input_files("#eval-upload input[type=file]", str(qfile))
    page.wait_for_selector("#eval-upload .file-preview")
    page.click("#eval-run-upload")
    page.wait_for_selector("#eval-summary .metric")
    page.wait_for_selector("#eval-chart .bar")


def go_tab(page, name: str) -> None:
    tab = page.get_by_role("tab", name=name)
    if tab.count() and tab.first.is_visible():
        tab.first.click()
    else:  # narrow screens may put tabs in gradio's overflow menu
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()
    page.wait_for_selector(f"button[role=tab][aria-selected=true]:has-text('{name}')")


def ask(page, question: str) -> str:
    """Ask in the Ask tab; return the text of the new bot message."""
    bots = page.locator("#chat [data-testid=bot]")
    before = bots.count()
    page.fill("#question textarea", question)
    page.click("#ask-btn")
    page.wait_for_function(f"document.querySelectorAll('#chat [data-testid=bot]').length > {before}", timeout=T)
    page.wait_for_function("document.querySelector('#question textarea').value === ''", timeout=T)
    return bots.nth(before).inner_text()


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function("([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)", arg=[selector, text])


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"the page scrolls sideways: {width[0]} px content in a {width[1]} px window"


# ---------------------------------------------------------------- Ask and Report

def test_ask_shows_cited_answer_and_citation_opens_the_quote(open_page):
    page = open_page()
    assert page.locator("#chat .example").count() >= 3, "example questions on first open"
    assert "not legal advice" in page.inner_text("#about")
    text = ask(page, "What share of detected victims are adult women?")
    assert "46%" in text and "[1]" in text
    bot = page.locator("#chat [data-testid=bot]").last
    bot.locator("a.mk").first.click()  # the answer's own source, under it (tests/test_browser_ask.py)
    card = bot.locator("details.ask-src[open]").first
    assert "Introduction" in card.inner_text() and "p. 4" in card.inner_text()
    mark = card.locator(".passage mark").first.inner_text()
    assert "46%" in mark
    assert card.locator(".cite-src a").first.get_attribute("href").startswith("https://")
    shot(page, "laptop-ask")
    card.locator(".cite-open").click()
    page.wait_for_selector("button[role=tab][aria-selected=true]:has-text('Report')")
    hl = page.locator("#report-view mark#hl")
    hl.wait_for()
    assert hl.is_visible()
    marked = " ".join(page.locator("#report-view mark").all_inner_texts())
    assert "46% of the total number of victims" in marked
    assert "Introduction" in page.inner_text("#report-view h2")
    box = hl.bounding_box()
    assert box and 0 <= box["y"] <= LAPTOP["height"], "the quoted passage is scrolled into view"
    shot(page, "laptop-report-citation")


def test_example_question_is_answered_on_click(open_page):
    page = open_page()
    example = page.locator("#chat .example").first
    label = example.inner_text().strip()
    example.click()
    page.wait_for_selector("#chat [data-testid=bot]")
    assert label in page.locator("#chat [data-testid=user]").first.inner_text()
    page.wait_for_selector("#chat [data-testid=bot] details.ask-src")


def test_follow_up_uses_the_conversation(open_page):
    page = open_page()
    first = ask(page, "How many women victims were recorded in North America?")
    assert "5,735" in first
    second = ask(page, "And how many in Western and Southern Europe?")
    assert "4,388" in second
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length === 0")
    assert "Ask a question" in page.inner_text("#chat")


def test_refusal_looks_like_a_refusal_and_suggestions_are_clickable(open_page):
    page = open_page()
    text = ask(page, "What is the capital of Australia?")
    assert "doesn't cover" in text or "doesn’t cover" in text
    card = page.locator("#chat [data-testid=bot]").last.locator(".ask-refusal")
    assert card.count() == 1 and page.locator("#chat details.ask-src").count() == 0
    chips = card.locator(".suggestion")
    assert chips.count() >= 2
    suggestion = chips.first.inner_text()
    shot(page, "laptop-ask-refusal")
    bots = page.locator("#chat [data-testid=bot]").count()
    chips.first.click()
    page.wait_for_function(f"document.querySelectorAll('#chat [data-testid=bot]').length > {bots}")
    assert suggestion in page.locator("#chat [data-testid=user]").last.inner_text()
    page.wait_for_selector("#chat [data-testid=bot] details.ask-src")


def test_person_in_danger_gets_help_note_without_a_number(open_page):
    page = open_page()
    text = ask(page, "I am trapped and they took my passport, who can I call?")
    assert "local emergency services" in text and "does not name any hotline" in text
    note = text[text.index("If you or someone"):]
    assert not re.search(r"\d{3}", note)


def test_html_in_a_question_shows_as_text_and_runs_nothing(open_page):
    page = open_page()
    ask(page, XSS)
    user = page.locator("#chat [data-testid=user]").last.inner_text()
    assert '<img src=x onerror="window.__xss=1">' in user and "<script>" in user
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chat img[src=x]").count() == 0
    assert page.locator("#chat [data-testid=bot]").last.locator(".ask-msg").count() == 1
    assert page.evaluate("window.__xss") is None


def test_over_long_question_gets_a_message(open_page):
    page = open_page()
    text = ask(page, "why " * 400)
    assert "too long" in text


# ---------------------------------------------------------------- Talking points

def test_talking_points_copy_and_download(open_page):
    page = open_page(accept_downloads=True)
    go_tab(page, "Talking points")
    page.click("#tp-section input")
    page.locator("[role=option]", has_text="Introduction").first.click()
    page.click("#tp-make")
    page.wait_for_selector("#tp-view li")
    n = page.locator("#tp-view li").count()
    assert 3 <= n <= 8
    md = page.input_value("#tp-md textarea")
    # The copy box holds plain text for a document: no Markdown heading, link or escape.
    assert md.startswith("Talking points: Introduction") and md.count("\n• ") == n
    assert "##" not in md and "](" not in md and "\\" not in md
    assert page.locator("#tp-md button[aria-label*='opy'], #tp-md button[title*='opy']").count() >= 1
    shot(page, "laptop-talking-points")
    with page.expect_download() as dl:
        page.click("#tp-download")
    path = dl.value.path()
    body = Path(path).read_text(encoding="utf-8")
    assert dl.value.suggested_filename.endswith(".md")
    assert body.count("[^1]") == 2 and "[^3]:" in body and "p. 4" in body


# ---------------------------------------------------------------- Evaluate, grades, restart

def test_eval_run_grade_and_grade_survives_restart(open_page, app, tmp_path):
    qfile = tmp_path / "three.jsonl"
    qfile.write_text(QUESTIONS_JSONL, encoding="utf-8")
    page = open_page(accept_downloads=True)
    go_tab(page, "Evaluate")
    page.set_input_files("#eval-upload input[type=file]", str(qfile))
    page.wait_for_selector("#eval-upload .file-preview")
    page.click("#eval-run-upload")
    page.wait_for_selector("#eval-summary .metric")
    assert "3 questions" in page.inner_text("#eval-summary")
    page.wait_for_selector("#eval-chart .bar")
    table = page.inner_text("#eval-table")
    assert "b1" in table and "b3" in table and "<b>now</b>" in table and "(should refuse)" in table
    shot(page, "laptop-evaluate")
    page.locator("#eval-table").get_by_text("What is the capital of Australia?").first.click()
    page.wait_for_selector("#grade-target :text('b2')")
    page.locator("#grade-choice label", has_text="partly").click()
    page.fill("#grade-comment textarea, #grade-comment input", "graded by the browser test")
    page.fill("#grade-grader textarea, #grade-grader input", "Browser Test")
    page.click("#grade-save")
    wait_text(page, "#grades-table", "graded by the browser test")
    wait_text(page, "#eval-table", "partly")

    app.stop()
    app.start(timeout=240)

    page = open_page(accept_downloads=True)
    go_tab(page, "Evaluate")
    wait_text(page, "#grades-table", "graded by the browser test")
    assert "partly" in page.inner_text("#grades-table")
    page.click("#grades-export")
    link = page.locator("#grades-csv a").first
    link.wait_for()
    with page.expect_download() as dl:
        link.click()
    csv_text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert "graded by the browser test" in csv_text and "b2" in csv_text and "Browser Test" in csv_text


# ---------------------------------------------------------------- every tab, two widths

@pytest.mark.parametrize("name,viewport", [("laptop", LAPTOP), ("phone", PHONE)])
def test_screenshots_of_every_tab(open_page, name, viewport, tmp_path):
    qfile = tmp_path / "three.jsonl"
    qfile.write_text(QUESTIONS_JSONL, encoding="utf-8")
    page = open_page(viewport)
    shot(page, f"{name}-1-ask-empty")
    ask(page, "What share of detected victims are adult women?")
    page.wait_for_selector("#chat details.ask-src")
    no_sideways_scroll(page)
    shot(page, f"{name}-2-ask-answer")
    go_tab(page, "Talking points")
    page.fill("#tp-topic input, #tp-topic textarea", "children")
    page.click("#tp-make")
    page.wait_for_selector("#tp-view li")
    no_sideways_scroll(page)
    shot(page, f"{name}-3-talking-points")
    run_upload(page, qfile)
    no_sideways_scroll(page)
    shot(page, f"{name}-4-evaluate")
    go_tab(page, "Report")
    page.wait_for_selector("#report-view h2")
    no_sideways_scroll(page)
    shot(page, f"{name}-5-report")
