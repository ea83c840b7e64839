"""Stage 4: build, save and load the index.

An index is a folder of plain files::

    manifest.json     format version, model, chunking, corpus hash, file hashes
    chunks.faiss      one vector per chunk (exact inner product, or HNSW when large)
    chunks.jsonl      the chunk records, in vector order
    sentences.faiss   one vector per sentence (the answer stage scores these)
    sentences.jsonl   the sentence records, in vector order
    names.faiss       one vector per name the sections mention (the answer stage
    names.json        matches a question's names against these), and the names
    references.json   the reference list, for citation chains
    sentences.e5.faiss   the sentences again, embedded by multilingual-e5 for
                      non-English questions (only when built with it)

The target (``index/built``) is a symlink to a versioned folder beside it
(``.built-v<time>-<pid>``): a build writes a new version, then replaces the link with
one ``os.replace``, so a crash at any point leaves the previous index loadable. Builds
take a lock (``.built.lock``) and so run one at a time; each removes the versions no link
points to, but keeps the one it replaced for a reader that opened it a moment before.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .chunk import Chunk, Sentence, chunk_document, embedding_text, sections_names, sentences
from .config import Config
from .load import Corpus, Reference, corpus_hash

FORMAT_VERSION = 2
# Exact search costs ~0.15 ms per 1,000 vectors on one core (147 ms at 1M), and each query
# searches the chunk and sentence indexes: at 25,000 that is ~4 ms, a fifth of one MiniLM query
# encoding on one thread; at 200,000 it was 29-42 ms, 1.6x. HNSW answers in 0.4-1 ms at every size,
# recall@10 1.000 up to 200k; at 1M 0.972 with efSearch 128, 0.989 with 256 (+0.25 ms). It costs
# ~270 bytes a vector and ~0.5 ms a vector to build on 2 cores (eval/bench_ann.py); in a 10 MB
# build, 0.9 ms (66,016 sentences, 62 s), ~1% of the embedding time (eval/bench_build.py).
HNSW_THRESHOLD = 25_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 256
FILES = ("chunks.faiss", "chunks.jsonl", "sentences.faiss", "sentences.jsonl", "names.faiss", "names.json",
         "references.json")
E5_FILES = ("sentences.e5.faiss",)


class BadIndex(Exception):
    """The index on disk cannot be used; the message says why and what to do."""


@dataclass(frozen=True, eq=False)
class Index:
    manifest: dict
    chunks: tuple[Chunk, ...]
    sentences: tuple[Sentence, ...]
    references: tuple[Reference, ...]
    chunk_vectors: object  # faiss.Index
    sentence_vectors: object  # faiss.Index
    names: tuple[str, ...] = ()
    name_vectors: object = None  # faiss.Index
    # The sentences in multilingual-e5's space, or None (built without it). Not the chunks:
    # ranking chunks by their best e5 sentence alone found the evidence for as many Spanish
    # dev questions (13/15 first) as fusing it with e5 chunk vectors, which cost 7.6 of 13.6 s.
    sentence_vectors_e5: object = None

    @property
    def version(self) -> str:
        return self.manifest["corpus_hash"]


def make_faiss(vectors: np.ndarray, threshold: int = HNSW_THRESHOLD):
    """Exact inner product below ``threshold`` vectors, HNSW above."""
    import faiss

    n, dim = vectors.shape
    if n < threshold:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def expected_manifest(corpus: Corpus, cfg: Config, model_name: str, dim: int,
                      multilingual: str | None = None) -> dict:
    """The settings an index must have been built with to be used as is.
    ``multilingual``: the second model's name, if non-English vectors are wanted."""
    return {"format_version": FORMAT_VERSION, "model": {"name": model_name, "dim": dim},
            "chunking": cfg.chunking, "corpus_hash": corpus_hash(corpus), "multilingual": multilingual}


def build(corpus: Corpus, embedder, cfg: Config, progress: bool = False, record: dict | None = None,
          e5=None) -> Index:
    """Chunk, embed and save ``corpus`` to ``cfg.index_dir``; return the loaded index.
    ``record``: settings to write into the manifest beside the index's own (not checked on load).
    ``e5``: a ``MultilingualEmbedder`` to embed the sentences a second time."""
    t0 = time.perf_counter()
    chunks = [c for d in corpus.documents
              for c in chunk_document(d, cfg.chunk_tokens, cfg.overlap_tokens, embedder.fits)]
    sents = [s for d in corpus.documents for s in sentences(d)]
    if progress:
        print(f"Embedding {len(chunks)} chunks and {len(sents)} sentences "
              f"from {len(corpus.documents)} document(s)…", file=sys.stderr, flush=True)
    chunk_vecs = embedder.encode([embedding_text(c.section, c.text) for c in chunks], progress=progress)
    sent_vecs = embedder.encode([s.text for s in sents], progress=progress)
    names = sorted({n for d in corpus.documents for n in sections_names(d)})
    name_vecs = embedder.encode(names)
    e5_vectors = {}
    if e5 is not None:
        if progress:
            print(f"Embedding them again for non-English questions ({e5.name})…", file=sys.stderr, flush=True)
        # Every core: 3.3 s for the report's 139 sentences on 2, 6.0 s on one (queries use one).
        e5_vectors = {"sentence_vectors_e5": make_faiss(e5.encode_passages([s.text for s in sents],
                                                                           threads=os.cpu_count()))}
    manifest = expected_manifest(corpus, cfg, embedder.name, embedder.dim, e5.name if e5 is not None else None)
    manifest.update(counts={"documents": len(corpus.documents), "chunks": len(chunks),
                            "sentences": len(sents)},
                    index_type="flat-ip" if len(chunks) < HNSW_THRESHOLD else "hnsw",
                    problems=list(corpus.problems), **(record or {}))
    index = Index(manifest, tuple(chunks), tuple(sents), corpus.references,
                  make_faiss(chunk_vecs), make_faiss(sent_vecs), tuple(names), make_faiss(name_vecs, threshold=10**12),
                  **e5_vectors)
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    save(index, Path(cfg.index_dir))
    return index


def save(index: Index, target: Path) -> None:
    """Write ``index`` as a new version and point ``target`` at it (see the module's note)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        version = target.parent / f".{target.name}-v{time.time_ns()}-{os.getpid()}"
        _write(index, version)
        _step("written")
        replaced = _point(target, version)
        _step("swapped")
        _clean(target, keep={version.name, replaced})


def _step(name: str) -> None:
    """A point between the steps of ``save``; tests make it raise to stand for a kill there."""


@contextmanager
def _locked(target: Path):
    """Hold an exclusive lock on ``target``'s lock file: concurrent builds wait their turn
    (two at once failed with ENOTEMPTY when each renamed the folder the other had moved)."""
    with open(target.parent / f".{target.name}.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _write(index: Index, folder: Path) -> None:
    """The index's plain files into a new ``folder``; the manifest last, so a folder with a
    manifest is complete."""
    import faiss

    folder.mkdir()
    faiss.write_index(index.chunk_vectors, str(folder / "chunks.faiss"))
    faiss.write_index(index.sentence_vectors, str(folder / "sentences.faiss"))
    faiss.write_index(index.name_vectors, str(folder / "names.faiss"))
    files = FILES
    if index.sentence_vectors_e5 is not None:
        faiss.write_index(index.sentence_vectors_e5, str(folder / "sentences.e5.faiss"))
        files += E5_FILES
    (folder / "names.json").write_text(json.dumps(list(index.names), ensure_ascii=False, indent=0), encoding="utf-8")
    _write_jsonl(folder / "chunks.jsonl", index.chunks)
    _write_jsonl(folder / "sentences.jsonl", index.sentences)
    (folder / "references.json").write_text(
        json.dumps([asdict(r) for r in index.references], indent=1, ensure_ascii=False), encoding="utf-8")
    manifest = dict(index.manifest, files={f: _sha256(folder / f) for f in files})
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _point(target: Path, version: Path) -> str | None:
    """Make ``target`` a link to ``version`` in one rename; the name of the folder it pointed to."""
    replaced = os.readlink(target) if target.is_symlink() else None
    if target.is_dir() and not target.is_symlink():
        # An index saved before versioned folders: moved aside once, then linked. A kill
        # between the two renames leaves no index, which the next open builds again.
        replaced = f".{target.name}-v0-{os.getpid()}"
        target.rename(target.parent / replaced)
        _step("moved")
    link = target.parent / f".{target.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version.name, link)  # relative: the index folder can be moved or copied whole
    os.replace(link, target)
    return replaced


def _clean(target: Path, keep: set) -> None:
    """Remove the versions, links and temporary folders of ``target`` not in ``keep``
    (only under the lock: another build's version in progress would look the same)."""
    ours = re.compile(rf"\.{re.escape(target.name)}(-v\d+-\d+|\.(tmp|old|link)-\d+)")
    for path in target.parent.iterdir():
        if not ours.fullmatch(path.name) or path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def read_manifest(folder: Path) -> dict | None:
    """The manifest of the index at ``folder``, or None if there is none; BadIndex if it is
    not a JSON object (`rag build` rebuilds over it)."""
    path = Path(folder) / "manifest.json"
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as e:
        raise BadIndex(f"{path} is corrupt ({e}); run `rag build` to rebuild the index") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files", {}), dict):
        what = f"a JSON {_JSON_TYPES.get(type(manifest), 'value')}" if not isinstance(manifest, dict) \
            else '"files" is no object'
        raise BadIndex(f"{path} is no index manifest ({what}); run `rag build` to rebuild the index")
    return manifest


def is_stale(manifest: dict, expected: dict) -> list[str]:
    """Names of the settings that differ between a saved index and what is wanted."""
    return [k for k, v in expected.items() if manifest.get(k) != v]


def load(folder: Path) -> Index:
    """Read a saved index, verifying every file against the manifest's hashes."""
    import faiss

    # Every file from the one version the link points to now, even if a build swaps it meanwhile.
    folder = Path(folder).resolve()
    manifest = read_manifest(folder)
    if manifest is None:
        raise BadIndex(f"no index at {folder}; run `rag build`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BadIndex(f"{folder} holds index format {manifest.get('format_version')}, "
                          f"this version reads {FORMAT_VERSION}; run `rag build`")
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists() or _sha256(path) != digest:
            raise BadIndex(f"{path} is missing, truncated or modified since the build "
                              "(its hash does not match the manifest); run `rag build`")
    try:
        chunk_vectors = faiss.read_index(str(folder / "chunks.faiss"))
        sentence_vectors = faiss.read_index(str(folder / "sentences.faiss"))
        name_vectors = faiss.read_index(str(folder / "names.faiss"))
        names = tuple(json.loads((folder / "names.json").read_text(encoding="utf-8")))
        chunks = tuple(Chunk(**r) for r in _read_jsonl(folder / "chunks.jsonl"))
        sents = tuple(Sentence(**r) for r in _read_jsonl(folder / "sentences.jsonl"))
        refs = tuple(Reference(**dict(r, aliases=tuple(r["aliases"])))
                     for r in json.loads((folder / "references.json").read_text(encoding="utf-8")))
        e5 = {}
        if manifest.get("multilingual"):
            e5 = {"sentence_vectors_e5": faiss.read_index(str(folder / "sentences.e5.faiss"))}
    except (RuntimeError, ValueError, TypeError, KeyError, OSError) as e:
        raise BadIndex(f"{folder} cannot be read ({type(e).__name__}: {e}); run `rag build`") from None
    if chunk_vectors.ntotal != len(chunks) or sentence_vectors.ntotal != len(sents) \
            or name_vectors.ntotal != len(names) \
            or e5 and e5["sentence_vectors_e5"].ntotal != len(sents):
        raise BadIndex(f"{folder}: vector and record counts differ; run `rag build`")
    return Index(manifest, chunks, sents, refs, chunk_vectors, sentence_vectors, names, name_vectors, **e5)


def _write_jsonl(path: Path, records) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
