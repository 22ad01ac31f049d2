"""The composition root: builds every component from settings and wires them together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.backends.embeddings import make_embeddings
from assistant.backends.vectorstore import make_generation_store
from assistant.config import Settings, apply_offline_environment
from assistant.index import KnowledgeIndex, Progress, SyncReport
from assistant.schemas import Answer, Retrieval

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.runnables import Runnable

    from assistant.chain import CoachChain, CoverageDecider, ExtractiveAnswerer
    from assistant.engines.llm import LLMEngine
    from assistant.feedback.draft import FeedbackDrafter
    from assistant.memory import Message
    from assistant.notebook import Notebook
    from assistant.prompts import PromptLibrary
    from assistant.redaction import NameRedactor
    from assistant.retrieval import HybridRetriever, Retriever


class Coach:
    """The coach service: indexing, retrieval and answers over one knowledge index.

    Build it with :func:`build_coach`; the CLI and UI only talk to this class.

    Args:
        settings: The settings it was built from.
        index: The knowledge index.
        chain: Builds the coaching chain (its retriever is this coach's :attr:`retriever`).
    """

    def __init__(
        self, settings: Settings, index: KnowledgeIndex, chain: Callable[[Coach], CoachChain]
    ) -> None:
        self.settings = settings
        self.index = index
        self._retriever: Retriever | None = None
        self._retriever_generation: str | None = None
        self._retriever_lock = threading.Lock()
        self.chain_steps = chain(self)
        #: The LCEL chain: input {"question", "history", "engine"}, output Answer.
        self.chain: Runnable[dict[str, Any], Answer] = self.chain_steps.build()

    def sync_index(
        self,
        paths: Sequence[Path] = (),
        *,
        rebuild: bool = False,
        forget: Sequence[Path] = (),
        progress: Progress | None = None,
    ) -> SyncReport:
        """Index the knowledge base and the user's documents (see :meth:`KnowledgeIndex.sync`).

        Raises:
            IndexStateError: Also when writing the new generation failed (a full disk, a Chroma
                write error); the published generation is unchanged then.
        """
        from assistant.disk import describe, is_disk_full, is_storage_failure
        from assistant.errors import CoachError, IndexStateError

        try:
            report = self.index.sync(paths, rebuild=rebuild, forget=forget, progress=progress)
        except CoachError:
            raise
        except Exception as exc:
            if not is_storage_failure(exc):
                raise
            reason = "the disk is full" if is_disk_full(exc) else describe(exc)
            raise IndexStateError(f"indexing failed ({reason}); the published index is unchanged") from exc
        self._retriever = None  # the chunk set changed; BM25 is rebuilt on next use
        return report

    @property
    def retriever(self) -> Retriever:
        """The retriever over the published index (rebuilt when a sync publishes a new generation).

        Thread-safe: the web app's workers share one coach, and the first questions after a start
        or a sync must not each build (and each embed the aliases for) a retriever of their own.
        """
        generation = self.index.current_name()
        if self._retriever is None or generation != self._retriever_generation:
            with self._retriever_lock:
                if self._retriever is None or generation != self._retriever_generation:
                    self._retriever = self._build_retriever()
        return self._retriever

    def _build_retriever(self) -> Retriever:
        from assistant.alias_vectors import load_alias_vectors
        from assistant.aliases import load_aliases
        from assistant.retrieval import Retriever
        from assistant.thesaurus import Thesaurus
        from assistant.wordmap import WordMap

        view = self.index.view()
        chunks = view.chunks()
        retrieval = self.settings.retrieval
        aliases = load_aliases(retrieval.aliases)
        cache = self.settings.data_dir / "cache"
        alias_vectors = (
            load_alias_vectors(retrieval.aliases, aliases, self.index.embeddings, cache)
            if retrieval.alias_dense_weight and retrieval.mode == "hybrid"
            else None
        )
        retriever = Retriever(
            view.store,
            self.index.embeddings,
            chunks,
            view.vectors,
            retrieval,
            Thesaurus.load(retrieval.thesaurus),
            bm25=self.index.lexical_index(view, chunks),
            word_map=WordMap.load(retrieval.word_map),
            aliases=aliases,
            alias_vectors=alias_vectors,
        )
        self._retriever_generation = view.generation.name
        return retriever

    def status(self) -> dict[str, Any]:
        """What ``coach status`` shows: data dir, index, sources, model and the last checks."""
        from assistant import __version__
        from assistant.backends.llm import probe_llm
        from assistant.index_check import load_check

        status: dict[str, Any] = {"version": __version__, "data_dir": str(self.settings.data_dir)}
        llm = self.settings.llm
        probe = probe_llm(llm)
        status["engine"] = self.chain_steps.default_engine
        reach = "reachable" if probe.reachable else "NOT reachable"
        status["llm"] = "none configured"
        if llm.provider != "none":
            status["llm"] = f"{llm.provider} {llm.model}: {reach} ({probe.detail})"
        current = self.index.generations.current()
        if current is None:
            status["index"] = "none yet (run `coach index`)"
            return status
        manifest = current.read_manifest()
        status["index"] = {
            "generation": current.name, "chunks": len(manifest.ids), "files": manifest.files,
            "built": manifest.created,
        }
        status["model"] = manifest.model
        status["sources"] = [str(p) for p in self.settings.knowledge_paths] + manifest.roots
        quick = manifest.check
        status["sync_check"] = "ok" if quick.get("ok") else "; ".join(quick.get("problems", [])) or "none"
        full = load_check(self.settings.data_dir)
        if full is None:
            status["full_check"] = "never run (coach index --check)"
        else:
            verdict = "ok" if full.get("ok") else "FAILED: " + "; ".join(full.get("problems", []))
            status["full_check"] = f"{verdict} ({full.get('generation')}, {full.get('checked_at')})"
        return status

    def langchain_retriever(self, k: int | None = None) -> HybridRetriever:
        """The hybrid retriever as a LangChain ``BaseRetriever`` (for use in other LangChain code)."""
        from assistant.retrieval import HybridRetriever

        return HybridRetriever(retriever=self.retriever, k=k or self.settings.retrieval.k)

    def retrieve(self, question: str, *, k: int | None = None, mode: str | None = None) -> Retrieval:
        """Find the chunks for a question."""
        from assistant.chain import check_question

        question = check_question(question, self.settings.answer.max_question_chars)
        return self.retriever.retrieve(question, k=k, mode=mode)

    @staticmethod
    def _payload(question: str, history: Sequence[Message] | None, engine: str | None) -> dict[str, Any]:
        return {"question": question, "history": list(history or []), "engine": engine}

    def ask(
        self, question: str, *, history: Sequence[Message] | None = None, engine: str | None = None
    ) -> Answer:
        """Answer a question through the chain (a follow-up when history is given)."""
        return self.chain.invoke(self._payload(question, history, engine))

    def stream(
        self, question: str, *, history: Sequence[Message] | None = None, engine: str | None = None
    ) -> Iterator[Answer]:
        """Stream snapshots of the answer; the last one (``final``) has passed the checks."""
        return self.chain.stream(self._payload(question, history, engine))

    def fallback_notice(self, answer: Answer) -> str | None:
        """The one-line notice for an answer whose LLM text was replaced, or None."""
        return self.chain_steps.fallback_notice(answer)


def build_coach(settings: Settings) -> Coach:
    """Build the coach from settings: the single place where backends are chosen.

    Args:
        settings: The settings.

    Returns:
        A ready coach; the index is opened lazily on first use.
    """
    if settings.offline:
        apply_offline_environment()
    from assistant.prompts import PromptLibrary

    embeddings = make_embeddings(settings.embeddings)
    prompts = PromptLibrary(settings.prompts_dir)

    index = KnowledgeIndex(
        data_dir=settings.data_dir,
        embeddings=embeddings,
        generations=make_generation_store(settings.vectorstore, embeddings, settings.data_dir),
        chunking=settings.chunking,
        base_paths=settings.knowledge_paths,
        batch_size=settings.embeddings.batch_size,
    )

    def chain(coach: Coach) -> CoachChain:
        from assistant.chain import CoachChain

        llm = build_llm_engine(settings, prompts)
        engine = settings.answer.engine
        use_llm = engine == "llm" or (engine == "auto" and llm is not None)
        return CoachChain(
            lambda: coach.retriever,
            build_coverage(settings, embeddings),
            build_extractive(settings, prompts),
            llm,
            prompts,
            k=settings.retrieval.k,
            default_engine="llm" if use_llm else "extractive",
            max_question_chars=settings.answer.max_question_chars,
        )

    return Coach(settings, index, chain)


def build_llm_engine(settings: Settings, prompts: PromptLibrary) -> LLMEngine | None:
    """The LLM answer engine for the configured provider, or None without one."""
    from assistant.backends.llm import make_chat_model
    from assistant.engines.llm import LLMEngine

    model = make_chat_model(settings.llm)
    if model is None:
        return None
    return LLMEngine(
        model, prompts, max_sources=settings.retrieval.k, deadline_s=settings.llm.timeout_s,
        redactor=build_redactor(settings),
    )


def build_redactor(settings: Settings) -> NameRedactor | None:
    """The name redactor when ``llm.redact_names`` is on (names: the notebook's people), else None."""
    if not settings.llm.redact_names:
        return None
    from assistant.redaction import NameRedactor

    opened: list[Notebook] = []  # opened at the first answer that needs it, then reused

    def known_names() -> list[str]:
        url = settings.database.resolve_url(settings.data_dir)
        if not opened and url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return []  # no notebook yet: do not create a database just to learn it is empty
        if not opened:
            opened.append(build_notebook(settings))
        return [person.name for person in opened[0].list_people()]

    return NameRedactor(known_names, settings.knowledge_paths)


def build_extractive(settings: Settings, prompts: PromptLibrary) -> ExtractiveAnswerer:
    """The extractive engine: verbatim quotes chosen with the retriever's thesaurus."""
    from assistant.engines.extractive import ExtractiveEngine
    from assistant.thesaurus import Thesaurus

    return ExtractiveEngine(prompts, settings.answer, Thesaurus.load(settings.retrieval.thesaurus))


def build_coverage(settings: Settings, embeddings: Embeddings) -> CoverageDecider:
    """The coverage decision: relevance floor, requests aimed at the assistant, out-of-scope topics."""
    from assistant.coverage import CoverageJudge

    return CoverageJudge.load(settings.coverage)


def build_notebook(settings: Settings) -> Notebook:
    """Build the one-to-one notebook (and its conversations and rating log) from settings.

    Args:
        settings: The settings; ``database.url`` empty means ``coach.db`` under ``data_dir``.

    Returns:
        The notebook over a database whose schema has been brought up to date.
    """
    from assistant.notebook import Notebook
    from assistant.prompts import PromptLibrary
    from assistant.store import make_engine

    url = settings.database.resolve_url(settings.data_dir)
    engine = make_engine(url, busy_timeout_s=settings.database.busy_timeout_s)
    return Notebook(engine, prompts=PromptLibrary(settings.prompts_dir))


def build_feedback(settings: Settings) -> FeedbackDrafter:
    """Build the feedback studio from settings: the lint, and the drafter around it.

    Args:
        settings: The settings; ``feedback.lexicon_dir`` holds the lexicons, and with
            ``feedback.use_llm`` and an LLM provider configured the drafter may sort notes with it.

    Returns:
        The drafter; its ``linter`` attribute is the lint. No index or database is touched.
    """
    from assistant.feedback.draft import FeedbackDrafter
    from assistant.feedback.lint import FeedbackLinter
    from assistant.feedback.sections import SectionTitles
    from assistant.prompts import PromptLibrary

    linter = FeedbackLinter.from_folder(settings.feedback.lexicon_dir, settings.knowledge_paths)
    llm = None
    if settings.feedback.use_llm and settings.llm.provider != "none":
        if settings.offline:
            apply_offline_environment()
        from assistant.backends.llm import make_chat_model

        llm = make_chat_model(settings.llm)
    return FeedbackDrafter(
        linter,
        PromptLibrary(settings.prompts_dir),
        SectionTitles.load(settings.knowledge_paths),
        max_chars=settings.feedback.max_chars,
        llm=llm,
        llm_deadline_s=settings.llm.timeout_s,
        redactor=build_redactor(settings) if llm is not None else None,
    )
