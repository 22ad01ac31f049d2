"""Plain data passed between the modules: chunks, retrieval hits and answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.documents import Document

Kind = Literal["guidance", "faq"]


@dataclass(frozen=True)
class Chunk:
    """One retrievable piece of a document.

    Attributes:
        source: Display name of the file, e.g. ``knowledge/salgsledelse.md``.
        path: Absolute path of the file; identifies it across runs.
        section: Human-readable section title.
        section_key: Stable key of the section, e.g. ``vaner/gi-tilbakemelding``.
        kind: ``faq`` for a question with its answer, else ``guidance``.
        language: Language code of the text (``nb``, ``nn``, ``en`` or ``und``).
        context: Heading path prepended to the body when embedding and searching.
        body: The text itself, quoted verbatim in answers.
    """

    source: str
    path: str
    section: str
    section_key: str
    kind: Kind
    language: str
    context: str
    body: str

    @property
    def text_for_search(self) -> str:
        """The heading context and body: what is embedded and what BM25 indexes."""
        return f"{self.context}\n\n{self.body}" if self.context else self.body

    @property
    def id(self) -> str:
        """Content hash: the same file, section and text always get the same id."""
        digest = hashlib.sha256(
            "\x1f".join((self.path, self.section_key, self.kind, self.text_for_search)).encode()
        )
        return digest.hexdigest()[:32]

    def metadata(self) -> dict[str, str | int]:
        """Metadata stored beside the vector (flat scalars, as Chroma requires)."""
        return {
            "source": self.source,
            "path": self.path,
            "section": self.section,
            "section_key": self.section_key,
            "kind": self.kind,
            "language": self.language,
            # Where the body starts inside the stored text, so the body can be cut out exactly.
            "body_start": len(self.text_for_search) - len(self.body),
        }

    def to_document(self) -> Document:
        """Return the LangChain document that is stored in the vector store."""
        return Document(page_content=self.text_for_search, metadata=self.metadata(), id=self.id)

    @classmethod
    def from_document(cls, doc: Document) -> Chunk:
        """Rebuild a chunk from a stored document (inverse of :meth:`to_document`)."""
        meta = doc.metadata
        start = int(meta.get("body_start", 0))
        text = doc.page_content
        return cls(
            source=str(meta.get("source", "")),
            path=str(meta.get("path", "")),
            section=str(meta.get("section", "")),
            section_key=str(meta.get("section_key", "")),
            kind="faq" if meta.get("kind") == "faq" else "guidance",
            language=str(meta.get("language", "und")),
            context=text[: max(start - 2, 0)],
            body=text[start:],
        )


@dataclass(frozen=True)
class Hit:
    """A chunk found for a question, with the evidence behind its rank.

    Attributes:
        chunk: The chunk.
        rank: 1-based rank after fusion.
        score: Fused score (higher is better; comparable only within one query).
        dense_similarity: Cosine similarity to the question, if the dense ranker saw it.
        bm25_score: BM25 score, if the lexical ranker matched it.
    """

    chunk: Chunk
    rank: int
    score: float
    dense_similarity: float | None = None
    bm25_score: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON shape printed by ``coach retrieve --json``."""
        return {
            "rank": self.rank,
            "id": self.chunk.id,
            "score": round(self.score, 6),
            "source": self.chunk.source,
            "section": self.chunk.section,
            "section_key": self.chunk.section_key,
            "kind": self.chunk.kind,
            "text": self.chunk.body,
        }


@dataclass(frozen=True)
class AliasMatch:
    """An alias sentence the asked question matched (see :mod:`assistant.aliases`).

    Attributes:
        sentence: The guidance sentence the alias names.
        section: Its section key.
        strength: The match relative to the best one for this question (1.0 for the best).
        positions: Positions (in the retriever's chunk list) of the chunks holding the sentence.
    """

    sentence: str
    section: str
    strength: float
    positions: tuple[int, ...]


@dataclass(frozen=True)
class Retrieval:
    """The outcome of retrieving for one question.

    Attributes:
        question: The question as asked.
        hits: Ranked hits, best first.
        covered: False when no hit clears the relevance floor: the guidance does not cover it.
        relevance: The score compared with the mode's relevance floor.
        dense_similarity: Best cosine similarity of the question to a chunk (0 if not computed).
        bm25_coverage: Share of the question's term weight matched by the best BM25 hit.
        query_vector: The question's embedding, when the dense ranker ran (reused by the composer).
        lexical_question: The question as the lexical side reads it (lower case, Nynorsk forms and
            typos replaced by the corpus's words); empty when not computed.
        aliases: Guidance sentences whose question aliases the question matched, best first
            (see :mod:`assistant.aliases`).
        alias_lift: The part of ``relevance`` that alias coverage added.
    """

    question: str
    hits: list[Hit]
    covered: bool
    relevance: float = 0.0
    dense_similarity: float = 0.0
    bm25_coverage: float = 0.0
    query_vector: list[float] | None = None
    lexical_question: str = ""
    aliases: list[AliasMatch] = field(default_factory=list)
    alias_lift: float = 0.0


@dataclass(frozen=True)
class Citation:
    """A numbered source shown under an answer."""

    number: int
    source: str
    section: str
    section_key: str


@dataclass(frozen=True)
class RelatedSection:
    """A section close to a question the guidance does not answer (shown by title, never quoted)."""

    section: str
    section_key: str
    source: str


@dataclass(frozen=True)
class Answer:
    """A grounded answer.

    Attributes:
        text: The answer as shown to the user (Markdown), with [n] markers.
        citations: The sources the [n] markers point to.
        covered: False when the coach says the guidance does not cover the question.
        language: Language the answer is framed in.
        quotes: The quoted sentences with the number of the source each came from.
        engine: Which engine wrote the text: ``extractive`` or ``llm``.
        fallback_reason: Why the LLM's answer was replaced by the extractive one, if it was.
        related: For a not-covered answer, the closest sections (titles only).
        question: The standalone question that was answered (after resolving a follow-up).
        final: False for the snapshots of an answer still being streamed; only the final answer
            has passed the citation check.
        removed_citations: [n] markers the citation check removed because they pointed at no source.
    """

    text: str
    citations: list[Citation]
    covered: bool
    language: str
    quotes: list[tuple[str, int]] = field(default_factory=list)
    engine: str = "extractive"
    fallback_reason: str | None = None
    related: list[RelatedSection] = field(default_factory=list)
    question: str = ""
    final: bool = True
    removed_citations: int = 0

    def as_json(self, asked: str) -> dict[str, Any]:
        """The JSON shape printed by ``coach ask --json`` (and returned by the web API).

        Args:
            asked: The question as the user asked it.
        """
        return {
            "question": asked,
            "answer": self.text,
            "covered": self.covered,
            "language": self.language,
            "engine": self.engine,
            "fallback_reason": self.fallback_reason,
            "citations": [
                {"n": c.number, "source": c.source, "section": c.section, "section_key": c.section_key}
                for c in self.citations
            ],
            "related": [
                {"section": r.section, "section_key": r.section_key, "source": r.source} for r in self.related
            ],
        }

    def __add__(self, other: Answer) -> Answer:
        """A later snapshot of an answer replaces an earlier one (how LangChain folds a stream)."""
        return other
