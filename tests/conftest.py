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
