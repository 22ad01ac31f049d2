"""The persistent knowledge index: chunks of the configured documents in a vector store.

Re-indexing is incremental: chunk ids are content hashes, so unchanged chunks are not embedded
again, and chunks of removed or changed files are deleted. The collection records its embedding
model and refuses another one. One writer at a time holds a file lock; a marker file left by an
interrupted writer makes readers refuse the index until it is rebuilt, because a half-written HNSW
segment can crash the reading process.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from assistant.backends.embeddings import embedding_model_id
from assistant.config import ChunkingSettings
from assistant.errors import (
    DocumentLoadError,
    EmbeddingMismatchError,
    IndexLockedError,
    IndexMissingError,
    IndexStateError,
    InputError,
)
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loading import load_paths
from assistant.schemas import Chunk

#: Builds the vector store in a folder, with metadata recorded on a new collection.
StoreFactory = Callable[[Path, dict[str, str]], VectorStore]
#: Called as ``progress(done, total)`` while chunks are embedded.
Progress = Callable[[int, int], None]

_MODEL_KEY = "embedding_model"


@dataclass
class SyncReport:
    """What one indexing run did."""

    files: int = 0
    chunks: int = 0
    added: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[DocumentLoadError] = field(default_factory=list)
    seconds: float = 0.0


class KnowledgeIndex:
    """The chunks of the knowledge base and of the user's documents, with their vectors.

    Args:
        data_dir: Folder for the database, the lock and the list of indexed folders.
        embeddings: The embedding backend.
        store_factory: Opens the vector store (see :data:`StoreFactory`).
        chunking: Chunking settings.
        base_paths: Files and folders that are always indexed (the bundled knowledge).
        batch_size: Chunks embedded and written per step.
    """

    def __init__(
        self,
        data_dir: Path,
        embeddings: Embeddings,
        store_factory: StoreFactory,
        chunking: ChunkingSettings,
        base_paths: Sequence[Path],
        batch_size: int = 32,
    ) -> None:
        self.data_dir = data_dir
        self.embeddings = embeddings
        self.model_id = embedding_model_id(embeddings)
        self._store_factory = store_factory
        self._chunking = chunking
        self._base_paths = [Path(p) for p in base_paths]
        self._batch_size = batch_size
        self._store: VectorStore | None = None

    # -- files next to the database ----------------------------------------------------------
    @property
    def _db_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def _roots_file(self) -> Path:
        return self.data_dir / "sources.json"

    @property
    def _dirty_marker(self) -> Path:
        return self.data_dir / "index.writing"

    def _lock(self) -> FileLock:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.data_dir / "index.lock"), timeout=5)

    def user_roots(self) -> list[Path]:
        """Folders and files the user added with ``coach index PATH``, in the order added."""
        if not self._roots_file.exists():
            return []
        return [Path(p) for p in json.loads(self._roots_file.read_text(encoding="utf-8"))]

    def _save_user_roots(self, roots: Iterable[Path]) -> None:
        self._roots_file.write_text(json.dumps([str(r) for r in roots], indent=2), encoding="utf-8")

    # -- the store ---------------------------------------------------------------------------
    @property
    def store(self) -> VectorStore:
        """The open vector store (opened on first use, after the safety checks)."""
        if self._store is None:
            if self._dirty_marker.exists():
                raise IndexStateError(
                    "an earlier indexing run was interrupted and the index may be damaged: "
                    "run `coach index --rebuild`"
                )
            self._store = self._store_factory(self._db_dir, {_MODEL_KEY: self.model_id})
        return self._store

    def _collection(self) -> Any:
        # langchain-chroma exposes the raw collection only as a private attribute; we need it for
        # id-only listings and the recorded model, which the VectorStore interface lacks.
        return getattr(self.store, "_collection")  # noqa: B009

    def recorded_model(self) -> str | None:
        """The embedding model recorded on the collection, if any."""
        metadata = self._collection().metadata or {}
        value = metadata.get(_MODEL_KEY)
        return str(value) if value is not None else None

    def _check_model(self) -> None:
        recorded = self.recorded_model()
        if recorded is not None and recorded != self.model_id:
            raise EmbeddingMismatchError(
                f"the index was built with {recorded!r} but {self.model_id!r} is configured; "
                "vectors of different models cannot be mixed: run `coach index --rebuild`"
            )

    def count(self) -> int:
        """Number of chunks in the index."""
        return int(self._collection().count())

    def exists(self) -> bool:
        """Whether an index with at least one chunk has been built."""
        return self._db_dir.exists() and self.count() > 0

    def require(self) -> None:
        """Check that the index can be searched.

        Raises:
            IndexMissingError: Nothing has been indexed yet.
            EmbeddingMismatchError: The index holds another model's vectors.
            IndexStateError: The index is damaged.
        """
        if not self._db_dir.exists() or self.count() == 0:
            raise IndexMissingError("no knowledge index yet: run `coach index` first")
        self._check_model()

    def chunks(self) -> list[Chunk]:
        """All chunks in the index, in a stable order."""
        records = self._collection().get(include=["documents", "metadatas"])
        docs = [
            Document(page_content=text, metadata=meta or {}, id=id_)
            for id_, text, meta in zip(
                records["ids"], records["documents"], records["metadatas"], strict=True
            )
        ]
        return sorted(
            (Chunk.from_document(d) for d in docs),
            key=lambda c: (c.source, c.section_key, c.body),
        )

    # -- writing -----------------------------------------------------------------------------
    def _drop(self) -> None:
        """Delete the whole database folder (works even when a segment is damaged)."""
        self._store = None
        try:
            from chromadb.api.client import SharedSystemClient  # type: ignore[attr-defined]

            # Chroma caches one client per path; a stale one would point at deleted files.
            SharedSystemClient.clear_system_cache()
        except ImportError:
            pass
        shutil.rmtree(self._db_dir, ignore_errors=True)

    def sync(
        self,
        paths: Sequence[Path] = (),
        *,
        rebuild: bool = False,
        forget: Sequence[Path] = (),
        progress: Progress | None = None,
    ) -> SyncReport:
        """Bring the index in line with the documents on disk.

        Args:
            paths: Files or folders to add to the indexed set (remembered for later runs).
            rebuild: Drop the index and embed everything again (also after a model change).
            forget: Previously added files or folders to remove from the indexed set.
            progress: Called with ``(done, total)`` as new chunks are embedded.

        Returns:
            What was added, deleted, kept and skipped.

        Raises:
            InputError: A given path does not exist.
            IndexLockedError: Another process is writing the index.
            EmbeddingMismatchError: The index holds another model's vectors and rebuild is False.
        """
        started = time.perf_counter()
        new_roots = [Path(p).expanduser().resolve() for p in paths]
        for root in new_roots:
            if not root.exists():
                raise InputError(f"No such file or folder: {root}")
        try:
            with self._lock():
                return self._sync_locked(new_roots, rebuild, forget, progress, started)
        except Timeout as exc:
            raise IndexLockedError(
                "another `coach index` is writing the index; wait for it to finish"
            ) from exc

    def _sync_locked(
        self,
        new_roots: list[Path],
        rebuild: bool,
        forget: Sequence[Path],
        progress: Progress | None,
        started: float,
    ) -> SyncReport:
        forgotten = {Path(p).expanduser().resolve() for p in forget}
        roots = [r for r in self.user_roots() if r not in forgotten]
        roots += [r for r in new_roots if r not in roots and r not in self._base_paths]

        report = SyncReport()
        existing_roots = []
        for root in [*self._base_paths, *roots]:
            if root.exists():
                existing_roots.append(root)
            else:
                report.skipped.append(DocumentLoadError(str(root), "no longer exists; not indexed"))
        loaded = load_paths(existing_roots)
        report.skipped.extend(loaded.skipped)
        report.files = len(loaded.documents)
        wanted: dict[str, Chunk] = {}
        for doc in loaded.documents:
            for chunk in chunk_document(
                doc, max_chars=self._chunking.max_chars, min_words=self._chunking.min_words
            ):
                wanted.setdefault(chunk.id, chunk)
        report.chunks = len(wanted)

        if rebuild or self._dirty_marker.exists():
            # A marker left by a killed writer means the segment files cannot be trusted.
            self._drop()
        self._store = self._store_factory(self._db_dir, {_MODEL_KEY: self.model_id})
        self._check_model()
        # From here until the marker is removed, a crash leaves the index marked as suspect.
        self._dirty_marker.write_text("indexing in progress\n", encoding="utf-8")
        present = set(self._collection().get(include=[])["ids"])
        stale = sorted(present - wanted.keys())
        new = [c for cid, c in wanted.items() if cid not in present]
        if stale:
            self._store.delete(ids=stale)
        if progress:
            progress(0, len(new))
        for start in range(0, len(new), self._batch_size):
            batch = new[start : start + self._batch_size]
            self._store.add_documents([c.to_document() for c in batch], ids=[c.id for c in batch])
            if progress:
                progress(start + len(batch), len(new))
        self._dirty_marker.unlink()
        self._save_user_roots(roots)

        report.added, report.deleted = len(new), len(stale)
        report.unchanged = len(wanted) - len(new)
        report.seconds = time.perf_counter() - started
        return report
