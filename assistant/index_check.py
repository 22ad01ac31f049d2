"""Checks of an index from the outside: is what the store holds what search uses and sources give?

:func:`quick_check` runs at the end of every sync, before a generation is published;
:func:`full_check` is ``coach index --check``. Both return a :class:`CheckResult` that names every
problem found; ``coach status`` shows the last one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from langchain_core.vectorstores import VectorStore

from assistant.generations import Manifest, write_atomically
from assistant.vectors import VectorMatrix

if TYPE_CHECKING:
    from assistant.index import KnowledgeIndex

_SAMPLE = 32
_BLOCK = 2048
_TOLERANCE = 1e-4


@dataclass
class CheckResult:
    """The outcome of a check."""

    kind: Literal["quick", "full"]
    generation: str = ""
    problems: list[str] = field(default_factory=list)
    stats: dict[str, float | int] = field(default_factory=dict)
    checked_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``ok``."""
        return {"ok": self.ok, **asdict(self)}


def _store_vectors(store: VectorStore, ids: Sequence[str]) -> dict[str, np.ndarray]:
    from assistant.index import raw_collection

    found: dict[str, np.ndarray] = {}
    collection = raw_collection(store)
    for start in range(0, len(ids), _BLOCK):
        records = collection.get(ids=list(ids[start : start + _BLOCK]), include=["embeddings"])
        for id_, vector in zip(records["ids"], records["embeddings"], strict=True):
            found[id_] = np.asarray(vector, dtype=np.float32)
    return found


def _compare_vectors(matrix: VectorMatrix, stored: dict[str, np.ndarray], ids: Sequence[str]) -> list[str]:
    problems = []
    differing = 0
    for id_ in ids:
        vector = stored.get(id_)
        row = matrix.row(id_)
        if vector is None or row is None:
            continue
        unit = vector / (float(np.linalg.norm(vector)) or 1.0)
        if not np.allclose(unit, matrix.matrix[row], atol=_TOLERANCE):
            differing += 1
    if differing:
        problems.append(f"{differing} vectors in the vector file differ from the store's")
    return problems


def _self_retrieval_failures(matrix: VectorMatrix, rows: Sequence[int]) -> int:
    """Rows whose own vector does not find them first (an identical duplicate counts as found)."""
    failures = 0
    for start in range(0, len(rows), _BLOCK):
        block = list(rows[start : start + _BLOCK])
        scores = matrix.matrix[block] @ matrix.matrix.T
        own = scores[np.arange(len(block)), block]
        failures += int(np.sum(own < scores.max(axis=1) - _TOLERANCE))
    return failures


def quick_check(store: VectorStore, matrix: VectorMatrix, manifest: Manifest) -> CheckResult:
    """Check a freshly written generation: ids, counts and a sample of vectors and searches."""
    from assistant.index import raw_collection

    started = time.perf_counter()
    result = CheckResult(kind="quick")
    collection = raw_collection(store)
    stored_ids = set(collection.get(include=[])["ids"])
    if stored_ids != set(manifest.ids) or len(matrix) != len(manifest.ids):
        result.problems.append(
            f"the store holds {len(stored_ids)} chunks, the vector file {len(matrix)}, "
            f"the manifest {len(manifest.ids)}"
        )
    # Spread the sample over the whole matrix, deterministically.
    step = max(1, len(manifest.ids) // _SAMPLE)
    sample = list(range(0, len(manifest.ids), step))[:_SAMPLE]
    sample_ids = [manifest.ids[i] for i in sample]
    result.problems += _compare_vectors(matrix, _store_vectors(store, sample_ids), sample_ids)
    failures = _self_retrieval_failures(matrix, sample)
    if failures:
        result.problems.append(
            f"{failures} of {len(sample)} sampled chunks are not found by their own vector"
        )
    result.stats = {"chunks": len(manifest.ids), "sampled": len(sample), "ms": _ms(started)}
    return result


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def full_check(index: KnowledgeIndex, queries: Sequence[str], k: int = 10) -> CheckResult:
    """Verify the published index completely.

    - the model of the manifest, the collection and the settings agree;
    - the store, the vector file and the manifest hold the same chunks, and the sources give them;
    - every stored vector equals the vector file's row, and every chunk is found by its own vector;
    - for each query, the exact top-k over the vector file equals the exact top-k over the store's
      own vectors.

    Args:
        index: The index to check.
        queries: Sample questions for the ranking comparison.
        k: Depth of the ranking comparison.

    Returns:
        The result; ``coach status`` shows the last one saved with :func:`save_check`.
    """
    from assistant.index import raw_collection

    started = time.perf_counter()
    view = index.view()
    manifest, matrix = view.manifest, view.vectors
    result = CheckResult(kind="full", generation=view.generation.name)
    recorded = (raw_collection(view.store).metadata or {}).get("embedding_model")
    if recorded != manifest.model or manifest.model != index.model_id:
        result.problems.append(
            f"model mismatch: collection {recorded!r}, manifest {manifest.model!r}, "
            f"settings {index.model_id!r}"
        )
    stored = _store_vectors(view.store, manifest.ids)
    all_stored = set(raw_collection(view.store).get(include=[])["ids"])
    if all_stored != set(manifest.ids) or len(matrix) != len(manifest.ids):
        result.problems.append(
            f"the store holds {len(all_stored)} chunks, the vector file {len(matrix)}, "
            f"the manifest {len(manifest.ids)}"
        )
    sources = index.source_chunks([Path(r) for r in manifest.roots])
    source_ids = {c.id for c in sources}
    missing, stale = len(source_ids - set(manifest.ids)), len(set(manifest.ids) - source_ids)
    if missing or stale:
        result.problems.append(
            f"the sources give {len(source_ids)} chunks: {missing} not indexed, {stale} indexed but gone "
            "(run `coach index`)"
        )
    result.problems += _compare_vectors(matrix, stored, manifest.ids)
    failures = _self_retrieval_failures(matrix, list(range(len(matrix))))
    if failures:
        result.problems.append(f"{failures} chunks are not found by a search with their own vector")
    order = [i for i in manifest.ids if i in stored]
    store_matrix = VectorMatrix(order, np.vstack([stored[i] for i in order]) if order else [])
    differing = 0
    for query in queries:
        vector = index.embeddings.embed_query(query)
        exact = [matrix.ids[r] for r, _ in matrix.search(vector, k)]
        reference = [store_matrix.ids[r] for r, _ in store_matrix.search(vector, k)]
        differing += exact != reference
    if differing:
        result.problems.append(
            f"{differing} of {len(queries)} sample queries rank differently than the store"
        )
    result.stats = {
        "chunks": len(manifest.ids), "sources_chunks": len(source_ids), "queries": len(queries),
        "ms": _ms(started),
    }
    return result


def check_path(data_dir: Path) -> Path:
    """Where the last full check is saved."""
    return data_dir / "index" / "check.json"


def save_check(data_dir: Path, result: CheckResult) -> None:
    """Save a full check's result for ``coach status``."""
    path = check_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(result.as_dict(), ensure_ascii=False, indent=2))


def load_check(data_dir: Path) -> dict[str, Any] | None:
    """The last saved full check, or None."""
    try:
        loaded: dict[str, Any] = json.loads(check_path(data_dir).read_text(encoding="utf-8"))
        return loaded
    except (OSError, ValueError):
        return None
