import pytest

from assistant.app import Coach


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("Hvordan gir jeg god tilbakemelding?", "vaner/gi-tilbakemelding"),
        ("Er ukentlige en-til-en-møter verdt tiden?", "vaner/ukentlige-en-til-en-moter"),
        ("Hva er gulrot og stokk?", "ferdigheter/teaminstinkt"),
        ("Hvordan måler jeg suksessen til et salgsteam?", "faq/hvordan-male-suksessen-til-et-salgsteam"),
    ],
)
def test_norwegian_questions_find_their_section_first(coach: Coach, question: str, section: str) -> None:
    retrieval = coach.retrieve(question)
    assert retrieval.covered
    assert retrieval.hits[0].chunk.section_key == section


def test_english_questions_find_norwegian_passages(coach: Coach) -> None:
    retrieval = coach.retrieve("Are weekly one-on-one meetings worth it?")
    assert retrieval.covered
    assert "vaner/ukentlige-en-til-en-moter" in [h.chunk.section_key for h in retrieval.hits[:3]]


def test_dense_alone_crosses_languages(coach: Coach) -> None:
    retrieval = coach.retrieve("How do I measure the success of a sales team?", mode="dense", k=3)
    assert "faq/hvordan-male-suksessen-til-et-salgsteam" in [h.chunk.section_key for h in retrieval.hits]
    assert all(h.bm25_score is None for h in retrieval.hits)


@pytest.mark.parametrize("question", ["Hvordan lager man pizza?", "What is the capital of France?"])
def test_off_topic_questions_are_not_covered(coach: Coach, question: str) -> None:
    assert not coach.retrieve(question).covered


def test_hits_are_ranked_with_their_evidence(coach: Coach) -> None:
    retrieval = coach.retrieve("tilbakemelding til selgerne", k=4)
    assert [h.rank for h in retrieval.hits] == [1, 2, 3, 4]
    assert [h.score for h in retrieval.hits] == sorted((h.score for h in retrieval.hits), reverse=True)
    assert retrieval.hits[0].dense_similarity is not None and retrieval.hits[0].bm25_score is not None
    assert 0 < retrieval.bm25_coverage <= 1


def test_bm25_mode_uses_no_vectors(coach: Coach) -> None:
    retrieval = coach.retrieve("gulrot og stokk", mode="bm25")
    assert retrieval.query_vector is None
    assert retrieval.hits[0].chunk.section_key == "ferdigheter/teaminstinkt"
