"""Exact dense search over the index's vectors, kept in a file written at index time.

Chroma's embedded HNSW graph is rebuilt in a random order by every process until it is persisted, so
approximate search can rank differently from one process to the next (chroma-core/chroma #2675,
#1713). For the libraries users have (up to ~100k chunks) an exact matrix product is fast enough
(about 8 ms at 100k x 384 on 2 cores), so dense ranking is exact cosine ranking and the same in every
process. Ties are broken by row, and rows are in chunk-id order, so the ranking is fully determined.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.errors import IndexStateError

Matrix = npt.NDArray[np.float32]


class VectorMatrix:
    """Row-aligned chunk ids and unit-length vectors, searched exactly.

    Args:
        ids: Chunk ids, one per row.
        vectors: Matrix of shape ``(len(ids), dim)``; rows are normalised to unit length here.

    Raises:
        IndexStateError: The shapes disagree or a vector holds NaN or infinity.
    """

    def __init__(self, ids: Sequence[str], vectors: npt.ArrayLike) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.size == 0:
            matrix = matrix.reshape(0, matrix.shape[-1] if matrix.ndim == 2 else 0)
        if matrix.ndim != 2 or matrix.shape[0] != len(ids):
            raise IndexStateError(
                f"vector file holds {matrix.shape} for {len(ids)} ids; run `coach index --rebuild`"
            )
        if matrix.size and not np.isfinite(matrix).all():
            raise IndexStateError("vector file holds NaN or infinite values; run `coach index --rebuild`")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.ids = list(ids)
        self.matrix: Matrix = (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)
        self._row = {id_: i for i, id_ in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        """Vector dimension (0 for an empty matrix)."""
        return int(self.matrix.shape[1])

    def row(self, chunk_id: str) -> int | None:
        """The row of a chunk id, or None."""
        return self._row.get(chunk_id)

    def similarities(self, query: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Cosine similarity of the query to every row."""
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vector)) or 1.0
        result: npt.NDArray[np.float32] = self.matrix @ (vector / norm)
        return result

    def search(self, query: npt.ArrayLike, n: int) -> list[tuple[int, float]]:
        """The n rows most similar to the query, as ``(row, similarity)``, best first.

        Exact: every row is scored. Equal scores are ordered by row, so the result is the same in
        every process.
        """
        if not len(self) or n <= 0:
            return []
        scores = self.similarities(query)
        n = min(n, len(scores))
        # argpartition narrows to the top n cheaply; the stable sort of (-score, row) fixes the order.
        part = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        order = sorted(part.tolist(), key=lambda r: (-float(scores[r]), r))
        return [(r, float(scores[r])) for r in order]

    # -- files -------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the matrix as ``.npy`` and flush it to disk (ids live in the manifest)."""
        with path.open("wb") as fh:
            np.save(fh, self.matrix, allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def load(cls, path: Path, ids: Sequence[str]) -> VectorMatrix:
        """Read a matrix written by :meth:`save`, with the ids it was written for.

        Raises:
            IndexStateError: The file is missing, unreadable or does not fit the ids.
        """
        try:
            matrix = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise IndexStateError(f"cannot read the vector file {path}: {exc}") from exc
        return cls(ids, matrix)
