"""The persistent knowledge index: chunks of the configured documents, their vectors, in generations.

Every sync that changes something writes a complete new generation: a fresh Chroma collection (the
store of record), the vectors searched exactly, the BM25 statistics and a manifest, checks it, and only
then switches the pointer to the published generation. Where the parts go is a
:class:`~assistant.generation_store.GenerationStore`: folders under ``DATA_DIR/index`` (see
:mod:`assistant.generations`) or collections on a Chroma server shared by several app replicas (see
:mod:`assistant.chroma_generations`); the sync logic here is the same for both. Chunk ids are content
hashes, so unchanged chunks keep their vectors and only new text is embedded. A sync that is killed or
interrupted leaves the published generation untouched; its partial generation is never read and is
deleted by the next sync. One writer at a time holds a file lock (and, on a server, the server's lock).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from assistant.backends.embeddings import embedding_model_id
from assistant.bm25 import BM25Index
from assistant.config import ChunkingSettings
from assistant.errors import (
    DocumentLoadError,
    EmbeddingMismatchError,
    IndexMissingError,
    IndexStateError,
    InputError,
)
from assistant.generation_store import GenerationLike, GenerationStore
from assistant.generations import Manifest
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loading import load_paths
from assistant.schemas import Chunk
from assistant.vectors import VectorMatrix
from assistant.writer_lock import WriterLock

#: Called as ``progress(phase, done, total)``; phase is ``"embed"`` or ``"write"``.
Progress = Callable[[str, int, int], None]

_MODEL_KEY = "embedding_model"
_WRITE_BATCH = 1000


def chunk_order(chunk: Chunk) -> tuple[str, str, str]:
    """The order of chunks (and of vector rows) in every generation: stable across runs."""
    return (chunk.source, chunk.section_key, chunk.body)


def raw_collection(store: VectorStore) -> Any:
    """The Chroma collection behind a LangChain store.

    langchain-chroma exposes it only as a private attribute; id listings, precomputed vectors and the
    recorded metadata need it, and the VectorStore interface lacks them.
    """
    return getattr(store, "_collection")  # noqa: B009


def read_records(
    collection: Any, ids: Sequence[str], include: list[str], *, page: int = 5000, workers: int = 1
) -> dict[str, dict[str, Any]]:
    """Read records by id, a page at a time: ``{id: {"documents": ..., "metadatas": ...}}``.

    One request for everything fails at scale (the embedded store's SQLite refuses a query with
    100k variables; a server has a maximum batch size), so pages of ``page`` ids are read, by
    ``workers`` threads at once (a server answers several requests in parallel). Ids the collection
    does not hold are missing from the result.
    """
    pages = [list(ids[i : i + page]) for i in range(0, len(ids), page)]

    def fetch(batch: list[str]) -> dict[str, dict[str, Any]]:
        found = collection.get(ids=batch, include=include)
        return {
            id_: {key: found[key][n] for key in include} for n, id_ in enumerate(found["ids"])
        }

    records: dict[str, dict[str, Any]] = {}
    if workers <= 1 or len(pages) <= 1:
        for batch in pages:
            records.update(fetch(batch))
        return records
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(fetch, pages):
            records.update(part)
    return records


def close_store(store: VectorStore | None) -> None:
    """Release the Chroma client of a store so its folder can be deleted or reopened safely."""
    client = getattr(store, "_client", None)
    close = getattr(client, "close", None)
    if callable(close):
        close()


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
    generation: str = ""
    published: bool = False
    check: dict[str, Any] = field(default_factory=dict)


@dataclass
class IndexView:
    """A published generation opened for reading: its manifest, store and vectors."""

    generation: GenerationLike
    manifest: Manifest
    store: VectorStore
    vectors: VectorMatrix

    #: Threads reading a server's records at once (1: the embedded store gains nothing from more).
    read_workers: int = 1

    def chunks(self) -> list[Chunk]:
        """All chunks, in vector-row order.

        Raises:
            IndexStateError: The store and the vector file disagree.
        """
        from langchain_core.documents import Document

        collection = raw_collection(self.store)
        ids = self.manifest.ids
        records = read_records(collection, ids, ["documents", "metadatas"], workers=self.read_workers)
        stored = collection.count()
        if len(records) != len(ids) or stored != len(ids):
            raise IndexStateError(
                f"index generation {self.generation.name}: the store holds {stored} chunks but the "
                f"vector file {len(ids)}; run `coach index --rebuild`"
            )
        return [
            Chunk.from_document(
                Document(page_content=records[i]["documents"], metadata=records[i]["metadatas"] or {}, id=i)
            )
            for i in ids
        ]


class KnowledgeIndex:
    """The chunks of the knowledge base and of the user's documents, with their vectors.

    Args:
        data_dir: Folder for the lock and the check report (and the local generations).
        embeddings: The embedding backend.
        generations: Where the generations live (see
            :func:`assistant.backends.vectorstore.make_generation_store`).
        chunking: Chunking settings.
        base_paths: Files and folders that are always indexed (the bundled knowledge).
        batch_size: Chunks embedded per step.
    """

    def __init__(
        self,
        data_dir: Path,
        embeddings: Embeddings,
        generations: GenerationStore,
        chunking: ChunkingSettings,
        base_paths: Sequence[Path],
        batch_size: int = 32,
    ) -> None:
        self.data_dir = data_dir
        self.embeddings = embeddings
        self.model_id = embedding_model_id(embeddings)
        self.generations = generations
        self._chunking = chunking
        self._base_paths = [Path(p) for p in base_paths]
        self._batch_size = batch_size
        self._view: IndexView | None = None

    def _lock(self) -> WriterLock:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # WriterLock notes the holder beside the lock and raises IndexLockedError naming it.
        return WriterLock(self.data_dir / "index.lock", timeout=5)

    def _close_view(self) -> None:
        self.generations.close_store(self._view.store if self._view else None)
        self._view = None

    # -- reading -----------------------------------------------------------------------------
    def current_name(self) -> str | None:
        """Name of the published generation (cheap: one small file read or request), or None."""
        return self.generations.current_name()

    def view(self) -> IndexView:
        """The published generation, opened (reopened when another process published a new one).

        Raises:
            IndexMissingError: Nothing has been indexed yet.
            EmbeddingMismatchError: The index holds another model's vectors.
            IndexStateError: The generation is damaged.
        """
        current = self.generations.current()
        if current is None:
            raise IndexMissingError("no knowledge index yet: run `coach index` first")
        if self._view is not None and self._view.generation == current:
            return self._view
        manifest = current.read_manifest()
        if manifest.model != self.model_id:
            raise EmbeddingMismatchError(
                f"the index was built with {manifest.model!r} but {self.model_id!r} is configured; "
                "vectors of different models cannot be mixed: run `coach index --rebuild`"
            )
        vectors = self.generations.load_vectors(current, manifest)
        self._close_view()
        store = self.generations.open_store(current, {_MODEL_KEY: self.model_id}, create=False)
        self._view = IndexView(current, manifest, store, vectors, self.generations.read_workers)
        return self._view

    def lexical_index(self, view: IndexView, chunks: Sequence[Chunk]) -> BM25Index:
        """The BM25 index of a view's chunks: the statistics saved at index time, else built now.

        Generations written before the statistics were saved have none; they are built in memory
        (the same numbers, only slower to start on a large index).
        """
        saved = self.generations.load_bm25(view.generation, len(chunks))
        return saved if saved is not None else BM25Index([c.text_for_search for c in chunks])

    def require(self) -> None:
        """Check that the index can be searched (see :meth:`view` for the errors)."""
        self.view()

    @property
    def store(self) -> VectorStore:
        """The vector store of the published generation."""
        return self.view().store

    def count(self) -> int:
        """Number of chunks in the published index (0 when there is none)."""
        current = self.generations.current()
        return len(current.read_manifest().ids) if current else 0

    def recorded_model(self) -> str | None:
        """The embedding model of the published index, if any."""
        current = self.generations.current()
        return current.read_manifest().model if current else None

    def chunks(self) -> list[Chunk]:
        """All chunks in the index, in a stable order."""
        return self.view().chunks()

    def user_roots(self) -> list[Path]:
        """Folders and files the user added with ``coach index PATH``, in the order added."""
        current = self.generations.current()
        return [Path(p) for p in current.read_manifest().roots] if current else []

    def close(self) -> None:
        """Release the open store."""
        self._close_view()

    # -- writing -----------------------------------------------------------------------------
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
            rebuild: Embed everything again (also after a model change).
            forget: Previously added files or folders to remove from the indexed set.
            progress: Called with ``(phase, done, total)`` while chunks are embedded and written.

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
        # Both locks raise IndexLockedError naming the holder.
        with self._lock(), self.generations.writer_lock():
            report = self._sync_locked(new_roots, rebuild, forget, progress)
        report.seconds = time.perf_counter() - started
        return report

    def _published(self) -> tuple[GenerationLike | None, Manifest | None]:
        try:
            current = self.generations.current()
            return current, current.read_manifest() if current else None
        except IndexStateError:
            return None, None  # a broken pointer: rebuild from the sources

    def source_chunks(self, roots: Sequence[Path], report: SyncReport | None = None) -> list[Chunk]:
        """Load and chunk the bundled knowledge and the given roots, in chunk order.

        Args:
            roots: The user's added folders and files.
            report: Receives the skipped files and the file count, when given.
        """
        report = report if report is not None else SyncReport()
        existing = []
        for root in [*self._base_paths, *roots]:
            if root.exists():
                existing.append(root)
            else:
                report.skipped.append(DocumentLoadError(str(root), "no longer exists; not indexed"))
        loaded = load_paths(existing)
        report.skipped.extend(loaded.skipped)
        report.files = len(loaded.documents)
        wanted: dict[str, Chunk] = {}
        for doc in loaded.documents:
            for chunk in chunk_document(
                doc, max_chars=self._chunking.max_chars, min_words=self._chunking.min_words
            ):
                wanted.setdefault(chunk.id, chunk)
        return sorted(wanted.values(), key=chunk_order)

    def _sync_locked(
        self, new_roots: list[Path], rebuild: bool, forget: Sequence[Path], progress: Progress | None
    ) -> SyncReport:
        cached = self._view
        self.close()
        self.generations.prune()  # partial generations of killed runs are never trusted
        current, manifest = self._published()
        if manifest is not None and manifest.model != self.model_id and not rebuild:
            raise EmbeddingMismatchError(
                f"the index was built with {manifest.model!r} but {self.model_id!r} is configured; "
                "vectors of different models cannot be mixed: run `coach index --rebuild`"
            )
        forgotten = {Path(p).expanduser().resolve() for p in forget}
        old_roots = [Path(r) for r in manifest.roots] if manifest else self._legacy_roots()
        roots = [r for r in old_roots if r not in forgotten]
        roots += [r for r in new_roots if r not in roots and r not in self._base_paths]

        report = SyncReport()
        wanted = self.source_chunks(roots, report)
        report.chunks = len(wanted)
        old_ids = set(manifest.ids) if manifest else set()
        wanted_ids = {c.id for c in wanted}
        reusable = current is not None and manifest is not None and not rebuild
        if reusable and wanted_ids == old_ids and [str(r) for r in roots] == manifest.roots:  # type: ignore[union-attr]
            report.unchanged = len(wanted)
            report.generation = current.name  # type: ignore[union-attr]
            return report

        old_vectors = None
        if reusable and current is not None and manifest is not None:
            if cached is not None and cached.generation.name == current.name:
                old_vectors = cached.vectors  # already in memory (a server fetch saved)
            else:
                old_vectors = self.generations.load_vectors(current, manifest)
        vectors = self._embed(wanted, old_vectors, progress)
        report.added = sum(1 for c in wanted if c.id not in old_ids or not reusable)
        report.deleted = len(old_ids - wanted_ids) if reusable else len(old_ids)
        report.unchanged = len(wanted) - report.added
        generation = self.generations.stage()
        try:
            self._write(generation, wanted, vectors, roots, report.files, progress, report)
            self.generations.publish(generation)
            report.published = True
        finally:
            if not self.generations.is_published(generation):
                self.generations.discard(generation)
        report.generation = generation.name
        self.generations.prune()
        self._remove_legacy_layout()
        return report

    def _embed(
        self, chunks: list[Chunk], old: VectorMatrix | None, progress: Progress | None
    ) -> np.ndarray:
        rows: list[np.ndarray | None] = []
        todo: list[int] = []
        for i, chunk in enumerate(chunks):
            row = old.row(chunk.id) if old is not None else None
            rows.append(old.matrix[row] if old is not None and row is not None else None)
            if row is None:
                todo.append(i)
        if progress:
            progress("embed", 0, len(todo))
        for start in range(0, len(todo), self._batch_size):
            batch = todo[start : start + self._batch_size]
            embedded = self.embeddings.embed_documents([chunks[i].text_for_search for i in batch])
            for i, vector in zip(batch, embedded, strict=True):
                rows[i] = np.asarray(vector, dtype=np.float32)
            if progress:
                progress("embed", start + len(batch), len(todo))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([r for r in rows if r is not None])

    def _write(
        self,
        generation: GenerationLike,
        chunks: list[Chunk],
        vectors: np.ndarray,
        roots: list[Path],
        files: int,
        progress: Progress | None,
        report: SyncReport,
    ) -> None:
        from assistant.index_check import quick_check

        matrix = VectorMatrix([c.id for c in chunks], vectors)
        store = self.generations.open_store(generation, {_MODEL_KEY: self.model_id}, create=True)
        try:
            collection = raw_collection(store)
            if progress:
                progress("write", 0, len(chunks))
            for start in range(0, len(chunks), _WRITE_BATCH):
                batch = chunks[start : start + _WRITE_BATCH]
                docs = [c.to_document() for c in batch]
                collection.add(
                    ids=[c.id for c in batch],
                    embeddings=matrix.matrix[start : start + len(batch)],
                    documents=[d.page_content for d in docs],
                    metadatas=[d.metadata for d in docs],
                )
                if progress:
                    progress("write", start + len(batch), len(chunks))
            self.generations.save_vectors(generation, matrix)
            # BM25 statistics over the chunks in row order, so readers load them instead of
            # tokenising every chunk at start.
            self.generations.save_bm25(generation, BM25Index([c.text_for_search for c in chunks]))
            manifest = Manifest(
                model=self.model_id, ids=matrix.ids, dim=matrix.dim, roots=[str(r) for r in roots],
                files=files,
            )
            report.check = quick_check(store, matrix, manifest).as_dict()
            if not report.check["ok"]:
                problems = "; ".join(report.check["problems"])
                raise IndexStateError(f"the new index failed its check: {problems}")
            manifest.check = report.check
        finally:
            self.generations.close_store(store)
        self.generations.write_manifest(generation, manifest)

    def _legacy_roots(self) -> list[Path]:
        # Indexes written before generations kept the added folders in DATA_DIR/sources.json.
        legacy = self.data_dir / "sources.json"
        if not legacy.exists():
            return []
        try:
            return [Path(p) for p in json.loads(legacy.read_text(encoding="utf-8"))]
        except (OSError, ValueError):
            return []

    def _remove_legacy_layout(self) -> None:
        """Delete the pre-generation layout (``DATA_DIR/chroma`` and its records) once replaced."""
        shutil.rmtree(self.data_dir / "chroma", ignore_errors=True)
        for name in ("index.writing", "sources.json"):
            (self.data_dir / name).unlink(missing_ok=True)
