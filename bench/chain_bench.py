"""Benchmark the coaching chain: extractive latency in process, and an LLM chain on a real server.

Run with `.venv/bin/python bench/chain_bench.py` (make bench runs it). The LLM part starts llama.cpp's
OpenAI-compatible server with SmolLM2-135M (as the tests do) and measures time to first streamed
token and total time per answer. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.app import build_coach
from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluation import load_questions
from tests.llm_server import LLMServer, llm_settings_for, smollm2_gguf

LLM_QUESTIONS = [
    "How should I give feedback to a seller?",
    "Hvordan motiverer jeg et salgsteam?",
    "Hva bør jeg ta opp på ukentlige en-til-en møter?",
    "What makes a good sales leader?",
    "Hvordan viser jeg at jeg bryr meg om selgerne?",
]


def rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def bench_extractive(data_dir: Path) -> None:
    coach = build_coach(Settings(data_dir=data_dir))
    coach.sync_index()
    questions = [q.question for q in load_questions(PROJECT_ROOT / "eval" / "questions.jsonl")]
    coach.ask("oppvarming")  # builds BM25 and warms the model
    latencies = []
    for question in questions:
        started = time.perf_counter()
        coach.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
    p50, p95 = p50_p95(latencies)
    print(f"extractive chain, {len(questions)} questions in process: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
          f"peak RSS {rss_mb():.0f} MB")


def bench_llm(data_dir: Path, log_dir: Path) -> None:
    server = LLMServer(smollm2_gguf(), log_dir / "llm.log")
    server.start()
    try:
        coach = build_coach(Settings(data_dir=data_dir, llm=llm_settings_for(server, max_tokens=64)))
        first, total, fallbacks = [], [], 0
        for question in LLM_QUESTIONS:
            started = time.perf_counter()
            seen_first = None
            final = None
            for snapshot in coach.stream(question, engine="llm"):
                if seen_first is None and not snapshot.final:
                    seen_first = time.perf_counter() - started
                final = snapshot
            total.append(time.perf_counter() - started)
            first.append(seen_first if seen_first is not None else total[-1])
            fallbacks += bool(final and final.fallback_reason)
        f50, f95 = p50_p95([s * 1000 for s in first])
        t50, t95 = p50_p95([s * 1000 for s in total])
        print(f"LLM chain (SmolLM2-135M on llama.cpp, 64 tokens max, {len(LLM_QUESTIONS)} questions): "
              f"first token p50 {f50:.0f} ms / p95 {f95:.0f} ms, total p50 {t50:.0f} ms / p95 {t95:.0f} ms, "
              f"{fallbacks} fell back to extractive; coach RSS {rss_mb():.0f} MB, "
              f"server RSS {rss_mb(server.pid) if server.pid else float('nan'):.0f} MB")
    finally:
        server.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        bench_extractive(data_dir)
        bench_llm(data_dir, Path(folder))


if __name__ == "__main__":
    main()
