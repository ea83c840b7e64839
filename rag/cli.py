"""The ``rag`` command: build, search, ask. Errors become one-line messages here."""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import asdict

from .config import RETRIEVERS, Config


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Offline, cited answers from the Argos report "
                                "'Human Trafficking: a scourge that can be stopped'.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="(re)build the index from corpus/")
    s = sub.add_parser("search", help="show the passages that match a query")
    s.add_argument("query")
    s.add_argument("-k", type=int, default=5, help="passages to show (default 5)")
    s.add_argument("--retriever", choices=RETRIEVERS, default="hybrid")
    s.add_argument("--json", action="store_true", help="print JSON")
    a = sub.add_parser("ask", help="answer a question with citations")
    a.add_argument("question")
    a.add_argument("--more", action="store_true", help="a longer answer (up to ~160 words)")
    a.add_argument("--json", action="store_true", help="print the answer record as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .index import BadIndex
    from .load import CorpusError
    from .question import clean_question

    try:
        cfg = Config(k=getattr(args, "k", 5), retriever=getattr(args, "retriever", "hybrid"))
        # Before the model loads (8-18 s): an empty or oversized question is refused at once.
        if args.command in ("search", "ask"):
            clean_question(args.query if args.command == "search" else args.question)
        # Only the result goes to stdout (`--json` is parsed by scripts); whatever loading or
        # rebuilding the index prints, the CLI's or a library's, goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            out = _run(args, cfg)
        print(out)
        return 0
    except (ValueError, CorpusError, BadIndex) as e:
        print(f"rag: {e}", file=sys.stderr)
        return 1


def _run(args, cfg: Config) -> str:
    """The command's output."""
    from .pipeline import Pipeline

    if args.command == "build":
        p = Pipeline.open(cfg, progress=True, rebuild=True)
        m = p.index.manifest
        return (f"Built {cfg.index_dir}: {m['counts']['chunks']} chunks, "
                f"{m['counts']['sentences']} sentences, report version {m['corpus_hash']} "
                f"({m['build_seconds']} s).")
    p = Pipeline.open(cfg, progress=True)
    if args.command == "search":
        passages = p.search(args.query)
        if args.json:
            return json.dumps([{"rank": x.rank, "score": x.score, **asdict(x.chunk)} for x in passages],
                              indent=2, ensure_ascii=False)
        return "\n".join(f"[{x.rank}] {x.chunk.section}{f', p. {x.chunk.page}' if x.chunk.page else ''}  "
                         f"({x.score:.3f}, {x.chunk.chunk_id})\n    " + x.chunk.text.replace("\n", "\n    ") + "\n"
                         for x in passages)
    answer = p.ask(args.question, detail=args.more)
    return json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else answer.to_text()


if __name__ == "__main__":
    sys.exit(main())
