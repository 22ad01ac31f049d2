"""Benchmark the web app: cold start to page ready, answer latency over HTTP, 20 concurrent clients.

Run with `.venv/bin/python bench/web_bench.py` (make bench runs it). It indexes the bundled knowledge
into a temporary data dir, starts `coach web` as a subprocess on a free loopback port (all traffic stays
on 127.0.0.1), and measures:

- cold start: process start → /health answers → the page's HTML → (with chromium) the chat box shown;
- answer latency: sequential `/ask` calls through `gradio_client`, p50/p95;
- load: N clients in threads, each making M `/ask` calls (bounded in count and time): errors, p50/p95.

`--concurrency 1,2,4,8` repeats the load test with each COACH_WEB__CONCURRENCY. Prints numbers;
asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import PROJECT_ROOT
from assistant.evaluation import load_questions
from tests.llm_server import free_port

COACH = [sys.executable, "-m", "assistant"]
LOAD_DEADLINE_S = 300.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextlib.contextmanager
def server(data_dir: Path, env: dict[str, str]) -> Iterator[tuple[str, dict[str, float]]]:
    """Start `coach web`; yields its URL and the cold-start timings."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", **env}
    # The browser is launched first: its own start-up is not the app's.
    with browser_page() as page, _started(data_dir, port, environment) as (process, started):
        timings = _wait_ready(process, url, started)
        if page is not None:
            page.goto(url)  # type: ignore[attr-defined]
            page.wait_for_selector("#question textarea", timeout=30_000)  # type: ignore[attr-defined]
            timings["page_in_browser"] = time.perf_counter() - started
        yield url, timings


@contextlib.contextmanager
def _started(
    data_dir: Path, port: int, environment: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*COACH, "--data-dir", str(data_dir), "web", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    try:
        yield process, started
    finally:
        process.send_signal(2)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(process: subprocess.Popen[bytes], url: str, started: float) -> dict[str, float]:
    timings: dict[str, float] = {}
    while "health" not in timings:
        if process.poll() is not None:
            raise SystemExit(f"coach web exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "health", timeout=1).status_code == 200:
                timings["health"] = time.perf_counter() - started
        time.sleep(0.02)
    if httpx.get(url, timeout=10).status_code == 200:
        timings["page_html"] = time.perf_counter() - started
    return timings


@contextlib.contextmanager
def browser_page() -> Iterator[object | None]:
    """A chromium page to time "chat box shown" (None without chromium or playwright)."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        yield None
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield browser.new_page()
        browser.close()


def client(url: str) -> object:
    from gradio_client import Client

    return Client(url, verbose=False)


def sequential(url: str, questions: list[str]) -> list[float]:
    c = client(url)
    c.predict(questions[0], api_name="/ask")  # warm-up (first search builds BM25)
    times = []
    for question in questions:
        t = time.perf_counter()
        c.predict(question, api_name="/ask")  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t)
    return times


def load(url: str, questions: list[str], clients: int, calls: int) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + LOAD_DEADLINE_S

    def worker(n: int) -> None:
        try:
            c = client(url)
        except Exception as exc:
            with lock:
                errors.append(f"connect: {exc}")
            return
        for i in range(calls):
            if time.perf_counter() > deadline:
                return
            question = questions[(n * calls + i) % len(questions)]
            t = time.perf_counter()
            try:
                c.predict(question, api_name="/ask")  # type: ignore[attr-defined]
                with lock:
                    latencies.append(time.perf_counter() - t)
            except Exception as exc:
                with lock:
                    errors.append(str(exc)[:100])

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LOAD_DEADLINE_S)
    wall = time.perf_counter() - started
    return {
        "calls": len(latencies),
        "errors": len(errors),
        "wall_s": wall,
        "per_s": len(latencies) / wall,
        "p50": pct(latencies, 0.5) if latencies else float("nan"),
        "p95": pct(latencies, 0.95) if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40, help="Sequential /ask calls.")
    parser.add_argument("--clients", type=int, default=20, help="Concurrent clients in the load test.")
    parser.add_argument("--calls", type=int, default=5, help="Calls per client in the load test.")
    parser.add_argument(
        "--concurrency", default="", help="Comma-separated COACH_WEB__CONCURRENCY values to compare."
    )
    args = parser.parse_args()
    questions = [q.question for q in load_questions(PROJECT_ROOT / "eval" / "questions.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run([*COACH, "--data-dir", str(data_dir), "index"], check=True, capture_output=True)
        settings = [c for c in args.concurrency.split(",") if c.strip()] or [""]
        for concurrency in settings:
            env = {"COACH_WEB__CONCURRENCY": concurrency} if concurrency else {}
            # One client asks --questions times in a row: past the default per-client limit, and this
            # measures speed, not the limit (tests/test_web_load.py runs with the limits on).
            env["COACH_WEB__REQUESTS_PER_MINUTE"] = "0"
            with server(data_dir, env) as (url, start):
                label = f"concurrency {concurrency}" if concurrency else "default settings"
                print(f"\n== coach web ({label}) ==")
                print("cold start: " + ", ".join(f"{k} {v:.2f} s" for k, v in start.items()))
                times = sequential(url, questions[: args.questions])
                print(
                    f"/ask sequential, {len(times)} calls: p50 {pct(times, 0.5) * 1000:.0f} ms, "
                    f"p95 {pct(times, 0.95) * 1000:.0f} ms, mean {statistics.mean(times) * 1000:.0f} ms"
                )
                r = load(url, questions, args.clients, args.calls)
                print(
                    f"/ask load, {args.clients} clients x {args.calls} calls: {r['calls']:.0f} ok, "
                    f"{r['errors']:.0f} errors, p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, "
                    f"{r['per_s']:.1f} answers/s, {r['wall_s']:.1f} s"
                )


if __name__ == "__main__":
    main()
