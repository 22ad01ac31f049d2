"""Query normalisation for the lexical side: Nynorsk → Bokmål forms, typo tolerance, thesaurus phrases."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Coach
from assistant.bm25 import BM25Index
from assistant.config import PROJECT_ROOT, RetrievalSettings
from assistant.errors import ConfigError
from assistant.query_normaliser import QueryNormaliser
from assistant.spelling import TypoCorrector, edit_distance
from assistant.text import guess_language, stem, words
from assistant.thesaurus import Thesaurus
from assistant.wordlist import WordList
from assistant.wordmap import WordMap

KNOWLEDGE = PROJECT_ROOT / "knowledge"
CORPUS = [
    "Høytytende salgsledere ansetter dyktige selgere som bygger relasjoner.",
    "Gode salgsledere gir konstant tilbakemelding til selgerne sine.",
    "Ukentlige en-til-en møter med selgeren skaper en dyp forbindelse med teamet.",
    "Tilbakemelding og ukentlige møter: selgere trenger begge deler.",
]


@pytest.fixture(scope="module")
def bundled_map() -> WordMap:
    return WordMap.load(KNOWLEDGE / "nynorsk.tsv")


def test_bundled_nynorsk_map_rewrites_a_nynorsk_question(bundled_map: WordMap) -> None:
    question = "Kva bør eg sjå etter når eg tilset nye seljarar?"
    assert bundled_map.rewrite(question) == "hva bør jeg se etter når jeg ansetter nye selgere?"
    assert bundled_map.rewrite("Korleis gir eg tilbakemelding til seljarane?") == (
        "hvordan gir jeg tilbakemelding til selgerne?"
    )
    assert len(bundled_map) > 300


def test_bundled_map_rewrites_compounds_through_listed_parts(bundled_map: WordMap) -> None:
    known = BM25Index(["salgsteamet og teamet til salgsledere"]).knows
    assert bundled_map.map_word("salsleiar", known) == "salgsleder"  # head sals- and word leiar
    assert bundled_map.map_word("salsteamet", known) == "salgsteamet"  # head sals- and a known tail
    assert bundled_map.map_word("avdelingsleiarane", known) == "avdelingslederne"  # any head + listed tail
    assert bundled_map.map_word("salsbudsjett", known) is None  # neither part is listed or known


def test_bundled_map_leaves_bokmal_text_unchanged(bundled_map: WordMap) -> None:
    guidance = (KNOWLEDGE / "salgsledelse.md").read_text(encoding="utf-8")
    known = BM25Index([guidance]).knows
    changed = {w for w in set(words(guidance)) if bundled_map.map_word(w, known) is not None}
    assert changed == set()
    bokmal = "Hvordan gir jeg god tilbakemelding til selgerne mine hver uke?"
    assert bundled_map.rewrite(bokmal) == bokmal.lower()


def test_word_map_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        WordMap.load(tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("# comment\nkva hva\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.tsv:2"):
        WordMap.load(bad)
    twice = tmp_path / "twice.tsv"
    twice.write_text("kva\thva\nkva\tkva\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="listed twice"):
        WordMap.load(twice)
    assert len(WordMap.load(None)) == 0


def test_edit_distance_counts_a_swap_as_one_edit() -> None:
    assert edit_distance("anseter", "ansetter", 2) == 1
    assert edit_distance("tilbakemeldnig", "tilbakemelding", 2) == 1
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("abc", "xyzabc", 1) == 2  # capped at limit + 1


def test_typo_corrector_prefers_fewer_edits_then_frequent_words() -> None:
    corrector = TypoCorrector({"ansetter": 3, "ansette": 9, "tilbakemelding": 5, "talent": 1, "salg": 8})
    assert corrector.correct("anseter") == "ansetter"  # one edit beats the more frequent two-edit word
    assert corrector.correct("tilbakemldng") == "tilbakemelding"  # two letters missing, long word
    assert corrector.correct("tilbakemeldingg") == "tilbakemelding"
    assert corrector.correct("salgg") == "salg"  # a shorter word may be the correction
    assert corrector.correct("sal") is None  # short words are never corrected
    assert corrector.correct("ansette") is None  # known words stay
    assert corrector.correct("prinsipper") is None  # nothing near
    tie = TypoCorrector({"bilder": 1, "bilene": 4})
    assert tie.correct("bildee") == "bilder"  # 1 edit
    assert TypoCorrector({"mennesker": 1, "menneske": 5}).correct("menesker") == "mennesker"


def test_word_list_tells_typos_from_real_words() -> None:
    wordlist = WordList()
    assert wordlist.knows("trener") and wordlist.knows("selgerne") and wordlist.knows("seljarane")
    assert not wordlist.knows("anseter") and not wordlist.knows("tilbakemeldng")


def test_normaliser_corrects_typos_but_not_known_or_real_words() -> None:
    bm25 = BM25Index(CORPUS)
    thesaurus = Thesaurus([("rekruttere", "ansette")])
    normaliser = QueryNormaliser(bm25, WordMap({"seljarar": "selgere", "kva": "hva"}), thesaurus)
    assert normaliser.normalise("Hva ser jeg etter når jeg anseter folk?") == (
        "hva ser jeg etter når jeg ansetter folk?"
    )
    assert normaliser.normalise("Gi tilbakemeldng om forbindlese") == "gi tilbakemelding om forbindelse"
    assert normaliser.normalise("ukentige møter") == "ukentige møter"  # same stem as 'ukentlige': known
    # 'trener' is a word (not a typo of anything here); 'rekruttere' is a thesaurus term
    assert normaliser.normalise("Trener jeg rekruttere?") == "trener jeg rekruttere?"
    assert normaliser.normalise("Kva med seljarar?") == "hva med selgere?"
    # English questions are left alone: the word lists and the Nynorsk map are Norwegian
    english = "How do I give feedbak to sellers?"
    assert guess_language(english) == "en"
    assert normaliser.normalise(english) == english.lower()
    off = QueryNormaliser(bm25, None, thesaurus, typos=False)
    assert off.normalise("hva med anseter") == "hva med anseter"


def test_thesaurus_phrases_match_inflections_and_one_inserted_word() -> None:
    thesaurus = Thesaurus(
        [("tung periode", "vanskeligheter"), ("comfort zone", "komfortsone"), ("en til en", "en-til-en"),
         ("1:1", "en-til-en møter")]
    )
    assert thesaurus.expand("Hvordan takler vi tunge perioder?") == "vanskeligheter"
    assert thesaurus.expand("en tung og lang periode") == ""  # two inserted words are too many
    assert thesaurus.expand("en tung lang periode") == "vanskeligheter"
    assert thesaurus.expand("push past their comfort zones") == "komfortsone"
    assert thesaurus.expand("en samtale til en selger") == ""  # no inserted word before a function word
    assert thesaurus.expand("vi har 1:1 hver uke") == "en-til-en møter"
    assert thesaurus.knows("zone") and thesaurus.knows("perioder") is False
    assert thesaurus.knows("tung") or thesaurus.knows("tunge")


def test_empty_file_settings_turn_the_files_off() -> None:
    settings = RetrievalSettings(thesaurus="", word_map=" ")
    assert settings.thesaurus is None and settings.word_map is None


def test_retriever_reads_nynorsk_and_typos_in_the_corpus_words(coach: Coach) -> None:
    # New questions (not in the eval set): hiring in Nynorsk, one-to-ones with a typo.
    nynorsk = coach.retrieve("Korleis finn eg og tilset dyktige seljarar?", k=3)
    assert "ansetter" in nynorsk.lexical_question and "selgere" in nynorsk.lexical_question
    assert "ferdigheter/mulighet-for-ansettelse" in [h.chunk.section_key for h in nynorsk.hits]
    typo = coach.retrieve("Er ukentlgie en-til-en møter verdt tiden?", k=3)
    assert "ukentlige" in typo.lexical_question
    assert typo.hits[0].chunk.section_key == "vaner/ukentlige-en-til-en-moter"
    english = coach.retrieve("How do I keep my team out of their comfort zone?", k=4)
    assert english.lexical_question == "how do i keep my team out of their comfort zone?"
    assert "vaner/inspirer-dem" in [h.chunk.section_key for h in english.hits]


def test_bm25_word_frequencies_survive_saving_and_lead_to_indexed_terms() -> None:
    bm25 = BM25Index(CORPUS)
    frequencies = bm25.word_frequencies()
    assert frequencies["selgere"] == 3  # 'selgere' and 'selgeren' share the stem 'selger': three texts
    assert "og" not in frequencies  # function words are no terms
    assert all(bm25.idf(stem(w)) < bm25.idf("never-seen") for w in frequencies)  # each stems to a term
    loaded = BM25Index.from_bytes(bm25.to_bytes(), len(CORPUS))
    assert loaded is not None and loaded.word_frequencies() == frequencies
    assert bm25.knows("salgsleder") and bm25.knows("ansette") and not bm25.knows("anseter")
