"""The ``rag`` command: build, search, ask. Errors become one-line messages here."""
from __future__ import annotations

import argparse
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
    from .pipeline import Pipeline

    try:
        cfg = Config(k=getattr(args, "k", 5), retriever=getattr(args, "retriever", "hybrid"))
        if args.command == "build":
            p = Pipeline.open(cfg, progress=True, rebuild=True)
            m = p.index.manifest
            print(f"Built {cfg.index_dir}: {m['counts']['chunks']} chunks, "
                  f"{m['counts']['sentences']} sentences, report version {m['corpus_hash']} "
                  f"({m['build_seconds']} s).")
            return 0
        p = Pipeline.open(cfg, progress=True)
        if args.command == "search":
            passages = p.search(args.query)
            if args.json:
                print(json.dumps([{"rank": x.rank, "score": x.score, **asdict(x.chunk)} for x in passages],
                                 indent=2, ensure_ascii=False))
            else:
                for x in passages:
                    page = f", p. {x.chunk.page}" if x.chunk.page else ""
                    print(f"[{x.rank}] {x.chunk.section}{page}  ({x.score:.3f}, {x.chunk.chunk_id})")
                    print("    " + x.chunk.text.replace("\n", "\n    ") + "\n")
            return 0
        answer = p.ask(args.question, detail=args.more)
        if args.json:
            print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        else:
            print(answer.to_text())
        return 0
    except (ValueError, CorpusError, BadIndex) as e:
        print(f"rag: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
