"""Accessibility in a real headless Chromium: axe-core, both themes, laptop and phone widths.

One app process and one browser for the module. Each (theme, width) pair opens the app once
and runs axe-core (bundled by axe-playwright-python, nothing fetched) on every tab: Ask empty,
Talking points, Evaluate (after a three-question run), Report, and Ask after an answer and after
a refusal. Any serious or critical violation fails; nothing is excluded. Screenshots of each
state go to artifacts/screenshots/a11y-<theme>-<width>-*.png and every violation (all impacts)
to artifacts/axe/<theme>-<width>.json. As in test_browser.py, any request to a host other than
the loopback app fails the test.

Also: the theme toggle and its persistence, visible focus rings, placeholder contrast, and the
talking-points pickers stacking on a phone with no word broken inside.
"""
from __future__ import annotations

import json
import pytest

# test_browser skips the module without Debian's chromium or playwright.
from test_browser import LAPTOP, PHONE, QUESTIONS_JSONL, ROOT, T, ask, browser, go_tab, open_page, run_upload  # noqa: E402,F401

axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright",
                               reason="accessibility tests need axe-playwright-python (pip install -e .[test])")

from conftest import start_app  # noqa: E402

SHOTS = ROOT / "artifacts" / "screenshots"
AXE_OUT = ROOT / "artifacts" / "axe"
FAIL_IMPACTS = ("serious", "critical")
WIDTHS = {"laptop": LAPTOP, "phone": PHONE}


# ---------------------------------------------------------------- contrast (WCAG 2.x)

def _rgb(css: str) -> tuple[float, float, float, float]:
    """'rgb(1, 2, 3)' / 'rgba(1, 2, 3, 0.5)' / 'color(srgb 0.1 0.2 0.3)' -> r, g, b (0-255), alpha."""
    css = css.strip()
    if css.startswith("color(srgb"):
        parts = css[len("color(srgb"):].rstrip(")").replace("/", " ").split()
        r, g, b = (float(x) * 255 for x in parts[:3])
        return r, g, b, float(parts[3]) if len(parts) > 3 else 1.0
    nums = css[css.index("(") + 1:css.rindex(")")].replace("/", ",").replace(" ", ",").split(",")
    nums = [float(x) for x in nums if x]
    return nums[0], nums[1], nums[2], nums[3] if len(nums) > 3 else 1.0


def luminance(rgb) -> float:
    def ch(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb[:3]
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)


def contrast(fg: str, bg: str) -> float:
    """Contrast ratio of CSS colour ``fg`` (alpha blended over ``bg``) against ``bg``.

    >>> round(contrast("rgb(148, 163, 184)", "rgb(255, 255, 255)"), 2)
    2.56
    >>> round(contrast("rgb(71, 85, 105)", "rgb(255, 255, 255)"), 2)
    7.58
    """
    f, b = _rgb(fg), _rgb(bg)
    a = f[3]
    blended = tuple(f[i] * a + b[i] * (1 - a) for i in range(3))
    hi, lo = sorted((luminance(blended), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# The background actually behind an element: the first ancestor with an opaque-ish fill.
BG_JS = """(el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c)) return c;
  }
  return 'rgb(255, 255, 255)';
}"""


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def app(pipeline, tmp_path_factory):
    proc = start_app(pipeline, tmp_path_factory, "a11y")
    yield proc
    proc.stop()


def is_dark(page) -> bool:
    return page.evaluate("document.body.classList.contains('dark')")


def settle(page) -> None:
    """Let gradio finish a render (and the ARIA fixes their animation frame) before axe looks."""
    page.wait_for_timeout(300)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def axe_run(page) -> list[dict]:
    settle(page)
    return axe_sync.Axe().run(page).response["violations"]


def describe(v: dict) -> str:
    nodes = "; ".join(f"{n['target']} {n.get('failureSummary', '').splitlines()[-1:]}" for n in v["nodes"][:5])
    return f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} -> {nodes}"


# ---------------------------------------------------------------- axe over every tab

@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(open_page, theme, width, tmp_path):
    qfile = tmp_path / "three.jsonl"
    qfile.write_text(QUESTIONS_JSONL, encoding="utf-8")
    # the stored choice wins over the system setting, which is set to the other theme
    page = open_page(WIDTHS[width], theme=theme, scheme="dark" if theme == "light" else "light")
    assert is_dark(page) == (theme == "dark")
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[dict]] = {}

    def check(state: str) -> None:
        found[state] = axe_run(page)
        page.screenshot(path=str(SHOTS / f"a11y-{theme}-{width}-{state}.png"), full_page=True)

    check("1-ask")
    go_tab(page, "Talking points")
    page.fill("#tp-topic input, #tp-topic textarea", "children")
    page.click("#tp-make")
    page.wait_for_selector("#tp-view li .where")
    check("2-talking-points")
    run_upload(page, qfile)
    check("3-evaluate")
    go_tab(page, "Report")
    page.wait_for_selector("#report-view .report-section h2")
    check("4-report")
    go_tab(page, "Ask")
    ask(page, "What share of detected victims are adult women?")
    page.locator("#chat [data-testid=bot] a.mk").first.click()  # the answer's own source, opened
    page.wait_for_selector("#chat details.ask-src[open]")
    check("5-ask-answer")
    ask(page, "What is the capital of Australia?")
    page.wait_for_selector("#chat [data-testid=bot] .ask-refusal")
    check("6-ask-refusal")
    assert is_dark(page) == (theme == "dark"), "the theme held through every tab"

    AXE_OUT.mkdir(parents=True, exist_ok=True)
    (AXE_OUT / f"{theme}-{width}.json").write_text(json.dumps(
        {s: [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in vs]
         for s, vs in found.items()}, indent=1), encoding="utf-8")
    bad = [f"{s}: {describe(v)}" for s, vs in found.items() for v in vs if v["impact"] in FAIL_IMPACTS]
    assert not bad, f"axe-core, {theme} theme, {width}:\n" + "\n".join(bad)


# ---------------------------------------------------------------- theme toggle

def test_theme_toggle_is_kept_across_reloads_and_system_follows_the_os(open_page):
    page = open_page(scheme="light")
    assert not is_dark(page) and page.is_checked(".theme-pick input[value=system]")
    page.click(".theme-pick label:has(input[value=dark])")
    page.wait_for_function("document.body.classList.contains('dark')")
    assert page.evaluate("localStorage.getItem('rag-theme')") == "dark"
    page.reload()
    page.wait_for_selector(".theme-pick input:checked")
    page.wait_for_function("document.body.classList.contains('dark')")
    assert page.is_checked(".theme-pick input[value=dark]")
    page.wait_for_timeout(500)  # gradio's own start-up theme pass does not undo the choice
    assert is_dark(page)

    page.click(".theme-pick label:has(input[value=light])")
    page.wait_for_function("!document.body.classList.contains('dark')")
    page.emulate_media(color_scheme="dark")  # the OS switching later does not override it
    page.wait_for_timeout(300)
    assert not is_dark(page)

    page.click(".theme-pick label:has(input[value=system])")
    page.wait_for_function("document.body.classList.contains('dark')")  # the OS is dark now
    assert page.evaluate("localStorage.getItem('rag-theme')") is None
    page.emulate_media(color_scheme="light")
    page.wait_for_function("!document.body.classList.contains('dark')")


def test_theme_toggle_works_from_the_keyboard(open_page):
    page = open_page(scheme="light")
    page.focus(".theme-pick input:checked")
    page.keyboard.press("ArrowLeft")  # system -> dark
    page.wait_for_function("document.body.classList.contains('dark')")
    assert page.evaluate("localStorage.getItem('rag-theme')") == "dark"


# ---------------------------------------------------------------- focus, placeholders

@pytest.mark.parametrize("theme", ["light", "dark"])
def test_focus_ring_is_visible_with_3_to_1_contrast(open_page, theme):
    page = open_page(theme=theme)
    page.locator("body").click(position={"x": 2, "y": 2})
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        # the theme toggle's radio buttons are visually hidden: their label shows the ring
        info = page.evaluate("""() => { const a = document.activeElement;
            const e = a.closest('.theme-pick label') || a, s = getComputedStyle(e);
            return [e.tagName + (e.id ? '#' + e.id : '') + (e.getAttribute('role') ? '[' + e.getAttribute('role') + ']' : ''),
                    s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }""")
        if info[0].startswith("BODY"):
            continue
        name, style, width, colour = info
        bg = page.evaluate(BG_JS, page.evaluate_handle(
            "(document.activeElement.closest('.theme-pick') || document.activeElement).parentElement"))
        seen.append(name)
        assert style != "none" and width >= 2, f"{name}: no focus ring ({style} {width}px)"
        assert contrast(colour, bg) >= 3, f"{name}: focus ring {colour} on {bg} is {contrast(colour, bg):.2f}:1"
    assert len(seen) >= 5 and any("role=tab" in s or "[tab]" in s for s in seen), seen


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_placeholder_text_has_4_5_to_1_contrast(open_page, theme):
    page = open_page(theme=theme)
    checked = 0
    for tab, sel in (("Ask", "#question textarea"), ("Talking points", "#tp-topic textarea, #tp-topic input")):
        go_tab(page, tab)  # a tab's inputs are drawn when it is first shown
        el = page.locator(sel).first
        colour = el.evaluate("(e) => getComputedStyle(e, '::placeholder').color")
        bg = page.evaluate(BG_JS, el.element_handle())
        assert contrast(colour, bg) >= 4.5, f"{sel}: placeholder {colour} on {bg} is {contrast(colour, bg):.2f}:1"
        checked += 1
    assert checked == 2


# ---------------------------------------------------------------- phone layout

def test_talking_point_pickers_stack_on_a_phone_and_options_keep_words_whole(open_page):
    page = open_page(PHONE)
    go_tab(page, "Talking points")
    sec, top = page.locator("#tp-section").bounding_box(), page.locator("#tp-topic").bounding_box()
    assert top["y"] >= sec["y"] + sec["height"] - 1, "the topic box sits below the section box"
    assert sec["width"] >= 0.8 * PHONE["width"], f"the section box is {sec['width']:.0f} px wide"
    page.click("#tp-section input")
    page.wait_for_selector("#tp-section [role=option]")
    # every word of every option on one line: a word broken inside has more than one line box
    broken = page.evaluate("""() => {
      const out = [];
      document.querySelectorAll('#tp-section [role=option]').forEach((li) => {
        const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          for (const m of n.textContent.matchAll(/\\S+/g)) {
            const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
            const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
            if (tops.size > 1) out.push(m[0]);
          }
        }
      });
      return out;
    }""")
    assert page.locator("#tp-section [role=option]").count() >= 5
    assert not broken, f"words broken inside in the section list: {broken}"
    page.wait_for_timeout(400)  # the list fades in
    page.screenshot(path=str(SHOTS / "a11y-light-phone-section-list.png"))
    page.keyboard.press("Escape")


def test_laptop_keeps_the_talking_point_pickers_side_by_side(open_page):
    page = open_page(LAPTOP)
    go_tab(page, "Talking points")
    sec, top = page.locator("#tp-section").bounding_box(), page.locator("#tp-topic").bounding_box()
    assert abs(sec["y"] - top["y"]) < 2 and top["x"] > sec["x"] + sec["width"] - 1
