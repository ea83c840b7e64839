"""The Python API: open (or build) the index once, then search and ask.

>>> p = Pipeline.open()                      # doctest: +SKIP
>>> p.search("share of adult women", k=3)[0].chunk.section   # doctest: +SKIP
'Introduction'
"""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import index as index_mod
from .config import Config
from .embed import MODEL_DIM, MODEL_NAME, Embedder
from .load import Corpus, load_corpus
from .retrieve import Passage, Retriever
from . import answer as answer_mod
from .answer import Answer


@dataclass(frozen=True, eq=False)
class Tables:
    """Lookup tables the answer stage needs, computed once per index."""
    sentences: tuple
    sentence_matrix: np.ndarray
    by_chunk: dict
    idf: dict
    vocabulary: set
    anchors: dict
    references: tuple

    @classmethod
    def of(cls, corpus: Corpus, index: index_mod.Index) -> "Tables":
        sents = index.sentences
        matrix = index.sentence_vectors.reconstruct_n(0, len(sents)) if sents else np.zeros((0, MODEL_DIM), np.float32)
        by_doc: dict[str, list[int]] = {}
        for i, s in enumerate(sents):
            by_doc.setdefault(s.doc_id, []).append(i)
        by_chunk = {c.chunk_id: [i for i in by_doc.get(c.doc_id, ()) if sents[i].start < c.end and sents[i].end > c.start]
                    for c in index.chunks}
        vocabulary = {w for d in corpus.documents for w in answer_mod.words_of(d.text)}
        vocabulary |= {w for r in index.references for w in answer_mod.words_of(f"{r.publisher} {r.title}")}
        return cls(sents, np.asarray(matrix, dtype=np.float32), by_chunk, answer_mod.idf_table(sents),
                   vocabulary, {d.doc_id: d.anchors for d in corpus.documents}, index.references)


class Pipeline:
    """Holds the model, the index and the retrievers; safe to share across threads
    for reads (faiss and the model are read-only after loading)."""

    def __init__(self, cfg: Config, corpus: Corpus, index: index_mod.Index, embedder: Embedder) -> None:
        self.cfg, self.corpus, self.index, self.embedder = cfg, corpus, index, embedder
        self.retriever = Retriever(index, embedder)
        self.tables = Tables.of(corpus, index)

    @classmethod
    def open(cls, cfg: Config | None = None, progress: bool = True, rebuild: bool = False) -> "Pipeline":
        """Load the index, building it first if it is missing, stale or ``rebuild``."""
        cfg = cfg or Config()
        corpus = load_corpus(cfg.corpus_dir)
        for problem in corpus.problems:
            print(f"warning: {problem}", file=sys.stderr)
        want = index_mod.expected_manifest(corpus, cfg, MODEL_NAME, MODEL_DIM)
        have = index_mod.read_manifest(cfg.index_dir)
        embedder = Embedder()
        if have is None or rebuild:
            if progress and not rebuild:
                print(f"No index at {cfg.index_dir}: building it (once).", file=sys.stderr)
            index = index_mod.build(corpus, embedder, cfg, progress=progress)
        elif stale := index_mod.is_stale(have, want):
            print(f"The index at {cfg.index_dir} is stale ({', '.join(stale)} changed): rebuilding.",
                  file=sys.stderr)
            index = index_mod.build(corpus, embedder, cfg, progress=progress)
        else:
            index = index_mod.load(cfg.index_dir)
        return cls(cfg, corpus, index, embedder)

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Passage]:
        return self.retriever.search(query, k or self.cfg.k, mode or self.cfg.retriever, self.cfg.rrf_k)

    def ask(self, question: str, history: list[tuple[str, str]] | None = None,
            detail: bool = False) -> Answer:
        """Answer ``question`` (raises ValueError with a message for bad input)."""
        t0 = time.perf_counter()
        question = answer_mod.clean_question(question)
        query = answer_mod.rewrite_followup(question, [tuple(h) for h in history or []][-3:])
        qvec = self.embedder.encode([query])[0]
        passages = self.retriever.search(query, self.cfg.k, self.cfg.retriever, self.cfg.rrf_k, qvec=qvec)
        draft = answer_mod.extract(question, query, qvec, passages, self.tables, detail)
        return Answer(question=question, answer=draft.text, abstained=draft.abstained,
                      citations=draft.citations, retrieved=answer_mod.retrieved_records(passages),
                      report_version=self.index.version,
                      latency_ms=round((time.perf_counter() - t0) * 1000, 2), query=query,
                      language=answer_mod.language(question), notice=draft.why if draft.abstained else "")
