"""Scale benchmark: a synthetic 100k-chunk library, indexed and searched through the real code.

Run with `.venv/bin/python bench/scale_bench.py [--chunks 100000] [--modes local http] [--embed 300]`.

- Corpus: Markdown files with one ~400-character paragraph per section (one chunk each). The words
  follow the guidance's own word frequencies mixed with a Zipf-distributed synthetic vocabulary, so
  common words have long postings lists as in a real library.
- Vectors: made without the model (embedding 100k chunks with e5 takes over an hour here): clustered
  random unit vectors seeded by each text's hash (:class:`SyntheticEmbeddings`, a bench-only fake).
  Questions are embedded by the real e5 model, so retrieval latency includes the query embedding.
- Build: `Coach.sync_index()` (load, chunk, embed, write Chroma, BM25 statistics, check, publish).
- Start-up and retrieval: each in a fresh process: open the index and build the retriever, with the
  BM25 statistics loaded from the generation (now) and rebuilt from the chunks (before), then the
  112 eval questions x 3 through `Coach.retrieve` (hybrid), p50/p95, and the process's memory.
- Embedding throughput of the real e5 model on --embed chunks of the corpus, separately.

The http mode starts its own `chroma run` on a free port. Prints Markdown tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.text import words  # noqa: E402

DIM = 384
SECTIONS_PER_FILE = 100
_SYLLABLES = ["sal", "g", "le", "der", "kun", "de", "mø", "te", "plan", "mål", "tilbud", "av", "tal", "opp",
              "føl", "ging", "pris", "for", "hand", "ling", "team", "strategi", "res", "ultat", "uke", "rap",
              "port", "vekst", "mar", "ked", "nett", "verk", "kon", "trakt", "bud", "sjett", "sty", "ring"]


class SyntheticEmbeddings:
    """A fake for benchmarks: passages get clustered random unit vectors from their text's hash; queries
    go to the real model (``real``), whose identity it reports, so the index opens as an e5 index."""

    def __init__(self, real: Any, clusters: int = 2000, seed: int = 3) -> None:
        self.real = real
        self.model_id = getattr(real, "model_id", "synthetic")
        rng = np.random.default_rng(seed)
        self._centres = rng.normal(size=(clusters, DIM)).astype(np.float32)

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        rng = np.random.default_rng(seed)
        vector = self._centres[seed % len(self._centres)] + 0.15 * rng.normal(size=DIM).astype(np.float32)
        return (vector / np.linalg.norm(vector)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return list(self.real.embed_query(text))


class CachedQueries:
    """Remembers question vectors, so retrieval can be timed apart from the e5 query embedding."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.model_id = getattr(real, "model_id", "cached")
        self.vectors: dict[str, list[float]] = {}

    def embed_query(self, text: str) -> list[float]:
        if text not in self.vectors:
            self.vectors[text] = list(self.real.embed_query(text))
        return self.vectors[text]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return list(self.real.embed_documents(texts))


def write_corpus(folder: Path, chunks: int, seed: int = 11) -> int:
    """Write ``chunks`` sections (one chunk each) into Markdown files; returns the file count."""
    rng = random.Random(seed)
    guidance = Counter(words((ROOT / "knowledge" / "salgsledelse.md").read_text(encoding="utf-8")))
    real_words, real_weights = list(guidance), np.array(list(guidance.values()), dtype=np.float64)
    made = ("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(150_000))
    synthetic = sorted(set(made))
    zipf = 1.0 / np.arange(1, len(synthetic) + 1)
    nrng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = (chunks + SECTIONS_PER_FILE - 1) // SECTIONS_PER_FILE
    for f in range(files):
        n = min(SECTIONS_PER_FILE, chunks - f * SECTIONS_PER_FILE)
        real = nrng.choice(len(real_words), size=(n, 40), p=real_weights / real_weights.sum())
        fake = nrng.choice(len(synthetic), size=(n, 20), p=zipf / zipf.sum())
        lines = [f"# Notatbok {f + 1:05d}", ""]
        for s in range(n):
            tokens = [real_words[i] for i in real[s]] + [synthetic[i] for i in fake[s]]
            rng.shuffle(tokens)
            sentences = [" ".join(tokens[i : i + 12]).capitalize() + "." for i in range(0, 60, 12)]
            lines += [f"## Avsnitt {s + 1:03d} {tokens[0]} {tokens[1]}", "", " ".join(sentences), ""]
        (folder / f"notatbok-{f + 1:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return files


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settings_for(data_dir: Path, corpus: Path, mode: str, url: str) -> Any:
    from assistant.config import Settings

    store = {"mode": "http", "url": url, "collection": "bench"} if mode == "http" else {}
    return Settings(data_dir=data_dir, knowledge_paths=[corpus], vectorstore=store)  # type: ignore[arg-type]


# -- build ------------------------------------------------------------------------------------------
def build(data_dir: Path, corpus: Path, mode: str, url: str) -> dict[str, Any]:
    from assistant.app import build_coach

    coach = build_coach(settings_for(data_dir, corpus, mode, url))
    coach.index.embeddings = SyntheticEmbeddings(coach.index.embeddings)  # type: ignore[assignment]
    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(f"{phase}_start", time.perf_counter())
        if done >= total:
            marks[f"{phase}_end"] = time.perf_counter()

    started = time.perf_counter()
    report = coach.sync_index(progress=progress)
    ended = time.perf_counter()
    n = report.chunks
    write_s = marks["write_end"] - marks["write_start"]
    return {
        "mode": mode, "chunks": n, "files": report.files, "total_s": ended - started,
        "load_chunk_s": marks["embed_start"] - started,
        "embed_synthetic_s": marks["embed_end"] - marks["embed_start"],
        "store_write_s": write_s, "store_chunks_per_s": n / write_s,
        "bm25_check_publish_s": ended - marks["write_end"], "check": report.check.get("ok"),
    }


# -- start-up and retrieval (run in a fresh process) -------------------------------------------------
def measure(data_dir: Path, corpus: Path, mode: str, url: str, bm25: str, repeats: int) -> dict[str, Any]:
    from assistant.app import build_coach
    from assistant.index import IndexView

    started = time.perf_counter()
    coach = build_coach(settings_for(data_dir, corpus, mode, url))
    cached = CachedQueries(coach.index.embeddings)
    coach.index.embeddings = cached  # type: ignore[assignment]
    build_s = time.perf_counter() - started
    rss_before = rss_mb()
    steps: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            result = fn(*args, **kwargs)
            steps[name] = steps.get(name, 0.0) + time.perf_counter() - t
            return result
        return wrapper

    if bm25 == "rebuilt":  # as before: no saved statistics, BM25 built from the chunks at start
        coach.index.generations.load_bm25 = lambda generation, texts: None  # type: ignore[method-assign]
    coach.index.view = timed("open (manifest, vectors, store)", coach.index.view)  # type: ignore[method-assign]
    IndexView.chunks = timed("chunks (texts, metadata)", IndexView.chunks)  # type: ignore[method-assign]
    coach.index.lexical_index = timed(f"bm25 ({bm25})", coach.index.lexical_index)  # type: ignore[method-assign]
    t = time.perf_counter()
    coach.retriever  # noqa: B018 - opening the index and building the retriever is what is measured
    startup_s = time.perf_counter() - t
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    embed_ms = []
    for question in questions:  # the real e5 query embedding, timed alone
        t = time.perf_counter()
        cached.embed_query(question)
        embed_ms.append((time.perf_counter() - t) * 1000)
    latencies, bm25_ms, dense_ms = [], [], []
    for _ in range(repeats):  # retrieval with the question vectors known: the index's own work
        for question in questions:
            t = time.perf_counter()
            coach.retrieve(question)
            latencies.append((time.perf_counter() - t) * 1000)
    totals = sorted(e + r for e, r in zip(embed_ms, latencies, strict=False))
    embed_ms.sort()
    for question in questions[:40]:
        t = time.perf_counter()
        coach.retrieve(question, mode="bm25")
        bm25_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        coach.retrieve(question, mode="dense")
        dense_ms.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    return {
        "mode": mode, "bm25": bm25, "chunks": coach.index.count(), "build_coach_s": build_s,
        "startup_s": startup_s, "steps": steps, "rss_mb": rss_mb(), "rss_index_mb": rss_mb() - rss_before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "p50_ms": statistics.median(latencies), "p95_ms": latencies[int(0.95 * len(latencies))],
        "queries": len(latencies), "bm25_p50_ms": statistics.median(bm25_ms),
        "embed_p50_ms": statistics.median(embed_ms), "embed_p95_ms": embed_ms[int(0.95 * len(embed_ms))],
        "total_p50_ms": statistics.median(totals), "total_p95_ms": totals[int(0.95 * len(totals))],
        "load_average": os.getloadavg()[0],
        "dense_p50_ms": statistics.median(dense_ms),
    }


def run_measure(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--measure", *args], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def embed_throughput(corpus: Path, n: int) -> dict[str, float]:
    from assistant.backends.embeddings import make_embeddings
    from assistant.config import EmbeddingSettings
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loading import load_paths

    texts: list[str] = []
    for doc in load_paths(sorted(corpus.glob("*.md"))[:3]).documents:
        texts += [c.text_for_search for c in chunk_document(doc, max_chars=600)]
    texts = texts[:n]
    embeddings = make_embeddings(EmbeddingSettings())
    embeddings.embed_documents(texts[:4])  # load the model
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        embeddings.embed_documents(texts[i : i + 32])
    seconds = time.perf_counter() - started
    return {"chunks": len(texts), "seconds": seconds, "chunks_per_s": len(texts) / seconds}


def start_chroma(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(folder), "--host", "127.0.0.1",
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("chroma run did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--modes", nargs="+", default=["local", "http"], choices=["local", "http"])
    parser.add_argument("--embed", type=int, default=300, help="Chunks embedded by e5 for its throughput.")
    parser.add_argument("--repeats", type=int, default=3, help="Passes over the 112 eval questions.")
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it.")
    parser.add_argument("--reuse", action="store_true", help="With --keep: measure the indexes built before.")
    parser.add_argument("--measure", nargs=6, metavar=("DATA", "CORPUS", "MODE", "URL", "BM25", "REPEATS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.measure:
        data, corpus, mode, url, bm25, repeats = args.measure
        print(json.dumps(measure(Path(data), Path(corpus), mode, url, bm25, int(repeats))))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="coach-scale-"))
    corpus = work / "corpus"
    if not corpus.exists():
        started = time.perf_counter()
        files = write_corpus(corpus, args.chunks)
        seconds = time.perf_counter() - started
        print(f"corpus: {args.chunks:,} sections in {files} files, written in {seconds:.1f} s")
    server = None
    builds, measures = [], []
    try:
        for mode in args.modes:
            url = ""
            if mode == "http":
                server, url = start_chroma(work / "chroma-server")
            data_dir = work / f"data-{mode}"
            if not (args.reuse and data_dir.exists()):
                builds.append(build(data_dir, corpus, mode, url))
                print(json.dumps(builds[-1]), flush=True)
            for bm25 in ("persisted", "rebuilt"):
                measures.append(run_measure([str(data_dir), str(corpus), mode, url, bm25, str(args.repeats)]))
                print(json.dumps(measures[-1]), flush=True)
            if server is not None:
                server.terminate()
                server.wait()
                server = None
        throughput = embed_throughput(corpus, args.embed)
    finally:
        if server is not None:
            server.terminate()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\n| mode | chunks | build total (s) | load+chunk (s) | store write (s) | store chunks/s | "
          "BM25+check+publish (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for b in builds:
        print(f"| {b['mode']} | {b['chunks']:,} | {b['total_s']:.1f} | {b['load_chunk_s']:.1f} | "
              f"{b['store_write_s']:.1f} | {b['store_chunks_per_s']:,.0f} | "
              f"{b['bm25_check_publish_s']:.1f} |")
    print("\n| mode | BM25 at start | start-up (s) | open / chunks / BM25 (s) | RSS (MB) | retrieval p50 / "
          "p95 (ms) | bm25 / dense p50 (ms) | e5 query p50 / p95 (ms) | with e5 p50 / p95 (ms) | load |")
    print("|---|---|---:|---|---:|---|---|---|---|---:|")
    for m in measures:
        steps = " / ".join(f"{v:.1f}" for v in m["steps"].values())
        print(f"| {m['mode']} | {m['bm25']} | {m['startup_s']:.1f} | {steps} | {m['rss_mb']:.0f} | "
              f"{m['p50_ms']:.1f} / {m['p95_ms']:.1f} | {m['bm25_p50_ms']:.1f} / {m['dense_p50_ms']:.1f} | "
              f"{m['embed_p50_ms']:.1f} / {m['embed_p95_ms']:.1f} | {m['total_p50_ms']:.1f} / "
              f"{m['total_p95_ms']:.1f} | {m['load_average']:.1f} |")
    print(f"\ne5 embedding: {throughput['chunks']} chunks in {throughput['seconds']:.1f} s = "
          f"{throughput['chunks_per_s']:.1f} chunks/s")


if __name__ == "__main__":
    main()
