"""A real Chroma server (``chroma run``, shipped with chromadb) for the http-mode tests.

``chroma_server`` starts one per test session on a free loopback port with its data in a temporary
folder, telemetry off, and stops it at the end. Tests share it safely by giving each its own
collection prefix (:func:`unique_collection`). ``ChromaServer.stop``/``start`` restart it on the same
folder and port (data kept), for tests of a server that goes away.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.llm_server import free_port

START_TIMEOUT_S = 30.0


def chroma_command() -> Path | None:
    """The ``chroma`` CLI of this environment, or None."""
    candidate = Path(sys.executable).parent / "chroma"
    if candidate.exists():
        return candidate
    found = shutil.which("chroma")
    return Path(found) if found else None


class ChromaServer:
    """One ``chroma run`` process.

    Attributes:
        url: ``http://127.0.0.1:PORT``.
        path: Its data folder.
    """

    def __init__(self, command: Path, path: Path, log_path: Path) -> None:
        self.command = command
        self.path = path
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until its heartbeat answers."""
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CHROMA_TELEMETRY": "False"}
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.command), "run", "--path", str(self.path), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"chroma run exited with {self._process.returncode}: {self.log()}", pytrace=False)
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"chroma run did not answer within {START_TIMEOUT_S:.0f} s: {self.log()}", pytrace=False)

    def log(self) -> str:
        """The server's output so far (last 3,000 characters)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        """Stop the server (SIGTERM, killed after 10 s)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


def unique_collection(prefix: str = "t") -> str:
    """A collection prefix no other test uses on the shared server."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def chroma_server() -> Iterator[ChromaServer]:
    """A Chroma server for the whole test session (skipped when the chroma CLI is missing)."""
    command = chroma_command()
    if command is None:
        pytest.skip("the chroma CLI (part of chromadb) is not installed")
    root = Path(tempfile.mkdtemp(prefix="coach-chroma-"))
    server = ChromaServer(command, root / "data", root / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
