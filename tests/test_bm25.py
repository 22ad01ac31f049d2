from pathlib import Path

import pytest

from assistant.bm25 import BM25Index
from assistant.errors import ConfigError
from assistant.thesaurus import Thesaurus

TEXTS = [
    "Salgslederen gir tilbakemelding til selgerne hver uke.",
    "Ledere bør ansette dyktige folk.",
    "Strategien skal slå konkurrentene.",
    "Salg er et yrke.",
]


def test_inflections_match_through_stemming() -> None:
    index = BM25Index(TEXTS)
    assert index.search("tilbakemeldinger", 3)[0][0] == 0


def test_compound_words_are_split_into_known_parts() -> None:
    index = BM25Index(TEXTS)
    # 'salgsleder' = 'salg' + s + 'leder'; 'leder' alone must reach the compound and the simple word.
    assert index.terms("salgslederen") == ["salgsleder", "salg", "leder"]
    found = {position for position, _ in index.search("ledere", 3)}
    assert found == {0, 1}
    assert index.search("salg", 4)[0][0] == 3 and {p for p, _ in index.search("salg", 4)} == {0, 3}


def test_coverage_is_the_share_of_question_weight_matched() -> None:
    index = BM25Index(TEXTS)
    assert index.coverage("ansette dyktige folk", 1) == pytest.approx(1.0)
    assert index.coverage("ansette pizza", 1) < 0.6
    assert index.coverage("pizza", 1) == 0.0


def test_thesaurus_expands_words_by_stem_and_phrases(tmp_path: Path) -> None:
    path = tmp_path / "syn.tsv"
    path.write_text("# comment\nfeedback\ttilbakemelding\ncarrot and stick\tgulrot stokk\n", encoding="utf-8")
    thesaurus = Thesaurus.load(path)
    assert len(thesaurus) == 2
    assert thesaurus.expand("How do I give Feedback?") == "tilbakemelding"
    assert thesaurus.expand("What is the carrot and stick approach?") == "gulrot stokk"
    assert thesaurus.expand("nothing here") == ""


def test_malformed_thesaurus_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "syn.tsv"
    path.write_text("no tab on this line\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"syn\.tsv:1"):
        Thesaurus.load(path)
    with pytest.raises(ConfigError, match="not found"):
        Thesaurus.load(tmp_path / "missing.tsv")
