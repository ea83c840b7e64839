"""Benchmark how index build and start-up grow with the sources: the report plus generated
prose (``eval/prose.py``) of each size, built and started in fresh processes.

    python -m eval.bench_build [--sizes 0,1,10] [--kind txt|md] [--english-only] [--torch-threads N]

For each size (MB of source text; 0 is the report alone) it writes a corpus to a temporary
folder (``sources/generated.txt``, one section, as a .txt is; ``--kind md``: a ``##`` heading
every 20 paragraphs), then runs two child processes and reads their peak RSS:

* build: ``Pipeline.open(rebuild=True)`` with the model loaded (chunk, embed with MiniLM and
  multilingual-e5, save, then the tables every start makes);
* start: ``Pipeline.open`` of that index and the first ``ask``, as ``rag ask`` does after a
  build (the model's load is timed apart and not counted).

Each time is also given per MB of sources (the report's own cost taken off: the 0 MB row) and
as a multiple of one bare MiniLM encoding of a sentence measured in the same process; the load
average is printed beside every row, as the machine is shared. The word lists the reader
makes once per index folder (``index/lexicon.json``, ~3 s) are copied in, not timed. Nothing
is written outside the temporary folder. These are figures, not tests.

Measured with ``--sizes 0,1`` (a test ran beside the 1 MB build; the load average is in each row):

    sources: generated txt; MiniLM + multilingual-e5; cpus 2; model loaded before timing; x encode: the time as a multiple of one bare MiniLM encoding of a sentence in the same process (median 23.8 ms); s/MB and RSS MB/MB above the 0 MB row (the report alone)

    build = Pipeline.open(rebuild=True)

    | sources MB | chunks | sentences | build s | s/MB | x encode | CPU s | CPU s/MB | chunk s | minilm s | e5 s | save s | tables s | reader s | retriever s | peak RSS MB | RSS MB/MB | load avg (1 min) |
    |------------|--------|-----------|---------|------|----------|-------|----------|---------|----------|------|--------|----------|----------|-------------|-------------|-----------|------------------|
    |          0 |     35 |       139 |    17.0 |    - |      792 |    32 |        - |     0.5 |      7.4 |  8.3 |    0.0 |      0.1 |      0.6 |         0.0 |         840 |         - |          1.5-1.6 |
    |          1 |   1059 |      6651 |   533.3 | 516.2 |    23731 |   968 |    936.0 |     5.7 |    205.2 | 315.6 |    0.3 |      3.1 |      2.6 |         0.4 |        1279 |     438.9 |          1.5-3.0 |

    start = Pipeline.open of the built index + the first ask

    | sources MB | chunks | sentences | start s | s/MB | x encode | CPU s | CPU s/MB | load s | tables s | reader s | retriever s | first ask s | peak RSS MB | RSS MB/MB | load avg (1 min) |
    |------------|--------|-----------|---------|------|----------|-------|----------|--------|----------|----------|-------------|-------------|-------------|-----------|------------------|
    |          0 |     35 |       139 |     2.0 |    - |       79 |     2 |        - |    0.1 |      0.2 |      0.7 |         0.0 |        0.98 |         734 |         - |          1.6-1.5 |
    |          1 |   1059 |      6651 |     6.7 |  4.7 |      224 |     7 |      4.6 |    0.3 |      2.5 |      2.5 |         0.5 |        0.96 |         826 |      91.7 |          3.0-2.5 |

    (total 617 s)

With ``--sizes 0,1,10 --stub-models`` (hash vectors: everything but the models' arithmetic, which
is linear in the texts embedded and took 521 of the 533 s per MB above; three evals began beside
the 10 MB start). Every
stage grows about linearly (chunk 4.5 -> 35.4 s, tables 2.1 -> 16.7 s, reader 2.2 -> 14.7 s for
10 times the text) except ``faiss``: at 66,016 sentences the sentence index passes HNSW_THRESHOLD
and HNSW costs 0.9 ms a vector to build (61.6 s), about 1% of what embedding 10 MB costs (~5,200 s
at 516 s/MB), for searches of ~1 ms instead of ~10 ms exact:

    sources: generated txt; hash vectors (--stub-models); cpus 2; model loaded before timing; x encode: the time as a multiple of one bare MiniLM encoding of a sentence in the same process (median 15.1 ms); s/MB and RSS MB/MB above the 0 MB row (the report alone)

    build = Pipeline.open(rebuild=True)

    | sources MB | chunks | sentences | build s | s/MB | x encode | CPU s | CPU s/MB | chunk s | minilm s | e5 s | faiss s | save s | tables s | reader s | retriever s | peak RSS MB | RSS MB/MB | load avg (1 min) |
    |------------|--------|-----------|---------|------|----------|-------|----------|---------|----------|------|---------|--------|----------|----------|-------------|-------------|-----------|------------------|
    |          0 |     35 |       139 |     1.0 |    - |       69 |     1 |        - |     0.3 |      0.0 |  0.0 |     0.1 |    0.0 |      0.1 |      0.4 |         0.0 |         622 |         - |          0.3-0.4 |
    |          1 |   1059 |      6651 |    10.0 |  9.0 |      262 |    10 |      8.6 |     4.5 |      0.1 |  0.1 |     0.1 |    0.3 |      2.1 |      2.2 |         0.5 |         749 |     127.4 |          0.5-0.9 |
    |         10 |  10309 |     66016 |   139.4 | 13.8 |    10816 |   182 |     18.1 |    35.4 |      1.4 |  0.8 |    61.6 |    3.2 |     16.7 |     14.7 |         4.2 |        1817 |     119.6 |          1.1-2.0 |

    start = Pipeline.open of the built index + the first ask

    | sources MB | chunks | sentences | start s | s/MB | x encode | CPU s | CPU s/MB | load s | tables s | reader s | retriever s | first ask s | peak RSS MB | RSS MB/MB | load avg (1 min) |
    |------------|--------|-----------|---------|------|----------|-------|----------|--------|----------|----------|-------------|-------------|-------------|-----------|------------------|
    |          0 |     35 |       139 |     1.7 |    - |      102 |     2 |        - |    0.0 |      0.1 |      0.5 |         0.0 |        1.07 |         711 |         - |          0.4-0.5 |
    |          1 |   1059 |      6651 |     5.7 |  3.9 |      355 |     6 |      4.0 |    0.2 |      2.1 |      2.0 |         0.4 |        0.99 |         825 |     114.0 |          0.9-1.1 |
    |         10 |  10309 |     66016 |    47.1 |  4.5 |     3304 |    37 |      3.5 |    1.6 |     14.5 |     24.6 |         3.7 |        2.52 |        1804 |     109.3 |          2.0-3.3 |

    (total 271 s)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What share of detected victims are adult women?"
ENCODE_SAMPLE = "Most detected victims of trafficking are adult women and girls."
ENCODES = 20  # bare encodings timed for the baseline; their median is the unit


def log(msg: str) -> None:
    print(f"[bench_build {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def write_corpus(folder: Path, mb: float, kind: str) -> Path:
    """The real corpus, plus ``mb`` MB of generated source text as one declared source."""
    from .prose import prose

    corpus = folder / "corpus"
    (corpus / "sources").mkdir(parents=True)
    for name in ("report.md", "references.json", "suggestions.json"):
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    if mb > 0:
        name = f"generated.{kind}"
        (corpus / "sources" / name).write_text(prose(int(mb * 1e6), headings=kind == "md"), encoding="utf-8")
        (corpus / "sources" / "manifest.json").write_text(json.dumps({"sources": [{"file": name}]}))
    return corpus


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def cpu_seconds() -> float:
    """CPU time of this process's threads: less moved than wall time by other processes
    (on 2 cores a step's wall time is about its CPU time, or half of it where torch uses both)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def stub_vectors(texts) -> "np.ndarray":
    """Unit vectors from a hash of each text: everything but the models' arithmetic."""
    import hashlib

    import numpy as np

    rows = [np.frombuffer(hashlib.sha512(t.encode()).digest() * 6, dtype=np.uint8)[:384].astype(np.float32) - 127.5
            for t in texts]
    out = np.array(rows, dtype=np.float32).reshape(len(rows), 384)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class StubE5:
    """Stands for ``MultilingualEmbedder`` with ``--stub-models`` (under its name, or every
    start finds the index stale and builds it again)."""
    from rag.multilingual import MODEL_NAME as name

    dim = 384

    def encode_passages(self, texts, threads=None):
        return stub_vectors(texts)

    def encode_queries(self, texts):
        return stub_vectors(texts)


def timing(spent: dict, name: str, fn):
    """``fn``, adding the seconds each call takes to ``spent[name]``."""
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
    return timed


def child(step: str, corpus: Path, index: Path, english_only: bool, threads: int, stub: bool) -> dict:
    """One step in this process: its seconds (and its stages'), the bare encoding's, the peak RSS."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    from rag import answer, index as index_mod, multilingual, pipeline
    from rag.config import Config
    from rag.embed import Embedder

    t0 = time.perf_counter()
    embedder = Embedder()
    model_s = time.perf_counter() - t0
    embedder.encode([ENCODE_SAMPLE])  # the first call allocates buffers
    encodes = []
    for _ in range(ENCODES):
        t0 = time.perf_counter()
        embedder.encode([ENCODE_SAMPLE])
        encodes.append(time.perf_counter() - t0)
    spent: dict[str, float] = {}
    embedder.encode = timing(spent, "minilm", (lambda texts, **kw: stub_vectors(texts)) if stub else embedder.encode)
    if stub:
        pipeline.MultilingualEmbedder = StubE5
    cls = pipeline.MultilingualEmbedder
    cls.encode_passages = timing(spent, "e5", cls.encode_passages)
    for module, name, stage in ((index_mod, "chunk_document", "chunk"), (index_mod, "sentences", "chunk"),
                                (index_mod, "make_faiss", "faiss"), (index_mod, "save", "save"),
                                (index_mod, "load", "load"),
                                (pipeline, "Retriever", "retriever"), (pipeline, "Reader", "reader")):
        setattr(module, name, timing(spent, stage, getattr(module, name)))
    answer.Tables.of = timing(spent, "tables", answer.Tables.of)
    cfg = Config(corpus_dir=corpus, index_dir=index, multilingual=not english_only)
    out = {"model_s": model_s, "encode_s": statistics.median(encodes), "rss_model_mb": peak_rss_mb()}
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    p = pipeline.Pipeline.open(cfg, progress=False, rebuild=step == "build", embedder=embedder)
    out["open_s"] = time.perf_counter() - t0
    out["ask_s"] = 0.0
    if step == "start" and "chunk" in spent:
        raise RuntimeError("the start found the index stale and built it again")
    if step == "start":
        t0 = time.perf_counter()
        out["abstained"] = p.ask(QUESTION).abstained
        out["ask_s"] = time.perf_counter() - t0
    out["cpu_s"] = cpu_seconds() - cpu0
    m = p.index.manifest
    out.update(spent=spent, rss_mb=peak_rss_mb(), chunks=m["counts"]["chunks"], sentences=m["counts"]["sentences"],
               problems=m.get("problems", []))
    return out


def run_child(step: str, corpus: Path, index: Path, args) -> dict:
    cmd = [sys.executable, "-m", "eval.bench_build", "--child", step, "--corpus", str(corpus), "--index", str(index),
           "--torch-threads", str(args.torch_threads)] + (["--english-only"] if args.english_only else []) \
        + (["--stub-models"] if args.stub_models else [])
    before = os.getloadavg()[0]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{step} failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["load"] = f"{before:.1f}-{os.getloadavg()[0]:.1f}"
    return out


def table(rows: list[dict], step: str) -> str:
    """One line per size: the step's seconds, per MB above the 0 MB row, as bare encodings,
    its stages, and its peak RSS."""
    stages = ("chunk", "minilm", "e5", "faiss", "save", "tables", "reader", "retriever") if step == "build" \
        else ("load", "tables", "reader", "retriever")
    seconds = lambda r: r[step]["open_s"] + r[step]["ask_s"]  # noqa: E731
    base = next((r for r in rows if r["mb"] == 0), None)

    def per_mb(r: dict, value) -> str:
        return f"{(value(r) - (value(base) if base else 0.0)) / r['mb']:.1f}" if r["mb"] else "-"

    head = ["sources MB", "chunks", "sentences", f"{step} s", "s/MB", "x encode", "CPU s", "CPU s/MB",
            *(f"{s} s" for s in stages)]
    head += [*(["first ask s"] if step == "start" else []), "peak RSS MB", "RSS MB/MB", "load avg (1 min)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("-" * (len(h) + 2) for h in head) + "|"]
    for r in rows:
        x = r[step]
        cells = [f"{r['mb']:g}", str(x["chunks"]), str(x["sentences"]), f"{seconds(r):.1f}", per_mb(r, seconds),
                 f"{seconds(r) / x['encode_s']:.0f}", f"{x.get('cpu_s', float('nan')):.0f}",
                 per_mb(r, lambda q: q[step].get("cpu_s", float("nan"))), *(f"{x['spent'].get(s, 0.0):.1f}" for s in stages)]
        cells += [*([f"{x['ask_s']:.2f}"] if step == "start" else []), f"{x['rss_mb']:.0f}",
                  per_mb(r, lambda q: q[step]["rss_mb"]), x["load"]]
        lines.append("| " + " | ".join(c.rjust(len(h)) for c, h in zip(cells, head)) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench_build", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="0,1,10", help="MB of generated sources, comma-separated (0: the report alone)")
    p.add_argument("--kind", choices=("txt", "md"), default="txt", help="one section (txt) or headed parts (md)")
    p.add_argument("--english-only", action="store_true", help="Config(multilingual=False): no e5 vectors")
    p.add_argument("--torch-threads", type=int, default=0, help="set torch's threads (0: its default)")
    p.add_argument("--stub-models", action="store_true",
                   help="vectors from a hash instead of MiniLM and e5: times all but the models' arithmetic")
    p.add_argument("--child", choices=("build", "start"), help=argparse.SUPPRESS)
    p.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.corpus, args.index, args.english_only, args.torch_threads,
                               args.stub_models)))
        return 0

    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_build-") as tmp:
        lexicon = Path(tmp) / "lexicon.json"
        if (ROOT / "index" / "lexicon.json").exists():
            shutil.copy(ROOT / "index" / "lexicon.json", lexicon)
        else:  # the same for every corpus: made once, untimed
            from rag import read

            read.load_lexicon(lexicon)
        for mb in [float(x) for x in args.sizes.split(",")]:
            folder = Path(tmp) / f"{mb:g}mb"
            corpus = write_corpus(folder, mb, args.kind)
            index = folder / "index" / "built"
            index.parent.mkdir(parents=True)
            shutil.copy(lexicon, index.parent / "lexicon.json")
            log(f"{mb:g} MB ({args.kind}): building (load average {load_average()})")
            build = run_child("build", corpus, index, args)
            log(f"{mb:g} MB: built in {build['open_s']:.1f} s; starting")
            start = run_child("start", corpus, index, args)
            log(f"{mb:g} MB: started in {start['open_s']:.1f} s, first ask {start['ask_s']:.2f} s")
            log(f"{mb:g} MB: {json.dumps({'build': build, 'start': start})}")
            for problem in build["problems"]:
                log(f"  warning: {problem}")
            rows.append({"mb": mb, "build": build, "start": start})
            shutil.rmtree(folder, ignore_errors=True)
    models = "hash vectors (--stub-models)" if args.stub_models else \
        "MiniLM only" if args.english_only else "MiniLM + multilingual-e5"
    encode = statistics.median([r[k]["encode_s"] for r in rows for k in ("build", "start")])
    print(f"sources: generated {args.kind}; {models}; cpus {os.cpu_count()}; model loaded before timing; "
          f"x encode: the time as a multiple of one bare MiniLM encoding of a sentence in the same process "
          f"(median {encode * 1000:.1f} ms); s/MB and RSS MB/MB above the 0 MB row (the report alone)")
    print("\nbuild = Pipeline.open(rebuild=True)\n")
    print(table(rows, "build"))
    print("\nstart = Pipeline.open of the built index + the first ask\n")
    print(table(rows, "start"))
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
