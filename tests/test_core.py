"""Core pipeline: the cleaned corpus, loading, chunking, the index, retrieval, the CLI."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rag import Config, Pipeline
from rag import index as index_mod
from rag.chunk import chunk_document, count_tokens, embedding_text, sentences
from rag.clean import clean
from rag.embed import MAX_WORDPIECES
from rag.load import CorpusError, load_corpus, parse_markdown

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_87186578c49e361d.txt"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(ROOT / "corpus")


@pytest.fixture(scope="module")
def report(corpus):
    return corpus.document("report")


# ---------------------------------------------------------------- the cleaned report

@pytest.mark.skipif(not SEED.exists(), reason=f"the seed export is not at {SEED}")
def test_committed_corpus_is_what_the_cleaner_makes():
    md, refs = clean(SEED.read_text(encoding="utf-8"))
    assert md == (ROOT / "corpus" / "report.md").read_text(encoding="utf-8")
    assert refs == json.loads((ROOT / "corpus" / "references.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("joined", [
    "and in an alarming proportion of them are women and children",
    'as a weapon of international "soft" warfare',
    "to take the testimonies of the 557 individuals",
    "Especially Women and Children, as of July 16, 2021, stands at 117 signatories",
    "Exploitation shall include, at a minimum, the exploitation",
])
def test_page_break_splits_are_rejoined(report, joined):
    assert joined in report.text


def test_sections_carry_pages_from_the_index(report):
    pages = {s.title: s.page for s in report.sections}
    assert pages["Introduction"] == 4
    assert pages["Powerful countries are the most targeted"] == 6  # heading had a stray "COOPER"
    assert pages["Multilateralism against trafficking"] == 14
    assert pages["References"] == 17
    assert all(s.page for s in report.sections)


def test_front_matter_captions_and_credits_are_kept(report):
    assert "Edited by Argos, International Observatory of Migration and Human Rights." in report.text
    assert report.text.count("Source: UNODC elaboration of national data.") == 3
    assert "Figure: Shares of detected victims of trafficking in persons, by age group and sex, 2018" in report.text
    assert report.text.count("Photo credit: courtesy of the National Council") == 2


def test_export_artifacts_are_repaired(report):
    assert "**" not in report.text and "^{*}" not in report.text
    assert "the document Guide to the new UN Trafficking Protocol" in report.text
    anchors = {report.text[a.start:a.end]: a.ref for a in report.anchors}
    assert anchors["press release"] == 3 and anchors["Palantir"] == 14


def test_reference_list_is_structured(corpus):
    refs = {r.n: r for r in corpus.references}
    assert sorted(refs) == list(range(1, 17))
    assert refs[4].publisher == "IPS" and refs[4].url.startswith("https://ipsnoticias.net/")
    assert refs[5].url.startswith("https://www.europarl.europa.eu/")  # "www.europarl. europa.eu" repaired
    assert all(r.url and " " not in r.url for r in refs.values())


# ---------------------------------------------------------------- sources in other formats

def _write_sources(folder: Path, files: dict[str, bytes], manifest) -> Path:
    corpus = folder / "corpus"
    (corpus / "sources").mkdir(parents=True)
    (corpus / "report.md").write_text("## Intro {page=1}\n\nThe report cites [a study](#ref-1).\n")
    (corpus / "references.json").write_text(json.dumps(
        [{"n": n, "publisher": "P", "title": f"Source {n}", "url": f"https://example.org/{n}"} for n in range(1, 8)]))
    for name, data in files.items():
        (corpus / "sources" / name).write_bytes(data)
    (corpus / "sources" / "manifest.json").write_text(json.dumps({"sources": manifest}))
    return corpus


def _pdf_bytes(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, text)
    pdf.add_page()
    pdf.multi_cell(0, 10, "The second page says 42 villages signed.")
    return bytes(pdf.output())


def test_every_source_format_loads_and_bad_files_are_named(tmp_path):
    corpus_dir = _write_sources(tmp_path, {
        "study.pdf": _pdf_bytes("The study counted 1,234 cases in the first year."),
        "page.html": b"<html><head><title>Page</title><script>alert(1)</script></head><body>"
                     b"<h2>Findings</h2><p>Fishermen were held on 12 boats.</p></body></html>",
        "notes.md": b"# Notes\n\n## Method\n\nInterviews were held in **three** towns.\n",
        "plain.txt": "Plain text with caf\u00e9 and emoji \U0001f600.".encode(),
        "empty.txt": b"   \n",
        "binary.md": b"\x00\x01\x02binary",
        "latin1.txt": "ni\xf1o".encode("latin-1"),
        "broken.pdf": b"%PDF-1.4 this is not really a pdf",
    }, [{"file": "study.pdf", "ref": 1}, {"file": "page.html", "ref": 2}, {"file": "notes.md", "ref": 3},
        {"file": "plain.txt", "ref": 4}, {"file": "empty.txt", "ref": 5}, {"file": "binary.md", "ref": 6},
        {"file": "latin1.txt", "ref": 7}, {"file": "broken.pdf"}, {"file": "missing.pdf", "ref": 7}])
    corpus = load_corpus(corpus_dir)
    docs = {d.doc_id: d for d in corpus.documents}
    assert set(docs) == {"report", "source-1", "source-2", "source-3", "source-4"}
    assert "1,234 cases" in docs["source-1"].text and [s.page for s in docs["source-1"].sections] == [1, 2]
    assert "alert" not in docs["source-2"].text and docs["source-2"].sections[0].title == "Findings"
    assert "held in three towns" in docs["source-3"].text
    assert "\U0001f600" in docs["source-4"].text
    problems = "\n".join(corpus.problems)
    for name, reason in [("empty.txt", "no text"), ("binary.md", "binary"), ("latin1.txt", "not UTF-8"),
                         ("broken.pdf", "unreadable PDF"), ("missing.pdf", "missing")]:
        assert re.search(rf"{re.escape(name)}.*{reason}", problems), (name, problems)
    assert {r.n: r.doc_id for r in corpus.references}[1] == "source-1"


def test_sources_are_chunked_and_searchable(tmp_path, embedder):
    corpus_dir = _write_sources(tmp_path, {"study.pdf": _pdf_bytes("The study counted 1,234 cases in the first year.")},
                                [{"file": "study.pdf", "ref": 1}])
    cfg = Config(corpus_dir=corpus_dir, index_dir=tmp_path / "index")
    p = Pipeline.open(cfg, progress=False, embedder=embedder)
    top = p.search("how many villages signed", k=1)[0].chunk
    assert (top.doc_id, top.page) == ("source-1", 2)


def test_a_quote_of_a_source_document_is_attributed_to_it_not_to_the_report(tmp_path, embedder):
    corpus_dir = _write_sources(tmp_path, {"study.txt": b"The study counted 1,234 fishing boats held in the first year."},
                                [{"file": "study.txt", "ref": 3}])
    p = Pipeline.open(Config(corpus_dir=corpus_dir, index_dir=tmp_path / "index", multilingual=False),
                      progress=False, embedder=embedder)
    a = p.ask("how many fishing boats did the study count")
    assert not a.abstained and a.citations[0].doc == "source-3", (a.notice, a.answer)
    assert a.answer.startswith("“P, Source 3”, a source the report cites, states: “The study counted 1,234"), a.answer
    assert "The report states" not in a.answer


def test_missing_report_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="report.md"):
        load_corpus(tmp_path)


# ---------------------------------------------------------------- chunks

@pytest.mark.parametrize("size,overlap", [(96, 16), (160, 32), (256, 48)])
def test_chunks_cover_everything_within_sections_and_limits(report, embedder, size, overlap):
    chunks = chunk_document(report, size, overlap, embedder.fits)
    covered = [False] * len(report.text)
    for c in chunks:
        assert report.text[c.start:c.end] == c.text
        sec = next(s for s in report.sections if s.start <= c.start < s.end)
        assert c.end <= sec.end and c.section == sec.title and c.page == sec.page
        assert count_tokens(c.text) <= size or len(c.text.split()) <= 1
        assert embedder.count_wordpieces(embedding_text(c.section, c.text)) <= MAX_WORDPIECES
        covered[c.start:c.end] = [True] * (c.end - c.start)
    lost = "".join(ch for ch, seen in zip(report.text, covered) if not seen and not ch.isspace())
    assert lost == ""
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_sentences_split_at_ends_not_at_abbreviations(report):
    texts = [s.text for s in sentences(report)]
    assert "According to IPS, a number of veiled crimes persist in the U.S. in urban centers and border towns, " \
           "including forced labor of migrants, sexual exploitation of minors and domestic servitude, all of " \
           "which are typifications of human trafficking." in texts
    assert any(t.startswith("Only 20% of the victims are adult men") for t in texts)
    assert not any(t.endswith(("U.S.", " R.")) for t in texts)


def test_markdown_parser_tolerates_html_and_odd_unicode():
    d = parse_markdown("## Sec\n\n<script>alert('x')</script> caf\u00e9 \u202e [link](https://e.org)", "d")
    assert "<script>" in d.text and d.anchors[0].url == "https://e.org"


# ---------------------------------------------------------------- the index

def test_index_files_are_plain_and_described(pipeline):
    folder = pipeline.cfg.index_dir
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == {"name": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}
    assert manifest["chunking"]["chunk_tokens"] == pipeline.cfg.chunk_tokens
    assert len(manifest["corpus_hash"]) == 16 and manifest["index_type"] == "flat-ip"
    assert manifest["answer"]["abstain_below"] > 0  # the calibrated refusal threshold is recorded
    lines = (folder / "chunks.jsonl").read_text().splitlines()
    assert len(lines) == manifest["counts"]["chunks"] == len(pipeline.index.chunks)
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pickle"))


def test_stale_index_is_rebuilt_and_corrupt_index_refused(tmp_path, embedder):
    cfg = Config(index_dir=tmp_path / "idx")
    first = Pipeline.open(cfg, progress=False, embedder=embedder)
    changed = cfg.with_(chunk_tokens=96, overlap_tokens=16)
    second = Pipeline.open(changed, progress=False, embedder=embedder)
    assert len(second.index.chunks) > len(first.index.chunks)
    assert json.loads((cfg.index_dir / "manifest.json").read_text())["chunking"]["chunk_tokens"] == 96
    faiss_file = cfg.index_dir / "chunks.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(index_mod.BadIndex, match="truncated|rag build"):
        Pipeline.open(changed, progress=False, embedder=embedder)


def test_a_crash_mid_build_leaves_the_old_index(tmp_path, embedder, monkeypatch):
    cfg = Config(index_dir=tmp_path / "idx")
    Pipeline.open(cfg, progress=False, embedder=embedder)
    before = (cfg.index_dir / "manifest.json").read_text()
    import faiss

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", boom)
    with pytest.raises(OSError):
        Pipeline.open(cfg, progress=False, rebuild=True, embedder=embedder)
    monkeypatch.undo()
    assert (cfg.index_dir / "manifest.json").read_text() == before
    index_mod.load(cfg.index_dir)


def test_large_indexes_switch_to_hnsw():
    import numpy as np

    vecs = np.random.default_rng(0).standard_normal((300, 16)).astype("float32")
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    assert type(index_mod.make_faiss(vecs)).__name__ == "IndexFlatIP"
    hnsw = index_mod.make_faiss(vecs, threshold=100)
    assert "HNSW" in type(hnsw).__name__
    _, ids = hnsw.search(vecs[:5], 1)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------- retrieval

@pytest.mark.parametrize("query,evidence", [
    ("What share of detected victims are adult women?", "46% of the total number of victims"),
    ("How long did Germany take to ratify the protocol?", "(Germany, 6 years)"),
    ("How does the Protocol define smuggling of migrants?", "defines smuggling of migrants as"),
    ("Who edited this report?", "Edited by Argos"),
])
def test_hybrid_search_puts_the_evidence_first(pipeline, query, evidence):
    assert evidence in pipeline.search(query, k=1)[0].chunk.text


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_retriever_returns_distinct_ranked_passages(pipeline, mode):
    got = pipeline.search("victims of trafficking in Europe", k=5, mode=mode)
    assert [p.rank for p in got] == [1, 2, 3, 4, 5]
    assert len({p.chunk.chunk_id for p in got}) == 5


def test_bad_settings_name_the_valid_choices():
    with pytest.raises(ValueError, match="hybrid, dense, bm25"):
        Config(retriever="fuzzy")
    with pytest.raises(ValueError, match="between 1 and 50"):
        Config(k=0)


# ---------------------------------------------------------------- the command line

def _rag(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_cli_search_json(pipeline):
    out = _rag("search", "adult women share of victims", "-k", "2", "--json",
               env_extra={"RAG_INDEX_DIR": str(pipeline.cfg.index_dir)})
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 2 and "46%" in rows[0]["text"] and rows[0]["section"] == "Introduction"


def test_cli_reports_a_corrupt_index_in_one_line(tmp_path, pipeline):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(pipeline.cfg.index_dir, bad)
    (bad / "chunks.jsonl").write_text("{not json")
    out = _rag("search", "victims", env_extra={"RAG_INDEX_DIR": str(bad)})
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("rag: ") and "rag build" in out.stderr
    assert "Traceback" not in out.stderr
