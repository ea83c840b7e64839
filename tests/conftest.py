"""Shared fixtures: the real model and the real report, loaded once per session."""
from __future__ import annotations

import pytest

from rag import Config, Pipeline
from rag.embed import Embedder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory, embedder) -> Pipeline:
    """The real report, indexed into a temporary folder (the dev index is untouched)."""
    cfg = Config(index_dir=tmp_path_factory.mktemp("index") / "built")
    return Pipeline.open(cfg, progress=False, embedder=embedder)


def start_app(pipeline: Pipeline, tmp_path_factory, name: str):
    """``app.py`` on a free loopback port over the session's index, with its own data folder."""
    from ui.launcher import AppProcess

    data = tmp_path_factory.mktemp(f"{name}-data")
    log = tmp_path_factory.mktemp(f"{name}-log") / "app.log"
    proc = AppProcess({"RAG_INDEX_DIR": str(pipeline.cfg.index_dir), "RAG_DATA_DIR": str(data)}, log_path=log)
    proc.start(timeout=240)
    proc.data_dir = data
    return proc
