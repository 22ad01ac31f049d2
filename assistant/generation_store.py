"""Where index generations live: the protocol the sync logic writes through, and the local folders.

:class:`~assistant.index.KnowledgeIndex` owns the sync logic (what to embed, what to write, when to
publish); a :class:`GenerationStore` owns *where* a generation's parts go and how the pointer to the
published one is switched atomically:

- :class:`LocalGenerationStore`: folders under ``DATA_DIR/index`` with an embedded Chroma database,
  ``vectors.npy``, ``bm25.npz`` and ``manifest.json`` each, and the ``CURRENT`` file (one machine);
- :class:`assistant.chroma_generations.ChromaGenerationStore`: collections on a Chroma server, with the
  pointer, manifests and BM25 statistics in a small meta collection (several app replicas).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Protocol

from langchain_core.vectorstores import VectorStore

from assistant.bm25 import BM25Index
from assistant.generations import Generation, Generations, Manifest
from assistant.vectors import VectorMatrix

#: Builds the embedded vector store in a folder, with metadata recorded on a new collection.
StoreFactory = Callable[[Path, dict[str, str]], VectorStore]


class GenerationLike(Protocol):
    """A generation as the sync logic and readers see it: a name and a manifest."""

    @property
    def name(self) -> str:
        """Name, e.g. ``g000007``."""
        ...

    @property
    def number(self) -> int:
        """The generation's sequence number."""
        ...

    def read_manifest(self) -> Manifest:
        """Read the manifest (raises IndexStateError when it is missing or unreadable)."""
        ...


class GenerationStore(Protocol):
    """Storage of index generations and of the pointer to the published one.

    Writers call these only while holding :meth:`writer_lock` (and the index's file lock).

    Attributes:
        read_workers: Requests a reader sends at once when it reads a generation's records.
    """

    read_workers: int

    def describe(self) -> str:
        """Where the generations are, for ``coach status``."""
        ...

    def current_name(self) -> str | None:
        """The published generation's name, as cheaply as possible (once per question)."""
        ...

    def current(self) -> GenerationLike | None:
        """The published generation, or None (raises IndexStateError for a dangling pointer)."""
        ...

    def stage(self) -> GenerationLike:
        """Reserve the next generation; invisible to readers until published."""
        ...

    def open_store(
        self, generation: GenerationLike, metadata: dict[str, str], *, create: bool
    ) -> VectorStore:
        """The generation's vector store; ``create`` for a writer filling a staged generation."""
        ...

    def close_store(self, store: VectorStore | None) -> None:
        """Release what :meth:`open_store` opened."""
        ...

    def save_vectors(self, generation: GenerationLike, matrix: VectorMatrix) -> None:
        """Persist the matrix searched exactly (where the store does not already hold it)."""
        ...

    def load_vectors(self, generation: GenerationLike, manifest: Manifest) -> VectorMatrix:
        """The matrix searched exactly, rows in manifest id order."""
        ...

    def save_bm25(self, generation: GenerationLike, bm25: BM25Index) -> None:
        """Persist the BM25 statistics of the generation's chunks."""
        ...

    def load_bm25(self, generation: GenerationLike, texts: int) -> BM25Index | None:
        """The saved BM25 statistics, or None when the generation has none (then they are rebuilt)."""
        ...

    def write_manifest(self, generation: GenerationLike, manifest: Manifest) -> None:
        """Write the manifest last: a generation with a manifest is complete."""
        ...

    def publish(self, generation: GenerationLike) -> None:
        """Make a complete generation the one readers use, in one atomic step."""
        ...

    def is_published(self, generation: GenerationLike) -> bool:
        """Whether the pointer names this generation."""
        ...

    def discard(self, generation: GenerationLike) -> None:
        """Delete an unpublished generation (never the published one)."""
        ...

    def prune(self, keep_previous: bool = True) -> list[str]:
        """Delete unpublished leftovers and generations older than the previous one."""
        ...

    def writer_lock(self) -> AbstractContextManager[None]:
        """Held around a sync, for writers that share this storage beyond one machine."""
        ...


class LocalGenerationStore:
    """Generations as folders under ``DATA_DIR/index`` (see :mod:`assistant.generations`).

    Args:
        root: ``DATA_DIR/index``.
        store_factory: Opens the embedded Chroma database of a generation folder.
        close: Releases a store opened by the factory.
    """

    def __init__(
        self, root: Path, store_factory: StoreFactory, close: Callable[[VectorStore | None], None]
    ) -> None:
        self.folders = Generations(root)
        self.read_workers = 1  # the embedded store is read in this process: threads gain nothing
        self._store_factory = store_factory
        self._close = close

    def _folder(self, generation: GenerationLike) -> Generation:
        return Generation(self.folders.root / generation.name)

    def describe(self) -> str:
        """The index folder."""
        return f"local folder {self.folders.root}"

    def current_name(self) -> str | None:
        """The published generation's name (validated like :meth:`current`)."""
        current = self.folders.current()
        return current.name if current else None

    def current(self) -> Generation | None:
        """The published generation folder, or None."""
        return self.folders.current()

    def stage(self) -> Generation:
        """Create the next generation's folder."""
        return self.folders.stage()

    def open_store(
        self, generation: GenerationLike, metadata: dict[str, str], *, create: bool
    ) -> VectorStore:
        """The embedded Chroma database in the generation's folder."""
        return self._store_factory(self._folder(generation).chroma_dir, metadata)

    def close_store(self, store: VectorStore | None) -> None:
        """Close the store's client, so the folder can be deleted or reopened safely."""
        self._close(store)

    def save_vectors(self, generation: GenerationLike, matrix: VectorMatrix) -> None:
        """Write ``vectors.npy``."""
        matrix.save(self._folder(generation).vectors_path)

    def load_vectors(self, generation: GenerationLike, manifest: Manifest) -> VectorMatrix:
        """Read ``vectors.npy``."""
        return VectorMatrix.load(self._folder(generation).vectors_path, manifest.ids)

    def save_bm25(self, generation: GenerationLike, bm25: BM25Index) -> None:
        """Write ``bm25.npz`` (uncompressed: it loads fastest)."""
        bm25.save(self._folder(generation).bm25_path)

    def load_bm25(self, generation: GenerationLike, texts: int) -> BM25Index | None:
        """Read ``bm25.npz``; None for generations written before it existed."""
        path = self._folder(generation).bm25_path
        return BM25Index.read(path, texts) if path.exists() else None

    def write_manifest(self, generation: GenerationLike, manifest: Manifest) -> None:
        """Write ``manifest.json`` durably."""
        self._folder(generation).write_manifest(manifest)

    def publish(self, generation: GenerationLike) -> None:
        """Replace ``CURRENT`` atomically."""
        self.folders.publish(self._folder(generation))

    def is_published(self, generation: GenerationLike) -> bool:
        """Whether ``CURRENT`` names the generation."""
        return self.folders.is_published(self._folder(generation))

    def discard(self, generation: GenerationLike) -> None:
        """Delete an unpublished folder."""
        self.folders.discard(self._folder(generation))

    def prune(self, keep_previous: bool = True) -> list[str]:
        """Delete leftover and old folders."""
        return self.folders.prune(keep_previous)

    def writer_lock(self) -> AbstractContextManager[None]:
        """Nothing beyond the index's file lock: only processes of this machine see these folders."""
        return nullcontext()

