"""Build and start-up cost with a large source (issue 12, item 3): the work per chunk is
counted, not timed, so the tests hold on a busy machine; large and damaged sources are named
in warnings on stderr, and ``rag ask --json`` still prints only the answer record."""
from __future__ import annotations

import functools
import json
import random
import re
from pathlib import Path

import pytest

from eval.prose import prose
from rag import Config, answer, cli, judge, load
from rag import index as index_mod
from rag.chunk import split_sentences
from rag.lexicon import count_phrases
from rag.load import load_corpus
from rag.retrieve import Retriever

REPORT = ("## Figures {page=1}\n\nAdult women are 46% of the detected victims. "
          "Girls are 19% of them. The protocol was signed in Palermo in December 2000.\n")


def corpus_with(tmp_path: Path, files: dict[str, bytes]) -> Config:
    """The short report above and ``files`` as declared sources."""
    corpus = tmp_path / "corpus"
    (corpus / "sources").mkdir(parents=True)
    (corpus / "report.md").write_text(REPORT, encoding="utf-8")
    for name, data in files.items():
        (corpus / "sources" / name).write_bytes(data)
    (corpus / "sources" / "manifest.json").write_text(json.dumps({"sources": [{"file": n} for n in files]}))
    return Config(corpus_dir=corpus, index_dir=tmp_path / "index" / "built", multilingual=False)


@pytest.fixture(scope="module")
def long_section(tmp_path_factory, embedder):
    """A 40 KB .txt source: one section of ~40 chunks, built once."""
    cfg = corpus_with(tmp_path_factory.mktemp("long"), {"long.txt": prose(40_000, seed=7).encode()})
    corpus = load_corpus(cfg.corpus_dir)
    return corpus, index_mod.build(corpus, embedder, cfg)


def test_a_section_is_read_once_not_once_per_chunk(long_section, embedder, monkeypatch):
    corpus, index = long_section
    assert sum(c.doc_id == "source-long" for c in index.chunks) >= 30
    read = {"words_of": 0, "names_in": 0}

    def counted(name, fn):
        def wrapper(text, *args, **kwargs):
            read[name] += len(text)
            return fn(text, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(answer, "words_of", counted("words_of", answer.words_of))
    monkeypatch.setattr(answer, "names_in", counted("names_in", answer.names_in))
    tables = answer.Tables.of(corpus, index, embedder)
    size = sum(len(d.text) for d in corpus.documents)
    refs = sum(len(f"{r.publisher} {r.title}") + 1 for r in index.references)
    # Each section's names once; its words once, and every document's once for the vocabulary.
    # Once per chunk, the 40 KB section alone would be read ~40 times.
    assert read["names_in"] <= size
    assert read["words_of"] <= 2 * size + refs
    # The judge's text of every word holds each section once, not once per chunk.
    words = sum(len(w) + 3 for w in set(tables.chunk_words.values()))
    assert len(judge._report_words(tables)) <= words + refs + 3


def test_sentences_and_chunks_are_matched_as_before(long_section, embedder):
    corpus, index = long_section
    tables = answer.Tables.of(corpus, index, embedder)
    chunks, sents = index.chunks, index.sentences
    assert tables.by_chunk == {c.chunk_id: [i for i, s in enumerate(sents) if s.doc_id == c.doc_id
                                            and s.start < c.end and s.end > c.start] for c in chunks}
    assert Retriever(index, embedder).chunks_of_sentence == [
        [ci for ci, c in enumerate(chunks) if c.doc_id == s.doc_id and c.start <= s.start < c.end] for s in sents]


def test_phrases_are_counted_as_str_count_does():
    rng = random.Random(0)
    words = ["a", "ab", "ba", "b", "aba", "x.", "\nab", "ab\n", " ", " ", "  "]
    for _ in range(2000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        phrases = [" ".join(rng.choice(words[:6]) for _ in range(rng.randint(2, 4))) for _ in range(5)]
        got = count_phrases(text, phrases + ["a", " a", "a  b"])
        assert got == {p: text.count(p) for p in phrases + ["a", " a", "a  b"]}, text


def test_a_paragraph_of_abbreviations_is_split_as_one_sentence():
    text = " ".join(["Mr. Smith met Dr. Jones of the U.S. in St. Louis vs. e.g. Gen. Lee"] * 300) + ". Then it ended."
    spans = split_sentences(text)
    assert [text[s:e].split()[0] for s, e in spans][-1] == "Then"
    assert spans[0][0] == 0 and all(text[s:e].strip() == text[s:e] for s, e in spans)


def test_a_large_source_is_named_with_its_size(tmp_path, monkeypatch):
    cfg = corpus_with(tmp_path, {"big.txt": prose(30_000).encode(), "small.txt": b"A short note on Palermo."})
    monkeypatch.setattr(load, "LARGE_TEXT_MB", 0.02)
    problems = load_corpus(cfg.corpus_dir).problems
    big = [p for p in problems if "big.txt" in p]
    assert len(big) == 1 and re.search(r"big\.txt: large: 0\.0\d+ MB of text, above the 0\.02 MB limit", big[0])
    assert not any("small.txt" in p for p in problems)


def damaged_pdf() -> bytes:
    """A readable PDF whose cross-reference table points past its objects."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, "The study counted 1,234 cases in the first year.")
    return bytes(pdf.output()).replace(b"0000000", b"0000001", 3)


def test_pypdf_warnings_name_the_file(tmp_path, capsys):
    cfg = corpus_with(tmp_path, {"damaged.pdf": damaged_pdf()})
    corpus = load_corpus(cfg.corpus_dir)
    assert "1,234 cases" in corpus.document("source-damaged").text
    said = [p for p in corpus.problems if "damaged.pdf: pypdf: " in p]
    assert len(said) == 1 and "Ignoring wrong pointing object" in said[0], corpus.problems
    assert "Ignoring" not in capsys.readouterr().err  # no bare line without the file's name


def test_ask_json_prints_the_record_and_the_warnings_go_to_stderr(tmp_path, monkeypatch, capsys, embedder):
    cfg = corpus_with(tmp_path, {"damaged.pdf": damaged_pdf(), "big.txt": prose(30_000).encode()})
    monkeypatch.setenv("RAG_CORPUS_DIR", str(cfg.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(cfg.index_dir))
    monkeypatch.setattr(load, "LARGE_TEXT_MB", 0.02)
    monkeypatch.setattr("rag.pipeline.Embedder", lambda: embedder)
    monkeypatch.setattr(cli, "Config", functools.partial(Config, multilingual=False))  # e5 is not the point
    question = "What share of the detected victims are adult women?"
    assert cli.main(["ask", question, "--json"]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)  # stdout is the record alone
    assert record["question"] == question and record["citations"] and not record["abstained"]
    assert re.search(r"warning: \S*damaged\.pdf: pypdf: Ignoring wrong pointing object", err)
    assert re.search(r"warning: \S*big\.txt: large: 0\.0\d+ MB of text", err)
