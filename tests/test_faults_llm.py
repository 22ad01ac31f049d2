"""Faults: the LLM endpoint down, slow, answering 500 or garbage, or cutting the stream.

Whatever the endpoint does, the user gets the extractive answer (with a fallback notice) within the
LLM timeout plus a small margin, and never an exception or a hung request. "Down", "slow" and "killed
mid-stream" use the real llama.cpp server; what a real server cannot be made to do on demand comes
from the named fakes in ``tests/fake_llm_servers.py`` (real HTTP servers on loopback).

Each case runs on four paths: ``ask`` (invoke), ``stream``, a follow-up (the LLM condenses the
question, then answers) and a feedback draft from notes (structured output, template fallback).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from assistant.app import Coach, build_coach, build_feedback
from assistant.cli import main
from assistant.config import LLMSettings
from assistant.feedback.draft import FeedbackDrafter
from assistant.memory import Message
from assistant.schemas import Answer
from tests.conftest import make_settings
from tests.fake_llm_servers import FakeLLMServer
from tests.llm_server import LLMServer, llm_settings_for

T = TypeVar("T")

TIMEOUT_S = 0.8
# Retrieval and the extractive answer on a busy two-core machine; the LLM part is bounded by the clock.
MARGIN_S = 2.0
HUNG_S = 20.0
QUESTION = "How should I give feedback to a seller?"
HISTORY = [Message(role="user", content=QUESTION), Message(role="assistant", content="In three parts [1].")]
FOLLOW_UP = "and what about the second part?"
NOTES = "Kari kom for sent til kundemøtet. Kunden måtte vente. Hun må komme i tide neste gang."
PATHS = ("ask", "stream", "follow_up", "feedback")

#: What each fake does, and the fallback reasons the chain may give for it.
FAKES: dict[str, set[str]] = {
    "http500": {"server_error"},
    "not_json": {"error", "bad_response"},
    "wrong_shape": {"empty", "error", "bad_response"},
    "garbage_sse": {"bad_response"},
    "cut_mid_stream": {"unreachable", "bad_response"},
    "stall": {"timeout"},
    "stall_after_headers": {"timeout"},
    "trickle": {"timeout"},
    "keepalive_forever": {"timeout"},
}


def bounded(call: Callable[[], T]) -> tuple[T, float]:
    """Run call in a thread; fail the test if it is still running after HUNG_S (a hung request)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # reported below, as a leaked exception
            box["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HUNG_S)
    elapsed = time.monotonic() - started
    if thread.is_alive():
        pytest.fail(f"the request hung (still running after {HUNG_S:.0f} s)")
    if "error" in box:
        pytest.fail(f"an exception reached the caller: {box['error']!r}")
    return box["result"], elapsed


def run_path(path: str, coach: Coach, drafter: FeedbackDrafter) -> Any:
    """One user action on one path: the final answer, or the feedback draft."""
    if path == "ask":
        return coach.ask(QUESTION, engine="llm")
    if path == "stream":
        snapshots = list(coach.stream(QUESTION, engine="llm"))
        assert snapshots and snapshots[-1].final and all(not s.final for s in snapshots[:-1])
        return snapshots[-1]
    if path == "follow_up":
        return coach.ask(FOLLOW_UP, history=HISTORY, engine="llm")
    return drafter.from_notes(NOTES, "Kari")


def assert_fell_back(path: str, coach: Coach, result: Any, reasons: set[str]) -> None:
    if path == "feedback":
        assert result.engine == "template" and result.text and result.citations
        assert result.fallback_reason and result.fallback_reason.startswith("LLM failed")
        return
    assert isinstance(result, Answer)
    assert result.engine == "extractive" and result.covered and result.citations
    assert result.fallback_reason in reasons, result.fallback_reason
    assert coach.fallback_notice(result)


# -- the fakes --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer("ok").start()
    try:
        yield server
    finally:
        server.stop()


def _fake_llm(fake: FakeLLMServer) -> LLMSettings:
    return LLMSettings(provider="openai", base_url=fake.base_url, model="fake", timeout_s=TIMEOUT_S,
                       max_tokens=16, max_retries=0)


@pytest.fixture(scope="module")
def fake_coach(_built_index: Path, fake: FakeLLMServer) -> Coach:
    coach = build_coach(make_settings(_built_index, llm=_fake_llm(fake)))
    coach.ask(QUESTION, engine="extractive")  # open the index now, not inside a timed case
    return coach


@pytest.fixture(scope="module")
def fake_drafter(_built_index: Path, fake: FakeLLMServer) -> FeedbackDrafter:
    return build_feedback(make_settings(_built_index, llm=_fake_llm(fake)))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("behaviour", list(FAKES))
def test_a_misbehaving_endpoint_gives_the_fallback_in_time(
    behaviour: str, path: str, fake: FakeLLMServer, fake_coach: Coach, fake_drafter: FeedbackDrafter
) -> None:
    fake.behaviour = behaviour
    requests = len(fake.requests)
    result, elapsed = bounded(lambda: run_path(path, fake_coach, fake_drafter))
    assert len(fake.requests) > requests  # the endpoint was really asked
    assert_fell_back(path, fake_coach, result, FAKES[behaviour])
    assert elapsed < TIMEOUT_S + MARGIN_S, f"{elapsed:.2f} s"


def test_the_fake_answers_normally_when_told_to(fake: FakeLLMServer, fake_coach: Coach) -> None:
    # The control case: the same plumbing with a well-behaved endpoint gives an LLM answer.
    fake.behaviour = "ok"
    answer, _ = bounded(lambda: fake_coach.ask(QUESTION, engine="llm"))
    assert answer.engine == "llm" and answer.fallback_reason is None and answer.citations


# -- the real llama.cpp server ----------------------------------------------------------------------
# SmolLM2 on two busy cores reads a prompt at roughly 100-200 tokens/s, so these cases answer from a
# short knowledge file with one source per answer (a few hundred prompt tokens, not a thousand).
SHORT_KNOWLEDGE = """# Salgsledelse

## Gi tilbakemelding {#vaner/gi-tilbakemelding}

God tilbakemelding har tre deler: for det første problemet, for det andre konsekvensene og for det \
tredje hvordan man kan forbedre det. Positiv forsterkning kombinert med tilbakemeldinger fungerer veldig bra.

## Ukentlige en-til-en-møter {#vaner/ukentlige-en-til-en-moter}

Gode salgsledere har ukentlige en-til-en-møter med hver selger. Møtet handler om selgerens mål, \
hindringer og neste steg.
"""


@pytest.fixture(scope="module")
def short_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("short")
    (root / "kb").mkdir()
    (root / "kb" / "kort.md").write_text(SHORT_KNOWLEDGE, encoding="utf-8")
    build_coach(_short_settings(root, None)).sync_index()
    return root / "data", root / "kb"


def _short_settings(root: Path, llm: LLMSettings | None) -> Any:
    extra: dict[str, Any] = {"llm": llm} if llm is not None else {}
    return make_settings(root / "data", knowledge_paths=[root / "kb"], retrieval={"k": 1, "candidates": 5},
                         **extra)


def real_coach(
    short_index: tuple[Path, Path], server: LLMServer, **llm: Any
) -> tuple[Coach, FeedbackDrafter]:
    """A coach and a feedback drafter over the short knowledge, with the real server as LLM."""
    settings = _short_settings(short_index[0].parent, llm_settings_for(server, **llm))
    coach = build_coach(settings)
    coach.ask(QUESTION, engine="extractive")  # open the index now, not inside a timed case
    return coach, build_feedback(settings)


def drain(server: LLMServer) -> None:
    """Wait until the server has finished what abandoned requests left it (it serves one at a time).

    llama.cpp's server stops a stream whose client closes it, but finishes a plain request whose
    client gave up; one short request with a long timeout returns once the queue is empty.
    """
    httpx.post(f"{server.base_url}/chat/completions", timeout=180.0, json={
        "model": server.model, "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]})


def test_real_server_down_on_every_path(short_index: tuple[Path, Path], llm_server: LLMServer) -> None:
    coach, drafter = real_coach(short_index, llm_server, timeout_s=TIMEOUT_S, max_tokens=16)
    with llm_server.down():
        for path in PATHS:
            result, elapsed = bounded(lambda path=path: run_path(path, coach, drafter))  # type: ignore[misc]
            assert_fell_back(path, coach, result, {"unreachable"})
            assert elapsed < TIMEOUT_S + MARGIN_S, (path, elapsed)


def test_real_server_slower_than_the_timeout(short_index: tuple[Path, Path], llm_server: LLMServer) -> None:
    # 0.05 s is less than SmolLM2 needs for the prompt alone. `ask` is the same chain as `stream`.
    coach, drafter = real_coach(short_index, llm_server, timeout_s=0.05, max_tokens=16)
    try:
        for path in ("stream", "follow_up", "feedback"):
            result, elapsed = bounded(lambda path=path: run_path(path, coach, drafter))  # type: ignore[misc]
            assert_fell_back(path, coach, result, {"timeout"})
            assert elapsed < 0.05 + MARGIN_S, (path, elapsed)
    finally:
        drain(llm_server)


def test_real_server_killed_in_the_middle_of_a_stream(
    short_index: tuple[Path, Path], llm_server: LLMServer
) -> None:
    coach, _ = real_coach(short_index, llm_server, max_tokens=300)
    partial: list[Answer] = []

    def stream_and_kill() -> Answer:
        final = None
        for snapshot in coach.stream(QUESTION, engine="llm"):
            if not snapshot.final:
                partial.append(snapshot)
                if len(partial) == 2 and llm_server.pid is not None:
                    os.kill(llm_server.pid, signal.SIGKILL)  # a crash, not a shutdown
                    killed.append(time.monotonic())
            else:
                final = snapshot
        assert final is not None
        return final

    killed: list[float] = []
    try:
        answer, _ = bounded(stream_and_kill)
        after_kill = time.monotonic() - killed[0]
    finally:
        llm_server.stop()
        llm_server.start()
    assert len(partial) >= 2 and killed
    assert_fell_back("stream", coach, answer, {"unreachable", "bad_response", "error"})
    assert after_kill < MARGIN_S


# -- at the command line ----------------------------------------------------------------------------


def test_cli_ask_and_feedback_draft_with_a_broken_endpoint(
    _built_index: Path,
    fake: FakeLLMServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in {"PROVIDER": "openai", "BASE_URL": fake.base_url, "MODEL": "fake",
                       "TIMEOUT_S": str(TIMEOUT_S), "MAX_TOKENS": "16"}.items():
        monkeypatch.setenv(f"COACH_LLM__{key}", value)
    fake.behaviour = "http500"
    ask = ["--data-dir", str(_built_index), "ask", QUESTION, "--engine", "llm"]
    code, elapsed = bounded(lambda: main(ask))
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    assert "server_error" in out and "«" in out and "[1]" in out  # the notice, then the quotes
    fake.behaviour = "keepalive_forever"
    code, elapsed = bounded(lambda: main(["--data-dir", str(_built_index), "feedback", "draft",
                                          "--name", "Kari", "--notes", NOTES]))
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err and "Kari" in out
    assert err.startswith("coach: LLM failed: LLMTimeoutError") and "using the template draft" in err
    assert elapsed < TIMEOUT_S + MARGIN_S + 1.0  # plus building the feedback studio
