"""Question aliases: loading, binding to chunks, matching, and their effect on ranking and quoting."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant.alias_vectors import load_alias_vectors, shipped_path
from assistant.aliases import Alias, AliasIndex, load_aliases
from assistant.app import Coach
from assistant.backends.embeddings import embedding_model_id
from assistant.config import PROJECT_ROOT
from assistant.engines.selection import SentenceSelector
from assistant.errors import ConfigError, IndexStateError
from assistant.schemas import Chunk, Hit
from assistant.thesaurus import Thesaurus

BUNDLED = PROJECT_ROOT / "knowledge" / "questions.jsonl"


def _chunk(section_key: str, body: str) -> Chunk:
    return Chunk("doc.md", "/doc.md", section_key.title(), section_key, "guidance", "nb", "", body)  # type: ignore[arg-type]


CHUNKS = [
    _chunk("mote", "Møtet bør være ukentlig. Det gir rom for coaching av selgeren."),
    _chunk("ros", "Ros bør gis offentlig. Kritikk gis alltid under fire øyne."),
    _chunk("ros", "En annen del av samme seksjon uten setningen."),
]
ALIASES = [
    Alias("mote", "Det gir rom for coaching av selgeren.", ("hva får selgeren ut av praten hver uke",)),
    Alias("ros", "Kritikk gis alltid under fire øyne.", ("skal jeg kjefte foran hele gjengen",)),
    Alias("ros", "Denne setningen finnes ikke lenger.", ("en foreldet alias",)),
    Alias("mote", "Kritikk gis alltid under fire øyne.", ("feil seksjon",)),
]


def test_load_reads_rows_and_names_the_bad_line(tmp_path: Path) -> None:
    good = {"section": "a", "sentence": "En setning her.", "questions": ["Spørsmål?", " "]}
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(good) + "\n\n", encoding="utf-8")
    assert load_aliases(path) == [Alias("a", "En setning her.", ("Spørsmål?",))]
    assert load_aliases(None) == []
    path.write_text(json.dumps(good) + "\n" + json.dumps({"section": "a"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"q.jsonl:2"):
        load_aliases(path)
    path.write_text(json.dumps({**good, "questions": []}), encoding="utf-8")
    with pytest.raises(ConfigError, match="at least one question"):
        load_aliases(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_aliases(tmp_path / "missing.jsonl")


def test_aliases_bind_only_where_their_sentence_stands_in_their_section() -> None:
    index = AliasIndex(ALIASES, CHUNKS)
    assert len(index) == 2  # the stale sentence and the wrong section bind nowhere
    matches = index.match("skal jeg kjefte på selgeren foran gjengen")
    assert matches[0].sentence == "Kritikk gis alltid under fire øyne."
    assert matches[0].positions == (1,) and matches[0].strength == 1.0
    assert index.match("en foreldet alias") == []
    assert index.match("ingenting som ligner") == []


def test_the_selector_quotes_the_alias_sentence() -> None:
    hit = Hit(chunk=CHUNKS[1], rank=1, score=1.0)
    selector = SentenceSelector(Thesaurus([]), max_sentences=1)
    question = "Hvordan tar jeg det med en selger som bommer?"
    without = selector.select(question, [hit])
    matches = AliasIndex(ALIASES, CHUNKS).match("skal jeg kjefte foran gjengen")
    with_aliases = selector.select(question, [hit], aliases=matches)
    assert [c.text for c in without] == ["Ros bør gis offentlig."]
    assert [c.text for c in with_aliases] == ["Kritikk gis alltid under fire øyne."]


def test_bundled_aliases_name_verbatim_sentences_of_their_sections(coach: Coach) -> None:
    aliases = load_aliases(BUNDLED)
    assert len(aliases) >= 90 and sum(len(a.questions) for a in aliases) >= 1100
    index = AliasIndex(aliases, coach.retriever.chunks)
    assert len(index) == len(aliases)  # every row binds to a chunk of the bundled guidance
    sections = {c.section_key for c in coach.retriever.chunks if c.body.strip()}
    assert sections <= {a.section for a in aliases}  # every section with text has aliases


def test_aliases_lift_a_question_in_everyday_words(coach: Coach) -> None:
    # Asked in words close to an alias but far from the guidance's text.
    retrieval = coach.retrieve("Hvordan får jeg mer driv og gnist i gjengen min?")
    assert retrieval.aliases, "the question should match an alias"
    best = retrieval.aliases[0]
    assert best.section in [h.chunk.section_key for h in retrieval.hits]


# -- matching by meaning ------------------------------------------------------------------------------


def test_match_by_meaning_takes_each_sentence_at_its_closest_question() -> None:
    # Three questions (two for the first alias); rows follow the aliases' questions in order.
    aliases = [
        Alias("mote", "Det gir rom for coaching av selgeren.", ("a", "b")),
        Alias("ros", "Kritikk gis alltid under fire øyne.", ("c",)),
    ]
    vectors = [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]
    index = AliasIndex(aliases, CHUNKS, vectors=vectors)
    matches = index.match_vector([0.0, 2.0])  # closest to "c", then to "b"
    assert [m.section for m in matches] == ["ros", "mote"]
    assert matches[0].strength == pytest.approx(1.0) and matches[1].strength == pytest.approx(0.8)
    assert AliasIndex(aliases, CHUNKS).match_vector([0.0, 1.0]) == []  # no vectors: words only
    with pytest.raises(IndexStateError, match="2 rows for 3 questions"):
        AliasIndex(aliases, CHUNKS, vectors=vectors[:2])


def test_the_shipped_vectors_belong_to_the_bundled_aliases(coach: Coach) -> None:
    # Editing knowledge/questions.jsonl without `make aliases` would silently embed at every new
    # data dir; this fails first.
    aliases = load_aliases(BUNDLED)
    with np.load(shipped_path(BUNDLED)) as data:
        fingerprint = hashlib.sha256(BUNDLED.read_bytes()).hexdigest()
        assert str(data["fingerprint"]) == fingerprint, "run make aliases"
        assert str(data["model"]) == embedding_model_id(coach.index.embeddings)
        assert data["vectors"].shape[0] == sum(len(a.questions) for a in aliases)


class _CountingEmbeddings(Embeddings):
    """The real model, counting the questions it embeds."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner, self.queries = inner, 0
        self.model_id = embedding_model_id(inner)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return self.inner.embed_query(text)


def test_an_edited_alias_file_is_embedded_once_and_kept(coach: Coach, tmp_path: Path) -> None:
    own = tmp_path / "mine.jsonl"
    row = {"section": "vaner/gi-tilbakemelding", "sentence": "x", "questions": ["Hvordan sier jeg fra?"]}
    own.write_text(json.dumps(row) + "\n", encoding="utf-8")
    aliases = load_aliases(own)
    counting = _CountingEmbeddings(coach.index.embeddings)
    first = load_alias_vectors(own, aliases, counting, tmp_path / "cache")
    again = load_alias_vectors(own, aliases, counting, tmp_path / "cache")
    assert first is not None and again is not None and first.shape == (1, 384)
    assert counting.queries == 1  # the second call read the cache
    np.testing.assert_allclose(first, again, atol=1e-3)  # kept as float16
    own.write_text(own.read_text(encoding="utf-8").replace("fra?", "ifra?"), encoding="utf-8")
    load_alias_vectors(own, load_aliases(own), counting, tmp_path / "cache")
    assert counting.queries == 2  # another file, other vectors
    assert load_alias_vectors(None, [], counting, tmp_path / "cache") is None


def test_the_bundled_aliases_load_without_embedding(coach: Coach, tmp_path: Path) -> None:
    counting = _CountingEmbeddings(coach.index.embeddings)
    vectors = load_alias_vectors(BUNDLED, load_aliases(BUNDLED), counting, tmp_path / "cache")
    assert vectors is not None and counting.queries == 0 and not (tmp_path / "cache").exists()


def test_retrieval_without_aliases_for_joined_questions(coach: Coach) -> None:
    question = "Hvordan får jeg mer driv og gnist i gjengen min?"
    assert coach.retriever.retrieve(question).aliases
    assert coach.retriever.retrieve(question, aliases=False).aliases == []


# -- a user's own document beside the guidance ----------------------------------------------------------

USER_DOCS = PROJECT_ROOT / "eval" / "user_docs"


@pytest.fixture(scope="module")
def coach_with_a_user_document(tmp_path_factory: pytest.TempPathFactory, _built_index: Path) -> Coach:
    import shutil

    from assistant.app import build_coach
    from tests.conftest import make_settings

    data_dir = tmp_path_factory.mktemp("user-doc") / "data"
    shutil.copytree(_built_index, data_dir)
    coach = build_coach(make_settings(data_dir))
    coach.sync_index([USER_DOCS / "rutiner.md"])
    return coach


def test_aliases_do_not_take_over_questions_about_a_users_own_document(
    coach_with_a_user_document: Coach,
) -> None:
    # Before the evidence checks, aliases moved this document's passage off rank 1 for all 18 of its
    # questions and 15 answers quoted the guidance instead; without aliases 18 rank first.
    from assistant.answer_eval import contains_key

    lines = (USER_DOCS / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    first = answered = 0
    for row in rows:
        retrieval = coach_with_a_user_document.retrieve(row["question"])
        first += retrieval.hits[0].chunk.section_key in row["gold"]
        answered += contains_key(coach_with_a_user_document.ask(row["question"]).text, row["key"])
    assert first >= 16 and answered >= 15, (first, answered)
    # and the guidance is still found in managers' words next to it
    guidance = coach_with_a_user_document.retrieve("Hvordan får jeg mer driv og gnist i gjengen min?")
    assert guidance.hits[0].chunk.source.endswith("salgsledelse.md") and guidance.aliases


def test_a_damaged_vector_file_is_embedded_again(coach: Coach, tmp_path: Path) -> None:
    own = tmp_path / "mine.jsonl"
    row = {"section": "vaner/gi-tilbakemelding", "sentence": "x", "questions": ["Hvordan gir jeg ros?"]}
    own.write_text(json.dumps(row) + "\n", encoding="utf-8")
    counting = _CountingEmbeddings(coach.index.embeddings)
    shipped_path(own).write_bytes(b"")  # left empty by a crash mid-write
    assert load_alias_vectors(own, load_aliases(own), counting, tmp_path / "cache") is not None
    (cached,) = (tmp_path / "cache").glob("aliases-*.npz")
    cached.write_bytes(b"PK\x03\x04 not a zip")
    assert load_alias_vectors(own, load_aliases(own), counting, tmp_path / "cache") is not None
    assert counting.queries == 2 and not list((tmp_path / "cache").glob("*.partial"))
