"""The composition root: builds every component from settings and wires them together."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.backends.embeddings import make_embeddings
from assistant.backends.vectorstore import make_vectorstore
from assistant.config import Settings, apply_offline_environment
from assistant.errors import InputError
from assistant.index import KnowledgeIndex, Progress, SyncReport
from assistant.schemas import Answer, Retrieval

if TYPE_CHECKING:
    from assistant.answer import ExtractiveComposer
    from assistant.notebook import Notebook
    from assistant.retrieval import Retriever


class Coach:
    """The coach service: indexing, retrieval and answers over one knowledge index.

    Build it with :func:`build_coach`; the CLI and UI only talk to this class.

    Args:
        settings: The settings it was built from.
        index: The knowledge index.
        composer: The answer engine.
    """

    def __init__(self, settings: Settings, index: KnowledgeIndex, composer: ExtractiveComposer) -> None:
        self.settings = settings
        self.index = index
        self.composer = composer
        self._retriever: Retriever | None = None
        self._retriever_generation: str | None = None

    def sync_index(
        self,
        paths: Sequence[Path] = (),
        *,
        rebuild: bool = False,
        forget: Sequence[Path] = (),
        progress: Progress | None = None,
    ) -> SyncReport:
        """Index the knowledge base and the user's documents (see :meth:`KnowledgeIndex.sync`)."""
        report = self.index.sync(paths, rebuild=rebuild, forget=forget, progress=progress)
        self._retriever = None  # the chunk set changed; BM25 is rebuilt on next use
        return report

    @property
    def retriever(self) -> Retriever:
        """The retriever over the published index (rebuilt when a sync publishes a new generation)."""
        generation = self.index.current_name()
        if self._retriever is None or generation != self._retriever_generation:
            from assistant.retrieval import Retriever
            from assistant.thesaurus import Thesaurus

            view = self.index.view()
            self._retriever = Retriever(
                view.store,
                self.index.embeddings,
                view.chunks(),
                view.vectors,
                self.settings.retrieval,
                Thesaurus.load(self.settings.retrieval.thesaurus),
            )
            self._retriever_generation = view.generation.name
        return self._retriever

    def status(self) -> dict[str, Any]:
        """What ``coach status`` shows: data dir, index, sources, model and the last checks."""
        from assistant import __version__
        from assistant.index_check import load_check

        status: dict[str, Any] = {"version": __version__, "data_dir": str(self.settings.data_dir)}
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

    def check_question(self, question: str) -> str:
        """Return the question stripped, or raise InputError if it is empty or too long."""
        question = question.strip()
        if not question:
            raise InputError("The question is empty.")
        limit = self.settings.answer.max_question_chars
        if len(question) > limit:
            raise InputError(f"The question is {len(question)} characters long; the limit is {limit}.")
        return question

    def retrieve(self, question: str, *, k: int | None = None, mode: str | None = None) -> Retrieval:
        """Find the chunks for a question."""
        return self.retriever.retrieve(self.check_question(question), k=k, mode=mode)

    def ask(self, question: str) -> Answer:
        """Answer a question from the knowledge, with citations."""
        retrieval = self.retrieve(question)
        return self.composer.compose(retrieval)


def build_coach(settings: Settings) -> Coach:
    """Build the coach from settings: the single place where backends are chosen.

    Args:
        settings: The settings.

    Returns:
        A ready coach; the index is opened lazily on first use.
    """
    if settings.offline:
        apply_offline_environment()
    from assistant.answer import ExtractiveComposer
    from assistant.prompts import PromptLibrary

    embeddings = make_embeddings(settings.embeddings)

    def store_factory(folder: Path, metadata: dict[str, str]):  # type: ignore[no-untyped-def]
        return make_vectorstore(settings.vectorstore, embeddings, folder, metadata)

    index = KnowledgeIndex(
        data_dir=settings.data_dir,
        embeddings=embeddings,
        store_factory=store_factory,
        chunking=settings.chunking,
        base_paths=settings.knowledge_paths,
        batch_size=settings.embeddings.batch_size,
    )
    composer = ExtractiveComposer(PromptLibrary(settings.prompts_dir), settings.answer, embeddings)
    return Coach(settings, index, composer)


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
