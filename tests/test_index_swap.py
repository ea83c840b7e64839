"""The index on disk under faults (issue 12): corrupt manifests, an atomic swap, concurrent
builds, and a command line whose stdout stays the result."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rag import Config, Pipeline
from rag import cli
from rag import index as index_mod

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("## Figures {page=1}\n\nAdult women are 46% of the detected victims. "
        "Girls are 19% of them. The protocol was signed in Palermo in December 2000.\n")


def tiny(tmp_path: Path, text: str = TEXT) -> Config:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "report.md").write_text(text, encoding="utf-8")
    return Config(corpus_dir=corpus, index_dir=tmp_path / "index" / "built", multilingual=False)


def leftovers(cfg: Config) -> set[str]:
    """What lies beside the index other than the link, its lock and the reader's lexicon."""
    return {p.name for p in cfg.index_dir.parent.iterdir()} - {"built", ".built.lock", "lexicon.json"}


def killed_at(step: str):
    """A stand-in for ``index._step`` that stops the save there, as a kill would."""
    def step_hook(name: str) -> None:
        if name == step:
            raise KeyboardInterrupt(f"killed after {name}")
    return step_hook


def _rag(*args, cfg: Config):
    env = dict(os.environ, RAG_CORPUS_DIR=str(cfg.corpus_dir), RAG_INDEX_DIR=str(cfg.index_dir))
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


# ---------------------------------------------------------------- a corrupt manifest

@pytest.mark.parametrize("content, says", [
    ("garbage{", "corrupt"), ("[]", "a JSON array"), ('"x"', "a JSON string"), ("42", "a JSON number"),
    ('{"files": 3}', '"files" is no object'),
])
def test_corrupt_manifest_is_named_and_rebuilt_over(tmp_path, embedder, content, says):
    cfg = tiny(tmp_path)
    Pipeline.open(cfg, progress=False, embedder=embedder)
    (cfg.index_dir / "manifest.json").write_text(content)
    with pytest.raises(index_mod.BadIndex, match=f"manifest.json is.*{says}.*run `rag build`"):
        Pipeline.open(cfg, progress=False, embedder=embedder)
    p = Pipeline.open(cfg, progress=False, rebuild=True, embedder=embedder)  # what `rag build` does
    assert "46%" in p.ask("What share of victims are adult women?").answer
    assert index_mod.read_manifest(cfg.index_dir)["counts"]["sentences"] == 3


def test_rag_build_rebuilds_over_a_garbage_manifest_and_ask_says_what_to_do(tmp_path, embedder):
    cfg = tiny(tmp_path)
    Pipeline.open(cfg, progress=False, embedder=embedder)
    (cfg.index_dir / "manifest.json").write_text("garbage{")
    out = _rag("ask", "What share of victims are adult women?", cfg=cfg)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("rag: ") and "run `rag build`" in out.stderr
    out = _rag("build", cfg=cfg)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Built ") and index_mod.read_manifest(cfg.index_dir)["corpus_hash"]


# ---------------------------------------------------------------- stdout is the result

def test_json_output_is_pure_json_when_the_call_builds_the_index(tmp_path):
    cfg = tiny(tmp_path)
    out = _rag("ask", "What share of victims are adult women?", "--json", cfg=cfg)
    assert out.returncode == 0, out.stderr
    assert "46%" in json.loads(out.stdout)["answer"]
    assert "Embedding" in out.stderr  # the progress went somewhere


def test_cli_refuses_an_empty_question_before_loading_the_model(tmp_path, monkeypatch, capsys):
    cfg = tiny(tmp_path)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(cfg.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(cfg.index_dir))

    def no_model(*a, **k):
        raise AssertionError("the model was loaded for an empty question")

    monkeypatch.setattr("rag.pipeline.Embedder", no_model)
    assert cli.main(["ask", "   "]) == 1
    assert capsys.readouterr().err.strip() == "rag: Please type a question."
    assert cli.main(["search", ""]) == 1


# ---------------------------------------------------------------- the swap

@pytest.mark.parametrize("step", ["written", "swapped"])
def test_a_kill_between_the_steps_leaves_a_loadable_index(tmp_path, embedder, monkeypatch, step):
    cfg = tiny(tmp_path)
    old = Pipeline.open(cfg, progress=False, embedder=embedder).index.version
    changed = tiny(tmp_path, TEXT + "\nBoys are 17% of them.\n")

    monkeypatch.setattr(index_mod, "_step", killed_at(step))
    with pytest.raises(KeyboardInterrupt):
        Pipeline.open(changed, progress=False, embedder=embedder)
    monkeypatch.undo()
    # killed before the link moved: the old index; after: the new one; never none
    want = old if step == "written" else index_mod.read_manifest(cfg.index_dir)["corpus_hash"]
    assert index_mod.load(cfg.index_dir).version == want
    assert (step == "written") == (want == old)
    # the next build clears what the killed one left: only the index and the one it replaced
    Pipeline.open(changed, progress=False, rebuild=True, embedder=embedder)
    assert len(leftovers(cfg)) == 2, leftovers(cfg)


def test_a_folder_index_from_before_is_moved_aside_and_a_kill_there_is_rebuilt(tmp_path, embedder, monkeypatch):
    cfg = tiny(tmp_path)
    p = Pipeline.open(cfg, progress=False, embedder=embedder)
    real = cfg.index_dir.resolve()
    cfg.index_dir.unlink()
    real.rename(cfg.index_dir)  # the layout every earlier build wrote: a plain folder
    assert index_mod.load(cfg.index_dir).version == p.index.version
    monkeypatch.setattr(index_mod, "_step", killed_at("moved"))
    with pytest.raises(KeyboardInterrupt):
        index_mod.save(p.index, cfg.index_dir)
    monkeypatch.undo()
    assert index_mod.read_manifest(cfg.index_dir) is None  # no index: the next open builds one
    assert Pipeline.open(cfg, progress=False, embedder=embedder).index.version == p.index.version
    assert cfg.index_dir.is_symlink() and len(leftovers(cfg)) <= 1


def test_concurrent_builds_take_turns(tmp_path, embedder):
    cfg = tiny(tmp_path)
    index = Pipeline.open(cfg, progress=False, embedder=embedder).index
    errors = []

    def build():
        try:
            for _ in range(5):
                index_mod.save(index, cfg.index_dir)
        except Exception as e:  # noqa: BLE001 - the test reports any
            errors.append(e)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert index_mod.load(cfg.index_dir).version == index.version
    assert len(leftovers(cfg)) <= 2, leftovers(cfg)


def test_orphans_of_the_old_layout_are_removed_and_others_kept(tmp_path, embedder):
    cfg = tiny(tmp_path)
    index = Pipeline.open(cfg, progress=False, embedder=embedder).index
    parent = cfg.index_dir.parent
    for name in (".built.tmp-123", ".built.old-456", ".built-v1-1", ".built-other-v1-1", ".eval-x.tmp-1"):
        (parent / name).mkdir()
    index_mod.save(index, cfg.index_dir)
    left = leftovers(cfg)
    assert {".built-other-v1-1", ".eval-x.tmp-1"} <= left and not left & {".built.tmp-123", ".built.old-456", ".built-v1-1"}


def test_the_app_names_a_corrupt_manifest_at_start(tmp_path, embedder, monkeypatch, capsys):
    import app

    cfg = tiny(tmp_path)
    Pipeline.open(cfg, progress=False, embedder=embedder)
    (cfg.index_dir / "manifest.json").write_text("[]")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(cfg.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(cfg.index_dir))
    assert app.main(["--port", "0"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("app.py: ") and "manifest.json" in err and "run `rag build`" in err
