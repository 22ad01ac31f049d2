"""The LLM answer engine: a chat model answers from numbered sources, streaming its text.

The engine only writes; the chain's citation check decides whether the text may be shown. Prompts
are files (``prompts/llm/``): a system prompt with the rules and a user message with the sources
inside delimiters, where text is data and never instructions.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.memory import Message
from assistant.prompts import PromptLibrary
from assistant.schemas import Citation, Hit, Retrieval

_MAX_CONDENSED_CHARS = 500


class LLMTimeoutError(TimeoutError):
    """The model did not finish within the chain's total deadline."""


@dataclass(frozen=True)
class Source:
    """A numbered source shown to the model."""

    number: int
    section: str
    text: str
    hit: Hit

    def citation(self) -> Citation:
        """The citation for this source."""
        chunk = self.hit.chunk
        return Citation(self.number, chunk.source, chunk.section, chunk.section_key)


def _as_data(text: str) -> str:
    # Source text must not be able to close the delimiters it sits in.
    return text.replace("<", "‹").replace(">", "›")


class LLMEngine:
    """Answers from retrieved chunks with a chat model.

    Args:
        model: The chat model (see :func:`assistant.backends.llm.make_chat_model`).
        prompts: The prompt templates.
        max_sources: Chunks given to the model as numbered sources.
        deadline_s: Total seconds a streamed answer may take.
    """

    def __init__(
        self, model: BaseChatModel, prompts: PromptLibrary, max_sources: int = 4, deadline_s: float = 30.0
    ) -> None:
        self.model = model
        self._prompts = prompts
        self._max_sources = max_sources
        self._deadline_s = deadline_s
        # A canary in the system prompt: if it ever reaches an answer, the output filter blocks it.
        self.canary = f"SC-{secrets.token_hex(6)}"

    def sources(self, retrieval: Retrieval) -> list[Source]:
        """The best hits as numbered sources, one per chunk."""
        return [
            Source(n, hit.chunk.section, _as_data(hit.chunk.body), hit)
            for n, hit in enumerate(retrieval.hits[: self._max_sources], start=1)
        ]

    def system_prompt(self, language: str) -> str:
        """The rules the model gets, in the answer's language."""
        return self._prompts.render(f"llm/system.{language}.md", canary=self.canary)

    def messages(self, question: str, sources: Sequence[Source], language: str) -> list[BaseMessage]:
        """The system and user messages for one question."""
        user = self._prompts.render(f"llm/user.{language}.md", sources=sources, question=_as_data(question))
        return [SystemMessage(self.system_prompt(language)), HumanMessage(user)]

    def stream(self, question: str, sources: Sequence[Source], language: str) -> Iterator[str]:
        """Stream the model's answer as text pieces.

        Raises:
            LLMTimeoutError: The answer took longer than the deadline.
            Exception: Whatever the model client raises (the chain falls back on any error).
        """
        started = time.monotonic()
        stream = self.model.stream(self.messages(question, sources, language))
        try:
            for chunk in stream:
                if time.monotonic() - started > self._deadline_s:
                    raise LLMTimeoutError(f"no complete answer within {self._deadline_s:g} s")
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
        finally:
            close = getattr(stream, "close", None)
            if callable(close):
                close()  # closing the stream early stops the server's generation

    def condense(self, question: str, history: Sequence[Message]) -> str | None:
        """Rewrite a follow-up as a standalone question, or None when the model gives nothing usable."""
        prompt = self._prompts.render("llm/condense.md", history=history, question=question)
        reply = self.model.invoke([HumanMessage(prompt)])
        text = reply.content if isinstance(reply.content, str) else ""
        text = text.strip().strip('"«»').splitlines()[0].strip() if text.strip() else ""
        return text if 0 < len(text) <= _MAX_CONDENSED_CHARS else None
