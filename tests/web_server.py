"""A real ``coach web`` process for the end-to-end tests (API and browser), on a free loopback port.

``web_server`` starts one per test session over a private copy of the built index, so tests that
upload documents or delete conversations change nothing else. ``start_web`` starts others (e.g. with a
login) and stops them when the caller is done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from assistant.config import PROJECT_ROOT
from tests.llm_server import free_port

START_TIMEOUT_S = 60.0


class WebServer:
    """One ``coach web`` process.

    Attributes:
        url: The base URL, ending in ``/``.
        data_dir: Its data dir (index, database, uploads).
        log_path: Its stdout and stderr.
    """

    def __init__(
        self,
        data_dir: Path,
        log_path: Path,
        env: dict[str, str] | None = None,
        *,
        prefix: Sequence[str] = (),
        new_session: bool = False,
    ) -> None:
        """Start it and wait until ``/health`` answers.

        Args:
            data_dir: Its data dir.
            log_path: Where its output goes.
            env: Extra environment (``COACH_*`` from the caller's environment is dropped).
            prefix: A command to run it under (e.g. ``strace …``).
            new_session: Give it a process group of its own (see ``tests/test_web_security.py``).
        """
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.data_dir = data_dir
        self.log_path = log_path
        self.started_s = 0.0
        environment = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
        environment.update({"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", **(env or {})})
        command = [sys.executable, "-m", "assistant", "--data-dir", str(data_dir), "web"]
        command += ["--port", str(self.port)]
        with log_path.open("ab") as log:
            started = time.monotonic()
            self._process = subprocess.Popen(
                [*prefix, *command],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=PROJECT_ROOT,
                start_new_session=new_session,
            )
        self._wait_ready(started)

    def _wait_ready(self, started: float) -> None:
        deadline = started + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"coach web exited with {self._process.returncode}: {self.log()}", pytrace=False)
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "health", timeout=1.0).status_code == 200:
                    self.started_s = time.monotonic() - started
                    return
            time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"coach web did not answer /health within {START_TIMEOUT_S:.0f} s: {self.log()}", pytrace=False
        )

    def log(self) -> str:
        """The server's output so far (last 3,000 characters)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        """Stop the server (Ctrl+C first, so it cleans up; killed after 10 s)."""
        if self._process.poll() is None:
            self._process.send_signal(2)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


@contextlib.contextmanager
def start_web(data_dir: Path, log_path: Path, env: dict[str, str] | None = None) -> Iterator[WebServer]:
    """Run ``coach web`` for the duration of a ``with`` block."""
    server = WebServer(data_dir, log_path, env)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def web_server(_built_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """``coach web`` over a private copy of the built index, for the whole test session."""
    root = tmp_path_factory.mktemp("web")
    data_dir = root / "data"
    shutil.copytree(_built_index, data_dir)
    with start_web(data_dir, root / "server.log") as server:
        yield server
