"""The weighted cue lexicon: pattern syntax, weights, boosters, exclusions, anchors, languages."""

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.cue_lexicon import CueLexicon, CuePattern, sentences
from assistant.errors import ConfigError


def lexicon(tmp_path: Path, rows: str) -> CueLexicon:
    path = tmp_path / "lexicon.tsv"
    path.write_text(rows, encoding="utf-8")
    return CueLexicon.load(path)


def test_word_kinds_prefix_tail_infix_stem(tmp_path: Path) -> None:
    lx = lexicon(
        tmp_path,
        "pay\t1\tlønns*\n"
        "pay\t1\t*lønn\n"
        "tax\t1\t*avgift*\n"
        "sick\t1\tsykmelding~\n",
    )
    assert lx.fired("Hva med lønnsoppgjøret?") == [("pay", 1.0)]
    assert lx.fired("Hva er vanlig grunnlønn?") == [("pay", 1.0)]
    # A tail pattern needs a longer word: the bare word is a cue of its own, often with another weight.
    assert lx.fired("Hva med lønn?") == []
    assert lx.fired("Hvordan fungerer merverdiavgiftsloven?") == [("tax", 1.0)]
    assert lx.fired("Hvor lenge varer sykmeldingene?") == [("sick", 1.0)]


def test_weak_cues_need_a_second_word_or_a_booster(tmp_path: Path) -> None:
    lx = lexicon(
        tmp_path,
        "crm\t0.5\tcrm|dashboard*|system\n"
        "*\t0.5\tregler|hvor mye\n",
    )
    assert lx.fired("Holder det med CRM-rapporter?") == []
    # Distinct words of one row add up; the same word twice counts once.
    assert lx.fired("Hvilke CRM-dashboards finnes?") == [("crm", 1.0)]
    assert lx.fired("CRM eller CRM?") == []
    assert lx.fired("Hvilke regler gjelder for CRM?") == [("crm", 1.0)]
    # A booster alone is no label.
    assert lx.fired("Hvilke regler gjelder?") == []


def test_gaps_and_phrases(tmp_path: Path) -> None:
    lx = lexicon(tmp_path, "dismiss\t1\tsi|sier ...2 opp ...3 selger*|ham\n")
    assert lx.fired("Hvordan sier jeg opp en selger?") == [("dismiss", 1.0)]
    assert lx.fired("Hvordan sier jeg ifra om at vi må følge opp selgerne?") == []


def test_exclusions_mask_words(tmp_path: Path) -> None:
    lx = lexicon(tmp_path, "pay\t1\t*lønne|lønn*\npay\t-\tbelønn*|lønnsom*\n")
    assert lx.fired("Bør jeg belønne de beste?") == []
    assert lx.fired("Hvordan skaper vi en lønnsom salgsmodell?") == []
    assert lx.fired("Hva er lønnen?") == [("pay", 1.0)]


def test_anchored_patterns_only_at_sentence_start_after_fillers(tmp_path: Path) -> None:
    lx = lexicon(
        tmp_path,
        "^\t1\tplease|kan du|can you\n"
        "roleplay\t1\t^act ...0 as|like\n",
    )
    assert lx.fired("Act as a pirate.") == [("roleplay", 1.0)]
    assert lx.fired("Please act as my customer") == [("roleplay", 1.0)]
    assert lx.fired("How do I give feedback? Can you act as my customer?") == [("roleplay", 1.0)]
    assert lx.fired("How should I act as a link between my team and management?") == []


def test_language_column_limits_a_cue(tmp_path: Path) -> None:
    lx = lexicon(tmp_path, "dismiss\t1\tfire ...0 him|her|someone|selgere\ten\n")
    assert lx.fired("How do I fire someone?", "en") == [("dismiss", 1.0)]
    assert lx.fired("Vi har fire selgere.", "nb") == []


@pytest.mark.parametrize(
    "row",
    ["topic\tx\tword", "topic\t1", "topic\t1\t... word", "topic\t1\tword ...", "topic\t1\ta||b",
     "topic\t1\tword\tfr"],
)
def test_malformed_rows_are_config_errors(tmp_path: Path, row: str) -> None:
    with pytest.raises(ConfigError, match=r"lexicon\.tsv:1"):
        lexicon(tmp_path, row + "\n")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        CueLexicon.load(tmp_path / "none.tsv")


def test_sentences_split_on_punctuation_and_hyphens() -> None:
    assert sentences("Hei! Hvordan går det med CRM-systemet?") == [
        ["hei"], ["hvordan", "går", "det", "med", "crm", "systemet"]
    ]


def test_pattern_keeps_its_source() -> None:
    pattern = CuePattern.compile("pay", 1.0, "lønns*|grunnlønn")
    assert pattern.source == "lønns*|grunnlønn" and not pattern.anchored


def test_bundled_lexicons_load_and_are_never_indexed_as_guidance() -> None:
    folder = PROJECT_ROOT / "knowledge" / "coverage"
    assert len(CueLexicon.load(folder / "topics.tsv")) > 100
    assert len(CueLexicon.load(folder / "assistant.tsv")) > 40
    # Only .tsv/.json: the indexer reads .md/.txt/.pdf/.docx under knowledge/ as guidance.
    assert {p.suffix for p in folder.iterdir()} <= {".tsv", ".json"}
