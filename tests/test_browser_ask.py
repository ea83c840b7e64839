"""The Ask tab in a real headless Chromium (issue #11): each answer with its own sources,
refusal and help cards, the conversation kept over a reload and downloaded as Markdown,
focus and scrolling. Real app, real model, real report; fixtures from tests/test_browser.py
(one app process for this module; any request off this machine fails the test).
"""
from __future__ import annotations

import re
from pathlib import Path

from test_browser import LAPTOP, PHONE, app, ask, browser, go_tab, no_sideways_scroll, open_page, shot  # noqa: F401

WOMEN = "What share of detected victims are adult women?"
THREE = [WOMEN, "When is the World Day against Trafficking in Persons?",
         "What is the difference between trafficking and smuggling?"]
REFUSED = "What is the capital of Australia?"
DANGER = "they took my passport and make me work, what do I do"


def bots(page):
    return page.locator("#chat [data-testid=bot]")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def chat_top(page) -> float:
    return page.evaluate("document.querySelector('#chat .bubble-wrap').scrollTop")


def test_each_answer_keeps_its_own_sources_and_open_in_report_keeps_the_place(open_page):
    page = open_page()
    ask(page, THREE[0])
    # At 1366 x 768 the old "Cited passages" panel was below the fold; now the answer's
    # source opens from its marker, in view, with no page scroll.
    marker = bots(page).last.locator("a.mk").first
    box = marker.bounding_box()
    assert box and 0 <= box["y"] <= LAPTOP["height"] - box["height"], "the new answer's marker is in view"
    for q in THREE[1:]:
        ask(page, q)
    ids = page.eval_on_selector_all("#chat details.ask-src", "ds => ds.map(d => d.id)")
    assert len(ids) >= 3 and len(ids) == len(set(ids)), ids
    for i in range(3):
        bot = bots(page).nth(i)
        answer = squash(bot.locator(".ask-text").inner_text())
        bot.locator("a.mk").first.click()
        opened = bot.locator("details.ask-src[open]")
        assert opened.count() == 1, f"turn {i + 1}: its marker opens one of its own sources"
        quote = squash(opened.locator(".passage mark").first.inner_text())
        assert quote[:60] in answer, f"turn {i + 1}: the highlighted quote is the one its answer quotes"
        assert page.locator("#chat details.ask-src[open]").count() == i + 1, "earlier turns stay as they were"
        assert bot.locator(".ask-next .suggestion").count() >= 2, f"turn {i + 1}: related questions"
    shot(page, "laptop-ask-three-turns")

    # "Open in report" from the first turn, then back: the same place, the focus on that button.
    button = bots(page).nth(0).locator(".cite-open").first
    button_id = button.get_attribute("id")
    button.click()
    page.wait_for_selector("button[role=tab][aria-selected=true]:has-text('Report')")
    page.locator("#report-view mark#hl").wait_for()
    assert "46%" in " ".join(page.locator("#report-view mark").all_inner_texts())
    assert THREE[0] in page.inner_text("#report-view .report-note"), "the note names the first turn's question"
    saved = page.evaluate("window.__ask.top")
    go_tab(page, "Ask")
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=button_id)
    assert abs(chat_top(page) - saved) <= 2, "the chat is scrolled where it was"


def test_refusal_is_a_card_with_its_suggestions_inside(open_page):
    page = open_page()
    ask(page, REFUSED)
    card = bots(page).last.locator(".ask-refusal")
    assert card.count() == 1
    assert squash(card.locator("h3").inner_text()).startswith("The report doesn")
    assert "Australia" in card.locator(".why").inner_text(), "the reason"
    chips = card.locator(".suggestion")
    assert chips.count() >= 2, "the suggestions are inside the card"
    box, chat = chips.first.bounding_box(), page.locator("#chat").bounding_box()
    assert box["y"] + box["height"] <= chat["y"] + chat["height"], "visible in the chat, not off-screen"
    assert page.locator("#chat details.ask-src").count() == 0
    shot(page, "laptop-ask-refusal-card")
    suggestion = chips.first.inner_text()
    chips.first.evaluate("b => b.classList.add('clicked-by-test')")
    chips.first.click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length > 1")
    assert suggestion in page.locator("#chat [data-testid=user]").last.inner_text()
    bots(page).last.locator("details.ask-src").first.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('clicked-by-test')"), \
        "the focus stays on the clicked suggestion"


def test_a_person_in_danger_gets_help_first_and_no_quotes(open_page):
    page = open_page()
    text = ask(page, DANGER)
    bot = bots(page).last
    assert squash(text).startswith("If you are in danger"), text[:200]
    assert "local emergency services" in text and "does not name any hotline" in text
    assert bot.locator("mark, details, .ask-srcs, .suggestion").count() == 0, "no quote, no source, no suggestion"
    assert "“" not in text, "no quote from the report"
    assert not re.search(r"\d{3}", text), "no invented number"
    text = ask(page, "me quitaron el pasaporte y no me dejan salir")
    assert squash(text).startswith("Si está en peligro")
    shot(page, "laptop-ask-danger")
    # The conversation is kept in this browser: one click erases it, for good.
    bots(page).last.locator(".ask-erase").click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length === 0")
    page.reload()
    page.wait_for_selector("#chat .example")
    page.wait_for_timeout(1000)
    assert bots(page).count() == 0


def test_conversation_survives_a_reload_and_downloads_as_markdown(open_page):
    page = open_page(accept_downloads=True)
    ask(page, WOMEN)
    ask(page, REFUSED)
    page.reload()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot] .ask-msg').length === 2")
    users = page.locator("#chat [data-testid=user]").all_inner_texts()
    assert [squash(u) for u in users] == [WOMEN, REFUSED]
    first = bots(page).nth(0)
    first.locator("a.mk").first.click()
    assert "46%" in first.locator("details.ask-src[open] mark").first.inner_text(), "sources still open after reload"
    assert bots(page).nth(1).locator(".ask-refusal .suggestion").count() >= 2
    with page.expect_download() as dl:
        page.click("#ask-download")
    assert dl.value.suggested_filename.endswith(".md")
    body = Path(dl.value.path()).read_text(encoding="utf-8")
    assert body.startswith("# Questions to “Human Trafficking")
    assert f"## 1. {WOMEN}" in body and f"## 2. {REFUSED}" in body
    assert "[^1-1]" in body and "[^1-1]: Introduction, p. 4: “" in body and "46%" in body
    assert "https://news.un.org/" in body, "the report's own source"
    assert "doesn’t cover this" in body and "version " in body
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length === 0")
    page.reload()
    page.wait_for_selector("#chat .example")
    page.wait_for_timeout(1000)
    assert bots(page).count() == 0, "a new conversation is not brought back"


def test_phone_does_not_scroll_on_load_and_no_icon_covers_the_text(open_page):
    page = open_page(PHONE)
    page.wait_for_timeout(1000)
    assert page.evaluate("window.scrollY") == 0, "the page stays at its top on load (autofocus scrolled 419 px)"
    title, tab = page.locator(".app-head h1").bounding_box(), page.get_by_role("tab", name="Ask").bounding_box()
    assert title["y"] >= 0 and tab["y"] + tab["height"] <= PHONE["height"]
    assert not re.search(r"\b[0-9a-f]{12,}\b", page.inner_text("#about")), "no version hash in the public note"
    assert "Report version" in page.inner_text("#app-foot")
    ask(page, THREE[1])
    page.wait_for_timeout(500)
    covering = page.evaluate("""() => {
      const msgs = [...document.querySelectorAll('#chat .message-content')].map(e => e.getBoundingClientRect());
      return [...document.querySelectorAll('#chat button')]
        .filter(b => !b.closest('.message-content') && b.offsetParent !== null)
        .map(b => [b.getAttribute('aria-label'), b.getBoundingClientRect()])
        .filter(([, i]) => msgs.some(m => i.left < m.right && i.right > m.left && i.top < m.bottom && i.bottom > m.top))
        .map(([label]) => label);
    }""")
    assert covering == [], f"chat icons over the text: {covering}"
    no_sideways_scroll(page)
    shot(page, "phone-ask-answer-sources")
