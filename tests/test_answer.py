import re
from pathlib import Path

import pytest

from assistant.app import Coach
from assistant.errors import ConfigError, InputError
from assistant.prompts import PromptLibrary


def _quotes_are_verbatim(coach: Coach, answer_quotes: list[tuple[str, int]]) -> None:
    bodies = " ".join(c.body.replace("\n\n", " ") for c in coach.index.chunks())
    for text, _ in answer_quotes:
        assert text in bodies, text


def test_guidance_answer_quotes_the_feedback_structure_with_citations(coach: Coach) -> None:
    answer = coach.ask("Hvilke tre deler har god tilbakemelding?")
    assert answer.covered and answer.language == "nb"
    assert any("tre deler" in q for q, _ in answer.quotes)
    _quotes_are_verbatim(coach, answer.quotes)
    assert answer.citations[0].section_key == "vaner/gi-tilbakemelding"
    # every quote carries a marker that points at a listed source
    assert {n for _, n in answer.quotes} == {c.number for c in answer.citations}
    assert re.search(r"«.+» \[1\]", answer.text)
    assert "Kilder:" in answer.text and "[1] Salgsledelse. Gi tilbakemelding" in answer.text


def test_faq_question_gets_the_faq_answer(coach: Coach) -> None:
    answer = coach.ask("Hvordan motiverer jeg salgsteamet mitt?")
    assert answer.citations[0].section_key == "faq/hvordan-motivere-et-salgsteam"
    assert answer.quotes[0][0].startswith("Å motivere et team inkluderer å gi insentiver")
    assert "FAQ" in answer.text


def test_english_question_is_framed_in_english_and_quotes_norwegian(coach: Coach) -> None:
    answer = coach.ask("What are the three parts of good feedback?")
    assert answer.language == "en"
    assert "quoted in Norwegian" in answer.text and "Sources:" in answer.text
    _quotes_are_verbatim(coach, answer.quotes)


def test_uncovered_question_says_so_without_sources(coach: Coach) -> None:
    answer = coach.ask("Hvordan bytter jeg dekk på bilen?")
    assert not answer.covered and answer.citations == []
    assert "dekker ikke" in answer.text


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_bad_questions_are_refused(coach: Coach, question: str) -> None:
    with pytest.raises(InputError):
        coach.ask(question)


def test_prompt_rendering_is_strict(tmp_path: Path) -> None:
    (tmp_path / "hello.md.j2").write_text("Hei {{ name }}", encoding="utf-8")
    prompts = PromptLibrary(tmp_path)
    assert prompts.render("hello.md", name="Kari") == "Hei Kari"
    with pytest.raises(ConfigError, match="name"):
        prompts.render("hello.md")
    with pytest.raises(ConfigError, match="not found"):
        prompts.render("missing.md")
