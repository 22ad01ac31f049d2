"""The extractive engine: verbatim quotes with [n], numbered sources, FAQ answers, EN frame, not covered."""

from __future__ import annotations

import re
import statistics
import time
from itertools import pairwise
from pathlib import Path

import pytest

from assistant.app import Coach
from assistant.engines.extractive import ExtractiveEngine
from assistant.engines.selection import SentenceSelector
from assistant.errors import ConfigError
from assistant.prompts import PromptLibrary
from assistant.schemas import Answer, Chunk, Hit, RelatedSection, Retrieval
from assistant.text import normalize
from assistant.thesaurus import Thesaurus

FEEDBACK_KEY = "God tilbakemelding har tre deler:"
QUESTIONS = [
    "Hvilke elementer bør en god tilbakemelding til en selger inneholde?",
    "Hvordan motiverer jeg salgsteamet mitt?",
    "What are the three parts of good feedback?",
    "Hvorfor bør jeg ha en-til-en samtaler med hver selger?",
    "Hvordan bygger jeg tillit hos selgerne?",
    "Korleis gir eg god tilbakemelding til seljarane?",
]


@pytest.fixture(scope="module")
def engine(coach: Coach) -> ExtractiveEngine:
    settings = coach.settings
    return ExtractiveEngine(
        PromptLibrary(settings.prompts_dir), settings.answer, Thesaurus.load(settings.retrieval.thesaurus)
    )


def _answer(coach: Coach, engine: ExtractiveEngine, question: str) -> Answer:
    return engine.answer(coach.retrieve(question))


def _assert_grounded(coach: Coach, answer: Answer) -> None:
    bodies = [normalize(c.body) for c in coach.index.chunks()]
    for text, _ in answer.quotes:
        assert any(text in body for body in bodies), text  # verbatim, whitespace normalised
        assert f"«{text}»" in answer.text
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {n for _, n in answer.quotes} == set(numbers)  # every source is quoted, every quote sourced
    markers = [int(n) for n in re.findall(r"» \[(\d+)\]", answer.text)]
    assert markers == [n for _, n in answer.quotes]
    assert sorted(set(markers), key=markers.index) == numbers  # numbered in order of first quote
    for citation in answer.citations:
        assert f"[{citation.number}] {citation.section} – {citation.source}" in answer.text


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_is_verbatim_and_cited(coach: Coach, engine: ExtractiveEngine, question: str) -> None:
    answer = _answer(coach, engine, question)
    assert answer.covered and answer.engine == "extractive" and answer.question == question
    _assert_grounded(coach, answer)
    assert 1 <= len(answer.quotes) <= coach.settings.answer.max_sentences


def test_the_issue_example_quotes_the_three_parts_of_good_feedback(
    coach: Coach, engine: ExtractiveEngine
) -> None:
    answer = _answer(coach, engine, "Hvilke elementer bør en god tilbakemelding til en selger inneholde?")
    assert FEEDBACK_KEY in answer.text
    assert answer.citations[0].section_key == "vaner/gi-tilbakemelding"
    assert answer.text.startswith("Dette sier veiledningen:") and "Kilder:" in answer.text


def test_answers_stay_short(coach: Coach, engine: ExtractiveEngine) -> None:
    limit = coach.settings.answer.max_chars
    for question in QUESTIONS:
        quotes = [text for text, _ in _answer(coach, engine, question).quotes]
        assert len(quotes) == 1 or sum(map(len, quotes)) <= limit, question


def test_faq_question_gets_the_faq_answer_first(coach: Coach, engine: ExtractiveEngine) -> None:
    answer = _answer(coach, engine, "Hvordan motiverer jeg salgsteamet mitt?")
    assert answer.citations[0].section_key == "faq/hvordan-motivere-et-salgsteam"
    assert answer.quotes[0] == (
        "Å motivere et team inkluderer å gi insentiver, belønne prestasjoner, gi tilbakemelding, gi "
        "muligheter for faglig utvikling og støtte i vanskelige situasjoner.", 1,
    )
    assert answer.text.startswith("Svar fra FAQ-en (Hvordan motivere et salgsteam?):")


def test_english_question_gets_the_english_frame_around_norwegian_quotes(
    coach: Coach, engine: ExtractiveEngine
) -> None:
    answer = _answer(coach, engine, "What are the three parts of good feedback?")
    assert answer.language == "en"
    assert "quoted in Norwegian" in answer.text and "Sources:" in answer.text and "Kilder" not in answer.text
    assert FEEDBACK_KEY in answer.text
    _assert_grounded(coach, answer)


def test_not_covered_reply_names_related_sections_without_quoting_them(engine: ExtractiveEngine) -> None:
    source = "knowledge/salgsledelse.md"
    related = [
        RelatedSection("Salgsledelse. Gi tilbakemelding", "vaner/gi-tilbakemelding", source),
        RelatedSection("Mulighet for ansettelse", "ferdigheter/mulighet-for-ansettelse", source),
    ]
    answer = engine.not_covered("Hvordan sier jeg opp en selger?", related)
    assert not answer.covered and answer.citations == [] and answer.quotes == []
    assert answer.related == related and answer.engine == "extractive"
    assert "dekker ikke" in answer.text
    assert "- Salgsledelse. Gi tilbakemelding" in answer.text and "- Mulighet for ansettelse" in answer.text
    assert "«" not in answer.text and "[1]" not in answer.text

    english = engine.not_covered("How do I fire a salesperson?", related[:1])
    assert english.language == "en" and "does not cover" in english.text
    assert "The closest parts of the guidance are:" in english.text
    assert "- Salgsledelse. Gi tilbakemelding" in english.text


def test_not_covered_without_related_sections_has_no_list(engine: ExtractiveEngine) -> None:
    answer = engine.not_covered("Hvordan bytter jeg dekk på bilen?")
    assert "dekker ikke" in answer.text and "nærmeste" not in answer.text and "\n-" not in answer.text


def test_a_retrieval_without_hits_is_answered_as_not_covered(engine: ExtractiveEngine) -> None:
    answer = engine.answer(Retrieval(question="Hva er salgsledelse?", hits=[], covered=True))
    assert not answer.covered and answer.citations == []


def test_the_chain_answers_with_this_engine(coach: Coach) -> None:
    answer = coach.ask("Hvilke tre deler har god tilbakemelding?")
    assert answer.covered and answer.engine == "extractive"
    assert FEEDBACK_KEY in answer.text


def test_the_engine_embeds_nothing_and_is_fast(coach: Coach, engine: ExtractiveEngine) -> None:
    retrievals = [coach.retrieve(q) for q in QUESTIONS * 4]
    timings = []
    for retrieval in retrievals:
        started = time.perf_counter()
        engine.answer(retrieval)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.025  # measured ~2 ms; no sentence is embedded per question


def _hit(body: str, rank: int, section_key: str = "s", kind: str = "guidance", context: str = "") -> Hit:
    chunk = Chunk("doc.md", "/doc.md", section_key.title(), section_key, kind, "nb", context, body)  # type: ignore[arg-type]
    return Hit(chunk=chunk, rank=rank, score=1.0 / rank)


def test_selector_prefers_the_sentence_that_enumerates() -> None:
    hit = _hit(
        "Gode ledere gir ofte tilbakemelding til selgerne sine. "
        "God tilbakemelding har tre deler: problemet, konsekvensene og forbedringen. "
        "Tilbakemelding kan handle om mye forskjellig i hverdagen.",
        1,
    )
    selector = SentenceSelector(Thesaurus([]), max_sentences=1)
    chosen = selector.select("Hvilke deler har god tilbakemelding?", [hit])
    assert [c.text for c in chosen] == [
        "God tilbakemelding har tre deler: problemet, konsekvensene og forbedringen."
    ]


def test_selector_matches_hyphenated_compounds_and_the_thesaurus() -> None:
    meetings = _hit(
        "Gode ledere bruker en-til-en-møter for å skape en dyp forbindelse med selgeren.", 2, "moter"
    )
    other = _hit("Ledere bør sette tydelige mål for hele teamet hvert eneste år.", 1, "mal")
    selector = SentenceSelector(Thesaurus([("samtaler", "møter")]), max_sentences=1)
    chosen = selector.select("Bør jeg ha en-til-en samtaler?", [other, meetings])
    assert chosen[0].hit is meetings


def test_selector_keeps_bounds_and_reading_order() -> None:
    body = " ".join(f"Setning nummer {i} handler om tilbakemelding til selgere." for i in range(6))
    first, second = _hit(body, 1, "a"), _hit(body.replace("Setning", "Linje"), 2, "b")
    selector = SentenceSelector(Thesaurus([]), max_sentences=4, max_chars=10_000, per_chunk=2)
    chosen = selector.select("tilbakemelding til selgere", [first, second])
    assert len(chosen) <= 4
    assert max(sum(c.hit is h for c in chosen) for h in (first, second)) <= 2
    for a, b in pairwise(chosen):
        if a.hit is b.hit:
            assert a.position < b.position  # quoted in the order they were written


def test_prompt_rendering_is_strict(tmp_path: Path) -> None:
    (tmp_path / "hello.md.j2").write_text("Hei {{ name }}", encoding="utf-8")
    prompts = PromptLibrary(tmp_path)
    assert prompts.render("hello.md", name="Kari") == "Hei Kari"
    with pytest.raises(ConfigError, match="name"):
        prompts.render("hello.md")
    with pytest.raises(ConfigError, match="not found"):
        prompts.render("missing.md")


def test_fragments_are_quoted_as_they_stand_and_an_empty_chunk_is_never_cited(
    engine: ExtractiveEngine,
) -> None:
    short = engine.answer(Retrieval(question="Hva er mål?", hits=[_hit("Kort mål her.", 1)], covered=True))
    assert short.covered and short.quotes == [("Kort mål her.", 1)]
    empty = engine.answer(Retrieval(question="Hva er mål?", hits=[_hit("", 1)], covered=True))
    assert not empty.covered and empty.citations == []
