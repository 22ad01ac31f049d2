"""A LangChain chat model around a local GGUF file run in process by llama-cpp-python.

langchain-community has a ``ChatLlamaCpp``, but that package is being sunset; this is the small part
we need: chat messages in, text (or a token stream) out, through ``Llama.create_chat_completion``.
llama-cpp-python is an optional extra (``pip install salgscoach[llamacpp]``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr, model_validator

from assistant.errors import BackendError, ConfigError

_ROLES: dict[type[BaseMessage], str] = {
    SystemMessage: "system",
    HumanMessage: "user",
    AIMessage: "assistant",
}


def _to_llama_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    converted: list[dict[str, str]] = []
    for message in messages:
        if isinstance(message, ChatMessage):
            role = message.role
        else:
            found = next((r for kind, r in _ROLES.items() if isinstance(message, kind)), None)
            if found is None:
                raise BackendError(f"llamacpp: unsupported message type {type(message).__name__}")
            role = found
        converted.append({"role": role, "content": message.text})
    return converted


class LlamaCppChat(BaseChatModel):
    """Chat with a local GGUF model in this process (no server).

    The model is loaded when the object is built, so a missing or broken file fails at the
    composition root rather than at the first question. One ``Llama`` context is not safe for
    concurrent use; calls are serialised with a lock.

    Attributes:
        model_path: Path of the ``.gguf`` file.
        n_ctx: Context window in tokens.
        n_threads: CPU threads; ``None`` lets llama.cpp choose.
        temperature: Sampling temperature.
        max_tokens: Upper bound on generated tokens.
        timeout_s: Wall-clock limit per call, checked between tokens (prompt evaluation itself cannot
            be interrupted); exceeding it raises :class:`TimeoutError`. ``None``: no limit.
    """

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    temperature: float = 0.2
    max_tokens: int = 512
    timeout_s: float | None = None

    _llm: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _load_llamacpp_model(self) -> Self:
        path = Path(self.model_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"llamacpp: model file not found: {path}")
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise BackendError("llamacpp needs llama-cpp-python: pip install 'salgscoach[llamacpp]'") from exc
        try:
            self._llm = Llama(
                model_path=str(path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llamacpp: cannot load {path.name}: {exc}") from exc
        return self

    @property
    def _llm_type(self) -> str:
        return "llamacpp-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "n_ctx": self.n_ctx,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Yield the answer one token at a time."""
        llama_messages = _to_llama_messages(messages)
        deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
        # A caller that stops reading early closes this generator; the lock and llama.cpp's own
        # generator are released then, not whenever garbage collection gets to them.
        with (
            self._lock,
            contextlib.closing(
                self._llm.create_chat_completion(
                    messages=llama_messages,
                    temperature=kwargs.get("temperature", self.temperature),
                    max_tokens=kwargs.get("max_tokens", self.max_tokens),
                    stop=stop or [],
                    stream=True,
                )
            ) as chunks,
        ):
            for chunk in chunks:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"llamacpp: no answer within {self.timeout_s} s")
                choice = chunk["choices"][0]
                text = choice["delta"].get("content") or ""
                finish = choice.get("finish_reason")
                if not text and not finish:
                    continue
                info = {"finish_reason": finish} if finish else None
                out = ChatGenerationChunk(message=AIMessageChunk(content=text), generation_info=info)
                if run_manager is not None and text:
                    run_manager.on_llm_new_token(text, chunk=out)
                yield out

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Return the whole answer (generated as a stream so the timeout can be checked)."""
        parts: list[str] = []
        finish: str | None = None
        for chunk in self._stream(messages, stop=stop, run_manager=None, **kwargs):
            parts.append(chunk.text)
            if chunk.generation_info:
                finish = chunk.generation_info.get("finish_reason", finish)
        message = AIMessage(content="".join(parts), response_metadata={"finish_reason": finish})
        return ChatResult(generations=[ChatGeneration(message=message)])
