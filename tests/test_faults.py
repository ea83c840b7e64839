"""Issue 12, items 2, 6, 9 and 11 and the CSV guard: a grade store that cannot take the app
down, bounded session state, malformed API calls answered without logging the question,
and grades behind a token beyond loopback."""
from __future__ import annotations

import csv
import inspect
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui.access import grader_access, is_loopback  # noqa: E402
from ui.grades import GradeStore, GradeStoreError  # noqa: E402
from ui.grading import Grading  # noqa: E402
from ui.quiet import missing_args_message  # noqa: E402

ROW = {"id": "fact-001", "question": "Who edited?", "answer": "Argos", "expected": "Argos"}
OPEN = grader_access("127.0.0.1", {})


def damaged(tmp_path: Path, how: str) -> Path:
    db = tmp_path / how / "grades.sqlite3"
    if how == "garbage":
        db.parent.mkdir(parents=True)
        db.write_bytes(b"not a database\n" * 500)
    else:  # a real store with 300 grades, cut in half
        store = GradeStore(db)
        for i in range(300):
            store.add(f"q{i}", "question " * 20, "answer " * 40, "correct")
        with sqlite3.connect(db) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        os.truncate(db, db.stat().st_size // 2)
    return db


# ---------------------------------------------------------------- item 2: the grade store

@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_a_damaged_store_is_reported_by_name_and_can_be_moved_aside(tmp_path, how):
    db = damaged(tmp_path, how)
    store = GradeStore(db)  # no exception: the app starts
    assert str(db) in store.problem and "damaged" in store.problem and "Move it aside and keep it" in store.problem
    grading = Grading(store, OPEN)
    stored, msg = grading.save("", ROW, "correct", "", "v1")
    assert not stored and msg.startswith("Not saved:") and str(db) in msg
    rows, msg = grading.rows("")
    assert rows == [] and str(db) in msg
    path, msg = grading.export("", tmp_path / "out.csv")
    assert path is None and str(db) in msg and not (tmp_path / "out.csv").exists()
    assert str(db) in grading.status_html()
    shutil.move(db, db.with_name("grades.sqlite3.damaged"))  # what the message says to do
    assert grading.save("", ROW, "correct", "", "v1") == (True, "")  # no restart needed
    assert store.count() == 1 and store.problem == "" and grading.status_html() == ""


def test_a_read_only_store_acknowledges_nothing(tmp_path, monkeypatch):
    db = tmp_path / "data" / "grades.sqlite3"
    store = GradeStore(db)
    store.add("q0", "q", "a", "correct")
    connect = store._connect

    def read_only():  # as on a read-only mount (root ignores chmod): SQLite's own error
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
        con.row_factory = sqlite3.Row
        return con

    monkeypatch.setattr(store, "_connect", read_only)
    grading = Grading(store, OPEN)
    stored, msg = grading.save("", ROW, "correct", "", "v1")
    assert not stored and "not writable" in msg and str(db.parent) in msg and "RAG_DATA_DIR" in msg
    monkeypatch.setattr(store, "_connect", connect)
    assert store.count() == 1  # the refused grade is not there


def test_a_folder_that_cannot_be_made_is_reported(tmp_path):
    (tmp_path / "file").write_text("x")
    store = GradeStore(tmp_path / "file" / "grades.sqlite3")  # the data "folder" is a file
    assert store.problem and str(tmp_path / "file") in store.problem
    with pytest.raises(GradeStoreError):
        store.add("q", "q", "a", "correct")


def test_csv_guard_catches_space_lf_and_full_width_signs(tmp_path):
    store = GradeStore(tmp_path / "g.sqlite3")
    cells = [" =HYPERLINK(\"http://x\")", "\n=1+1", "＝1+1", "＋1", "\u3000=1", "\t=1", "a=b", "plain"]
    for i, c in enumerate(cells):
        store.add(f"q{i}", "q", "a", "wrong", c)
    rows = list(csv.DictReader(store.export_csv(tmp_path / "g.csv").open(encoding="utf-8")))
    assert [r["comment"] for r in rows] == ["'" + c for c in cells[:6]] + cells[6:]


# ---------------------------------------------------------------- item 11: grades beyond loopback

def test_loopback_is_told_from_the_rest():
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "", "192.168.1.4", "example.org"]))


def test_grades_need_the_token_beyond_loopback(tmp_path):
    token = "s3cret-token-0123456789"
    assert OPEN.refuse("") == "" and grader_access("::1", {}).refuse(None) == ""
    closed = grader_access("0.0.0.0", {})
    assert "RAG_GRADER_TOKEN" in closed.refuse(token) and "0.0.0.0" in closed.note()
    assert "fewer than 16" in grader_access("0.0.0.0", {"RAG_GRADER_TOKEN": "1234"}).refuse("1234")
    guarded = grader_access("0.0.0.0", {"RAG_GRADER_TOKEN": token})
    store = GradeStore(tmp_path / "g.sqlite3")
    grading = Grading(store, guarded)
    for given in ("", None, "wrong", token[:-1]):
        assert grading.save(given, ROW, "correct", "", "v1")[0] is False
        assert grading.rows(given)[0] == [] and grading.export(given, tmp_path / "x.csv")[0] is None
        assert grading.latest(given) == {}
    assert store.count() == 0 and not (tmp_path / "x.csv").exists()
    assert grading.save(token, ROW, "correct", "", "v1") == (True, "")
    assert len(grading.rows(token)[0]) == 1 and grading.export(token, tmp_path / "x.csv")[0].exists()
    assert Grading(store, closed).save(token, ROW, "wrong", "", "v1")[0] is False  # no token set: closed


# ---------------------------------------------------------------- items 6 and 9: the app

def test_session_state_is_bounded():
    import gradio as gr

    import app

    args = app.parse_args([])
    kw = app.launch_kwargs(args)
    assert 1 <= kw["state_session_capacity"] <= 1000  # gradio's default is 10,000
    assert set(kw) <= set(inspect.signature(gr.Blocks.launch).parameters)  # the installed gradio's names
    assert app.launch_kwargs(app.parse_args(["--sessions", "50"]))["state_session_capacity"] == 50
    with pytest.raises(SystemExit):
        app.parse_args(["--sessions", "0"])


def test_queue_keeps_no_event_analytics(monkeypatch):
    """With monitoring off gradio still summarised every kept event record after each event
    (pandas, 17 ms per answer once 5,000 were kept): app.py bounds the records to one and never
    rebuilds the summary."""
    import gradio as gr

    import app  # noqa: F401  (sets the environment gradio's queue reads)

    with gr.Blocks() as demo:
        gr.Textbox()
    demo.queue()
    q = demo._queue
    assert q.ANALYTICS_MAX_EVENTS == 1
    monkeypatch.setattr(q, "_get_df", lambda records: pytest.fail("the summary was rebuilt"))
    records = [{"time": 0.0, "status": "success", "process_time": 0.05, "function": "ask"}] * 5000
    q.events_recorded += 5000
    assert q.compute_analytics_summary(records) is q.cached_event_analytics_summary


def test_missing_arguments_are_named_without_the_values():
    def ask_api(question: str, history: list | None = None, detail: bool = False): ...

    msg = missing_args_message("ask", ask_api, 3, 1)
    assert msg.startswith("/ask takes 3 values") and "question, history, detail" in msg
    assert '["<question>", null, false]' in msg


@pytest.fixture(scope="module")
def damaged_app(pipeline, tmp_path_factory):
    from ui.launcher import AppProcess

    data = tmp_path_factory.mktemp("faults-data")
    (data / "grades.sqlite3").write_bytes(b"garbage{" * 100)
    proc = AppProcess({"RAG_INDEX_DIR": str(pipeline.cfg.index_dir), "RAG_DATA_DIR": str(data)},
                      log_path=tmp_path_factory.mktemp("faults-log") / "app.log")
    proc.start(timeout=240)
    proc.data_dir = data
    yield proc
    proc.stop()


def call(url: str, data: list) -> tuple[str, object]:
    """POST /gradio_api/call/ask and read its event stream: (event, data)."""
    import httpx

    with httpx.Client(trust_env=False, timeout=60) as c:
        event_id = c.post(f"{url}gradio_api/call/ask", json={"data": data}).json()["event_id"]
        event = None
        with c.stream("GET", f"{url}gradio_api/call/ask/{event_id}") as s:
            for line in s.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    return event, json.loads(line.split(":", 1)[1])
    raise AssertionError("no answer")


def test_app_starts_over_a_damaged_grade_store(damaged_app):
    import httpx

    event, data = call(damaged_app.url, ["Who edited this report?", [], False])
    assert event == "complete" and "Argos" in data[0]["answer"]
    config = httpx.get(damaged_app.url + "config", timeout=10).text
    assert "is damaged" in config and str(damaged_app.data_dir / "grades.sqlite3") in config
    assert "Traceback" not in damaged_app.log_tail(1_000_000)


def test_a_short_api_call_is_told_what_to_send_and_its_question_is_not_logged(damaged_app):
    secret = "What about the secret word axolotl-5531 " + "padding " * 2000
    event, data = call(damaged_app.url, [secret])
    assert event == "error" and "takes 3 values" in data["error"] and "question, history, detail" in data["error"]
    assert "axolotl" not in data["error"]
    event, data = call(damaged_app.url, [secret, "not a history", {"x": 1}])  # odd types still answer
    assert event in ("complete", "error")
    log = damaged_app.log_tail(10_000_000)
    assert "axolotl" not in log and "padding padding" not in log
