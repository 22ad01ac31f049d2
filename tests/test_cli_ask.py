"""`coach ask` and `coach chat` through the chain: JSON contract, history, bad input, closed pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.app import Coach
from assistant.cli import main

ASK_KEYS = {"question", "answer", "covered", "language", "engine", "fallback_reason", "citations", "related"}


@pytest.fixture
def data_dir(coach: Coach) -> str:
    return str(coach.settings.data_dir)


def _ask_json(data_dir: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["--data-dir", data_dir, "ask", *args, "--json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_ask_json_has_the_documented_shape(data_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    row = _ask_json(data_dir, capsys, "Hvilke tre deler har god tilbakemelding?")
    assert set(row) == ASK_KEYS
    assert row["covered"] is True and row["engine"] == "extractive" and row["fallback_reason"] is None
    citation = row["citations"][0]  # type: ignore[index]
    assert set(citation) == {"n", "source", "section", "section_key"}
    assert citation["n"] == 1 and citation["section_key"] == "vaner/gi-tilbakemelding"
    assert "[1]" in str(row["answer"])


def test_ask_json_for_an_uncovered_question(data_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    row = _ask_json(data_dir, capsys, "Hvordan bytter jeg dekk på bilen?")
    assert row["covered"] is False and row["citations"] == []
    assert all(set(r) == {"section", "section_key", "source"} for r in row["related"])  # type: ignore[union-attr]


def test_ask_with_a_history_file_answers_the_follow_up(data_dir: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps([
        {"role": "user", "content": "Hvordan holder jeg gode en-til-en møter med selgerne?"},
        {"role": "assistant", "content": "Bruk dem til personlig coaching [1]."},
    ]), encoding="utf-8")
    row = _ask_json(data_dir, capsys, "hva mener du med det?", "--history", str(history))
    keys = [c["section_key"] for c in row["citations"]]  # type: ignore[union-attr,index]
    assert row["covered"] is True and "vaner/ukentlige-en-til-en-moter" in keys


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "x" * 50_000], "limit is 2000"),
        (["ask", "Hva er\x07 salgsledelse?"], "control characters"),
        (["ask", "Hei", "--engine", "llm"], "No language model is configured"),
    ],
)
def test_bad_questions_give_one_line(data_dir: str, capsys: pytest.CaptureFixture[str], args: list[str],
                                      message: str) -> None:
    assert main(["--data-dir", data_dir, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("content", "message"), [("not json", "is not JSON"), ('{"a": 1}', "JSON list")])
def test_bad_history_files_give_one_line(data_dir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          content: str, message: str) -> None:
    path = tmp_path / "h.json"
    path.write_text(content, encoding="utf-8")
    assert main(["--data-dir", data_dir, "ask", "og hvis selgeren er ny?", "--history", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_chat_remembers_the_conversation(data_dir: str, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    lines = iter(["Hvordan gir jeg god tilbakemelding?", "og hvis selgeren er ny?", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["--data-dir", data_dir, "chat"]) == 0
    out = capsys.readouterr().out
    assert out.count("Kilder:") == 2 and out.count("Gi tilbakemelding") >= 2


def test_a_closed_pipe_ends_quietly(data_dir: str) -> None:
    # `true` exits without reading, so the coach writes into a closed pipe (EPIPE).
    command = f'"{sys.executable}" -m assistant --data-dir "{data_dir}" ask "Hva er salgsledelse?" | true'
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 141
