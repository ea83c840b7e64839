"""Named configurations the eval can run and compare (``--config NAME``).

Each builds a ``rag.Config``; index-changing settings get their own index
folder under ``index/`` so switching configurations never rebuilds the default.
"""
from __future__ import annotations

from rag.config import ROOT, Config


def _cfg(name: str, **kw) -> Config:
    if {"chunk_tokens", "overlap_tokens", "multilingual"} & set(kw):
        kw.setdefault("index_dir", ROOT / "index" / f"eval-{name}")
    return Config(**kw)


CONFIGS = {
    "default": lambda: Config(),
    "dense": lambda: Config(retriever="dense"),
    "bm25": lambda: Config(retriever="bm25"),
    # MiniLM for every question, Spanish too (no multilingual-e5 vectors in the index).
    "english-only": lambda: _cfg("english-only", multilingual=False),
    "chunk96": lambda: _cfg("chunk96", chunk_tokens=96, overlap_tokens=16),
    "chunk160": lambda: _cfg("chunk160", chunk_tokens=160, overlap_tokens=32),
    "chunk256-no-overlap": lambda: _cfg("chunk256-no-overlap", chunk_tokens=256, overlap_tokens=0),
    # How many passages the answer stage picks sentences from (query time; same index).
    "k3": lambda: Config(k=3),
    "k8": lambda: Config(k=8),
    "rrf60": lambda: Config(rrf_k=60),  # Cormack et al.'s fusion constant, against the tuned default
    # Extractive sentence selection variants.
    "one-sentence": lambda: Config(max_sentences=1),
    "two-sentences": lambda: Config(max_sentences=2),
    "cosine-only": lambda: Config(lex_weight=0.0),
    "lex0.7": lambda: Config(lex_weight=0.7),
}
