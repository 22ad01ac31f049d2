"""Index generations: every sync writes a complete new index beside the old one, then switches.

Layout under ``DATA_DIR/index``::

    CURRENT          name of the published generation, replaced atomically (os.replace)
    g000007/         one complete index: chroma/, vectors.npy, bm25.npz, manifest.json
    g000008/         being written by a sync, or left behind by a killed one

A killed or interrupted sync leaves at most an unpublished folder, which is never read and is deleted
by the next sync. Readers only follow ``CURRENT``, so they always see a complete generation. The
previous generation is kept until the next sync, so a reader that opened it just before a switch can
finish.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import IndexStateError

_NAME = re.compile(r"^g(\d{6})$")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, text: str) -> None:
    """Replace a file's content so that readers see the old or the new text, never a mix."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@dataclass
class Manifest:
    """What a generation holds; written last, so a generation with a manifest is complete.

    Attributes:
        model: Identity of the embedding model of the vectors.
        ids: Chunk ids, in the row order of ``vectors.npy``.
        dim: Vector dimension.
        roots: Folders and files the user added (the bundled knowledge is not listed).
        files: Number of source files indexed.
        created: When the generation was written (UTC, ISO 8601).
        check: Result of the quick check run before publishing.
    """

    model: str
    ids: list[str]
    dim: int
    roots: list[str] = field(default_factory=list)
    files: int = 0
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    check: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Generation:
    """One generation folder."""

    path: Path

    @property
    def name(self) -> str:
        """Folder name, e.g. ``g000007``."""
        return self.path.name

    @property
    def number(self) -> int:
        """The generation's sequence number."""
        match = _NAME.match(self.name)
        return int(match.group(1)) if match else -1

    @property
    def chroma_dir(self) -> Path:
        """Folder of the Chroma database (the store of record)."""
        return self.path / "chroma"

    @property
    def vectors_path(self) -> Path:
        """The ``.npy`` matrix searched exactly."""
        return self.path / "vectors.npy"

    @property
    def bm25_path(self) -> Path:
        """The BM25 statistics (postings, lengths, idf), loaded instead of re-tokenising every chunk."""
        return self.path / "bm25.npz"

    @property
    def manifest_path(self) -> Path:
        """The manifest, written when everything else is on disk."""
        return self.path / "manifest.json"

    def read_manifest(self) -> Manifest:
        """Read the manifest.

        Raises:
            IndexStateError: It is missing or unreadable.
        """
        try:
            raw = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            return Manifest(**raw)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexStateError(
                f"index generation {self.name} is incomplete ({exc}); run `coach index`"
            ) from exc

    def write_manifest(self, manifest: Manifest) -> None:
        """Write the manifest durably."""
        write_atomically(self.manifest_path, json.dumps(asdict(manifest), ensure_ascii=False))


class Generations:
    """The generation folders under one root, and the pointer to the published one.

    Args:
        root: ``DATA_DIR/index``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _all(self) -> list[Generation]:
        if not self.root.exists():
            return []
        found = [Generation(p) for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name)]
        return sorted(found, key=lambda g: g.number)

    def current(self) -> Generation | None:
        """The published generation, or None when nothing has been published.

        Raises:
            IndexStateError: The pointer names a folder that is gone.
        """
        try:
            name = self._pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        generation = Generation(self.root / name)
        if not _NAME.match(name) or not generation.manifest_path.exists():
            raise IndexStateError(f"the index pointer names {name!r}, which is incomplete; run `coach index`")
        return generation

    def stage(self) -> Generation:
        """Create the folder of the next generation (not visible to readers until published)."""
        self.root.mkdir(parents=True, exist_ok=True)
        existing = self._all()
        number = (existing[-1].number + 1) if existing else 1
        generation = Generation(self.root / f"g{number:06d}")
        generation.path.mkdir()
        return generation

    def publish(self, generation: Generation) -> None:
        """Make a complete generation the one readers use (one atomic rename)."""
        if not generation.manifest_path.exists():
            raise IndexStateError(f"refusing to publish {generation.name}: it has no manifest")
        _fsync_dir(generation.path)
        write_atomically(self._pointer, generation.name + "\n")

    def is_published(self, generation: Generation) -> bool:
        """Whether the pointer names this generation."""
        try:
            return self._pointer.read_text(encoding="utf-8").strip() == generation.name
        except FileNotFoundError:
            return False

    def prune(self, keep_previous: bool = True) -> list[str]:
        """Delete unpublished leftovers and generations older than the previous one.

        Only call this while holding the writer lock.

        Returns:
            Names of the deleted folders.
        """
        try:
            current = self.current()
        except IndexStateError:
            current = None  # a pointer to nothing: every folder is untrusted; the sync rebuilds
        generations = self._all()
        keep = {current.number} if current is not None else set()
        if current is not None and keep_previous:
            older = [g for g in generations if g.number < current.number and g.manifest_path.exists()]
            keep |= {older[-1].number} if older else set()
        deleted = []
        for generation in generations:
            if generation.number not in keep:
                shutil.rmtree(generation.path, ignore_errors=True)
                deleted.append(generation.name)
        return deleted

    def discard(self, generation: Generation) -> None:
        """Delete an unpublished generation (never the published one)."""
        if not self.is_published(generation):
            shutil.rmtree(generation.path, ignore_errors=True)
