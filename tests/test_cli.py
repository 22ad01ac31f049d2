import json
from pathlib import Path

import pytest

from assistant.app import Coach
from assistant.cli import main


@pytest.fixture
def data_dir(coach: Coach) -> str:
    return str(coach.settings.data_dir)


def test_retrieve_json_has_the_documented_shape(data_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", data_dir, "retrieve", "Hva er gulrot og stokk?", "--k", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    assert set(rows[0]) == {"rank", "id", "score", "source", "section", "section_key", "kind", "text"}
    assert rows[0]["rank"] == 1 and rows[0]["section_key"] == "ferdigheter/teaminstinkt"


def test_ask_prints_answer_with_sources(data_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", data_dir, "ask", "Hvordan gir jeg god tilbakemelding?"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Kilder:" in out


def test_chat_answers_until_quit(data_dir: str, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    lines = iter(["", "Hva er salgsledelse?", "avslutt"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    # the first empty line quits: chat must not answer anything
    assert main(["--data-dir", data_dir, "chat"]) == 0
    assert "Kilder:" not in capsys.readouterr().out
    lines = iter(["Hva er salgsledelse?", ""])
    assert main(["--data-dir", data_dir, "chat"]) == 0
    assert "Kilder:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["ask", ""], 2, "The question is empty"),
        (["ask", "x" * 5000], 2, "limit is 2000"),
        (["index", "/no/such/folder"], 2, "No such file or folder"),
    ],
)
def test_bad_input_gives_one_line_and_exit_code(data_dir: str, capsys: pytest.CaptureFixture[str],
                                                 argv: list[str], code: int, message: str) -> None:
    assert main(["--data-dir", data_dir, *argv]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_index_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "empty"), "ask", "Hva er salgsledelse?"]) == 1
    assert "run `coach index` first" in capsys.readouterr().err


def test_index_reports_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notat.md").write_text("Vi har salgsmøte hver mandag klokka ni.", encoding="utf-8")
    (tmp_path / "docs" / "tom.txt").write_text("", encoding="utf-8")
    args = ["--data-dir", str(tmp_path / "d"), "index", str(tmp_path / "docs")]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "Indexed 2 files" in captured.out and "new" in captured.out
    assert "skipped" in captured.err and "tom.txt" in captured.err


def test_invalid_settings_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COACH_RETRIEVAL__MODE", "magic")
    assert main(["--data-dir", str(tmp_path), "ask", "hei"]) == 1
    assert "invalid settings" in capsys.readouterr().err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("index", "ask", "chat", "retrieve", "eval"):
        assert command in out
