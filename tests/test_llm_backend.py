"""The LLM backend layer: factory, settings, error triage and probe, through a real llama.cpp server.

The server (``llm_server`` fixture, tests/llm_server.py) runs SmolLM2-135M: assertions are about
mechanics, never about what the model says.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Generator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from pydantic import ValidationError

from assistant.backends.llamacpp_chat import LlamaCppChat
from assistant.backends.llm import (
    LLMProbe,
    classify_llm_error,
    make_chat_model,
    probe_llm,
    redact_url,
)
from assistant.config import LLMSettings, Settings
from assistant.errors import BackendError, ConfigError
from tests.llm_server import LLMServer, free_port, llm_settings_for, smollm2_gguf

SECRET = "sk-test-DO-NOT-LEAK-4b1d"


def _dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"


# --- settings -------------------------------------------------------------------------------------


def test_llm_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_LLM__PROVIDER", "openai")
    monkeypatch.setenv("COACH_LLM__MODEL", "gpt-4o-mini")
    monkeypatch.setenv("COACH_LLM__BASE_URL", "http://localhost:1234/v1/")
    monkeypatch.setenv("COACH_LLM__API_KEY", SECRET)
    monkeypatch.setenv("COACH_LLM__TIMEOUT_S", "7.5")
    monkeypatch.setenv("COACH_LLM__TEMPERATURE", "0")
    monkeypatch.setenv("COACH_LLM__MAX_TOKENS", "64")
    monkeypatch.setenv("COACH_LLM__MAX_RETRIES", "2")
    llm = Settings(data_dir=tmp_path).llm
    assert llm.provider == "openai"
    assert llm.model == "gpt-4o-mini"
    assert llm.base_url == "http://localhost:1234/v1"  # trailing slash dropped
    assert llm.api_key.get_secret_value() == SECRET
    assert (llm.timeout_s, llm.temperature, llm.max_tokens, llm.max_retries) == (7.5, 0.0, 64, 2)


def test_llm_settings_defaults_and_validation(tmp_path: Path) -> None:
    llm = Settings(data_dir=tmp_path).llm
    assert llm.provider == "none"
    assert (llm.timeout_s, llm.temperature, llm.max_tokens, llm.max_retries) == (30.0, 0.2, 512, 0)
    for bad in ({"provider": "gpt"}, {"timeout_s": 0}, {"max_tokens": 0}, {"temperature": -1}):
        with pytest.raises(ValidationError):
            LLMSettings.model_validate(bad)


def test_api_key_is_never_shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_LLM__API_KEY", SECRET)
    settings = Settings(data_dir=tmp_path)
    for shown in (repr(settings), str(settings), settings.model_dump_json(), repr(settings.llm)):
        assert SECRET not in shown
    assert "**********" in repr(settings.llm)
    with pytest.raises(ValidationError) as error:
        LLMSettings.model_validate({"api_key": SECRET, "timeout_s": -1})
    assert SECRET not in str(error.value)


# --- factory --------------------------------------------------------------------------------------


def test_provider_none_makes_no_model() -> None:
    assert make_chat_model(LLMSettings()) is None


def test_openai_factory_passes_every_setting() -> None:
    settings = LLMSettings(
        provider="openai",
        model="m1",
        base_url="http://127.0.0.1:9/v1",
        api_key=SECRET,
        timeout_s=4.0,
        temperature=0.3,
        max_tokens=42,
        max_retries=1,
    )
    chat = make_chat_model(settings)
    assert isinstance(chat, ChatOpenAI)
    assert (chat.model_name, chat.openai_api_base) == ("m1", "http://127.0.0.1:9/v1")
    assert (chat.request_timeout, chat.max_retries, chat.temperature, chat.max_tokens) == (4.0, 1, 0.3, 42)
    # llama.cpp's server reads only max_tokens (langchain sends max_completion_tokens).
    assert chat.extra_body == {"max_tokens": 42}
    assert chat.openai_api_key is not None
    assert SECRET not in repr(chat)


def test_openai_factory_for_openai_itself_needs_a_key_and_sends_only_the_new_limit() -> None:
    with pytest.raises(ConfigError, match="API_KEY"):
        make_chat_model(LLMSettings(provider="openai", model="gpt-4o-mini"))
    chat = make_chat_model(LLMSettings(provider="openai", model="gpt-4o-mini", api_key=SECRET))
    assert isinstance(chat, ChatOpenAI)
    assert chat.extra_body is None
    assert chat.openai_api_base is None  # the client's default, https://api.openai.com/v1


def test_a_local_openai_compatible_server_needs_no_key() -> None:
    chat = make_chat_model(LLMSettings(provider="openai", model="x", base_url="http://localhost:1234/v1"))
    assert isinstance(chat, ChatOpenAI)


def test_model_is_required() -> None:
    for provider in ("openai", "ollama", "llamacpp"):
        with pytest.raises(ConfigError, match="COACH_LLM__MODEL"):
            make_chat_model(LLMSettings(provider=provider, base_url="http://x/v1"))


def test_ollama_factory_wiring() -> None:
    settings = LLMSettings(
        provider="ollama", model="llama3.2", base_url="http://127.0.0.1:9", timeout_s=3.0, max_tokens=50
    )
    chat = make_chat_model(settings)
    assert isinstance(chat, ChatOllama)
    assert (chat.model, chat.base_url, chat.num_predict, chat.temperature) == (
        "llama3.2",
        "http://127.0.0.1:9",
        50,
        0.2,
    )
    # The timeout really reaches the HTTP client.
    http_client = chat._client._client
    assert http_client.timeout.read == 3.0
    assert str(http_client.base_url).startswith("http://127.0.0.1:9")
    default = make_chat_model(LLMSettings(provider="ollama", model="llama3.2"))
    assert isinstance(default, ChatOllama)
    assert default.base_url == "http://localhost:11434"


@pytest.mark.parametrize("method", ["invoke", "stream"])
def test_ollama_unreachable_fails_fast_and_is_classified(method: str) -> None:
    chat = make_chat_model(
        LLMSettings(provider="ollama", model="llama3.2", base_url=f"http://127.0.0.1:{free_port()}")
    )
    assert chat is not None
    started = time.monotonic()
    with pytest.raises(Exception) as error:
        if method == "invoke":
            chat.invoke("hi")
        else:
            list(chat.stream("hi"))
    assert time.monotonic() - started < 2.0
    assert classify_llm_error(error.value) == "unreachable"


def test_llamacpp_in_process_invoke_and_stream() -> None:
    settings = LLMSettings(
        provider="llamacpp", model=str(smollm2_gguf()), n_ctx=512, n_threads=2, max_tokens=8, temperature=0
    )
    chat = make_chat_model(settings)
    assert isinstance(chat, LlamaCppChat)
    answer = chat.invoke("Say hello.")
    assert isinstance(answer.content, str) and answer.content.strip()
    chunks = [c.content for c in chat.stream("Count from 1 to 20.")]
    assert len([c for c in chunks if c]) >= 3
    # A limit that the first token already exceeds: the in-process model times out too.
    slow = chat.model_copy(update={"timeout_s": 1e-6})  # shares the loaded model
    with pytest.raises(TimeoutError) as error:
        slow.invoke("Say hello.")
    assert classify_llm_error(error.value) == "timeout"
    # A stream abandoned after one chunk releases the model for the next call.
    stream = chat.stream("Count from 1 to 20.")
    assert isinstance(stream, Generator)
    next(stream)
    stream.close()
    # batch runs in threads; the model is used by one call at a time.
    assert all(str(m.content).strip() for m in chat.batch(["Say hello.", "Say bye."]))


def test_llamacpp_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        make_chat_model(LLMSettings(provider="llamacpp", model=str(tmp_path / "none.gguf")))


# --- error triage ---------------------------------------------------------------------------------


def test_classify_builtin_and_wrapped_errors() -> None:
    assert classify_llm_error(TimeoutError("slow")) == "timeout"
    assert classify_llm_error(ConnectionRefusedError()) == "unreachable"
    assert classify_llm_error(ValueError("odd")) == "error"
    try:
        try:
            raise TimeoutError("inner")
        except TimeoutError as inner:
            raise BackendError("wrapped") from inner
    except BackendError as outer:
        assert classify_llm_error(outer) == "timeout"


def test_unreachable_openai_endpoint_fails_fast_without_the_key() -> None:
    chat = make_chat_model(LLMSettings(provider="openai", model="m", base_url=_dead_url(), api_key=SECRET))
    assert chat is not None
    started = time.monotonic()
    with pytest.raises(Exception) as error:
        chat.invoke("hi")
    assert time.monotonic() - started < 1.0
    assert classify_llm_error(error.value) == "unreachable"
    assert SECRET not in str(error.value) and SECRET not in repr(error.value)


class _GarbageHandler(BaseHTTPRequestHandler):
    """A fake server: nothing real answers 200 with a body that is not JSON."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<html>not an API</html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def garbage_server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _GarbageHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_unreadable_answer_is_a_bad_response(garbage_server: str) -> None:
    chat = make_chat_model(LLMSettings(provider="openai", model="m", base_url=garbage_server))
    assert chat is not None
    with pytest.raises(Exception) as error:
        chat.invoke("hi")
    assert classify_llm_error(error.value) == "bad_response"


# --- through the real llama.cpp server ------------------------------------------------------------


def test_invoke_answers_and_sends_exactly_one_request(llm_server: LLMServer) -> None:
    chat = make_chat_model(llm_settings_for(llm_server))
    assert chat is not None
    before = llm_server.wait_for_completions(0)
    answer = chat.invoke("Say hello.")
    assert isinstance(answer.content, str) and answer.content.strip()
    assert llm_server.wait_for_completions(before + 1) == before + 1
    assert "POST /v1/chat/completions" in llm_server.log_tail()


def test_stream_yields_several_chunks_in_one_request(llm_server: LLMServer) -> None:
    chat = make_chat_model(llm_settings_for(llm_server))
    assert chat is not None
    before = llm_server.wait_for_completions(0)
    chunks = [chunk.content for chunk in chat.stream("Count from 1 to 20.")]
    assert len([c for c in chunks if c]) >= 3
    assert "".join(str(c) for c in chunks).strip()
    assert llm_server.wait_for_completions(before + 1) == before + 1


def test_async_invoke_and_stream_through_the_server(llm_server: LLMServer) -> None:
    chat = make_chat_model(llm_settings_for(llm_server))
    assert chat is not None
    before = llm_server.wait_for_completions(0)

    async def run() -> tuple[str, int]:
        answer = await chat.ainvoke("Say hello.")
        chunks = [chunk.content async for chunk in chat.astream("Count from 1 to 20.")]
        return str(answer.content), len([c for c in chunks if c])

    text, streamed = asyncio.run(run())
    assert text.strip() and streamed >= 3
    assert llm_server.wait_for_completions(before + 2) == before + 2


def test_max_tokens_is_honoured_by_the_server(llm_server: LLMServer) -> None:
    chat = make_chat_model(llm_settings_for(llm_server, max_tokens=5))
    assert chat is not None
    answer = chat.invoke("Count from 1 to 100, one number per line.")
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["output_tokens"] <= 5


def test_timeout_is_classified_as_timeout(llm_server: LLMServer) -> None:
    chat = make_chat_model(llm_settings_for(llm_server, timeout_s=0.05, max_tokens=64))
    assert chat is not None
    before = llm_server.wait_for_generations(0, settle_s=0)
    answered = llm_server.completions()
    started = time.monotonic()
    with pytest.raises(Exception) as error:
        chat.invoke("Count from 1 to 100, one number per line.")
    assert time.monotonic() - started < 2.0
    assert classify_llm_error(error.value) == "timeout"
    # The server finishes an abandoned request although nobody waits (the next request queues behind
    # it): wait for it, so that later counts are not disturbed. It is never an answered completion.
    assert llm_server.wait_for_generations(before + 1, timeout_s=30) <= before + 1
    assert llm_server.completions() == answered


def test_prompt_over_the_context_is_a_server_error(llm_server: LLMServer) -> None:
    chat = make_chat_model(llm_settings_for(llm_server))
    assert chat is not None
    with pytest.raises(Exception) as error:
        chat.invoke("word " * 3000)
    assert classify_llm_error(error.value) == "server_error"


def test_server_down_is_unreachable_and_comes_back(llm_server: LLMServer) -> None:
    settings = llm_settings_for(llm_server)
    chat = make_chat_model(settings)
    assert chat is not None
    with llm_server.down():
        started = time.monotonic()
        with pytest.raises(Exception) as error:
            chat.invoke("Say hello.")
        assert time.monotonic() - started < 1.0
        assert classify_llm_error(error.value) == "unreachable"
        assert probe_llm(settings).reachable is False
    assert probe_llm(settings).reachable is True
    assert str(chat.invoke("Say hello.").content).strip()


def test_the_key_stays_out_of_logs(llm_server: LLMServer, caplog: pytest.LogCaptureFixture) -> None:
    chat = make_chat_model(llm_settings_for(llm_server, api_key=SECRET))
    assert chat is not None
    with caplog.at_level(logging.DEBUG):
        chat.invoke("Say hello.")
    assert "/chat/completions" in caplog.text  # the request was logged...
    assert SECRET not in caplog.text  # ...without the key


# --- probe ----------------------------------------------------------------------------------------


def test_probe_against_the_real_server(llm_server: LLMServer) -> None:
    settings = llm_settings_for(llm_server, api_key=SECRET)
    probe = probe_llm(settings)
    assert probe == LLMProbe(True, probe.detail, True)
    assert SECRET not in probe.detail
    other = probe_llm(settings.model_copy(update={"model": "gpt-9"}))
    assert other.reachable and other.model_listed is False and "gpt-9" in other.detail
    without_v1 = probe_llm(llm_settings_for(llm_server, base_url=llm_server.base_url.removesuffix("/v1")))
    assert not without_v1.reachable and "/v1" in without_v1.detail


def test_probe_dead_endpoints_and_other_providers(tmp_path: Path) -> None:
    started = time.monotonic()
    dead = probe_llm(LLMSettings(provider="openai", model="m", base_url=_dead_url(), api_key=SECRET))
    assert not dead.reachable and "unreachable" in dead.detail and SECRET not in dead.detail
    ollama = probe_llm(LLMSettings(provider="ollama", model="m", base_url=f"http://127.0.0.1:{free_port()}"))
    assert not ollama.reachable
    assert time.monotonic() - started < 2.0
    assert probe_llm(LLMSettings()) == LLMProbe(False, "no LLM configured")
    assert probe_llm(LLMSettings(provider="llamacpp", model=str(smollm2_gguf()))).reachable
    not_gguf = tmp_path / "x.gguf"
    not_gguf.write_text("nope")
    assert not probe_llm(LLMSettings(provider="llamacpp", model=str(not_gguf))).reachable
    assert not probe_llm(LLMSettings(provider="llamacpp", model=str(tmp_path / "missing.gguf"))).reachable


def test_probe_hides_credentials_in_the_url() -> None:
    assert redact_url("http://user:pw@host:8080/v1") == "http://host:8080/v1"
    probe = probe_llm(
        LLMSettings(provider="ollama", model="m", base_url=f"http://u:{SECRET}@127.0.0.1:{free_port()}")
    )
    assert SECRET not in probe.detail
