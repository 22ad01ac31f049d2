"""Hybrid retrieval: dense vectors and BM25, fused by reciprocal rank, with a relevance floor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy.typing as npt
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore
from pydantic import ConfigDict, Field

from assistant.aliases import Alias, AliasIndex
from assistant.backends.vectorstore import similarity_search
from assistant.bm25 import BM25Index
from assistant.config import RetrievalSettings
from assistant.errors import IndexStateError
from assistant.query_normaliser import QueryNormaliser
from assistant.schemas import AliasMatch, Chunk, Hit, Retrieval
from assistant.text import guess_language
from assistant.thesaurus import Thesaurus
from assistant.vectors import VectorMatrix
from assistant.wordmap import WordMap

Mode = str  # one of RetrievalSettings.mode's values


@dataclass(frozen=True)
class _Ranked:
    position: int
    score: float


class Retriever:
    """Finds the chunks that answer a question.

    Args:
        store: Vector store holding the chunks (approximate dense ranking for huge indexes).
        embeddings: Embeds the question for the dense ranking.
        chunks: All chunks of the index (BM25 ranking and id lookup).
        vectors: The chunks' vectors, searched exactly up to ``settings.exact_max_chunks``.
        settings: Retrieval settings.
        thesaurus: Expands questions for the BM25 ranker (none by default).
        bm25: BM25 statistics of exactly these chunks, in this order (saved at index time); built
            from the chunks when not given.
        word_map: Nynorsk → Bokmål word forms applied to questions on the lexical side (none by
            default); see :class:`~assistant.query_normaliser.QueryNormaliser`.
        aliases: Question aliases of guidance sentences (none by default); see
            :mod:`assistant.aliases`.
        alias_vectors: The alias questions' vectors (row per question, in file order), to match
            questions to aliases by meaning too; see :mod:`assistant.alias_vectors`.
    """

    def __init__(
        self,
        store: VectorStore,
        embeddings: Embeddings,
        chunks: Sequence[Chunk],
        vectors: VectorMatrix,
        settings: RetrievalSettings,
        thesaurus: Thesaurus | None = None,
        *,
        bm25: BM25Index | None = None,
        word_map: WordMap | None = None,
        aliases: Sequence[Alias] = (),
        alias_vectors: npt.ArrayLike | None = None,
    ) -> None:
        self._store = store
        self._embeddings = embeddings
        self._chunks = list(chunks)
        self._position = {c.id: i for i, c in enumerate(self._chunks)}
        self._vectors = vectors
        self._row_position = [self._position.get(i) for i in vectors.ids]
        self._bm25 = bm25 if bm25 is not None else BM25Index([c.text_for_search for c in self._chunks])
        if len(self._bm25) != len(self._chunks):
            raise IndexStateError(
                f"the BM25 statistics hold {len(self._bm25)} chunks, the index {len(self._chunks)}; "
                "run `coach index --rebuild`"
            )
        self.settings = settings
        self._thesaurus = thesaurus or Thesaurus([])
        self._normaliser = QueryNormaliser(
            self._bm25, word_map, self._thesaurus, typos=settings.typo_tolerance
        )
        self._aliases = AliasIndex(
            aliases,
            self._chunks,
            vectors=alias_vectors,
        )
        # Chunks of sources no alias speaks for (a user's own documents): the rivals an alias
        # match must beat.
        aliased_sources = self._aliases.sources
        self._aliased = [c.source in aliased_sources for c in self._chunks]

    @property
    def chunks(self) -> list[Chunk]:
        """The chunks this retriever searches."""
        return list(self._chunks)

    def embed_query(self, question: str) -> list[float]:
        """Embed a question with the index's embedding model."""
        return self._embeddings.embed_query(question)

    def _dense(self, vector: list[float], n: int) -> list[_Ranked]:
        if len(self._vectors) <= self.settings.exact_max_chunks:
            # Exact cosine ranking: the same in every process (Chroma's HNSW graph is not).
            exact = [(self._row_position[row], score) for row, score in self._vectors.search(vector, n)]
            return [_Ranked(p, s) for p, s in exact if p is not None]
        ranked = []
        for doc, similarity in similarity_search(self._store, vector, n):
            position = self._position.get(doc.id or "")
            if position is not None:
                ranked.append(_Ranked(position, float(similarity)))
        return ranked

    def _lexical(self, question: str, n: int) -> list[_Ranked]:
        return [_Ranked(i, s) for i, s in self._bm25.search(question, n)]

    def normalise(self, question: str) -> str:
        """The question in the corpus's words: Nynorsk forms and typos replaced, lower case."""
        return self._normaliser.normalise(question)

    def lexical_query(self, question: str) -> str:
        """The question (normalised) with its thesaurus expansion, as the BM25 ranker sees it."""
        return self._expanded(self.normalise(question))

    def _expanded(self, normalised: str) -> str:
        return f"{normalised} {self._thesaurus.expand(normalised)}".strip()

    def retrieve(
        self, question: str, *, k: int | None = None, mode: Mode | None = None, aliases: bool = True
    ) -> Retrieval:
        """Rank chunks for a question and decide whether the knowledge covers it.

        Args:
            question: The question.
            k: Number of hits to return (settings.k by default).
            mode: ``hybrid``, ``dense`` or ``bm25`` (settings.mode by default).
            aliases: Match the question aliases. Off for text that is not one question (a
                follow-up joined to the previous question): aliases are questions, and a blend of
                two matches neither.

        Returns:
            The ranked hits and whether they clear the relevance floor.
        """
        s = self.settings
        k = k or s.k
        mode = mode or s.mode
        n = max(s.candidates, k)
        use_dense = mode in ("hybrid", "dense") and bool(self._chunks)
        vector = self.embed_query(question) if use_dense else None
        dense = self._dense(vector, n) if vector is not None else []
        normalised = self.normalise(question)
        lexical_query = self._expanded(normalised)
        lexical = self._lexical(lexical_query, n) if mode in ("hybrid", "bm25") else []
        by_words: list[AliasMatch] = []
        if aliases and mode in ("hybrid", "bm25"):
            # An alias match must beat the best passage the aliases know nothing about (a user's own
            # document): by words, its question must hold about as much of the question.
            rival = next((r for r in lexical if not self._aliased[r.position]), None)
            least = (
                self._aliases.share_in(normalised, self._chunks[rival.position].text_for_search)
                + s.alias_word_margin
                if rival
                else 0.0
            )
            by_words = self._aliases.match(normalised, min_coverage=least)
        by_meaning = self._aliases.match_vector(vector) if aliases and vector and mode == "hybrid" else []
        rival_dense = next((r for r in dense if not self._aliased[r.position]), None)
        if rival_dense:
            # By meaning, the question must be close to an alias question, and clearly closer than
            # to that passage: a question about a user's document is often close to some alias,
            # but closer still to its passage. Without such a document nothing competes.
            floor = max(s.alias_min_similarity, rival_dense.score + s.alias_min_margin)
            by_meaning = [m for m in by_meaning if m.strength >= floor]

        fused: dict[int, float] = {}
        weights = {"dense": s.dense_weight, "bm25": s.bm25_weight} if mode == "hybrid" else {
            "dense": 1.0, "bm25": 1.0
        }
        weights["alias"], weights["alias_dense"] = s.alias_weight, s.alias_dense_weight
        rankings = {
            "dense": dense,
            "bm25": lexical,
            "alias": _alias_ranking(by_words),
            "alias_dense": _alias_ranking(by_meaning),
        }
        for name, ranking in rankings.items():
            for rank, item in enumerate(ranking, start=1):
                fused[item.position] = fused.get(item.position, 0.0) + weights[name] / (s.rrf_k + rank)
        similarity = {r.position: r.score for r in dense}
        bm25 = {r.position: r.score for r in lexical}
        order = sorted(fused, key=lambda p: (-fused[p], p))[:k]
        hits = [
            Hit(
                chunk=self._chunks[p],
                rank=rank,
                score=fused[p],
                dense_similarity=similarity.get(p),
                bm25_score=bm25.get(p),
            )
            for rank, p in enumerate(order, start=1)
        ]

        # Relevance. e5 similarities bunch together (0.7-0.95 for anything), so the floor sits on the
        # best similarity nudged by lexical evidence; English questions score lower across languages.
        # The coverage reads the question as asked (with its thesaurus expansion), not normalised: the
        # floor was calibrated on that, and rewriting Nynorsk forms and typos is there to rank better,
        # not to move which questions clear the floor.
        top_similarity = dense[0].score if dense else 0.0
        coverage = self._bm25.coverage(self._expanded(question), lexical[0].position) if lexical else 0.0
        language_bonus = s.english_question_bonus if guess_language(question) == "en" else 0.0
        alias_lift = 0.0
        if mode == "bm25":
            relevance, floor = coverage, s.bm25_floor
        elif mode == "dense":
            relevance, floor = top_similarity + language_bonus, s.dense_floor
        else:
            alias_lift = s.alias_relevance_weight * self._aliases.coverage(normalised) if aliases else 0.0
            relevance = top_similarity + s.bm25_relevance_weight * coverage + alias_lift + language_bonus
            floor = s.relevance_floor
        return Retrieval(
            question=question,
            hits=hits,
            covered=bool(hits) and relevance >= floor,
            relevance=relevance,
            dense_similarity=top_similarity,
            bm25_coverage=coverage,
            query_vector=vector,
            lexical_question=normalised,
            aliases=_merged(by_words, by_meaning),
            alias_lift=alias_lift,
        )


#: Cosine distance below the closest alias question at which a match by meaning still counts (its
#: strength falls linearly from 1 at the closest to 0 here): e5 similarities bunch together.
_SIMILAR_WINDOW = 0.02


def _merged(by_words: Sequence[AliasMatch], by_meaning: Sequence[AliasMatch]) -> list[AliasMatch]:
    """Alias matches by words and by meaning on one scale (strength 0-1), one per sentence, best first."""
    best: dict[str, AliasMatch] = {}
    top = by_meaning[0].strength if by_meaning else 0.0
    relative = [
        replace(m, strength=1 - (top - m.strength) / _SIMILAR_WINDOW)
        for m in by_meaning
        if top - m.strength < _SIMILAR_WINDOW
    ]
    for match in [*by_words, *relative]:
        if match.sentence not in best or match.strength > best[match.sentence].strength:
            best[match.sentence] = match
    return sorted(best.values(), key=lambda m: -m.strength)


def _alias_ranking(matches: Sequence[AliasMatch]) -> list[_Ranked]:
    """Chunks in the order of their best alias match (a chunk once, at its best)."""
    ranked: dict[int, float] = {}
    for match in matches:
        for position in match.positions:
            ranked.setdefault(position, match.strength)
    return [_Ranked(p, score) for p, score in ranked.items()]


class HybridRetriever(BaseRetriever):
    """The hybrid retriever as a LangChain :class:`BaseRetriever`, so it plugs into any LangChain code.

    Documents carry the chunk's metadata plus ``id``, ``rank``, ``score`` and ``covered`` (whether the
    best hit clears the relevance floor).
    """

    retriever: Retriever = Field(description="The hybrid retriever over the published index.")
    k: int = Field(4, ge=1, description="Documents returned.")

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        retrieval = self.retriever.retrieve(query, k=self.k)
        documents = []
        for hit in retrieval.hits:
            document = hit.chunk.to_document()
            document.metadata.update(
                {"id": hit.chunk.id, "rank": hit.rank, "score": hit.score, "covered": retrieval.covered}
            )
            documents.append(document)
        return documents
