"""The composition root: builds every component from settings and wires them together."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.backends.embeddings import make_embeddings
from assistant.backends.vectorstore import make_vectorstore
from assistant.config import Settings, apply_offline_environment
from assistant.errors import InputError
from assistant.index import KnowledgeIndex, Progress, SyncReport
from assistant.schemas import Answer, Retrieval

if TYPE_CHECKING:
    from assistant.answer import ExtractiveComposer
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
        """The retriever over the current index (built on first use)."""
        if self._retriever is None:
            from assistant.retrieval import Retriever
            from assistant.thesaurus import Thesaurus

            self.index.require()
            self._retriever = Retriever(
                self.index.store,
                self.index.embeddings,
                self.index.chunks(),
                self.settings.retrieval,
                Thesaurus.load(self.settings.retrieval.thesaurus),
            )
        return self._retriever

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
