"""The extractive answer engine: quotes the sentences that answer a question, with citations.

It needs no language model, so it is the default engine and the fallback when an LLM fails. It never
paraphrases: every sentence it shows is a verbatim quote of a retrieved chunk, marked [n], and the
numbers point at the source list under the answer. Which sentences it quotes is decided by
:class:`~assistant.engines.selection.SentenceSelector`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.config import AnswerSettings
from assistant.engines.selection import Candidate, SentenceSelector, chunk_sentences
from assistant.guardrails import defuse_markers
from assistant.prompts import PromptLibrary
from assistant.schemas import Answer, Citation, RelatedSection, Retrieval
from assistant.text import guess_language
from assistant.thesaurus import Thesaurus


@dataclass(frozen=True)
class _Quote:
    """What the answer templates receive for one quoted sentence."""

    text: str
    number: int


class ExtractiveEngine:
    """Builds grounded answers from retrieved chunks, and the "not covered" reply.

    Args:
        prompts: Where the answer templates come from.
        settings: Answer settings (how many sentences and characters to quote).
        thesaurus: Expands questions with the guidance's words when matching sentences.
    """

    def __init__(
        self, prompts: PromptLibrary, settings: AnswerSettings, thesaurus: Thesaurus | None = None
    ) -> None:
        self._prompts = prompts
        self._selector = SentenceSelector(
            thesaurus or Thesaurus([]),
            max_sentences=settings.max_sentences,
            max_chars=settings.max_chars,
            per_chunk=settings.sentences_per_chunk,
        )

    @staticmethod
    def answer_language(question: str) -> str:
        """``en`` for English questions, else ``nb`` (Nynorsk questions get Bokmål answers)."""
        return "en" if guess_language(question) == "en" else "nb"

    def answer(self, retrieval: Retrieval) -> Answer:
        """Quote the retrieved chunks that answer the question.

        The caller has decided that the knowledge covers the question (the chain's coverage step), so
        ``retrieval.covered`` is not consulted; only a retrieval without hits gets the not-covered reply.

        Args:
            retrieval: Ranked hits for the question.

        Returns:
            The answer: framed quotes with [n] markers and the numbered sources.
        """
        if not retrieval.hits:
            return self.not_covered(retrieval.question)
        language = self.answer_language(retrieval.question)
        top = retrieval.hits[0]
        faq = top.chunk.kind == "faq"
        # An FAQ entry that best matches the question answers it: its answer leads, whole.
        lead = [Candidate(s, top, i, 0.0) for i, s in enumerate(chunk_sentences(top))] if faq else []
        # The selector matches words: it reads the question as the lexical ranker did (Nynorsk forms
        # and typos in the corpus's words) when the retriever provides that.
        asked = retrieval.lexical_question or retrieval.question
        chosen = self._selector.select(asked, retrieval.hits, fixed=lead, aliases=retrieval.aliases)
        if not chosen:  # every sentence was a fragment: quote the best chunk as it stands
            chosen = [Candidate(s, top, i, 0.0) for i, s in enumerate(chunk_sentences(top))]
        if not chosen:  # nothing to quote at all (an empty chunk): never answer without a source
            return self.not_covered(retrieval.question)
        citations, quotes = _number(chosen)
        text = self._prompts.render(
            f"answer.{language}.md",
            faq=faq,
            lead_section=top.chunk.section,
            quotes=quotes[: len(lead)] if faq else quotes,
            support=quotes[len(lead) :] if faq else [],
            citations=citations,
        )
        return Answer(
            text=text,
            citations=citations,
            covered=True,
            language=language,
            quotes=[(q.text, q.number) for q in quotes],
            engine="extractive",
            question=retrieval.question,
        )

    def not_covered(self, question: str, related: Sequence[RelatedSection] = ()) -> Answer:
        """Say that the knowledge does not cover the question, naming the closest sections by title.

        Args:
            question: The question (decides the language of the reply).
            related: Sections near the question; listed by title, never quoted.

        Returns:
            An answer with ``covered=False``, no citations and the related sections.
        """
        language = self.answer_language(question)
        text = self._prompts.render(f"not_covered.{language}.md", related=list(related))
        return Answer(
            text=text,
            citations=[],
            covered=False,
            language=language,
            engine="extractive",
            related=list(related),
            question=question,
        )


def _number(chosen: Sequence[Candidate]) -> tuple[list[Citation], list[_Quote]]:
    """Number the sources in order of first quote: one number per (file, section)."""
    numbers: dict[tuple[str, str], int] = {}
    citations: list[Citation] = []
    quotes: list[_Quote] = []
    for candidate in chosen:
        chunk = candidate.hit.chunk
        key = (chunk.source, chunk.section_key)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(Citation(numbers[key], chunk.source, chunk.section, chunk.section_key))
        # Marker-like text inside a document must not pass for one of our citations.
        quotes.append(_Quote(defuse_markers(candidate.text), numbers[key]))
    return citations, quotes
