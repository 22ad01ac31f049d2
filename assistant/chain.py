"""The coaching chain: one LCEL pipeline that the CLI, the web app and the API all use.

    condense → retrieve → coverage → engine → citation check

Input: ``{"question": str, "history": [{"role", "content"}...], "engine": "extractive"|"llm"|None}``.
Output: :class:`~assistant.schemas.Answer`. ``invoke``, ``stream``, ``batch`` and their async forms
come from LangChain's Runnable protocol. ``stream`` yields snapshots of the answer (``final=False``
while an LLM is still writing) and ends with the checked answer (``final=True``).

Each step is a named runnable in this module. When coverage says "not covered" the engine makes no
LLM call at all; an LLM answer that fails the checks (no valid citation, empty, error, timeout,
system-prompt text) is replaced by the extractive answer with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.backends.llm import classify_llm_error
from assistant.engines.llm import LLMEngine, Source
from assistant.errors import InputError
from assistant.guardrails import check_citations, leaks_system_prompt, streamable_text
from assistant.memory import (
    MAX_HISTORY_MESSAGES,
    Message,
    combined_question,
    fuse,
    is_follow_up,
    parse_history,
)
from assistant.prompts import PromptLibrary
from assistant.retrieval import Retriever
from assistant.schemas import Answer, RelatedSection, Retrieval
from assistant.text import guess_language

log = logging.getLogger(__name__)

EngineName = Literal["extractive", "llm"]


def check_question(question: str, limit: int) -> str:
    """Return the question stripped, or raise InputError if it is empty, too long or has control codes."""
    question = question.strip()
    if not question:
        raise InputError("The question is empty.")
    if len(question) > limit:
        raise InputError(f"The question is {len(question)} characters long; the limit is {limit}.")
    if any(ord(c) < 32 and c not in "\n\t\r" for c in question) or "\x7f" in question:
        raise InputError("The question contains control characters.")
    return question


class CoverageDecisionLike(Protocol):
    """What the coverage step needs from a decision."""

    covered: bool
    reason: str
    related: list[RelatedSection]


class CoverageDecider(Protocol):
    """Decides whether the knowledge answers a question (see :mod:`assistant.coverage`)."""

    def decide(self, question: str, retrieval: Retrieval) -> CoverageDecisionLike:
        """Judge one retrieval."""


class ExtractiveAnswerer(Protocol):
    """The extractive engine (see :mod:`assistant.engines.extractive`)."""

    def answer(self, retrieval: Retrieval) -> Answer:
        """Quote the retrieved chunks (retrieval is covered)."""

    def not_covered(self, question: str, related: Sequence[RelatedSection]) -> Answer:
        """Say the knowledge does not cover the question, naming related sections."""


@dataclass
class Turn:
    """The state one question carries through the chain."""

    question: str
    history: list[Message]
    engine: EngineName
    language: str = "nb"
    standalone: str = ""
    combined: str = ""
    condensed_by: str = "none"
    follow_up: bool = False
    retrieval: Retrieval | None = None
    covered: bool = False
    coverage_reason: str = ""
    related: list[RelatedSection] = field(default_factory=list)
    #: Seconds the LLM already took for this answer (condensing): one budget covers the whole answer.
    llm_spent: float = 0.0


@dataclass
class Draft:
    """What the engine step hands to the citation check: text so far, or the final text or error."""

    turn: Turn
    text: str = ""
    final: bool = False
    answer: Answer | None = None  # set when no check is needed (extractive or not covered)
    sources: list[Source] = field(default_factory=list)
    error: BaseException | None = None
    system_prompt: str = ""

    def __add__(self, other: Draft) -> Draft:
        return other  # a later draft supersedes an earlier one


class CoachChain:
    """Builds the LCEL chain from its parts (the composition root passes them in).

    Args:
        retriever: Returns the retriever over the published index (it can change between calls).
        coverage: The coverage decider.
        extractive: The extractive engine.
        llm: The LLM engine, or None when no LLM is configured.
        prompts: Prompt templates (fallback notices).
        k: Chunks retrieved per question.
        default_engine: Engine used when the input names none.
        max_question_chars: Longer questions are refused.
    """

    def __init__(
        self,
        retriever: Callable[[], Retriever],
        coverage: CoverageDecider,
        extractive: ExtractiveAnswerer,
        llm: LLMEngine | None,
        prompts: PromptLibrary,
        *,
        k: int = 4,
        default_engine: EngineName = "extractive",
        max_question_chars: int = 2000,
    ) -> None:
        self._retriever = retriever
        self.coverage = coverage
        self.extractive = extractive
        self.llm = llm
        self._prompts = prompts
        self._k = k
        self.default_engine: EngineName = default_engine
        self._max_chars = max_question_chars

    def build(self) -> Runnable[dict[str, Any], Answer]:
        """The runnable: condense | retrieve | coverage | engine | citation check."""
        condense = RunnableLambda(self.condense, name="condense")
        retrieve = RunnableLambda(self.retrieve, name="retrieve")
        coverage = RunnableLambda(self.cover, name="coverage")
        engine = RunnableLambda(self.engine, afunc=self.aengine, name="engine")
        check = RunnableGenerator(self.check_stream, self.acheck_stream, name="citation_check")
        chain: Runnable[dict[str, Any], Answer] = condense | retrieve | coverage | engine | check
        return chain.with_config(run_name="coach")

    # -- steps -------------------------------------------------------------------------------
    def _parse(self, payload: dict[str, Any]) -> Turn:
        if not isinstance(payload, dict) or not isinstance(payload.get("question"), str):
            raise InputError('The chain input must be {"question": text, "history": [...]}.')
        question = check_question(payload["question"], self._max_chars)
        raw = payload.get("history") or []
        history = parse_history([m.model_dump() if isinstance(m, Message) else m for m in raw])
        engine = payload.get("engine") or self.default_engine
        if engine not in ("extractive", "llm"):
            raise InputError(f"Unknown engine {engine!r}: use extractive or llm.")
        if engine == "llm" and self.llm is None:
            raise InputError(
                "No language model is configured (set COACH_LLM__PROVIDER); use the extractive engine."
            )
        return Turn(question=question, history=history[-MAX_HISTORY_MESSAGES:], engine=engine)

    def condense(self, payload: dict[str, Any]) -> Turn:
        """Step 1: resolve a follow-up against the history.

        Without an LLM the follow-up is searched together with the previous question (fused in the
        retrieve step). With one, the LLM also rewrites it as a standalone question, which is what the
        LLM answers; retrieval and coverage still use both, so a poor rewrite cannot make the answer
        less grounded than the retrieval-side method.
        """
        turn = self._parse(payload)
        turn.language = "en" if guess_language(turn.question) == "en" else "nb"
        turn.standalone = turn.combined = turn.question
        turn.follow_up = is_follow_up(turn.question, turn.history)
        if not turn.follow_up:
            return turn
        turn.combined = turn.standalone = combined_question(turn.question, turn.history)
        turn.condensed_by = "fusion"
        if self.llm is not None and turn.engine == "llm":
            started = time.monotonic()
            try:
                rewritten = self.llm.condense(turn.question, turn.history)
            except Exception as exc:  # any client error: keep the retrieval-side method
                log.info("condensing failed (%s); fusing retrieval instead", classify_llm_error(exc))
                rewritten = None
            turn.llm_spent = time.monotonic() - started
            if rewritten:
                turn.standalone, turn.condensed_by = rewritten, "llm"
        return turn

    def retrieve(self, turn: Turn) -> Turn:
        """Step 2: hybrid retrieval; a follow-up's rankings are fused (see :func:`assistant.memory.fuse`)."""
        retriever = self._retriever()
        if turn.condensed_by == "none":
            turn.retrieval = retriever.retrieve(turn.question, k=self._k)
            return turn
        alone = turn.standalone if turn.condensed_by == "llm" else turn.question
        turn.retrieval = fuse(
            retriever.retrieve(alone, k=self._k),
            retriever.retrieve(turn.combined, k=self._k, aliases=False),
            self._k,
            retriever.settings.rrf_k,
        )
        return turn

    def cover(self, turn: Turn) -> Turn:
        """Step 3: decide whether the knowledge answers the question (no LLM involved)."""
        assert turn.retrieval is not None
        decision = self.coverage.decide(turn.combined, turn.retrieval)
        turn.covered, turn.coverage_reason, turn.related = decision.covered, decision.reason, decision.related
        return turn

    def engine(self, turn: Turn) -> Iterator[Draft]:
        """Step 4: write the answer (extractive, or streamed by the LLM; never an LLM when not covered)."""
        assert turn.retrieval is not None
        if not turn.covered:
            answer = self.extractive.not_covered(turn.standalone, turn.related)
            yield Draft(turn, final=True, answer=self._stamp(answer, turn))
            return
        if turn.engine == "extractive" or self.llm is None:
            yield Draft(turn, final=True, answer=self._stamp(self.extractive.answer(turn.retrieval), turn))
            return
        sources = self.llm.sources(turn.retrieval)
        system_prompt = self.llm.system_prompt(turn.language)
        text = ""
        deadline = self.llm.deadline(spent=turn.llm_spent)
        try:
            for piece in self.llm.stream(turn.standalone, sources, turn.language, deadline):
                text += piece
                yield Draft(turn, text=text, sources=sources, system_prompt=system_prompt)
        except Exception as exc:  # the client's own errors vary by provider; all mean "fall back"
            yield Draft(turn, text=text, final=True, sources=sources, error=exc, system_prompt=system_prompt)
            return
        yield Draft(turn, text=text, final=True, sources=sources, system_prompt=system_prompt)

    async def aengine(self, turn: Turn) -> AsyncIterator[Draft]:
        """Step 4 for async callers: the same generator, advanced in a worker thread."""
        drafts = self.engine(turn)
        done = object()
        while (draft := await asyncio.to_thread(next, drafts, done)) is not done:
            yield draft  # type: ignore[misc]

    def check(self, draft: Draft) -> Answer:
        """Step 5: validate an LLM answer's citations and text, or fall back to the extractive answer."""
        turn = draft.turn
        if draft.answer is not None:
            return draft.answer
        if not draft.final:
            return Answer(
                text=draft.text, citations=[], covered=True, language=turn.language, engine="llm",
                question=turn.standalone, final=False,
            )
        if draft.error is not None:
            return self._fallback(turn, classify_llm_error(draft.error))
        if not draft.text.strip():
            return self._fallback(turn, "empty")
        assert self.llm is not None
        if leaks_system_prompt(draft.text, draft.system_prompt, self.llm.canary):
            return self._fallback(turn, "system_prompt")
        checked = check_citations(draft.text, len(draft.sources))
        if not checked.cited:
            return self._fallback(turn, "no_valid_citation", removed=checked.removed)
        by_number = {s.number: s for s in draft.sources}
        return Answer(
            text=checked.text,
            citations=[by_number[n].citation() for n in sorted(checked.cited)],
            covered=True,
            language=turn.language,
            engine="llm",
            question=turn.standalone,
            removed_citations=checked.removed,
        )

    def _streamable(self, draft: Draft) -> Draft | None:
        # Snapshots streamed before the final check reach the user too: filter them the same way.
        if draft.final or draft.answer is not None or self.llm is None:
            return draft
        shown = streamable_text(draft.text, draft.system_prompt, self.llm.canary, len(draft.sources))
        return None if shown is None else replace(draft, text=shown)

    def check_stream(self, drafts: Iterator[Draft]) -> Iterator[Answer]:
        """The citation check over a stream of drafts."""
        for draft in drafts:
            if (shown := self._streamable(draft)) is not None:
                yield self.check(shown)

    async def acheck_stream(self, drafts: AsyncIterator[Draft]) -> AsyncIterator[Answer]:
        """The citation check over an async stream of drafts."""
        async for draft in drafts:
            if (shown := self._streamable(draft)) is not None:
                yield self.check(shown)

    # -- helpers -----------------------------------------------------------------------------
    def _stamp(self, answer: Answer, turn: Turn) -> Answer:
        return replace(answer, question=turn.standalone, related=answer.related or turn.related)

    def _fallback(self, turn: Turn, reason: str, removed: int = 0) -> Answer:
        assert turn.retrieval is not None
        log.info("LLM answer replaced by the extractive one: %s", reason)
        answer = self._stamp(self.extractive.answer(turn.retrieval), turn)
        return replace(answer, fallback_reason=reason, removed_citations=removed)

    def fallback_notice(self, answer: Answer) -> str | None:
        """The one-line notice shown when an LLM answer was replaced, or None."""
        if not answer.fallback_reason:
            return None
        return self._prompts.render(f"fallback_notice.{answer.language}.md", reason=answer.fallback_reason)
