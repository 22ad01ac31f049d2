"""Vector store backends behind LangChain's :class:`~langchain_core.vectorstores.VectorStore`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from assistant.config import VectorStoreSettings
from assistant.errors import BackendError

if TYPE_CHECKING:
    from langchain_chroma import Chroma

    from assistant.generation_store import GenerationStore


def make_vectorstore(
    settings: VectorStoreSettings,
    embeddings: Embeddings,
    persist_dir: Path,
    collection_metadata: dict[str, str] | None = None,
) -> Chroma:
    """Open the embedded (local) Chroma database of one index generation.

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
        _forget_failed_system(persist_dir)
        raise BackendError(f"cannot open the Chroma database in {persist_dir}: {exc}") from exc
    return Chroma(
        client=client,
        collection_name=settings.collection,
        embedding_function=embeddings,
        collection_metadata=collection_metadata or None,
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


def _forget_failed_system(persist_dir: Path) -> None:
    """Drop the half-built Chroma system a failed open leaves in chromadb's per-path cache.

    chromadb caches one system per folder and keeps it even when starting it failed (a full disk,
    say); every later open of that folder in this process would then fail with an AttributeError,
    so a long-running app could not index again until restarted.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in {str(persist_dir), str(persist_dir.resolve())}:
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)


def make_http_client(settings: VectorStoreSettings) -> Any:
    """Connect to the Chroma server of ``settings.url`` (telemetry off).

    Raises:
        BackendError: The server cannot be reached or is not a Chroma server.
    """
    from urllib.parse import urlsplit

    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
    except ImportError as exc:
        raise BackendError("the chroma backend needs chromadb") from exc
    parts = urlsplit(settings.url.strip())
    ssl = parts.scheme == "https"
    try:
        return chromadb.HttpClient(
            host=parts.hostname or "localhost",
            port=parts.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=ChromaSettings(anonymized_telemetry=False),
        )
    except Exception as exc:  # chromadb raises bare Exceptions (and httpx errors) when it cannot connect
        raise BackendError(f"cannot reach the Chroma server at {settings.url}: {exc}") from exc


def make_generation_store(
    settings: VectorStoreSettings, embeddings: Embeddings, data_dir: Path
) -> GenerationStore:
    """Where the index generations live, by ``settings.mode``.

    Args:
        settings: The vector store settings.
        embeddings: The embedding backend (always passed to Chroma; see :func:`make_vectorstore`).
        data_dir: The data dir; local generations go to ``data_dir/index``.

    Returns:
        Folders with embedded Chroma databases (``chroma``), or collections on a server (``http``).
        Nothing is opened or contacted until first use.
    """
    match settings.mode:
        case "chroma":
            from assistant.generation_store import LocalGenerationStore
            from assistant.index import close_store

            def factory(folder: Path, metadata: dict[str, str]) -> VectorStore:
                return make_vectorstore(settings, embeddings, folder, metadata)

            return LocalGenerationStore(data_dir / "index", factory, close_store)
        case "http":
            from assistant.chroma_generations import ChromaGenerationStore

            return ChromaGenerationStore(settings, embeddings)


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
