#!/usr/bin/env python3
"""The web app: ask the report, make talking points, evaluate, read the report.

    python app.py [--host 127.0.0.1] [--port 7860]      (or RAG_HOST / RAG_PORT)

Builds the index first if it is missing. Offline: no CDN, no web fonts from
outside, no analytics. Questions are not logged unless RAG_LOG_QUESTIONS=1.
Grades (SQLite) and the Evaluate tab's last run (last_run.json) live under RAG_DATA_DIR
(default ./data); a damaged store or a read-only
folder is reported in the Evaluate tab and never stops the app. Beyond loopback the
Evaluate tab needs the token in RAG_GRADER_TOKEN (ui/access.py).

The named API endpoint ``/ask`` returns the answer schema::

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    print(client.predict("What share of detected victims are adult women?", api_name="/ask")["answer"])
"""
import os

# Before gradio is imported: no analytics, no version check, no hub calls.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Monitoring is off (launch_kwargs), yet gradio's queue keeps a record of each of the last 10,000
# events (~220 B each) and, after every event, rebuilds a pandas summary of all of them for the
# dashboard: 5 ms per answer once 500 are kept, 17 ms at 5,000 and 29 ms at 10,000 (2 cores, load
# average 20), beside ~50 CPU-ms for the answer itself. One record and no rebuilds (read by
# gradio.queueing.Queue when demo.queue() makes it).
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(10**9))

import argparse  # noqa: E402
import atexit  # noqa: E402
import gc  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui import render  # noqa: E402
from ui.access import grader_access  # noqa: E402
from ui.grading import Grading  # noqa: E402
from ui.service import Service, log_status  # noqa: E402

CSS_FILE = ROOT / "ui" / "style.css"


CLEANUP: list = []  # run on exit, also when SIGTERM cuts the graceful close short


def on_sigterm(*_) -> None:
    """End like Ctrl-C (the server closes, atexit runs); if open browser connections hold the
    close up for more than 2 s, clean up and leave (grades are committed per write)."""
    def leave() -> None:
        for fn in CLEANUP:
            fn()
        os._exit(0)

    threading.Timer(2.0, leave).start()
    raise KeyboardInterrupt


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Offline, cited Q&A over the report (web app).")
    ap.add_argument("--host", default=os.environ.get("RAG_HOST") or "127.0.0.1",
                    help="interface to listen on (env RAG_HOST; default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=env_int("RAG_PORT", 7860),
                    help="port (env RAG_PORT; default 7860)")
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAG_DATA_DIR") or ROOT / "data"),
                    help="where grades and the last evaluation run are kept (env RAG_DATA_DIR; default ./data)")
    ap.add_argument("--concurrency", type=int, default=env_int("RAG_CONCURRENCY", 2),
                    help="answers computed at once (env RAG_CONCURRENCY; default 2, one per core)")
    ap.add_argument("--queue-size", type=int, default=env_int("RAG_QUEUE_SIZE", 200),
                    help="requests that may wait in the queue before new ones are turned away")
    ap.add_argument("--sessions", type=int, default=env_int("RAG_SESSIONS", SESSIONS),
                    help=f"sessions whose state is kept in memory, oldest dropped first (env RAG_SESSIONS; "
                         f"default {SESSIONS})")
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        ap.error(f"--sessions (RAG_SESSIONS) must be 1-{MAX_SESSIONS}; got {args.sessions}")
    return args


# Gradio keeps each session's state (a copy of the page's component values, ~170 KB here) for up
# to 10,000 sessions, and every /call/ask without a session id is a new session: RSS grew from
# 623 MB to 1.48 GB over 5,000 calls. Kept to 200 (~116 KB each, ~23 MB), RSS after 500 and
# 1,000 calls was 925 and 930 MB, against 958 and 1,016 MB at 10,000 (eval/bench_memory.py, 2 cores,
# load average 9-10); the 201st session at once drops the oldest one's conversation.
SESSIONS, MAX_SESSIONS = 200, 10_000


def launch_kwargs(args: argparse.Namespace) -> dict:
    """What ``demo.launch`` gets beyond the theme and CSS."""
    return dict(server_name=args.host, server_port=args.port, footer_links=["api"], show_error=False,
                enable_monitoring=False, ssr_mode=False, pwa=False, mcp_server=False, run_history=False,
                max_file_size="5mb", inbrowser=False, share=False, quiet=True,
                state_session_capacity=args.sessions)


# ---------------------------------------------------------------- the UI

def build(svc: Service, grading: Grading | None = None, verbose: bool = False):
    """The app's Blocks; ``verbose`` lets Gradio print failed events' tracebacks (they quote inputs)."""
    # Imported here, not at the top: main() reports a bad index without waiting for gradio to load.
    import gradio as gr

    from ui import ask_tab, evaluate_tab, points_tab, report_tab
    from ui.quiet import quiet_blocks

    grading = grading or Grading(svc.grades, grader_access("127.0.0.1", {}))

    # Downloads (talking points, charts, CSV) are written here and removed at exit;
    # gradio's own copies are swept hourly (delete_cache below).
    tmp_root = Path(tempfile.mkdtemp(prefix="rag-app-"))
    atexit.register(shutil.rmtree, tmp_root, ignore_errors=True)
    CLEANUP.append(lambda: shutil.rmtree(tmp_root, ignore_errors=True))

    def new_tmp() -> Path:
        d = tmp_root / uuid.uuid4().hex
        d.mkdir(parents=True, exist_ok=True)
        return d

    with quiet_blocks(gr, verbose)(title=f"Ask the report: {svc.title}", fill_width=False, delete_cache=(3600, 3600)) as demo:
        gr.HTML(f'<header class="app-head"><div class="head-row"><h1>Ask the report</h1>{THEME_PICK}</div>'
                f'<p class="sub">{render.esc(svc.title)}'
                f'{" · edited by " + render.esc(svc.editor) if svc.editor else ""}</p></header>',
                js_on_load=THEME_PICK_JS, elem_id="app-head")
        with gr.Tabs(selected="ask") as tabs:
            ask = ask_tab.layout(svc)
            points = points_tab.layout(svc)
            evaluate = evaluate_tab.layout(svc, grading)
            report = report_tab.layout(svc)
        gr.HTML(f'<footer class="app-foot">Report version {render.esc(svc.version)}. {render.esc(log_status(svc))} '
                f'Runs offline: nothing leaves this machine.</footer>', js_on_load=None, elem_id="app-foot")

        ask_tab.wire(ask, svc, demo, verbose)
        # "Open in report" on a passage cited in the Ask tab switches to the Report tab.
        report_tab.wire(report, svc, tabs, sources=ask.sources, last=ask.last)
        points_tab.wire(points, svc, new_tmp)
        evaluate_tab.wire(evaluate, svc, grading, new_tmp, demo)
        ask_tab.api(svc)
        points_tab.api(svc)
    return demo


def theme():
    import gradio as gr

    # Fonts: the Source Sans Pro files bundled with gradio (served by the app itself), then
    # system fonts; never a Google Fonts URL. Weights 400 and 700: gradio 6.31's SemiBold (600)
    # file is a 5 KB subset without most Latin letters, so bold text fell back glyph by glyph.
    base = gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "system-ui", "-apple-system", "Segoe UI", "Roboto",
              "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "Menlo", "Consolas", "monospace"],
        primary_hue="blue", neutral_hue="slate")
    # WCAG AA in both modes (tests/test_a11y.py runs axe-core over every tab): text >= 4.5:1,
    # control borders >= 3:1. Light on white / dark on slate-950 (page) and slate-800 (blocks):
    #   subdued text   slate-400 2.56:1 -> slate-600 7.58:1   | dark slate-300 9.85:1 (was 4.04:1 on slate-700)
    #   accent, tabs   blue-500  3.68:1 -> blue-600  5.17:1   | dark blue-400 on slate-950 7.51:1
    #   links          blue-600/visited blue-500 3.68:1 -> blue-700 6.70:1 | dark blue-500 3.98:1 -> blue-300 8.11:1
    #   primary button white on blue-500 3.68:1 -> blue-600 5.17:1 (hover blue-700 6.70:1)
    #   placeholder    slate-400 2.56:1 -> slate-500 4.76:1   | dark slate-500 3.07:1 -> slate-400 5.71:1
    #   input, checkbox borders slate-200/300 1.2-1.5:1 -> slate-500 4.76:1 | dark slate-700 -> slate-500 3.07:1 / slate-400
    return base.set(
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
        color_accent="*primary_600",  # dark: blue-400, in ui/style.css (the theme has no dark accent)
        link_text_color="*secondary_700", link_text_color_visited="*secondary_700",
        link_text_color_hover="*secondary_800", link_text_color_active="*secondary_800",
        link_text_color_dark="*secondary_300", link_text_color_visited_dark="*secondary_300",
        link_text_color_hover_dark="*secondary_200", link_text_color_active_dark="*secondary_200",
        block_label_text_color="*neutral_600", block_title_text_color="*neutral_600",
        input_placeholder_color="*neutral_500", input_placeholder_color_dark="*neutral_400",
        input_border_color="*neutral_500", input_border_color_dark="*neutral_500",
        input_border_color_hover="*neutral_600", input_border_color_hover_dark="*neutral_400",
        input_border_color_focus="*secondary_600", input_border_color_focus_dark="*secondary_400",
        checkbox_border_color="*neutral_500", checkbox_border_color_dark="*neutral_400",
        checkbox_background_color_selected_dark="*primary_600",
        button_primary_background_fill="*primary_600", button_primary_background_fill_hover="*primary_700",
        button_primary_background_fill_dark="*primary_600", button_primary_background_fill_hover_dark="*primary_700",
    )


# The theme toggle (light / dark / system), kept in localStorage: nothing leaves the page.
# Gradio marks dark mode with a ``dark`` class on <body> (from ``?__theme=`` or the system
# setting); an explicit choice here wins, also when gradio or the system flips it later.
# Loaded in <head> (applied before most of the page draws) and again by the header's toggle.
THEME_JS = """
if (!window.ragTheme) {
  const KEY = 'rag-theme', dark = window.matchMedia('(prefers-color-scheme: dark)');
  const get = () => { try { const v = localStorage.getItem(KEY); return v === 'light' || v === 'dark' ? v : 'system'; } catch (e) { return 'system'; } };
  const want = () => {
    const p = get(); if (p !== 'system') return p;
    const u = new URLSearchParams(location.search).get('__theme');
    return u === 'light' || u === 'dark' ? u : (dark.matches ? 'dark' : 'light');
  };
  const apply = () => {
    const b = document.body; if (!b) return;
    const d = want() === 'dark';
    if (b.classList.contains('dark') !== d) b.classList.toggle('dark', d);
    document.documentElement.style.colorScheme = d ? 'dark' : 'light';
    document.querySelectorAll('.theme-pick input').forEach((i) => { i.checked = i.value === get(); });
  };
  const set = (v) => { try { v === 'system' ? localStorage.removeItem(KEY) : localStorage.setItem(KEY, v); } catch (e) {} apply(); };
  window.ragTheme = { get, set, apply };
  const watch = () => { apply(); new MutationObserver(apply).observe(document.body, { attributes: true, attributeFilter: ['class'] }); };
  dark.addEventListener('change', apply);
  document.body ? watch() : document.addEventListener('DOMContentLoaded', watch);
}
"""
# ARIA that gradio 6.31's own components get wrong (axe-core, serious or critical), set right
# after each render: the chatbot's example questions are buttons in a role="list" (critical:
# aria-required-children), so the list becomes a labelled group; an empty image shows a div with
# only aria-label (serious: aria-prohibited-attr), so it gets role="img".
A11Y_JS = """
if (!window.ragAria) {
  window.ragAria = true;
  let queued = false;
  const fix = () => {
    queued = false;
    document.querySelectorAll('.examples[role=list]').forEach((e) => {
      if (![...e.children].some((c) => c.getAttribute('role') === 'listitem')) {
        e.setAttribute('role', 'group'); e.setAttribute('aria-label', 'Example questions');
      }
    });
    document.querySelectorAll('div.empty[aria-label]:not([role])').forEach((e) => e.setAttribute('role', 'img'));
  };
  const start = () => new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(fix); } })
    .observe(document.body, { childList: true, subtree: true });
  document.body ? start() : document.addEventListener('DOMContentLoaded', start);
}
"""
THEME_HEAD = f"<script>{THEME_JS}</script><script>{A11Y_JS}</script>"
# The header's toggle: native radio buttons in a fieldset (keyboard: Tab, then arrow keys).
THEME_PICK = ('<fieldset class="theme-pick"><legend>Theme</legend>'
              + "".join(f'<label><input type="radio" name="rag-theme" value="{v}"> {v.title()}</label>'
                        for v in ("light", "dark", "system")) + '</fieldset>')
THEME_PICK_JS = THEME_JS + """
element.querySelectorAll('.theme-pick input').forEach((i) => {
  i.checked = i.value === window.ragTheme.get();
  i.addEventListener('change', () => { if (i.checked) window.ragTheme.set(i.value); });
});
"""


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    # Start-up creates ~550k objects that live as long as the app (torch, transformers, gradio) and
    # the cyclic collector kept rescanning them: cold start to the first answer 5.9 s -> 4.6 s
    # without it (eval.bench_app, median of 3, 2 cores).
    gc.disable()
    from rag import Config, Pipeline
    from rag.index import BadIndex
    from rag.load import CorpusError

    print("Opening the report index (building it first if missing)…", file=sys.stderr, flush=True)
    try:
        pipeline = Pipeline.open(Config(), progress=True)
    except (BadIndex, CorpusError) as e:  # what is wrong and what to do, not a traceback
        gc.enable()
        print(f"app.py: {e}", file=sys.stderr)
        return 1
    t_index = time.perf_counter() - t0
    try:  # one thread per answer: requests run side by side, one per core, without oversubscription
        import torch

        torch.set_num_threads(max(1, env_int("RAG_TORCH_THREADS", 1)))
    except Exception:
        pass
    svc = Service(pipeline, args.data_dir, log_questions=os.environ.get("RAG_LOG_QUESTIONS") == "1")
    grading = Grading(svc.grades, grader_access(args.host, os.environ))
    for note in (svc.grades.problem, grading.access.note()):
        if note:
            print(f"app.py: Evaluate tab: {note}", file=sys.stderr, flush=True)
    t_ui = time.perf_counter()
    demo = build(svc, grading, verbose=svc.log_questions)
    demo.queue(default_concurrency_limit=max(1, args.concurrency), max_size=max(1, args.queue_size))
    print(f"Report version {svc.version}; {log_status(svc)}", file=sys.stderr, flush=True)
    print(f"Ready in {time.perf_counter() - t0:.1f} s (index and model {t_index:.1f} s, UI "
          f"{time.perf_counter() - t_ui:.1f} s): http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    # Freeze rather than collect: a collection here took 0.45 s to free ~8 MB of start-up garbage
    # (of ~550 MB); frozen objects are left out of every later collection.
    gc.freeze()
    gc.enable()
    signal.signal(signal.SIGTERM, on_sigterm)
    demo.launch(theme=theme(), css=CSS_FILE.read_text(encoding="utf-8"), head=THEME_HEAD, **launch_kwargs(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
