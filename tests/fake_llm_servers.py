"""Fakes of an OpenAI-compatible LLM server: small real HTTP servers on loopback that misbehave.

A real llama.cpp server (``tests/llm_server.py``) covers "down" and "slow". These fakes cover what a
real server cannot be made to do on demand: answer HTTP 500, answer garbage, stall after the headers,
trickle tokens or keep-alive comments forever, cut the connection in the middle of a stream. Two more:
``echo`` answers with the whole prompt it received, ``echo_question`` with the question of the chain's
prompt plus ``[1]`` (and, asked for a tool call, with the notes of the feedback prompt in every field),
so a test can see what reached the server and what comes back.

Each fake is a ``ThreadingHTTPServer`` speaking the chat completions API (``POST /v1/chat/completions``,
plain JSON or ``stream: true`` server-sent events, and ``GET /v1/models``). It records every request
body it receives.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Behaviours a fake server can have (see :class:`FakeLLMServer`).
BEHAVIOURS = (
    "ok", "echo", "echo_question", "http500", "not_json", "wrong_shape", "garbage_sse", "cut_mid_stream",
    "stall", "stall_after_headers", "trickle", "keepalive_forever",
)


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta: dict[str, Any] = {"role": "assistant"}
    if content is not None:
        delta["content"] = content
    payload = {
        "id": "fake-1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n".encode()


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "fake-1", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _question(body: dict[str, Any]) -> str:
    # The chain's user prompt ends with "Question: …" / "Spørsmål: …"; the condense prompt with
    # "Last user message: …".
    text = prompt_text(body)
    last = re.split(r"(?:Question|Spørsmål|Last user message):\s*", text)[-1].strip()
    return f"{last.splitlines()[0] if last else text} [1]"


def prompt_text(body: dict[str, Any]) -> str:
    """All message contents of a chat completions request, joined by newlines."""
    parts = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [str(block.get("text", "")) for block in content if isinstance(block, dict)]
    return "\n".join(parts)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode()
        self._send(200, body, "application/json")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        fake = self.server.fake
        fake.requests.append(body)
        behaviour = fake.behaviour
        stream = bool(body.get("stream"))
        if behaviour == "echo_question" and body.get("tools"):
            self._tool_call(body)
        elif behaviour in ("ok", "echo", "echo_question"):
            text = {"ok": fake.reply, "echo": prompt_text(body)}.get(behaviour) or _question(body)
            self._answer(text, stream)
        elif behaviour == "http500":
            self._send(500, b'{"error": {"message": "internal error", "type": "server_error"}}',
                       "application/json")
        elif behaviour == "not_json":
            self._send(200, b"<html><body>502 Bad Gateway</body></html>",
                       "text/event-stream" if stream else "application/json")
        elif behaviour == "wrong_shape":
            if stream:
                self._stream_raw([b'data: {"unexpected": true}\n\n', b"data: [DONE]\n\n"])
            else:
                self._send(200, b'{"unexpected": true}', "application/json")
        elif behaviour == "garbage_sse":
            self._stream_raw([b"data: {not json at all\n\n", b"data: \x00\xff\xfe\n\n", b"data: [DONE]\n\n"])
        elif behaviour == "cut_mid_stream":
            self._cut_mid_stream(stream)
        elif behaviour == "stall":
            fake.closing.wait()
        elif behaviour == "stall_after_headers":
            self._start_stream()
            self._write_chunk(_chunk("Feedback"))
            fake.closing.wait()
        elif behaviour == "trickle":
            self._trickle(lambda: _chunk(" word"), stream)
        elif behaviour == "keepalive_forever":
            self._trickle(lambda: b": keep-alive\n\n", stream)

    # -- writing ------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stream_raw(self, events: list[bytes]) -> None:
        self._start_stream()
        for event in events:
            self._write_chunk(event)
        self._end_stream()

    def _answer(self, text: str, stream: bool) -> None:
        if not stream:
            self._send(200, json.dumps(_completion(text)).encode(), "application/json")
            return
        pieces = [text[i : i + 8] for i in range(0, len(text), 8)] or [""]
        self._stream_raw([*(_chunk(p) for p in pieces), _chunk(None, "stop"), b"data: [DONE]\n\n"])

    def _tool_call(self, body: dict[str, Any]) -> None:
        name = body["tools"][0]["function"]["name"]
        notes = re.split(r"(?:The notes|Notatene|Notata):\s*", prompt_text(body))[-1].strip()
        arguments = {"problem": notes, "consequence": "", "improvement": "", "positive": ""}
        message = {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call-1", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
        }]}
        completion = _completion("")
        completion["choices"][0].update(message=message, finish_reason="tool_calls")
        self._send(200, json.dumps(completion).encode(), "application/json")

    def _cut_mid_stream(self, stream: bool) -> None:
        # Like a server process dying: part of the body, then the connection is gone (no final chunk).
        if stream:
            self._start_stream()
            for piece in ("Feedback has ", "three parts ", "[1] and"):
                self._write_chunk(_chunk(piece))
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4000")
            self.end_headers()
            self.wfile.write(b'{"id": "fake-1", "object": "chat.comp')
            self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(2)

    def _trickle(self, event: Any, stream: bool) -> None:
        # A server that never finishes: one event (or, for a plain request, one byte of
        # whitespace, which JSON allows) every 0.1 s, each well inside any read timeout.
        fake = self.server.fake
        if stream:
            self._start_stream()
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
        while not fake.closing.wait(0.1):
            try:
                self._write_chunk(event() if stream else b" ")
            except OSError:
                return  # the client gave up: that is what the test wants


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeLLMServer


class FakeLLMServer:
    """A fake OpenAI-compatible server on a free loopback port (a real HTTP server, fake answers).

    Args:
        behaviour: One of :data:`BEHAVIOURS`.
        reply: What ``ok`` answers with.

    Attributes:
        requests: The JSON bodies of the chat completion requests received, in order.
    """

    def __init__(self, behaviour: str, reply: str = "Feedback has three parts [1].") -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}")
        self.behaviour = behaviour
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeLLMServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release stalled handlers and stop the server."""
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()


@contextlib.contextmanager
def fake_llm_server(behaviour: str, reply: str = "Feedback has three parts [1].") -> Iterator[FakeLLMServer]:
    """Run a :class:`FakeLLMServer` for the duration of a ``with`` block."""
    server = FakeLLMServer(behaviour, reply).start()
    try:
        yield server
    finally:
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 5, "the fake server did not stop"
