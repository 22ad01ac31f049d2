"""The LLM answer engine: a chat model answers from numbered sources, streaming its text.

The engine only writes; the chain's citation check decides whether the text may be shown. Prompts
are files (``prompts/llm/``): a system prompt with the rules and a user message with the sources
inside delimiters, where text is data and never instructions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.engines.deadline import LLMTimeoutError, call_within, deadline_in, iterate_within
from assistant.memory import Message
from assistant.prompts import PromptLibrary
from assistant.schemas import Citation, Hit, Retrieval

if TYPE_CHECKING:
    from assistant.redaction import NameRedactor, Redaction

_MAX_CONDENSED_CHARS = 500

__all__ = ["LLMEngine", "LLMTimeoutError", "Source"]


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
        redactor: When given, names in the question, the sources and the history are replaced by
            placeholders before anything is sent, and put back in the answer (COACH_LLM__REDACT_NAMES).
    """

    def __init__(
        self,
        model: BaseChatModel,
        prompts: PromptLibrary,
        max_sources: int = 4,
        deadline_s: float = 30.0,
        redactor: NameRedactor | None = None,
    ) -> None:
        self.model = model
        self.redactor = redactor
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

    def messages(
        self, question: str, sources: Sequence[Source], language: str, redaction: Redaction | None = None
    ) -> list[BaseMessage]:
        """The system and user messages for one question (names redacted when a redaction is given)."""
        if redaction is not None:
            question = redaction.redact(question)
            sources = [replace(s, section=redaction.redact(s.section), text=redaction.redact(s.text))
                       for s in sources]
        user = self._prompts.render(f"llm/user.{language}.md", sources=sources, question=_as_data(question))
        return [SystemMessage(self.system_prompt(language)), HumanMessage(user)]

    def deadline(self, spent: float = 0.0) -> float:
        """The ``time.monotonic()`` value by which the model must be done with an answer.

        Args:
            spent: Seconds the model already took for this answer (condensing a follow-up): one
                budget of ``deadline_s`` covers all LLM calls of an answer.
        """
        return deadline_in(self._deadline_s - spent)

    def stream(
        self, question: str, sources: Sequence[Source], language: str, deadline_at: float | None = None
    ) -> Iterator[str]:
        """Stream the model's answer as text pieces.

        Args:
            question: The (standalone) question.
            sources: The numbered sources.
            language: ``nb`` or ``en``.
            deadline_at: A ``time.monotonic()`` value (see :meth:`deadline`); default: the engine's
                deadline from now.

        Raises:
            LLMTimeoutError: The answer was not complete by the deadline (checked on a clock, not
                only when a chunk arrives: a server may stall or send keep-alives for ever).
            Exception: Whatever the model client raises (the chain falls back on any error).
        """
        redaction = self.redactor.session() if self.redactor is not None else None
        messages = self.messages(question, sources, language, redaction)
        until = deadline_at if deadline_at is not None else self.deadline()
        pieces = self._pieces(messages, until)
        yield from redaction.restore_stream(pieces) if redaction is not None else pieces

    def _pieces(self, messages: list[BaseMessage], until: float) -> Iterator[str]:
        for chunk in iterate_within(lambda: self.model.stream(messages), until):
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text:
                yield text

    def condense(
        self, question: str, history: Sequence[Message], deadline_at: float | None = None
    ) -> str | None:
        """Rewrite a follow-up as a standalone question, or None when the model gives nothing usable.

        Raises:
            LLMTimeoutError: No reply by ``deadline_at`` (default: the engine's deadline from now).
        """
        redaction = self.redactor.session() if self.redactor is not None else None
        if redaction is not None:
            question = redaction.redact(question)
            history = [m.model_copy(update={"content": redaction.redact(m.content)}) for m in history]
        prompt = self._prompts.render("llm/condense.md", history=history, question=question)
        until = deadline_at if deadline_at is not None else self.deadline()
        reply = call_within(lambda: self.model.invoke([HumanMessage(prompt)]), until)
        text = reply.content if isinstance(reply.content, str) else ""
        text = redaction.restore(text) if redaction is not None else text
        text = text.strip().strip('"«»').splitlines()[0].strip() if text.strip() else ""
        return text if 0 < len(text) <= _MAX_CONDENSED_CHARS else None
