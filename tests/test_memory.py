from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.memory import Message, combined_question, is_follow_up, load_history

HISTORY = [
    Message(role="user", content="Hvordan gir jeg god tilbakemelding?"),
    Message(role="assistant", content="God tilbakemelding har tre deler [1]."),
]


@pytest.mark.parametrize(
    "question",
    ["og hvis selgeren er ny?", "hva mener du med det?", "what about the second part?", "Hvorfor det?",
     "Kan du si mer om den tredje delen?"],
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question, HISTORY)


@pytest.mark.parametrize(
    "question",
    ["Hvordan motiverer jeg et salgsteam som har tapt mange kunder i år?", "Hva er salgsledelse?"],
)
def test_standalone_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question, HISTORY)


def test_nothing_is_a_follow_up_without_history() -> None:
    assert not is_follow_up("og hvis selgeren er ny?", [])


def test_combined_question_puts_the_previous_question_first() -> None:
    assert combined_question("og hvis selgeren er ny?", HISTORY) == (
        "Hvordan gir jeg god tilbakemelding? og hvis selgeren er ny?"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not JSON"), ('{"role": "user"}', "JSON list"), ('[{"role": "system", "content": "x"}]',
     "JSON list"), ('[{"role": "user"}]', "content")],
)
def test_bad_history_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "history.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_history(path)


def test_history_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text('[{"role": "user", "content": "Hei"}, {"role": "assistant", "content": "Hei!"}]',
                    encoding="utf-8")
    assert [m.role for m in load_history(path)] == ["user", "assistant"]
    with pytest.raises(InputError, match="No such history file"):
        load_history(tmp_path / "missing.json")
