"""Benchmark: exact dense search and generation writes at 400, 10k and 100k chunks.

Run with `.venv/bin/python bench/exact_search.py [--sizes 400 10000 100000] [--no-store]`.
Vectors are synthetic and clustered (e5 has 384 dimensions); embedding 100k real chunks would
take over an hour here. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.vectors import VectorMatrix

DIM = 384


def clustered_vectors(n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(1, n // 50), DIM)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), n)] + 0.15 * rng.normal(size=(n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_size(n: int, with_store: bool) -> dict[str, float]:
    vectors = clustered_vectors(n)
    ids = [f"c{i:07d}" for i in range(n)]
    matrix = VectorMatrix(ids, vectors)
    queries = clustered_vectors(200, seed=11)
    latencies = []
    for query in queries:
        started = time.perf_counter()
        matrix.search(query, 20)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vectors.npy"
        matrix.save(path)
        started = time.perf_counter()
        VectorMatrix.load(path, ids)
        load_ms = (time.perf_counter() - started) * 1000
        store_s = bench_store(Path(folder), ids, vectors) if with_store else float("nan")
    return {
        "chunks": n,
        "search_p50_ms": statistics.median(latencies),
        "search_p95_ms": latencies[int(0.95 * len(latencies))],
        "matrix_mb": matrix.matrix.nbytes / 2**20,
        "load_ms": load_ms,
        "store_write_s": store_s,
    }


def bench_store(folder: Path, ids: list[str], vectors: np.ndarray) -> float:
    """Seconds to write one generation's Chroma collection with precomputed vectors."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(folder / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("bench", configuration={"hnsw": {"space": "cosine"}})
    text = "Et avsnitt med omtrent seks hundre tegn tekst. " * 12
    started = time.perf_counter()
    for start in range(0, len(ids), 1000):
        batch = slice(start, start + 1000)
        collection.add(
            ids=ids[batch], embeddings=vectors[batch], documents=[text] * len(ids[batch]),
            metadatas=[{"source": "bench.md"}] * len(ids[batch]),
        )
    seconds = time.perf_counter() - started
    client.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=int, default=[400, 10_000, 100_000])
    parser.add_argument("--no-store", action="store_true", help="Skip the Chroma generation write.")
    args = parser.parse_args()
    print("| chunks | search p50 (ms) | search p95 (ms) | matrix (MB) | load (ms) | generation write (s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        r = bench_size(n, not args.no_store)
        print(f"| {n:,} | {r['search_p50_ms']:.2f} | {r['search_p95_ms']:.2f} | {r['matrix_mb']:.1f} | "
              f"{r['load_ms']:.1f} | {r['store_write_s']:.1f} |")
    print(f"peak RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
