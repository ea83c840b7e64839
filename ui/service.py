"""What the app does, without Gradio: a thin layer over ``rag.Pipeline``.

One ``Service`` is shared by every session (the pipeline is read-only after
loading); per-session state (the conversation) lives in the UI.
"""
from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import eval_view, render, report_view
from . import points as points_mod
from .grades import GradeStore

ROOT = Path(__file__).resolve().parent.parent
EVAL_QUESTIONS = ROOT / "eval" / "questions.jsonl"
MAX_EVAL_QUESTIONS = 1000
MAX_HISTORY = 10  # turns of conversation passed to the pipeline (it reads the last few)
EXAMPLE_KINDS = ("fact", "definition", "paraphrase", "list")
FALLBACK_EXAMPLES = ("Who edited this report?",
                     "What share of detected victims are adult women?",
                     "What is the difference between trafficking and smuggling?",
                     "When is the World Day against Trafficking in Persons?")


_INTERESTING = re.compile(r"victim|traffick|smuggl|share|percent|how many|protocol|world day|children|women|"
                          r"migrant|defin|exploit", re.I)
_DULL = re.compile(r"\bpage\b|reference|photo|cover|layout|title|according to|senator|company|software", re.I)


def _appeal(question: str) -> float:
    """How good an example a known question makes: on the report's main themes, plain, short."""
    return 2.0 * bool(_INTERESTING.search(question)) - 3.0 * bool(_DULL.search(question)) - len(question) / 100


@dataclass
class TalkingPoints:
    heading: str
    points: list = field(default_factory=list)
    markdown: str = ""
    markdown_footnotes: str = ""
    note: str = ""
    text: str = ""  # plain text to paste into a document (no Markdown)

    def to_dict(self) -> dict:
        return {"heading": self.heading, "note": self.note, "markdown": self.markdown,
                "markdown_footnotes": self.markdown_footnotes, "text": self.text,
                "points": [dict(text=p.text, section=p.section, page=p.page,
                                source={"ref": p.source_ref, "title": p.source_title, "url": p.source_url,
                                        "publisher": p.source_publisher}
                                if (p.source_title or p.source_url) else None) for p in self.points]}


@dataclass
class EvalRun:
    records: list  # one answer record per question (answer schema + id)
    scores: list  # eval.metrics.score per question
    questions: list
    summary: dict
    kinds: dict


def related_questions(sections, pool: dict, asked=(), n: int = 3) -> list[str]:
    """Up to ``n`` questions from ``pool`` (section title -> questions the report answers from
    it; corpus/suggestions.json, each checked by tests/test_answer.py), from ``sections`` in
    order first, then the report's other sections; none already ``asked`` (folded).

    >>> pool = {"Intro": ("Q1?", "Q2?"), "Credits": ("Who?",), "Other": ("Q3?",)}
    >>> related_questions(["Other", "Intro"], pool, {"q3?"})
    ['Q1?', 'Q2?', 'Who?']
    """
    asked = {a.strip().lower() for a in asked}
    order = list(dict.fromkeys([s for s in sections if s in pool] + list(pool)))
    out: list[str] = []
    for sec in order:
        for q in pool.get(sec) or ():
            if q.strip().lower() not in asked and q not in out:
                out.append(q)
            if len(out) == n:
                return out
    return out


def clean_history(history) -> list[tuple[str, str]]:
    """Earlier (question, answer) pairs from UI state or API input; junk dropped.

    >>> clean_history([["q1", "a1"], "junk", ["q2"], ("q3", "a3", "x"), ["q4", None]])
    [('q1', 'a1'), ('q4', '')]
    """
    out = []
    for h in history or []:
        if isinstance(h, (list, tuple)) and len(h) == 2 and isinstance(h[0], str):
            out.append((h[0], h[1] if isinstance(h[1], str) else ""))
    return out[-MAX_HISTORY:]


class Service:
    def __init__(self, pipeline, data_dir: Path, log_questions: bool = False,
                 questions_file: Path = EVAL_QUESTIONS, verify_examples: bool = True) -> None:
        self.p = pipeline
        self.data_dir = Path(data_dir)
        self.log_questions = log_questions
        self.questions_file = Path(questions_file)
        docs = pipeline.corpus.documents
        self.report = next((d for d in docs if d.doc_id == "report"), docs[0])
        self.sections = tuple(self.report.sections)
        self.references = tuple(pipeline.corpus.references)
        self.version = pipeline.index.version
        self.title = self.report.title
        m = re.search(r"(?:Editor:|Edited by)\s*@?([^,.\n]+)", self.report.text[:2000])
        self.editor = m.group(1).strip() if m else ""
        self.chunks = {c.chunk_id: c for c in pipeline.index.chunks}
        self.grades = GradeStore(self.data_dir / "grades.sqlite3")
        self._log_lock = threading.Lock()
        self.examples = self._pick_examples(verify_examples)
        self._example_vecs = None
        try:
            self.builtin_count = len(self.read_questions())
        except (OSError, ValueError):
            self.builtin_count = 0

    # ------------------------------------------------------------ asking

    def ask(self, question: str, history=None, detail: bool = False) -> dict:
        """The answer record (answer schema) for ``question``; ValueError for bad input."""
        if not isinstance(question, str):
            raise ValueError("The question must be text.")
        answer = self.p.ask(question, history=clean_history(history), detail=bool(detail)).to_dict()
        if self.log_questions:
            self._log(answer)
        return answer

    def _log(self, answer: dict) -> None:
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "question": answer["question"],
               "answer": answer["answer"], "abstained": answer["abstained"],
               "report_version": answer["report_version"], "latency_ms": answer["latency_ms"]}
        path = self.data_dir / "questions.jsonl"
        try:  # a full disk or read-only folder loses the log line, never the answer
            with self._log_lock:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        except OSError as e:
            print(f"app.py: question not logged to {path}: {e.strerror or e}", file=sys.stderr, flush=True)

    def _pick_examples(self, verify: bool, n: int = 6) -> list[str]:
        """Example questions drawn from the report's sections, in report order: the
        corpus's own per-section questions (corpus/suggestions.json), else known
        questions from the eval set whose evidence lies in each section."""
        picked: dict[int, str] = {}
        by_title = {s.title: i for i, s in enumerate(self.sections)}
        for title, qs in (getattr(self.p.corpus, "suggestions", None) or {}).items():
            i = by_title.get(title)
            if i is None or title in points_mod.SKIP_SECTIONS or not isinstance(qs, (list, tuple)):
                continue
            good = [q for q in qs if isinstance(q, str) and 0 < len(q) <= 90]
            if good:
                picked[i] = max(good, key=_appeal)
        from_corpus = len(picked) >= 3  # rag's tests check these are answered from their section
        if not from_corpus:
            picked.update({i: q for i, q in self._eval_examples().items() if i not in picked})
        chosen = [picked[i] for i in sorted(picked)]
        if len(chosen) > n:  # spread over the report
            step = len(chosen) / n
            chosen = [chosen[int(i * step)] for i in range(n)]
        if verify and not from_corpus:
            chosen = [q for q in chosen if not self._abstains(q)]
        elif chosen:
            self._abstains(chosen[0])  # warm-up: the first answer after start-up is the slow one
        return chosen or list(FALLBACK_EXAMPLES)

    def _eval_examples(self) -> dict[int, str]:
        picked: dict[int, str] = {}
        try:
            lines = self.questions_file.read_text(encoding="utf-8").splitlines()
        except OSError:
            return picked
        text = self.report.text
        for line in lines:
            try:
                q = json.loads(line)
            except ValueError:
                continue
            if (not isinstance(q, dict) or q.get("kind") not in EXAMPLE_KINDS or q.get("history")
                    or not q.get("answers") or not q.get("evidence") or len(q.get("question", "")) > 90):
                continue
            at = text.find(q["evidence"][0])
            idx = self.section_at(at) if at >= 0 else None
            if idx is None or self.sections[idx].title in points_mod.SKIP_SECTIONS:
                continue
            if idx not in picked or _appeal(q["question"]) > _appeal(picked[idx]):
                picked[idx] = q["question"]
        return picked

    def suggest(self, question: str, n: int = 3) -> list[str]:
        """Known-answerable example questions nearest to ``question``: what the
        Ask tab offers after a refusal when the answer carries no suggestions."""
        try:
            if self._example_vecs is None:
                self._example_vecs = self.p.embedder.encode(list(self.examples))
            q = self.p.embedder.encode([question])[0]
        except Exception:
            return list(self.examples[:n])
        order = sorted(range(len(self.examples)), key=lambda i: -float(self._example_vecs[i] @ q))
        return [self.examples[i] for i in order[:n]]

    def related(self, answer: dict, asked=(), n: int = 3) -> list[str]:
        """Questions to ask next, after an answer or a refusal: the refusal's own suggestions,
        else questions from the sections the answer cites and retrieved (the report's front
        matter last), none already asked; ``suggest`` when the corpus has none."""
        asked = {a.strip().lower() for a in asked} | {(answer.get("question") or "").strip().lower()}
        own = [q for q in answer.get("suggestions") or () if q.strip().lower() not in asked]
        if answer.get("abstained") and own:
            return own[:n]
        pool = dict(getattr(self.p.corpus, "suggestions", None) or {})
        pool = {k: v for k, v in pool.items() if k not in points_mod.SKIP_SECTIONS} | \
               {k: v for k, v in pool.items() if k in points_mod.SKIP_SECTIONS}
        sections = [c.get("section") for c in answer.get("citations") or ()] + \
                   [r.get("section") for r in answer.get("retrieved") or ()]
        found = related_questions(sections, pool, asked, n)
        return found or [q for q in self.suggest(answer.get("question") or "", n + len(asked))
                         if q.strip().lower() not in asked][:n]

    def _abstains(self, q: str) -> bool:
        try:
            return self.p.ask(q).abstained
        except ValueError:
            return True

    # ------------------------------------------------------------ the report

    def section_at(self, offset: int) -> int | None:
        for i, s in enumerate(self.sections):
            if s.start <= offset < max(s.end, s.start + 1):
                return i
        # between sections (headings): the next one
        return next((i for i, s in enumerate(self.sections) if s.start >= offset), None)

    def section_choices(self, skip=()) -> list[tuple[str, int]]:
        return [(f"{s.title} (p. {s.page})" if s.page else s.title, i)
                for i, s in enumerate(self.sections) if s.title not in skip]

    def default_section(self) -> int:
        return next((i for i, s in enumerate(self.sections) if s.title == "Summary"), 0)

    def section_view(self, idx: int | None, mark: tuple[int, int] | None = None, note: str = "",
                     back: bool = False) -> str:
        """The Report tab's page for section ``idx`` (the Summary if it is not a section), ``mark``
        (document offsets, or a list of them) highlighted; ``note`` and ``back`` as in report_view."""
        return report_view.page_html(self.report.text, self.sections, self.section_index(idx),
                                     self.report.anchors, self.references, mark, note, back)

    def section_index(self, idx) -> int:
        """``idx`` if it names a section, else the default one (input from the page is not trusted)."""
        try:
            i = int(idx)
        except (TypeError, ValueError):
            return self.default_section()
        return i if 0 <= i < len(self.sections) else self.default_section()

    def locate(self, citation: dict) -> tuple[int, tuple[int, int]] | None:
        """The report section and document offsets of a citation's quote."""
        if not citation or citation.get("doc") not in (None, self.report.doc_id):
            return None
        s, e = render.quote_span(citation)
        chunk = self.chunks.get(citation.get("chunk_id", ""))
        if chunk is not None and self.report.text[chunk.start:chunk.end] == chunk.text and e > s:
            start, end = chunk.start + s, chunk.start + e
        else:
            quote = citation.get("quote") or ""
            at = self.report.text.find(quote) if quote else -1
            if at < 0:
                return None
            start, end = at, at + len(quote)
        idx = self.section_at(start)
        return (idx, (start, end)) if idx is not None else None

    # ------------------------------------------------------------ talking points

    def talking_points(self, section: int | None = None, topic: str = "") -> TalkingPoints:
        """3–8 cited bullets for a section (by index), a typed topic, or a topic within a
        section. Raises ValueError with a message for an empty or too-long topic."""
        import numpy as np

        T = self.p.tables
        topic = (topic or "").strip()
        sec = None
        if section is not None:
            if not 0 <= int(section) < len(self.sections):
                raise ValueError("Pick a section or type a topic.")
            sec = self.sections[int(section)]
        if not topic and sec is None:
            raise ValueError("Pick a section or type a topic.")
        sents, units = self._point_units()
        row = {id(s): i for i, s in enumerate(T.sentences)}
        rows = [row[id(s)] for s in sents]  # sentence list position -> row of T.sentence_matrix

        def in_sec(u) -> bool:
            return sec is not None and sec.start <= u.start < sec.end

        note = ""
        if topic:
            from rag.question import clean_question

            topic = clean_question(topic)
            heading = f"{topic} in “{sec.title}”" if sec is not None else topic
            if self.p.ask(topic).abstained:
                where = f" (the section “{sec.title}” was not used)" if sec is not None else ""
                return TalkingPoints(heading, note=f"The report doesn’t cover “{topic}”: it has nothing on it, so "
                                                   f"there are no talking points for it{where}.")
            qvec = self.p.embedder.encode([topic])[0]
            words = {w for w in re.findall(r"\w+", topic.lower()) if len(w) > 3}
            rank = {}
            for r, passage in enumerate(self.p.search(topic, k=8), start=1):
                for i in T.by_chunk.get(passage.chunk.chunk_id, ()):
                    rank.setdefault(i, r)
            every, hits = {}, set()
            for k, s in enumerate(sents):
                if words & set(re.findall(r"\w+", s.text.lower())):
                    hits.add(k)
                every[k] = (float(T.sentence_matrix[rows[k]] @ qvec) + 0.1 * (k in hits)
                            - 0.01 * rank.get(rows[k], 9))
            scores = {k: v for k, v in every.items() if rows[k] in rank}  # the retrieved sentences
            if sec is not None:
                # On the topic in the section: it names the topic, or it is as close to it as
                # the report's best sentences on it are (within select_points' margin, 0.25).
                floor = max(scores.values(), default=1.0) - points_mod.MARGIN
                on_topic = {k: v for k, v in every.items() if k in hits or v >= floor}
                inside = [u for u in units if in_sec(u) and any(k in on_topic for k in u.core)]
                if inside:
                    units, scores = inside, on_topic
                    note = f"Points on “{topic}” from the section “{sec.title}” only."
                else:
                    heading = topic
                    note = (f"The section “{sec.title}” has nothing on “{topic}”: these points on it are "
                            f"from the whole report.")
        else:
            units = [u for u in units if in_sec(u)]
            if not units:
                return TalkingPoints(sec.title, note="This section has no sentences to quote.")
            core = sorted({k for u in units for k in u.core})
            centre = T.sentence_matrix[[rows[k] for k in core]].mean(axis=0)
            centre = centre / (np.linalg.norm(centre) or 1.0)
            scores = {k: float(T.sentence_matrix[rows[k]] @ centre) for k in core}
            heading = sec.title
        publisher = {r.n: r.publisher for r in self.references}
        cands = []
        for u in units:
            got = [scores[k] for k in u.core if k in scores]
            if not got:
                continue
            src = self._unit_source(sents, u)
            cands.append(points_mod.Candidate(u.text, u.section, u.page, max(got),
                                              src.title if src else None, src.url if src else None,
                                              src.ref if src else None, u.start, u.end,
                                              (publisher.get(src.ref) or None) if src else None))
        chosen = points_mod.select_points(cands)
        tp = TalkingPoints(heading, chosen, note=note)
        if not chosen:
            tp.note = "No sentence here reads as a talking point."
        elif len(chosen) < points_mod.MIN_POINTS:
            tp.note = " ".join(filter(None, [note, f"Only {len(chosen)} point(s): the report says little more "
                                                   f"on this."]))
        tp.markdown = points_mod.to_markdown(chosen, heading, self.title, self.version)
        tp.markdown_footnotes = points_mod.to_markdown(chosen, heading, self.title, self.version, footnotes=True)
        tp.text = points_mod.to_text(chosen, heading, self.title, self.version)
        return tp

    def _point_units(self):
        """The report's sentences in order and the talking-point units over them (built once:
        ~140 sentences, a few ms)."""
        if getattr(self, "_units", None) is None:
            T = self.p.tables
            sents = sorted((s for s in T.sentences if s.doc_id == self.report.doc_id), key=lambda s: s.start)
            units = [u for u in points_mod.build_units(sents, self.report.text)
                     if u.section not in points_mod.SKIP_SECTIONS]
            self._units = (sents, units)
        return self._units

    def _unit_source(self, sents, u):
        """The report's source for a unit: a link or a source named inside it, else one the
        sentence just before it names in the same paragraph ("…, according to UNODC, … .
        Generally, "…"" cites UNODC)."""
        src = self._source_span(u.start, u.end, u.text)
        if src is None and u.first > 0:
            prev = sents[u.first - 1]
            para = points_mod.paragraph_starts(sents[u.first - 1:u.first + 1], self.report.text)
            if prev.section == u.section and not para[1]:
                src = self._source_span(prev.start, prev.end, prev.text)
        return src

    def _source_span(self, start: int, end: int, text: str):
        from rag.cite import source_of

        T = self.p.tables
        try:
            return source_of(self.report.doc_id, start, end, text, T.anchors, T.references)
        except Exception:  # a citation chain is a bonus, never a failure
            return None

    # ------------------------------------------------------------ evaluation

    def read_questions(self, path: Path | None = None) -> list[dict]:
        from eval.run import read_questions

        qs = read_questions(Path(path) if path else self.questions_file)
        if len(qs) > MAX_EVAL_QUESTIONS:
            raise ValueError(f"{len(qs):,} questions: the app runs at most {MAX_EVAL_QUESTIONS:,} "
                             f"(use `python -m eval` for more).")
        return qs

    def run_eval(self, questions: list[dict], progress=None, batch: int = 10) -> EvalRun:
        from eval import metrics
        from eval.run import run

        records, scores = [], []
        for at in range(0, len(questions), batch):
            if progress:
                progress(at, len(questions))
            r, s = run(self.p, questions[at:at + batch], progress=False)
            records += r
            scores += s
        return EvalRun(records, scores, questions, metrics.summarise(scores), metrics.by_kind(scores))


def eval_rows(run: EvalRun) -> list[dict]:
    """One plain row per question (last_run.ROW_KEYS): what the results table shows and the
    last-run file keeps. ``cited`` is None for a question that should be refused."""
    rows = []
    for q, r, s in zip(run.questions, run.records, run.scores):
        expected = " | ".join(map(str, q.get("answers") or [])) or ("(should refuse)" if not s["answerable"] else "")
        rows.append({"id": str(q["id"]), "question": q["question"], "answer": r.get("answer", ""),
                     "expected": expected, "correct": bool(s["correct"]),
                     "cited": bool(s.get("citation_hit")) if s["answerable"] else None,
                     "latency_ms": round(float(r.get("latency_ms") or 0), 1)})
    return rows


def eval_table(run: EvalRun, grades: dict | None = None) -> list[list]:
    """Rows for the results table (eval_view.COLUMNS), with the grades in ``grades`` by (id, answer)."""
    return [eval_view.table_row(r, r["grade"]) for r in eval_view.shown(eval_rows(run), grades or {})]


EVAL_COLUMNS = eval_view.COLUMNS


def summary_html(summary: dict, kinds: dict) -> str:
    """The headline metrics and a per-kind table, escaped."""
    def pct(v):
        return "–" if v is None else f"{v:.0%}"

    def ms(v):
        return "–" if v is None else f"{v:.0f} ms"

    head = [("questions", summary["questions"]), ("answer accuracy", pct(summary.get("answer_accuracy"))),
            ("citation hit", pct(summary.get("citation_hit"))),
            ("refused when it should", pct(summary.get("abstention_accuracy"))),
            ("wrongly refused", pct(summary.get("false_refusal_rate"))),
            ("recall@5", pct(summary.get("recall_at_5"))),
            ("latency p50 / p95", f"{ms(summary.get('latency_ms_median'))} / {ms(summary.get('latency_ms_p95'))}")]
    cards = "".join(f'<div class="metric"><div class="v">{render.esc(v)}</div><div class="k">{render.esc(k)}</div></div>'
                    for k, v in head)
    rows = "".join(
        f"<tr><td>{render.esc(k or '(none)')}</td><td>{s['questions']}</td><td>{pct(s.get('answer_accuracy'))}</td>"
        f"<td>{pct(s.get('citation_hit'))}</td><td>{pct(s.get('abstention_accuracy'))}</td></tr>"
        for k, s in sorted(kinds.items()))
    table = ('<div class="kinds-wrap"><table class="kinds"><thead><tr><th>kind</th><th>n</th><th>accuracy</th><th>citation hit</th>'
             f'<th>refused</th></tr></thead><tbody>{rows}</tbody></table></div>') if rows else ""
    return f'<div class="eval-summary"><div class="metrics">{cards}</div>{table}</div>'


def log_status(service: Service) -> str:
    return (f"Questions are logged to {service.data_dir / 'questions.jsonl'} (RAG_LOG_QUESTIONS=1)."
            if service.log_questions else "Questions and answers are not logged (set RAG_LOG_QUESTIONS=1 to log them).")
