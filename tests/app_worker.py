"""A long-running app process for the replica tests: the coach and the notebook built from settings.

Run as ``python -m tests.app_worker``; settings come from the ``COACH_*`` environment, exactly as for
``coach web``. It reads one JSON command per line on stdin and answers one JSON line on stdout:

- ``{"op": "ask", "question": ...}`` -> ``{"covered", "sources", "generation", "answer"}``
- ``{"op": "index", "paths": [...]}`` -> ``{"added", "generation"}``
- ``{"op": "note", "person": ..., "text": ...}`` -> ``{"id"}``
- ``{"op": "notes", "person": ...}`` -> ``{"notes": [...]}``
- ``{"op": "conversation", "question": ..., "answer": ...}`` -> ``{"id"}``
- ``{"op": "conversations"}`` -> ``{"titles": [...]}``

Errors come back as ``{"error": "..."}``. The process keeps its coach between commands, so a test can
check that a replica which already opened one index generation follows another replica's publish.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from assistant.app import build_coach, build_notebook
from assistant.config import load_settings
from assistant.errors import CoachError


def _handle(command: dict[str, Any], coach: Any, notebook: Any) -> dict[str, Any]:
    op = command["op"]
    if op == "ask":
        answer = coach.ask(command["question"])
        retrieval = coach.retrieve(command["question"], k=3)
        return {
            "covered": retrieval.covered,
            "sources": [h.chunk.source for h in retrieval.hits],
            "generation": coach.index.current_name(),
            "answer": answer.as_json(command["question"])["answer"],
        }
    if op == "index":
        report = coach.sync_index([Path(p) for p in command.get("paths", [])])
        return {"added": report.added, "generation": report.generation}
    if op == "note":
        return {"id": notebook.add_note(command["person"], command["text"]).id}
    if op == "notes":
        return {"notes": [n.text for n in notebook.list_notes(command["person"])]}
    if op == "conversation":
        record = notebook.conversations.create()
        notebook.conversations.append(record.id, "user", command["question"])
        notebook.conversations.append(record.id, "assistant", command["answer"])
        return {"id": record.id}
    if op == "conversations":
        return {"titles": [c.title for c in notebook.conversations.list()]}
    return {"error": f"unknown op {op!r}"}


def main() -> None:
    settings = load_settings()
    coach = build_coach(settings)
    notebook = build_notebook(settings)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = _handle(json.loads(line), coach, notebook)
        except CoachError as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(result, ensure_ascii=False), flush=True)


class AppProcess:
    """Drives one ``tests.app_worker`` process from a test.

    Args:
        env: The process environment (``COACH_*`` settings included).
        cwd: The repository root.
    """

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.app_worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
        )
        ready = self._read()
        assert ready == {"ready": True}, ready

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            err = self._process.stderr.read() if self._process.stderr else ""
            raise AssertionError(f"app process ended: {err[-3000:]}")
        return dict(json.loads(line))

    def call(self, **command: Any) -> dict[str, Any]:
        """Send one command and return its answer."""
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(command) + "\n")
        self._process.stdin.flush()
        return self._read()

    def close(self) -> None:
        """End the process (closing stdin ends its loop)."""
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


if __name__ == "__main__":
    main()
