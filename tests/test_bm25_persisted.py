"""BM25 statistics saved at index time: loaded, they rank exactly like the index built in memory."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from assistant.app import Coach, build_coach
from assistant.bm25 import BM25Index
from assistant.config import PROJECT_ROOT
from assistant.errors import IndexStateError
from tests.conftest import make_settings

QUESTIONS = [
    json.loads(line)["question"]
    for line in (PROJECT_ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
]


class ReferenceBM25:
    """The former implementation: every text scored for every query (O(N * terms)), for comparison."""

    def __init__(self, index: BM25Index, texts: list[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.index, self.k1, self.b = index, k1, b
        self.docs = [Counter(index.terms(t)) for t in texts]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / len(self.lengths)
        df: Counter[str] = Counter(t for d in self.docs for t in d)
        n = len(texts)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        terms = set(self.index.terms(query))
        scores = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self.avg)
            parts = [self.idf[t] * doc[t] * (self.k1 + 1) / (doc[t] + norm) for t in terms if doc[t]]
            scores.append(sum(parts))
        ranked = sorted(enumerate(scores), key=lambda item: (-item[1], item[0]))
        return [(i, s) for i, s in ranked[:n] if s > 0]


@pytest.fixture(scope="module")
def indexes(coach: Coach) -> tuple[BM25Index, BM25Index, list[str]]:
    view = coach.index.view()
    chunks = view.chunks()
    persisted = coach.index.generations.load_bm25(view.generation, len(chunks))
    assert persisted is not None, "the generation has no saved BM25 statistics"
    texts = [c.text_for_search for c in chunks]
    return persisted, BM25Index(texts), texts


def test_the_sync_saves_the_statistics_in_the_generation(coach: Coach) -> None:
    view = coach.index.view()
    path = view.generation.bm25_path  # type: ignore[attr-defined]
    assert path.is_file() and path.stat().st_size > 0
    with np.load(path, allow_pickle=False) as data:
        assert len(data["lengths"]) == len(view.manifest.ids)


def test_persisted_statistics_rank_identically_on_the_eval_questions(
    coach: Coach, indexes: tuple[BM25Index, BM25Index, list[str]]
) -> None:
    persisted, in_memory, _ = indexes
    assert persisted.fingerprint() == in_memory.fingerprint()
    assert len(QUESTIONS) >= 100
    for question in QUESTIONS:
        query = coach.retriever.lexical_query(question)  # expanded by the thesaurus, as retrieval does
        found = persisted.search(query, 20)
        assert found == in_memory.search(query, 20), question  # positions and scores bit for bit
        if found:
            assert persisted.coverage(query, found[0][0]) == in_memory.coverage(query, found[0][0])


def test_the_inverted_index_ranks_like_scoring_every_text(
    coach: Coach, indexes: tuple[BM25Index, BM25Index, list[str]]
) -> None:
    persisted, _, texts = indexes
    reference = ReferenceBM25(persisted, texts)
    for question in QUESTIONS:
        query = coach.retriever.lexical_query(question)
        got, expected = persisted.search(query, 20), reference.search(query, 20)
        assert [p for p, _ in got] == [p for p, _ in expected], question
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-12)


def test_compressed_bytes_round_trip_for_the_server_mode(
    indexes: tuple[BM25Index, BM25Index, list[str]],
) -> None:
    persisted, _, texts = indexes
    loaded = BM25Index.from_bytes(persisted.to_bytes(compress=True), len(texts))
    assert loaded is not None and loaded.fingerprint() == persisted.fingerprint()
    assert loaded.terms("salgslederen") == persisted.terms("salgslederen")  # same vocabulary for compounds


def test_a_generation_without_statistics_builds_them_and_ranks_the_same(writable_coach: Coach) -> None:
    def rankings(coach: Coach) -> dict[str, list[str]]:
        return {q: [h.chunk.id for h in coach.retrieve(q, k=5, mode="bm25").hits] for q in QUESTIONS[:30]}

    expected = rankings(writable_coach)
    view = writable_coach.index.view()
    view.generation.bm25_path.unlink()  # type: ignore[attr-defined]  # as before the statistics existed
    assert rankings(build_coach(make_settings(writable_coach.settings.data_dir))) == expected


def test_statistics_for_another_chunk_count_are_refused(writable_coach: Coach) -> None:
    view = writable_coach.index.view()
    path = view.generation.bm25_path  # type: ignore[attr-defined]
    BM25Index(["én tekst", "to tekster"]).save(path)
    reader = build_coach(make_settings(writable_coach.settings.data_dir))
    with pytest.raises(IndexStateError, match="BM25"):
        reader.retrieve("Hva er salgsledelse?")
    path.write_bytes(b"garbage")
    with pytest.raises(IndexStateError, match="BM25"):
        BM25Index.read(path, len(view.manifest.ids))
    writable_coach.sync_index(rebuild=True)  # a fresh generation with good statistics
    assert build_coach(make_settings(writable_coach.settings.data_dir)).retrieve("Hva er salgsledelse?").hits
