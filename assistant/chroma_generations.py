"""Index generations on a Chroma server, shared by several app replicas (``COACH_VECTORSTORE__MODE=http``).

The same design as the local folders (:mod:`assistant.generations`), with the server as the only
shared state, so no replica needs another's disk:

- a generation is a collection ``<collection>-gNNNNNN`` (text, metadata and vectors of every chunk);
- the ``CURRENT`` pointer, each generation's manifest and its BM25 statistics live in the small
  collection ``<collection>-meta`` (:class:`~assistant.chroma_meta.MetaCollection`);
- a sync fills a new collection, checks it, writes the BM25 statistics and then the manifest, and
  publishes with one upsert of the pointer record; readers only follow the pointer, so a writer killed
  at any moment leaves at most an unpublished collection, which the next sync deletes;
- the matrix for exact search is read from the published collection's vectors when a process opens
  the generation (rows in manifest id order) and kept in memory until another generation is published.

The BM25 statistics are stored rather than computed by each replica at start: tokenising and stemming
every chunk takes far longer than fetching the compressed statistics, and every replica then ranks with
the very same numbers.
"""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager, suppress
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from assistant.bm25 import BM25Index
from assistant.chroma_meta import ChromaWriterLock, MetaCollection
from assistant.config import VectorStoreSettings
from assistant.errors import BackendError, IndexStateError
from assistant.generations import Manifest
from assistant.vectors import VectorMatrix

if TYPE_CHECKING:
    from assistant.generation_store import GenerationLike

_NAME = re.compile(r"^g(\d{6})$")
#: Records per request when reading a collection (below the server's maximum batch size).
PAGE = 5000
_FETCHERS = 4
_COSINE = {"hnsw": {"space": "cosine"}}


@dataclass(frozen=True)
class ChromaGeneration:
    """One generation on the server: its name; the manifest is read from the meta collection."""

    name: str
    meta: MetaCollection = field(compare=False, repr=False)

    @property
    def number(self) -> int:
        """The generation's sequence number."""
        match = _NAME.match(self.name)
        return int(match.group(1)) if match else -1

    def read_manifest(self) -> Manifest:
        """Read the manifest.

        Raises:
            IndexStateError: It is missing or unreadable.
        """
        try:
            data = self.meta.get_blob(f"manifest/{self.name}")
            if data is None:
                raise ValueError("no manifest stored")
            return Manifest(**json.loads(data))
        except (ValueError, TypeError) as exc:
            raise IndexStateError(
                f"index generation {self.name} on the Chroma server is incomplete ({exc}); run `coach index`"
            ) from exc


class ChromaGenerationStore:
    """Generations as collections on a Chroma server (see the module docstring).

    Args:
        settings: The vector store settings (``url``, ``collection``, ``lock_stale_s``).
        embeddings: The embedding backend, handed to the LangChain store.
    """

    def __init__(self, settings: VectorStoreSettings, embeddings: Embeddings) -> None:
        self._settings = settings
        self._embeddings = embeddings
        self._prefix = settings.collection
        self.read_workers = _FETCHERS  # the server answers several page requests in parallel
        self._client_instance: Any = None
        self._meta_instance: MetaCollection | None = None

    # -- connection -----------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The chromadb HTTP client, connected on first use."""
        if self._client_instance is None:
            from assistant.backends.vectorstore import make_http_client

            self._client_instance = make_http_client(self._settings)
        return self._client_instance

    @property
    def meta(self) -> MetaCollection:
        """The meta collection (created on first use)."""
        if self._meta_instance is None:
            collection = self._call(
                lambda: self.client.get_or_create_collection(
                    f"{self._prefix}-meta", configuration=_COSINE, embedding_function=None
                )
            )
            self._meta_instance = MetaCollection(collection)
        return self._meta_instance

    def _call(self, request: Any) -> Any:
        """Run a request; a server that cannot be reached is a BackendError naming the URL."""
        from chromadb.errors import ChromaError

        try:
            return request()
        except ChromaError:
            raise
        except (OSError, ConnectionError) as exc:
            raise BackendError(f"the Chroma server at {self._settings.url} cannot be reached: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith(("httpx", "httpcore")):
                raise BackendError(f"the Chroma server at {self._settings.url} failed: {exc}") from exc
            raise

    def _generation(self, name: str) -> ChromaGeneration:
        return ChromaGeneration(name, self.meta)

    def _collection_name(self, generation: GenerationLike) -> str:
        return f"{self._prefix}-{generation.name}"

    def _names(self) -> list[str]:
        """Generation names that have a collection on the server, oldest first."""
        prefix = f"{self._prefix}-"
        names = [c.name for c in self._call(self.client.list_collections)]
        found = [n[len(prefix) :] for n in names if n.startswith(prefix) and _NAME.match(n[len(prefix) :])]
        return sorted(found)

    # -- the protocol ---------------------------------------------------------------------------
    def describe(self) -> str:
        """The server and the collections' prefix."""
        return f"Chroma server {self._settings.url}, collections {self._prefix}-g*"

    def current_name(self) -> str | None:
        """The pointer's generation name (one small request)."""
        return self._call(self.meta.pointer)  # type: ignore[no-any-return]

    def current(self) -> ChromaGeneration | None:
        """The published generation.

        Raises:
            IndexStateError: The pointer names a generation without a manifest.
        """
        name = self.current_name()
        if name is None:
            return None
        if not _NAME.match(name) or not self._call(lambda: self.meta.has_blob(f"manifest/{name}")):
            raise IndexStateError(f"the index pointer names {name!r}, which is incomplete; run `coach index`")
        return self._generation(name)

    def stage(self) -> ChromaGeneration:
        """The next generation's name (its collection is created by :meth:`open_store`)."""
        numbers = [int(n[1:]) for n in self._names()]
        numbers += [int(k.split("/")[1][1:]) for k in self.meta.blob_keys() if _NAME.match(k.split("/")[-1])]
        pointer = self.current_name()
        numbers += [int(pointer[1:])] if pointer and _NAME.match(pointer) else []
        return self._generation(f"g{max(numbers, default=0) + 1:06d}")

    def open_store(
        self, generation: GenerationLike, metadata: dict[str, str], *, create: bool
    ) -> VectorStore:
        """The LangChain store over the generation's collection.

        Raises:
            IndexStateError: A reader's generation is gone from the server.
        """
        from chromadb.errors import NotFoundError
        from langchain_chroma import Chroma

        name = self._collection_name(generation)
        if create:  # fails if the name exists: two writers can never fill one collection
            self._call(lambda: self.client.create_collection(
                name, metadata=metadata or None, configuration=_COSINE, embedding_function=None
            ))
        try:
            return Chroma(
                client=self.client, collection_name=name, embedding_function=self._embeddings,
                create_collection_if_not_exists=False,
            )
        except NotFoundError as exc:
            raise IndexStateError(
                f"index generation {generation.name} is gone from the Chroma server; run `coach index`"
            ) from exc

    def close_store(self, store: VectorStore | None) -> None:
        """Nothing to release: the client is shared by every generation."""

    def save_vectors(self, generation: GenerationLike, matrix: VectorMatrix) -> None:
        """Nothing to write: the collection holds the vectors (the quick check compares samples)."""

    def load_vectors(self, generation: GenerationLike, manifest: Manifest) -> VectorMatrix:
        """Read the collection's vectors in manifest id order, a few pages at a time.

        Raises:
            IndexStateError: The collection lacks chunks of the manifest.
        """
        from assistant.index import raw_collection, read_records

        collection = raw_collection(self.open_store(generation, {}, create=False))
        ids = manifest.ids
        records = self._call(
            lambda: read_records(collection, ids, ["embeddings"], page=PAGE, workers=_FETCHERS)
        )
        if len(records) != len(ids):
            raise IndexStateError(
                f"index generation {generation.name} holds {len(records)} of its {len(ids)} chunks on the "
                "Chroma server; run `coach index --rebuild`"
            )
        matrix = np.asarray([records[i]["embeddings"] for i in ids], dtype=np.float32)
        return VectorMatrix(ids, matrix.reshape(len(ids), manifest.dim))

    def save_bm25(self, generation: GenerationLike, bm25: BM25Index) -> None:
        """Store the compressed statistics in the meta collection."""
        self._call(lambda: self.meta.put_blob(f"bm25/{generation.name}", bm25.to_bytes(compress=True)))

    def load_bm25(self, generation: GenerationLike, texts: int) -> BM25Index | None:
        """Fetch the statistics from the meta collection."""
        data = self._call(lambda: self.meta.get_blob(f"bm25/{generation.name}"))
        return BM25Index.from_bytes(data, texts) if data is not None else None

    def write_manifest(self, generation: GenerationLike, manifest: Manifest) -> None:
        """Store the manifest in the meta collection."""
        data = json.dumps(asdict(manifest), ensure_ascii=False).encode("utf-8")
        self._call(lambda: self.meta.put_blob(f"manifest/{generation.name}", data))

    def publish(self, generation: GenerationLike) -> None:
        """Upsert the pointer record, once the generation is complete.

        Raises:
            IndexStateError: The generation has no manifest or its collection is short of chunks.
        """
        manifest = generation.read_manifest()
        count = self.open_store(generation, {}, create=False)._collection.count()  # type: ignore[attr-defined]
        if count != len(manifest.ids):
            raise IndexStateError(
                f"refusing to publish {generation.name}: it holds {count} of {len(manifest.ids)} chunks"
            )
        self._call(lambda: self.meta.set_pointer(generation.name))

    def is_published(self, generation: GenerationLike) -> bool:
        """Whether the pointer names the generation."""
        return self.current_name() == generation.name

    def _delete(self, name: str) -> None:
        from chromadb.errors import NotFoundError

        with suppress(NotFoundError):
            self._call(lambda: self.client.delete_collection(f"{self._prefix}-{name}"))
        for kind in ("bm25", "manifest"):  # the manifest last: it marks a generation complete
            self._call(lambda kind=kind: self.meta.delete_blob(f"{kind}/{name}"))

    def discard(self, generation: GenerationLike) -> None:
        """Delete an unpublished generation's collection and records."""
        if not self.is_published(generation):
            self._delete(generation.name)

    def prune(self, keep_previous: bool = True) -> list[str]:
        """Delete unpublished collections (killed writers) and generations older than the previous one.

        Only call this while holding the writer lock.
        """
        try:
            current = self.current()
        except IndexStateError:
            current = None
        keys = self._call(self.meta.blob_keys)
        with_manifest = {k.split("/", 1)[1] for k in keys if k.startswith("manifest/")}
        names = set(self._names()) | {k.split("/", 1)[1] for k in keys}
        keep = {current.name} if current is not None else set()
        if current is not None and keep_previous:
            older = sorted(n for n in names if n < current.name and n in with_manifest)
            keep |= {older[-1]} if older else set()
        deleted = sorted(n for n in names if n not in keep)
        for name in deleted:
            self._delete(name)
        return deleted

    def writer_lock(self) -> AbstractContextManager[None]:
        """The server-wide writer lock (``<collection>-lock``)."""
        return ChromaWriterLock(self.client, f"{self._prefix}-lock", self._settings.lock_stale_s)
