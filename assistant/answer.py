"""The extractive answer engine: quotes the sentences that answer a question, with citations.

It needs no language model, so it is the default engine and the fallback when an LLM is down. It
never paraphrases: every sentence it shows is a verbatim quote of an indexed chunk, marked [n].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.config import AnswerSettings
from assistant.prompts import PromptLibrary
from assistant.schemas import Answer, Citation, Hit, Retrieval
from assistant.text import content_terms, guess_language, split_sentences

# Sentence choice: e5 similarities of sentences that answer a question sit within a few hundredths
# of the best one, while off-point sentences fall further behind.
_LEXICAL_WEIGHT = 0.05
_RANK_PENALTY = 0.01
_MARGIN = 0.03
_MIN_WORDS = 4
_SOURCE_HITS = 3


@dataclass(frozen=True)
class _Candidate:
    text: str
    hit: Hit
    position: int


@dataclass(frozen=True)
class _Quote:
    text: str
    number: int


class ExtractiveComposer:
    """Builds grounded answers from retrieved chunks.

    Args:
        prompts: Where the answer templates come from.
        settings: Answer settings.
        embeddings: Embeds candidate sentences to compare them with the question.
    """

    def __init__(self, prompts: PromptLibrary, settings: AnswerSettings, embeddings: Embeddings) -> None:
        self._prompts = prompts
        self._settings = settings
        self._embeddings = embeddings

    @staticmethod
    def answer_language(question: str) -> str:
        """``en`` for English questions, else ``nb`` (Nynorsk questions get Bokmål answers)."""
        return "en" if guess_language(question) == "en" else "nb"

    def compose(self, retrieval: Retrieval) -> Answer:
        """Answer from a retrieval.

        Args:
            retrieval: Hits for the question and whether they cover it.

        Returns:
            The answer, or a statement that the guidance does not cover the question.
        """
        language = self.answer_language(retrieval.question)
        if not retrieval.covered:
            text = self._prompts.render(f"not_covered.{language}.md")
            return Answer(text=text, citations=[], covered=False, language=language)
        top = retrieval.hits[0]
        if top.chunk.kind == "faq":
            quotes = [(s, top) for s in split_sentences(top.chunk.body)]
        else:
            quotes = self._select(retrieval)
        numbers: dict[tuple[str, str], int] = {}
        citations: list[Citation] = []
        rendered: list[_Quote] = []
        for text, hit in quotes:
            key = (hit.chunk.source, hit.chunk.section_key)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                citations.append(
                    Citation(numbers[key], hit.chunk.source, hit.chunk.section, hit.chunk.section_key)
                )
            rendered.append(_Quote(text, numbers[key]))
        text = self._prompts.render(
            f"answer.{language}.md",
            faq=top.chunk.kind == "faq",
            lead_section=top.chunk.section,
            quotes=rendered,
            citations=citations,
        )
        return Answer(
            text=text,
            citations=citations,
            covered=True,
            language=language,
            quotes=[(q.text, q.number) for q in rendered],
        )

    def _candidates(self, hits: list[Hit]) -> list[_Candidate]:
        candidates = []
        for hit in hits[:_SOURCE_HITS]:
            if hit.chunk.kind == "faq":
                continue
            sentences = [
                s for p in hit.chunk.body.split("\n\n") for s in split_sentences(p)
            ]
            candidates += [
                _Candidate(s, hit, i) for i, s in enumerate(sentences) if len(s.split()) >= _MIN_WORDS
            ]
        return candidates

    def _select(self, retrieval: Retrieval) -> list[tuple[str, Hit]]:
        candidates = self._candidates(retrieval.hits)
        if not candidates:
            top = retrieval.hits[0]
            return [(s, top) for s in split_sentences(top.chunk.body)[: self._settings.max_sentences]]
        query = retrieval.query_vector or self._embeddings.embed_query(retrieval.question)
        vectors = np.asarray(self._embeddings.embed_documents([c.text for c in candidates]))
        similarity = vectors @ np.asarray(query)
        question_terms = set(content_terms(retrieval.question))
        scores = []
        for candidate, sim in zip(candidates, similarity, strict=True):
            terms = set(content_terms(candidate.text))
            lexical = len(question_terms & terms) / len(question_terms) if question_terms else 0.0
            scores.append(
                float(sim) + _LEXICAL_WEIGHT * lexical - _RANK_PENALTY * (candidate.hit.rank - 1)
            )
        ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])
        best = scores[ranked[0]]
        chosen = [i for i in ranked if scores[i] >= best - _MARGIN][: self._settings.max_sentences]
        # Quote in reading order: by source rank, then by position in the chunk.
        chosen.sort(key=lambda i: (candidates[i].hit.rank, candidates[i].position))
        return [(candidates[i].text, candidates[i].hit) for i in chosen]
