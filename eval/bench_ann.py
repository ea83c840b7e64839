"""Benchmark exact against approximate nearest-neighbour search on synthetic
MiniLM-sized vectors, to choose rag.index.HNSW_THRESHOLD and HNSW_EF_SEARCH.

    python -m eval.bench_ann [--n 1000000] [--data clustered|uniform] [--k 10] [--no-ivf]

The vectors are 384-d, unit length, float32. ``clustered`` (the default) is a
gaussian mixture around 1,000 random unit centroids whose noise has a decaying
spectrum, so neighbours are near and few directions matter, as in real
sentence embeddings; ``uniform`` (random directions) is the worst case for
ANN. 1,000 queries are drawn from the same distribution and are not in the index.

Prints three tables (progress goes to stderr):

1. growth: at each size in --sizes, exact (IndexFlatIP) single-query latency
   against the project's HNSW (``rag.index.make_faiss(v, threshold=0)``,
   grown by adding the next slice) at the project's efSearch, its recall@10
   (or @--k) against exact, and the HNSW build time so far: where exact search stops
   being cheap is where HNSW_THRESHOLD belongs;
2. at the full size: exact vs HNSW vs IVF (IndexIVFFlat, nlist 4096 trained
   on a 100k sample): build time, memory, median and p95 single-query
   latency and recall@10, with efSearch swept over 16-512 and nprobe over 8-64;
3. the data's own figures (neighbour cosines), to compare with MiniLM.

Threads: builds and the exact ground truth use every core (2 here); every
latency is one query per ``search`` call with faiss.omp_set_num_threads(1) (for
one query faiss uses one thread anyway, so this is what the app gets), and the
bare-encode yardstick runs torch on one thread too. The default 1M run took
16 minutes on 2 cores shared at load average 5-7, 10.5 of them the HNSW build
and 2 the IVF one; ``--data uniform --n 200000`` took 6. These are figures, not tests.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

DIM = 384  # MiniLM-L6
# Neighbours asked for and scored (recall@K); --k sets it. The retriever asks the
# chunk index for 30 and the sentence index for 90 (rag/retrieve.py, DEPTH and 3*DEPTH).
K = 10
EF_SWEEP = (16, 32, 64, 128, 256, 512)  # 512: for --k 90 recall needs efSearch well above k
NPROBE_SWEEP = (8, 16, 32, 64)
SIZES = (10_000, 25_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
CHUNK = 100_000  # vectors generated per step: keeps temporaries ~150 MB
# Noise with these settings gives a query's nearest neighbour cosine ~0.7 and a
# random pair ~0.0; MiniLM on the report gives 0.68-0.79 and (one topic) 0.26-0.51.
# Spectrum i^-0.5 over 384 dimensions leaves ~26 effective dimensions per cluster.
NOISE, DECAY, CLUSTERS = 1.0, 0.5, 1000


def log(msg: str) -> None:
    print(f"[bench_ann {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


class Mixture:
    """Gaussian clusters around random unit centroids; each cluster's noise has
    the same decaying spectrum along its own (permuted) axes."""

    def __init__(self, rng: np.random.Generator, clusters: int = CLUSTERS) -> None:
        self.rng = rng
        self.centroids = unit(rng.standard_normal((clusters, DIM), dtype=np.float32))
        scale = np.arange(1, DIM + 1, dtype=np.float32) ** -DECAY
        scale *= NOISE / np.sqrt((scale ** 2).sum())  # expected noise norm = NOISE
        self.scales = scale[np.argsort(rng.random((clusters, DIM)), axis=1)]

    def sample(self, m: int) -> np.ndarray:
        label = self.rng.integers(0, len(self.centroids), m)
        noise = self.rng.standard_normal((m, DIM), dtype=np.float32) * self.scales[label]
        return unit(noise + self.centroids[label])


class Uniform:
    """Random directions: no structure for an ANN graph to use."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def sample(self, m: int) -> np.ndarray:
        return unit(self.rng.standard_normal((m, DIM), dtype=np.float32))


def make_data(kind: str, n: int, nq: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    source = Mixture(rng) if kind == "clustered" else Uniform(rng)
    x = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, CHUNK):
        x[start:start + CHUNK] = source.sample(min(CHUNK, n - start))
    return x, source.sample(nq)


def all_threads() -> None:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)


def one_thread() -> None:
    import faiss

    faiss.omp_set_num_threads(1)


def exact_topk(index, queries: np.ndarray) -> np.ndarray:
    """Ground truth: all queries in one batched (BLAS) call on every core."""
    all_threads()
    return index.search(queries, K)[1]


def latency(index, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds per single-query search on one thread, and the ids found."""
    one_thread()
    ms, ids = np.empty(len(queries)), np.empty((len(queries), K), dtype=np.int64)
    for i in range(len(queries)):
        t0 = time.perf_counter()
        ids[i] = index.search(queries[i:i + 1], K)[1][0]
        ms[i] = (time.perf_counter() - t0) * 1000
    return ms, ids


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(np.intersect1d(f, t)) / K for f, t in zip(found, truth)]))


def flat_bytes(index) -> int:
    return index.ntotal * DIM * 4


def hnsw_bytes(index) -> int:
    """Vectors plus the graph: 4 bytes a link (2*M at level 0), offsets and levels."""
    h = index.hnsw
    return flat_bytes(index) + 4 * h.neighbors.size() + 8 * h.offsets.size() + 4 * h.levels.size()


def ivf_bytes(index) -> int:
    """Vectors plus an 8-byte id each, plus the coarse centroids."""
    return index.ntotal * (DIM * 4 + 8) + index.nlist * DIM * 4


def stats(ms: np.ndarray) -> tuple[float, float]:
    return float(np.median(ms)), float(np.percentile(ms, 95))


def encode_timer(n: int):
    """A function ``f(i)`` giving the ms of one bare MiniLM ``encode([q])`` of
    question ``i`` (mod ``n``) from eval/questions.jsonl: the yardstick for search
    cost. On one torch thread, like the searches: on this 2-core machine shared
    at load average ~7, two threads took 270-320 ms a query against 52 ms on one
    (each OpenMP barrier waits for a descheduled thread), which would flatter exact search."""
    import torch

    from rag.embed import Embedder
    from .bench_core import WARMUP, pick_queries, timed

    log("loading MiniLM for the encode yardstick")
    torch.set_num_threads(1)
    embedder, texts = Embedder(), [q["question"] for q in pick_queries(n)]
    for text in texts[:WARMUP]:
        embedder.encode([text])
    return lambda i: timed(embedder.encode, [texts[i % len(texts)]])[0] * 1000


def exact_vs_encode(flat, queries: np.ndarray, encode_one=None) -> tuple[np.ndarray, np.ndarray]:
    """ms of single-query exact search and, alternating with it, of one bare
    encoding: each pair sees the same load from other processes, so their ratio
    holds even when the absolute figures swing 3x within a minute, as they do here."""
    one_thread()
    flat_ms, enc_ms = np.empty(len(queries)), np.full(len(queries), np.nan)
    for i in range(len(queries)):
        t0 = time.perf_counter()
        flat.search(queries[i:i + 1], K)
        flat_ms[i] = (time.perf_counter() - t0) * 1000
        if encode_one:
            enc_ms[i] = encode_one(i)
    return flat_ms, enc_ms


def growth(x: np.ndarray, queries: np.ndarray, sizes: list[int], exact_q: int, encode_one=None):
    """Grow an exact and the project's HNSW index through ``sizes``; time both
    (and one bare encoding, if ``encode_one``) at each size. Returns the table
    rows, the final HNSW and exact indexes, the truth at the full size and both
    indexes' total build seconds."""
    import faiss
    from rag.index import make_faiss

    flat, hnsw, built, rows, truth = faiss.IndexFlatIP(DIM), None, 0, [], None
    build_s = flat_s = 0.0
    for size in sizes:
        log(f"growing to {size:,}: HNSW add {size - built:,} vectors")
        all_threads()
        t0 = time.perf_counter()
        if hnsw is None:
            hnsw = make_faiss(x[:size], threshold=0)
        else:
            hnsw.add(x[built:size])
        build_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        flat.add(x[built:size])
        flat_s += time.perf_counter() - t0
        built = size
        truth = exact_topk(flat, queries)
        flat_ms, enc_ms = exact_vs_encode(flat, queries[:exact_q], encode_one)
        hnsw_ms, found = latency(hnsw, queries)
        enc, ratio = float(np.median(enc_ms)), float(np.median(flat_ms / enc_ms))
        rows.append((size, *stats(flat_ms), *stats(hnsw_ms), recall(found, truth), build_s, enc, ratio))
        log(f"  exact {rows[-1][1]:.2f} ms, hnsw {rows[-1][3]:.3f} ms, recall {rows[-1][5]:.3f}, "
            f"encode {enc:.1f} ms, build so far {build_s:.0f} s")
    return rows, hnsw, flat, truth, build_s, flat_s


def ef_sweep(hnsw, queries: np.ndarray, truth: np.ndarray) -> list[tuple]:
    from rag.index import HNSW_EF_SEARCH

    rows = []
    for ef in sorted(set(EF_SWEEP) | {HNSW_EF_SEARCH}):
        hnsw.hnsw.efSearch = ef
        ms, found = latency(hnsw, queries)
        mark = " (project)" if ef == HNSW_EF_SEARCH else ""
        rows.append((f"HNSW efSearch={ef}{mark}", *stats(ms), recall(found, truth)))
    hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    return rows


def ivf(x: np.ndarray, queries: np.ndarray, truth: np.ndarray, nlist: int, train: int):
    """IndexIVFFlat trained on the first ``train`` vectors (an iid sample)."""
    import faiss

    log(f"IVF: training nlist={nlist} on {train:,} vectors, adding {len(x):,}")
    all_threads()
    t0 = time.perf_counter()
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.min_points_per_centroid = 1  # 100k / 4096 = 24 a list: fine, but faiss warns below 39
    index.train(x[:train])
    index.add(x)
    build_s = time.perf_counter() - t0
    rows = []
    for nprobe in NPROBE_SWEEP:
        index.nprobe = nprobe
        ms, found = latency(index, queries)
        rows.append((f"IVF{nlist},Flat nprobe={nprobe}", *stats(ms), recall(found, truth)))
    return rows, build_s, ivf_bytes(index)


def rule(head: str) -> str:
    """The Markdown line under a table header."""
    return "|" + "|".join("-" * len(cell) for cell in head.split("|")[1:-1]) + "|"


def growth_table(rows: list[tuple], ef: int, m: int, efc: int, exact_q: int, nq: int) -> str:
    head = (f"| {'vectors':>9} | exact med ms | exact p95 ms | HNSW med ms | HNSW p95 ms "
            f"| exact/HNSW | {'recall@' + str(K):>9} | HNSW build s | encode ms | exact/encode |")
    lines = [f"growth: exact over {exact_q} queries; HNSW M={m}, efConstruction={efc}, "
             f"efSearch={ef} over {nq} queries; build time cumulative ({os.cpu_count()} threads); "
             "encode = bare MiniLM encode([q]) on 1 thread, timed alternately with exact; "
             "exact/encode = median of those pairs' ratios", head, rule(head)]
    for size, f_med, f_p95, h_med, h_p95, rec, build_s, enc, ratio in rows:
        lines.append(f"| {size:>9,} | {f_med:>12.2f} | {f_p95:>12.2f} | {h_med:>11.3f} | {h_p95:>11.3f} "
                     f"| {f_med / h_med:>9.1f}x | {rec:>9.3f} | {build_s:>12.0f} | {enc:>9.1f} "
                     f"| {ratio:>12.3f} |")
    return "\n".join(lines)


def compare_table(n: int, families: list[tuple[str, float, int, list[tuple]]]) -> str:
    """One row per setting; build time and memory on the first row of each index."""
    head = f"| {'index at ' + format(n, ','):<34} | build s | memory MB |  med ms |  p95 ms | {'recall@' + str(K):>9} |"
    lines = [head, rule(head)]
    for _, build_s, nbytes, rows in families:
        for i, (name, med, p95, rec) in enumerate(rows):
            b = f"{build_s:>7.1f}" if i == 0 else " " * 7
            mem = f"{nbytes / 2**20:>9.0f}" if i == 0 else " " * 9
            lines.append(f"| {name:<34} | {b} | {mem} | {med:>7.3f} | {p95:>7.3f} | {rec:>9.3f} |")
    return "\n".join(lines)


def data_line(kind: str, x: np.ndarray, queries: np.ndarray, flat) -> str:
    all_threads()
    d = flat.search(queries, 10)[0]
    rand = float(np.mean(queries[:200] @ x[:2000].T))
    return (f"data: {kind}, {len(x):,} x {DIM} float32 unit vectors, {len(queries):,} queries not in the index; "
            f"query top-1 cosine {d[:, 0].mean():.3f}, 10th {d[:, 9].mean():.3f}, random pair {rand:.3f} "
            f"(MiniLM on the report's sentences: 0.683, 0.487, 0.261)")


def main(argv: list[str] | None = None) -> int:
    global K
    import faiss
    from rag.index import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, HNSW_THRESHOLD

    p = argparse.ArgumentParser(prog="python -m eval.bench_ann", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="vectors in the index")
    p.add_argument("--data", choices=("clustered", "uniform"), default="clustered")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--exact-queries", type=int, default=200,
                   help="queries timed on exact search (its cost barely varies: 200 is plenty)")
    p.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")], default=list(SIZES),
                   help="comma-separated sizes for the growth table (n is always added)")
    p.add_argument("--no-ivf", action="store_true", help="skip IVF (~2-4 min at 1M)")
    p.add_argument("--nlist", type=int, default=4096)
    p.add_argument("--train", type=int, default=100_000, help="IVF training sample")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=K, help="neighbours per query, scored as recall@k")
    p.add_argument("--encode-questions", type=int, default=50,
                   help="questions for the bare-encode yardstick; 0 skips it (and the model load)")
    args = p.parse_args(argv)
    K = args.k  # one setting read by every search below; a script, not a library

    t0 = time.perf_counter()
    sizes = sorted({s for s in args.sizes if s < args.n} | {args.n})
    log(f"faiss {faiss.__version__}, {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}; "
        f"making {args.n:,} {args.data} vectors")
    x, queries = make_data(args.data, args.n, args.queries, args.seed)
    encode_one = encode_timer(args.encode_questions) if args.encode_questions else None
    rows, hnsw, flat, truth, hnsw_build, flat_build = growth(x, queries, sizes, args.exact_queries, encode_one)
    log("efSearch sweep at full size")
    families = [("exact", flat_build, flat_bytes(flat),
                 [("IndexFlatIP (exact)", rows[-1][1], rows[-1][2], 1.0)]),
                ("hnsw", hnsw_build, hnsw_bytes(hnsw), ef_sweep(hnsw, queries, truth))]
    if not args.no_ivf:
        ivf_rows, ivf_build, ivf_mem = ivf(x, queries, truth, args.nlist, min(args.train, args.n))
        families.append(("ivf", ivf_build, ivf_mem, ivf_rows))
    print(f"faiss {faiss.__version__}; {os.cpu_count()} cpus; builds on all cores, latency 1 query/call "
          f"on 1 thread; HNSW_THRESHOLD now {HNSW_THRESHOLD:,}; load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(data_line(args.data, x, queries, flat))
    print()
    print(growth_table(rows, HNSW_EF_SEARCH, HNSW_M, HNSW_EF_CONSTRUCTION, min(args.exact_queries, args.queries),
                       args.queries))
    print()
    print(compare_table(args.n, families))
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
