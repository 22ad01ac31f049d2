"""Load, end to end: 20 concurrent sessions against a launched ``coach web`` on loopback.

Each session is its own ``gradio_client.Client`` making ``/ask`` calls, plus one question through the
chat's own UI event (queue join and event stream, as the browser does, which also saves the turn to a
conversation). The run is bounded in calls and in wall time. It asserts no errors, every answer cited,
and the default request limits never refusing this load; it prints the count, p50 and p95 (also shown in
the terminal summary).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from assistant.config import PROJECT_ROOT
from assistant.evaluation import load_questions
from tests.web_server import WebServer, start_web

SESSIONS = 20
ASKS_PER_SESSION = 3
DEADLINE_S = 45.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Summary:
    """A pytest plugin registered at run time: prints the load figures in the terminal summary."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Write the figures after the test results."""
        terminalreporter.write_sep("-", "web load")
        for line in self.lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def load_server(_built_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """``coach web`` with its default settings (request limits included) over a copy of the index."""
    root = tmp_path_factory.mktemp("web-load")
    shutil.copytree(_built_index, root / "data")
    with start_web(root / "data", root / "server.log") as server:
        yield server


def ui_event(url: str, session: str, question: str, fn_index: int, trigger: int) -> list[Any]:
    """The chat's send button, as the browser runs it: join the queue, read the event stream.

    Returns:
        The final output: the chat messages, the question box, turns, conversation id, list update.

    Raises:
        AssertionError: The queue refused the event or the stream ended without a result.
    """
    body = {
        "data": [question, [], None, None],
        "fn_index": fn_index,
        "trigger_id": trigger,
        "session_hash": session,
    }
    with httpx.Client(base_url=url, timeout=DEADLINE_S) as http:
        joined = http.post("gradio_api/queue/join", json=body)
        assert joined.status_code == 200, f"queue/join answered {joined.status_code}: {joined.text[:200]}"
        event_id = joined.json()["event_id"]
        with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                    assert message["success"], message["output"]
                    return list(message["output"]["data"])
    raise AssertionError("the event stream ended without a result")


def send_button(url: str) -> tuple[int, int]:
    """The chat's send-button event: its fn_index and the button's id, read from the page's config."""
    config = httpx.get(url + "config", timeout=10).json()
    for dependency in config["dependencies"]:
        for target, event in dependency["targets"]:
            if event == "click" and dependency.get("api_name", "").startswith("ask_"):
                ids = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "ask"]
                if target in ids:
                    return int(dependency["id"]), int(target)
    raise AssertionError("no click event on the send button in /config")


def cited(messages: list[dict[str, Any]]) -> bool:
    """Whether the last answer in a chat quotes a numbered source."""
    texts = [
        part.get("text", "")
        for message in messages
        if message["role"] == "assistant"
        for part in (message["content"] if isinstance(message["content"], list) else [message["content"]])
        if isinstance(part, dict)
    ]
    return any("[1]" in text for text in texts)


def test_twenty_concurrent_sessions_get_every_answer(
    load_server: WebServer, request: pytest.FixtureRequest
) -> None:
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # gradio_client calls the hub otherwise
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    url = load_server.url
    # FAQ-style questions: all answered from the guidance, so every answer must cite it.
    eval_set = load_questions(PROJECT_ROOT / "eval" / "questions.jsonl")
    questions = [q.question for q in eval_set if q.style == "faq" and q.gold][:24]
    fn_index, trigger = send_button(url)
    warm = Client(url, verbose=False)
    warm.predict(questions[0], api_name="/ask")  # the first search builds BM25; not part of the load
    warm.close()

    latencies: dict[str, list[float]] = {"api": [], "ui": []}
    errors: list[str] = []
    uncited: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(SESSIONS)
    deadline = time.monotonic() + DEADLINE_S

    def timed(kind: str, question: str, call: Any) -> None:
        began = time.perf_counter()
        try:
            ok = call()
        except Exception as exc:  # any failure is a counted error, reported below
            with lock:
                errors.append(f"{kind}: {type(exc).__name__}: {str(exc)[:150]}")
            return
        with lock:
            latencies[kind].append(time.perf_counter() - began)
            if not ok:
                uncited.append(f"{kind}: {question}")

    def session(n: int) -> None:
        client = None
        try:
            client = Client(url, verbose=False)
        except Exception as exc:
            with lock:
                errors.append(f"connect: {exc}")
        start.wait(timeout=DEADLINE_S)
        if client is None:
            return
        for i in range(ASKS_PER_SESSION + 1):
            if time.monotonic() > deadline:
                break
            question = questions[(n * (ASKS_PER_SESSION + 1) + i) % len(questions)]
            if i < ASKS_PER_SESSION:
                timed("api", question, lambda q=question: _answer_cited(client.predict(q, api_name="/ask")))
            else:  # the same session, through the UI's own event
                timed(
                    "ui",
                    question,
                    lambda q=question: cited(ui_event(url, client.session_hash, q, fn_index, trigger)[0]),
                )
        client.close()

    began = time.monotonic()
    threads = [threading.Thread(target=session, args=(n,)) for n in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S + 15)
    wall = time.monotonic() - began

    every = latencies["api"] + latencies["ui"]
    expected = SESSIONS * (ASKS_PER_SESSION + 1)
    lines = [
        f"{SESSIONS} sessions x ({ASKS_PER_SESSION} /ask + 1 UI ask): {len(every)}/{expected} answered, "
        f"{len(errors)} errors, {len(uncited)} uncited, wall {wall:.1f} s, {len(every) / wall:.1f} answers/s",
    ]
    for kind, values in (("all", every), *latencies.items()):
        if values:
            lines.append(
                f"{kind}: n={len(values)} p50 {percentile(values, 0.5) * 1000:.0f} ms, "
                f"p95 {percentile(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms, "
                f"mean {statistics.mean(values) * 1000:.0f} ms"
            )
    for line in lines:
        print(line)
    summary = Summary()
    summary.lines = lines
    request.config.pluginmanager.register(summary, f"web-load-{id(summary)}")
    request.node.user_properties.append(("web_load", "; ".join(lines)))

    assert not errors, errors[:5]
    assert not uncited, uncited[:5]
    assert len(every) == expected, f"only {len(every)} of {expected} calls finished within {DEADLINE_S:.0f} s"


def _answer_cited(row: dict[str, Any]) -> bool:
    return bool(row["covered"] and row["citations"] and "[1]" in row["answer"])
