"""Vector store backends behind LangChain's :class:`~langchain_core.vectorstores.VectorStore`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from assistant.config import VectorStoreSettings
from assistant.errors import BackendError

if TYPE_CHECKING:
    from langchain_chroma import Chroma


def make_vectorstore(
    settings: VectorStoreSettings,
    embeddings: Embeddings,
    persist_dir: Path,
    collection_metadata: dict[str, str] | None = None,
) -> Chroma:
    """Create the configured vector store.

    Args:
        settings: The vector store settings.
        embeddings: The embedding backend; always passed, because Chroma's own default
            embedding function downloads a model at first use.
        persist_dir: Folder of the embedded database.
        collection_metadata: Recorded on the collection when it is created.

    Returns:
        A LangChain vector store over a cosine-distance collection.

    Raises:
        BackendError: The database cannot be opened.
    """
    match settings.mode:
        case "chroma":
            try:
                import chromadb
                from chromadb.config import Settings as ChromaSettings
                from langchain_chroma import Chroma
            except ImportError as exc:
                raise BackendError("the chroma backend needs chromadb and langchain-chroma") from exc
            persist_dir.mkdir(parents=True, exist_ok=True)
            try:
                client = chromadb.PersistentClient(
                    path=str(persist_dir),
                    settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True),
                )
            except Exception as exc:  # chromadb raises bare Exceptions from its Rust core
                raise BackendError(f"cannot open the Chroma database in {persist_dir}: {exc}") from exc
            return Chroma(
                client=client,
                collection_name=settings.collection,
                embedding_function=embeddings,
                collection_metadata=collection_metadata or None,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )


def similarity_search(store: VectorStore, vector: list[float], k: int) -> list[tuple[Document, float]]:
    """Search by vector and return cosine similarities (higher is closer).

    LangChain's Chroma returns raw distances here whatever the method is called, so the
    conversion lives beside the factory that chose the distance.

    Args:
        store: A store made by :func:`make_vectorstore`.
        vector: The query embedding.
        k: How many documents to return.

    Returns:
        ``(document, similarity)`` pairs, most similar first.
    """
    found = store.similarity_search_by_vector_with_relevance_scores(vector, k=k)  # type: ignore[attr-defined]
    return [(doc, 1.0 - float(distance)) for doc, distance in found]
