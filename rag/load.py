"""Stage 1: load the corpus into plain-text documents with sections and links.

The corpus folder holds ``report.md`` (the cleaned report), ``references.json``
(its numbered reference list) and ``sources/`` with the source documents the
user has, declared in ``sources/manifest.json``::

    {"sources": [{"file": "unodc-2020.pdf", "ref": 1}]}

Every document becomes plain text (link syntax and emphasis marks removed) with
section spans and link anchors as character offsets into that text, so later
stages can quote it exactly. A bad file is reported by name and skipped.

>>> d = parse_markdown("## Intro {page=4}\\n\\nSee [a report](#ref-1).", "doc")
>>> d.text, d.sections[0].page, d.anchors[0]
('See a report.', 4, Anchor(start=4, end=12, ref=1, url=None))
"""
from __future__ import annotations

import hashlib
import html.parser
import json
import logging
import re
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMATS = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
# Text past this size gets a warning. Each megabyte (~1,060 chunks, ~6,650 sentences) adds
# ~516 s to the build on 2 cores, 98% of it embedding the sentences twice (MiniLM 205 s, then
# multilingual-e5 316 s), and ~5 s to every start (eval/bench_build.py, load average 1.5-3).
LARGE_TEXT_MB = 1.0
# A damaged PDF may log one line per broken object; the first few say what is wrong.
MAX_LIBRARY_WARNINGS = 3


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    ref: int | None  # number in the reference list, when the link points there
    url: str | None


@dataclass(frozen=True)
class Section:
    title: str
    page: int | None
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    text: str
    sections: tuple[Section, ...]
    anchors: tuple[Anchor, ...] = ()
    ref: int | None = None  # the reference this document is a copy of


@dataclass(frozen=True)
class Reference:
    n: int
    publisher: str
    title: str
    url: str | None
    aliases: tuple[str, ...] = ()
    doc_id: str | None = None  # a local copy, when sources/ has one


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    references: tuple[Reference, ...]
    problems: tuple[str, ...] = field(default=())  # "path: reason" for skipped or suspect files
    suggestions: dict = field(default_factory=dict)  # section title -> questions it answers

    def document(self, doc_id: str) -> Document:
        return next(d for d in self.documents if d.doc_id == doc_id)


class CorpusError(Exception):
    """The corpus cannot be used at all (no report, broken reference list)."""


# ---------------------------------------------------------------- Markdown

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s*\{page=(\d+)\})?\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])|`([^`]+)`")


def parse_markdown(text: str, doc_id: str, title: str = "", ref: int | None = None) -> Document:
    """Markdown -> Document. ``##`` headings start sections (``{page=N}`` sets
    the page); a leading ``#`` heading is the title; ``[x](#ref-N)`` is an anchor."""
    sections: list[tuple[str, int | None, list[str]]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            if not sections:
                sections.append((title or doc_id, None, []))
            sections[-1][2].append(" ".join(para))
            para.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        m = _HEADING.match(line)
        if m:
            flush()
            if len(m.group(1)) == 1 and not sections and not title:
                title = m.group(2)
                continue
            sections.append((m.group(2), int(m.group(3)) if m.group(3) else None, []))
        elif not line.strip():
            flush()
        elif line.lstrip().startswith(("- ", "* ", "+ ")) or re.match(r"\s*\d+\. ", line):
            flush()
            para.append(line.strip())
        else:
            para.append(line.strip())
    flush()
    return _assemble(doc_id, title or doc_id, [(t, p, paras) for t, p, paras in sections], ref)


def _inline(md: str, offset: int, anchors: list[Anchor]) -> str:
    """Strip link syntax and emphasis marks; record link anchors at ``offset``."""
    out, pos = [], 0
    for m in _LINK.finditer(md):
        out.append(_strip_emphasis(md[pos:m.start()]))
        start = offset + sum(map(len, out))
        label = _strip_emphasis(m.group(1))
        out.append(label)
        target = m.group(2)
        ref = re.fullmatch(r"#ref-(\d+)", target)
        if label and not m.group(0).startswith("!"):
            anchors.append(Anchor(start, start + len(label), int(ref.group(1)) if ref else None,
                                  None if ref or target.startswith("#") else target))
        pos = m.end()
    out.append(_strip_emphasis(md[pos:]))
    return "".join(out)


def _strip_emphasis(s: str) -> str:
    return _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or m.group(4) or "", s)


def _assemble(doc_id: str, title: str, raw: list[tuple[str, int | None, list[str]]],
              ref: int | None, markdown: bool = True) -> Document:
    text, sections, anchors = "", [], []
    for s_title, page, paras in raw:
        paras = [p for p in paras if p.strip()]
        if not paras:
            continue
        if text:
            text += "\n\n"
        start = len(text)
        for i, p in enumerate(paras):
            if i:
                text += "\n\n"
            text += _inline(p, len(text), anchors) if markdown else p
        sections.append(Section(s_title.strip() or title, page, start, len(text)))
    return Document(doc_id, title, text, tuple(sections), tuple(anchors), ref)


# ---------------------------------------------------------------- other formats

def parse_text(text: str, doc_id: str, title: str = "", ref: int | None = None) -> Document:
    """Plain text: paragraphs on blank lines, one section."""
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return _assemble(doc_id, title or doc_id, [(title or doc_id, None, paras)], ref, markdown=False)


class _HTMLText(html.parser.HTMLParser):
    BLOCKS = {"p", "div", "li", "br", "tr", "section", "article", "blockquote", "pre", "td"}
    SKIP = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, int | None, list[str]]] = []
        self.title, self._buf, self._skip, self._heading = "", [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = []
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            name = " ".join("".join(self._heading).split())
            self._heading = None
            if tag == "h1" and not self.title:
                self.title = name
            elif name:
                self.sections.append((name, None, []))
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self._skip:
            return
        (self._heading if self._heading is not None else self._buf).append(data)

    def _flush(self):
        para = " ".join("".join(self._buf).split())
        self._buf = []
        if para:
            if not self.sections:
                self.sections.append(("", None, []))
            self.sections[-1][2].append(para)


def parse_html(text: str, doc_id: str, title: str = "", ref: int | None = None) -> Document:
    """HTML: visible text only (no script/style); h2-h6 start sections."""
    p = _HTMLText()
    p.feed(text)
    p.close()
    p._flush()
    title = title or p.title or doc_id
    raw = [(t or title, pg, paras) for t, pg, paras in p.sections]
    return _assemble(doc_id, title, raw, ref, markdown=False)


def parse_pdf(path: Path, doc_id: str, title: str = "", ref: int | None = None) -> Document:
    """PDF: one section per page, so citations carry the page number."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    raw = []
    for n, page in enumerate(reader.pages, start=1):
        paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", page.extract_text() or "")]
        raw.append((f"Page {n}", n, paras))
    title = title or (reader.metadata.title if reader.metadata and reader.metadata.title else doc_id)
    return _assemble(doc_id, title, raw, ref, markdown=False)


def read_document(path: Path, doc_id: str, title: str = "", ref: int | None = None) -> Document:
    """Read one file of any supported format; raises ValueError with the reason."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unsupported format {suffix!r} (supported: {', '.join(FORMATS)})")
    if suffix == ".pdf":
        try:
            doc = parse_pdf(path, doc_id, title, ref)
        except Exception as e:  # pypdf raises many types for damaged files
            raise ValueError(f"unreadable PDF ({type(e).__name__}: {e})") from None
    else:
        data = path.read_bytes()
        if b"\x00" in data[:8192]:
            raise ValueError("binary file, not text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ValueError(f"not UTF-8 (byte {e.start})") from None
        parse = {".html": parse_html, ".htm": parse_html, ".txt": parse_text}.get(suffix, parse_markdown)
        doc = parse(text, doc_id, title, ref)
    if not doc.text.strip():
        raise ValueError("no text found")
    return doc


# ---------------------------------------------------------------- the corpus

@contextmanager
def library_warnings():
    """The messages pypdf logs or warns while the block runs, as a list filled in place,
    instead of bare lines on stderr that do not say which file they are about."""
    caught: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            caught.append(record.getMessage())

    logger, handler = logging.getLogger("pypdf"), Collect(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            yield caught
        caught.extend(str(w.message) for w in warned)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def read_noting(path: Path, doc_id: str, title: str = "", ref: int | None = None) -> tuple[Document | None, list[str]]:
    """``read_document``, and what is worth telling about the file ("path: reason"): why it
    was skipped, what pypdf said of it, whether it is large enough to slow the build."""
    notes: list[str] = []
    with library_warnings() as said:
        try:
            doc = read_document(path, doc_id, title, ref)
        except (OSError, ValueError) as e:
            doc = None
            notes.append(f"{path}: skipped: {e}")
    distinct = list(dict.fromkeys(" ".join(m.split()) for m in said))
    if distinct:
        more = f" (and {len(distinct) - MAX_LIBRARY_WARNINGS} more)" if len(distinct) > MAX_LIBRARY_WARNINGS else ""
        notes.append(f"{path}: pypdf: {'; '.join(distinct[:MAX_LIBRARY_WARNINGS])}{more}")
    if doc is not None and (mb := len(doc.text.encode("utf-8")) / 1e6) > LARGE_TEXT_MB:
        notes.append(f"{path}: large: {mb:.3g} MB of text, above the {LARGE_TEXT_MB:g} MB limit for a source; "
                     f"each MB adds ~9 minutes to the build and ~5 s to every start on 2 cores")
    return doc, notes


def load_references(path: Path) -> tuple[Reference, ...]:
    if not path.exists():
        return ()
    rows = json.loads(path.read_text(encoding="utf-8"))
    return tuple(Reference(r["n"], r.get("publisher", ""), r["title"], r.get("url"),
                           tuple(r.get("aliases", ()))) for r in rows)


def load_corpus(corpus_dir: Path) -> Corpus:
    """The report, its references and every readable source document."""
    corpus_dir = Path(corpus_dir)
    report = corpus_dir / "report.md"
    if not report.is_file():
        raise CorpusError(f"no report at {report}: the corpus folder must hold report.md")
    try:
        references = load_references(corpus_dir / "references.json")
    except (ValueError, KeyError, TypeError) as e:
        raise CorpusError(f"{corpus_dir / 'references.json'}: not a valid reference list ({e})") from None
    report_doc, problems = read_noting(report, "report")
    if report_doc is None:
        raise CorpusError(problems[0].replace(": skipped: ", ": cannot be read: ", 1))
    documents = [report_doc]
    by_n = {r.n: r for r in references}
    for entry, problem in _manifest(corpus_dir / "sources"):
        if problem:
            problems.append(problem)
            continue
        path, ref = corpus_dir / "sources" / entry["file"], entry.get("ref")
        doc_id = f"source-{ref}" if ref else "source-" + re.sub(r"[^a-z0-9]+", "-", path.stem.lower())
        title = entry.get("title") or (by_n[ref].title if ref in by_n else "")
        doc, notes = read_noting(path, doc_id, title, ref)
        problems += notes
        if doc is not None:
            documents.append(doc)
    linked = {d.ref: d.doc_id for d in documents if d.ref}
    references = tuple(Reference(r.n, r.publisher, r.title, r.url, r.aliases, linked.get(r.n))
                       for r in references)
    suggestions = _suggestions(corpus_dir / "suggestions.json", problems)
    return Corpus(tuple(documents), references, tuple(problems), suggestions)


def _suggestions(path: Path, problems: list[str]) -> dict:
    """``{"Section title": ["question", …]}``; keys starting with "_" are comments."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: tuple(str(q) for q in v) for k, v in data.items() if not k.startswith("_")}
    except (ValueError, TypeError, AttributeError) as e:
        problems.append(f"{path}: skipped: not a {{section: [questions]}} object ({e})")
        return {}


def _manifest(sources: Path):
    """Yield (entry, None) for each declared source, or (None, problem)."""
    path = sources / "manifest.json"
    if not path.exists():
        return
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["sources"]
    except (ValueError, KeyError, TypeError) as e:
        yield None, f"{path}: skipped: not a valid manifest ({e}); expected {{\"sources\": [{{\"file\": …, \"ref\": N}}]}}"
        return
    seen = set()
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("file"), str):
            yield None, f"{path}: skipped entry {e!r}: needs a \"file\""
        elif not (sources / e["file"]).is_file():
            yield None, f"{sources / e['file']}: skipped: named in the manifest but missing"
        elif e["file"] in seen:
            yield None, f"{sources / e['file']}: skipped: listed twice"
        else:
            seen.add(e["file"])
            yield e, None


def corpus_hash(corpus: Corpus) -> str:
    """A short content hash: the report's version in every answer."""
    h = hashlib.sha256()
    for d in corpus.documents:
        h.update(json.dumps([d.doc_id, d.title, d.text, [asdict(s) for s in d.sections],
                             [asdict(a) for a in d.anchors], d.ref]).encode())
    h.update(json.dumps([asdict(r) for r in corpus.references]).encode())
    return h.hexdigest()[:16]
