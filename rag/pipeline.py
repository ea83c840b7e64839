"""The Python API: open (or build) the index once, then search and ask::

    p = Pipeline.open()                                  # builds the index on first use
    p.search("share of adult women", k=3)[0].chunk.section   # 'Introduction'
    p.ask("Who edited this report?").answer              # 'The report states: “Edited by Argos…” [1] …'
"""
from __future__ import annotations

import dataclasses
import re
import sys
import time

from . import answer as answer_mod
from . import generate as generate_mod
from . import judge
from . import index as index_mod
from . import question as question_mod
from . import thread as thread_mod
from .answer import Answer
from .config import Config
from .embed import MODEL_DIM, MODEL_NAME, Embedder
from .load import Corpus, load_corpus
from .multilingual import COSINE_SCALE, COSINE_SHIFT
from .multilingual import MODEL_NAME as E5_NAME
from .multilingual import MultilingualEmbedder
from .lexicon import fold
from . import read as read_mod
from .read import Reader, accented
from .retrieve import Passage, Retriever, asked_reference
from .safety import help_note, in_danger

# Passages the answer stage reads before re-ranking them by their best sentence.
ANSWER_DEPTH = 8


class Pipeline:
    """Holds the model, the index and the retrievers; safe to share across threads
    for reads (faiss and the model are read-only after loading)."""

    def __init__(self, cfg: Config, corpus: Corpus, index: index_mod.Index, embedder: Embedder,
                 e5: MultilingualEmbedder | None = None) -> None:
        self.cfg, self.corpus, self.index, self.embedder = cfg, corpus, index, embedder
        # Spanish questions go to multilingual-e5 when the index has its vectors.
        self.e5 = e5 if index.sentence_vectors_e5 is not None else None
        self.retriever = Retriever(index, embedder)
        self.tables = answer_mod.Tables.of(corpus, index, embedder)
        # How the corpus writes its words and names, for reading questions typed any way; the
        # word lists and gazetteer it reads with are kept beside the index (~3 s to remake).
        read_mod.use_cache(cfg.index_dir.parent / "lexicon.json")
        self.reader = Reader([d.text for d in corpus.documents])
        # None unless RAG_LLM_URL names a local OpenAI-compatible server (opt-in).
        self.endpoint = generate_mod.endpoint_from_env()

    @classmethod
    def open(cls, cfg: Config | None = None, progress: bool = True, rebuild: bool = False,
             embedder: Embedder | None = None) -> "Pipeline":
        """Load the index, building it first if it is missing, stale or ``rebuild``.
        Pass ``embedder`` to share one loaded model between pipelines."""
        cfg = cfg or Config()
        corpus = load_corpus(cfg.corpus_dir)
        for problem in corpus.problems:
            print(f"warning: {problem}", file=sys.stderr)
        want = index_mod.expected_manifest(corpus, cfg, MODEL_NAME, MODEL_DIM, E5_NAME if cfg.multilingual else None)
        # A rebuild never reads the old manifest: `rag build` must get past a corrupt one.
        have = None if rebuild else index_mod.read_manifest(cfg.index_dir)
        stale = index_mod.is_stale(have, want) if have is not None else []
        # A usable index is read before the model loads (2-6 s): a corrupt one fails fast.
        index = index_mod.load(cfg.index_dir) if have is not None and not stale and not rebuild else None
        embedder = embedder or Embedder()
        e5 = MultilingualEmbedder() if cfg.multilingual else None
        if index is None:
            if have is None and progress and not rebuild:
                print(f"No index at {cfg.index_dir}: building it (once).", file=sys.stderr)
            elif stale:
                print(f"The index at {cfg.index_dir} is stale ({', '.join(stale)} changed): rebuilding.",
                      file=sys.stderr)
            index = index_mod.build(corpus, embedder, cfg, progress=progress, record={"answer": {
                "abstain_below": judge.ABSTAIN_BELOW, "entity_match": judge.ENTITY_MATCH,
                "max_sentences": cfg.max_sentences, "lex_weight": cfg.lex_weight, "rrf_k": cfg.rrf_k}},
                e5=e5)
        return cls(cfg, corpus, index, embedder, e5)

    def _retrieve(self, query: str, depth: int, mode: str, names: list[str] = (), extra: list[str] = ()):
        """The query's vector, its names' vectors, whether they are multilingual-e5's, the
        passages, and the MiniLM vectors of ``extra`` texts (encoded in the same batch)."""
        if self.e5 is not None and question_mod.language(query) != "en":
            qvec = self.e5.encode_queries([accented(query)])[0]
            vecs = self.embedder.encode([*names, *extra])  # the passages' names are in MiniLM's space
            return (qvec, vecs[:len(names)], True,
                    self.retriever.search(query, depth, "multilingual", self.cfg.rrf_k, qvec=qvec), vecs[len(names):])
        vecs = self.embedder.encode([query, *names, *extra])
        return (vecs[0], vecs[1:len(names) + 1], False,
                self.retriever.search(query, depth, mode, self.cfg.rrf_k, qvec=vecs[0]), vecs[len(names) + 1:])

    def _mend(self, query: str) -> str:
        """A contraction spelt out ("dept": "department"); a place the report never names,
        followed by its country ("Washington (United States)");
        initials it never writes, as the name they spell ("ga": "General Assembly"); a decade, as
        the years of it the report writes ("the 40s": "1949")."""
        vocabulary = self.tables.vocabulary
        if question_mod.language(query) == "en":
            query = question_mod.spell_out(query, vocabulary, self.embedder.like)
        query = question_mod.name_countries(query, vocabulary)
        query = question_mod.name_initials(query, self.tables.name_vectors, vocabulary)
        return question_mod.name_decades(query, vocabulary)

    def _similar(self, phrase: str, candidates: list[str]) -> list[float]:
        """Cosines of ``phrase`` with each candidate, on MiniLM's scale (e5's mapped for Spanish)."""
        if self.e5 is not None and question_mod.language(" ".join([phrase, *candidates])) != "en":
            vecs = self.e5.encode_queries([accented(x) for x in (phrase, *candidates)])
            return [COSINE_SCALE * float(x) + COSINE_SHIFT for x in vecs[1:] @ vecs[0]]
        vecs = self.embedder.encode([phrase, *candidates])
        return [float(x) for x in vecs[1:] @ vecs[0]]

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Passage]:
        """The passages ``ask`` would read: fused retrieval, re-ranked by best sentence."""
        query = self.reader.read(question_mod.clean_question(query)).text
        query = self._mend(query)
        qvec, _, e5, passages, _ = self._retrieve(query, max(ANSWER_DEPTH, k or 0), mode or self.cfg.retriever)
        scored = answer_mod.score_sentences(query, qvec, passages, self.tables, self.cfg.lex_weight, e5)
        return answer_mod.rerank(passages, scored)[:k or self.cfg.k]

    def ask(self, question: str, history: list[tuple[str, str]] | None = None,
            detail: bool = False) -> Answer:
        """Answer ``question`` (raises ValueError with a message for bad input). ``history``:
        earlier (question, answer) pairs, oldest first; the last three are read, each question
        cut to 1,000 characters and each answer to 4,000 (ValueError if a turn is no pair of text)."""
        t0 = time.perf_counter()
        question = question_mod.clean_question(question)
        turns = question_mod.clean_history(history)
        # Every stage reads the canonical form: case, punctuation, accents, filler and slips undone.
        history = [(self.reader.read(q).text, a) for q, a in turns]
        typed = [question] + [q for q, _ in turns]
        read = self.reader.read(question).text
        query = question_mod.rewrite_followup(read, history, self._similar)
        # "whats the title of it": the reference the previous answer stands on is looked up by
        # its number, as if asked for so.
        asks_source = bool(history) and thread_mod.asks_source(read) and asked_reference(read) is None
        ref = thread_mod.cited_reference(history[-1][1], self.tables) if asks_source else None
        if ref:
            query = f"{read} (reference {ref})"
        lang = question_mod.language(query)  # "¿Y en Europa?" is Spanish by the question it completes
        # A follow-up is looked for beside where the previous answer stood ("who released that doc"),
        # by its own words.
        back = not ref and thread_mod.refers_back(read, history)
        own = thread_mod.own_words(query, question_mod.context_of(history)) if back else query
        own, query = (self._mend(own), self._mend(query)) if own != query else (self._mend(query),) * 2
        names = question_mod.question_names(query, lang)
        extra = [" ".join(history[-1]), own] if back else []
        qvec, name_vecs, e5, passages, vecs = self._retrieve(query, ANSWER_DEPTH, self.cfg.retriever, names, extra)
        thread = thread_mod.Thread(
            thread_mod.thread_of(history[-1][1], vecs[0], [s.text for s in self.tables.sentences],
                                 self.tables.sentence_matrix), own, None if e5 else thread_mod.unit(vecs[1] + qvec),
            pointed=thread_mod.points(read), onward=thread_mod.onward(read)) if back else None
        if thread is not None:
            passages = thread_mod.with_thread(passages, thread, self.index.chunks, self.tables.by_chunk,
                                              self.tables.sentences)

        def extract(thread):
            return answer_mod.extract(question, query, qvec, passages, self.tables, names, name_vecs, detail,
                                      self.cfg.lex_weight, self.cfg.max_sentences, e5, self.embedder.like, thread)

        draft, ranked = extract(thread)
        # What "that" points at may stand further back than the previous answer's sentence
        # ("when was that ips report published": the report's date is 3 sentences before the quote).
        if draft.abstained and thread is not None and thread.pointed:
            draft, ranked = extract(dataclasses.replace(thread, pointed=False))
        mode = "extractive"
        # A question naming what the report never mentions is refused without asking a model.
        if self.endpoint is not None and not (draft.abstained and draft.score is None):
            draft, mode = generate_mod.answer_or_fallback(
                question, ranked[:self.cfg.k], self.endpoint, draft,
                generate_mod.source_lookup(self.tables), detail)
        return Answer(question=question, answer=draft.text, abstained=draft.abstained,
                      citations=draft.citations, retrieved=answer_mod.retrieved_records(ranked[:self.cfg.k]),
                      report_version=self.index.version,
                      latency_ms=round((time.perf_counter() - t0) * 1000, 2), query=as_typed(query, typed), language=lang,
                      mode=mode, notice=as_typed(draft.why, typed),
                      suggestions=answer_mod.suggest(question, ranked, self.corpus.suggestions)
                      if draft.abstained else (),
                      score=None if draft.score is None else round(draft.score, 4),
                      help=help_note(lang) if in_danger(question) else "")


def as_typed(text: str, typed: list[str]) -> str:
    """``text`` (a canonical question, or a refusal's reason) with each word the user typed
    with a capital or an accent spelt as typed, and a "¿" back before a first word typed
    after one: the canonical form folds both, but "menciona Japon" should say the "Japón"
    the user wrote, and the question as searched should read as asked. A word that began
    what was typed ("And", "¿Qué") is spelt so only where a question begins in ``text`` (a
    follow-up may quote the previous one in brackets) or where it is a name.

    >>> as_typed("cuantas ninas hay en Japon y que mas?", ["¿Cuántas niñas hay?", "¿Y en Japón?", "¿Qué más?"])
    '¿Cuántas niñas hay en Japón y que más?'
    """
    inside, first, opened = {}, {}, set()
    for t in typed:
        for n, m in enumerate(re.finditer(r"(¿?)(\w[\w'-]*)", t)):
            key = fold(m.group(2)).lower()
            if m.group(2) != key:
                (first if n == 0 else inside).setdefault(key, m.group(2))
            if m.group(1):
                opened.add(key)

    def spell(m: re.Match) -> str:
        w, key = m.group(), fold(m.group()).lower()
        if m.start() == 0 or re.search(r"[(.?!]\s*$", text[:m.start()]):  # where a question begins
            return first.get(key) or inside.get(key, w)
        if key in inside:
            return inside[key]
        return first[key] if key in first and w[0].isupper() else w

    out = re.sub(r"\w[\w'-]*", spell, text)
    head = re.match(r"\w[\w'-]*", out)
    return "¿" + out if head and fold(head.group()).lower() in opened else out
