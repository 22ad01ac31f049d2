"""`coach feedback lint|draft`: exact JSON contracts, readable output, one-line errors on bad input."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from assistant.cli import main

LINT_KEYS = {"parts", "findings"}
DRAFT_KEYS = {"draft", "parts", "missing", "questions", "findings", "citations", "engine"}
FINDING_KEYS = {"rule", "message", "start", "end", "suggestion"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def run(data_dir: Path, *argv: str) -> int:
    return main(["--data-dir", str(data_dir), *argv])


def test_lint_json_contract(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Du er så lat. Du glemmer alltid møtene med kundene."
    stdin(monkeypatch, text.encode())
    assert run(data_dir, "feedback", "lint", "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == LINT_KEYS
    assert payload["parts"] == {
        "problem": True,
        "consequence": False,
        "improvement": False,
        "positive": False,
    }
    assert all(set(f) == FINDING_KEYS for f in payload["findings"])
    spans = {f["rule"]: text[f["start"] : f["end"]] for f in payload["findings"]}
    assert spans["personal-label"] == "lat" and spans["absolute-language"] == "alltid"
    assert not data_dir.exists()  # linting stores nothing


def test_lint_readable_output(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, "Du glemmer alltid møtene.\n".encode())
    assert run(data_dir, "feedback", "lint") == 0
    out = capsys.readouterr().out
    assert out.startswith("Deler: problem ja · konsekvens nei")
    assert "[absolute-language] «alltid»" in out and "Forslag:" in out


def test_draft_json_contract_from_parts(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            data_dir,
            "feedback",
            "draft",
            "--name",
            "Kari",
            "--problem",
            "Du sendte tilbudet uten godkjenning.",
            "--consequence",
            "Vi måtte trekke tilbudet.",
            "--improvement",
            "Send rabatter til meg først.",
            "--positive",
            "Presentasjonen var god.",
            "--tone",
            "direkte",
            "--channel",
            "melding",
            "--json",
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == DRAFT_KEYS
    assert payload["parts"] == {"problem": True, "consequence": True, "improvement": True, "positive": True}
    assert payload["missing"] == [] and payload["questions"] == [] and payload["findings"] == []
    assert payload["engine"] == "template"
    assert all(set(c) == {"section", "section_key"} for c in payload["citations"])
    assert payload["citations"][0] == {
        "section": "Gi tilbakemelding",
        "section_key": "vaner/gi-tilbakemelding",
    }
    assert payload["draft"].startswith("Kari:")


def test_draft_from_notes_lists_the_missing_parts(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            data_dir,
            "feedback",
            "draft",
            "--name",
            "Ola",
            "--notes",
            "Du kom for sent til møtet med Hansen. Kunden ventet i 20 minutter.",
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Du kom for sent til møtet med Hansen." in out
    assert "Mangler forbedring:" in out and "Mangler positiv:" in out
    assert "Kilder: Gi tilbakemelding (vaner/gi-tilbakemelding)" in out
    assert not data_dir.exists()  # nothing is stored about a person unless the manager saves it


@pytest.mark.parametrize(
    ("stdin_data", "argv", "message"),
    [
        (b"", ["feedback", "lint"], "empty"),
        (b"   \n\t", ["feedback", "lint", "--json"], "empty"),
        (b"x" * 20001, ["feedback", "lint"], "limit is 20000"),
        ("😤🙄👎".encode(), ["feedback", "lint"], "no words"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xd8", ["feedback", "lint"], "not UTF-8"),
        (b"abc\x00\x01\x02def", ["feedback", "lint"], "control characters"),
        (b"", ["feedback", "draft", "--name", "Kari"], "at least one"),
        (b"", ["feedback", "draft", "--name", "Kari", "--problem", "", "--positive", " "], "at least one"),
        (b"", ["feedback", "draft", "--problem", "Du kom for sent."], "--name is required"),
        (b"", ["feedback", "draft", "--name", "Kari", "--notes", "x" * 20001], "limit is 20000"),
        (b"", ["feedback", "draft", "--name", "Kari", "--notes", "🙄🙄"], "no words"),
        (b"", ["feedback", "draft", "--name", "Kari", "--notes", "Du kom sent.", "--problem", "x"], "either"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin_data: bytes,
    argv: list[str],
    message: str,
) -> None:
    stdin(monkeypatch, stdin_data)
    assert run(data_dir, *argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and captured.out == ""
    assert not data_dir.exists()


def test_feedback_eval_command_writes_a_report(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert run(data_dir, "eval", "--feedback", "--split", "dev", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "| problem | accuracy |" in printed and "| personal-label | precision |" in printed
    assert len(list(out.glob("feedback-*.md"))) == 1 and len(list(out.glob("feedback-*.json"))) == 1
