"""The notebook commands of `coach`, run in process against a real SQLite file."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from assistant.cli import main


class Coach:
    """Runs `coach --data-dir DIR ...` and keeps exit code, stdout and stderr."""

    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data_dir = data_dir
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(self.data_dir), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> object:
        code, out, err = self(*args)
        assert code == 0, err
        return json.loads(out)

    def refused(self, *args: str) -> str:
        """Run a command that must fail with exit 2 and one line on stderr; return that line."""
        code, out, err = self(*args)
        assert code == 2, (out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        return err.strip()


@pytest.fixture
def coach(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Coach:
    return Coach(tmp_path / "data", capsys)


def test_notes_add_and_list(coach: Coach) -> None:
    code, out, _ = coach("notes", "add", "Kari  Nordmann", "Hadde en god uke")
    assert code == 0 and out.strip() == "Saved note 1 about Kari Nordmann."
    notes = coach.json("notes", "list", "kari nordmann", "--json")
    assert isinstance(notes, list) and [list(n) for n in notes] == [["id", "text", "created"]]
    assert notes[0]["text"] == "Hadde en god uke"
    assert "Hadde en god uke" in coach("notes", "list", "Kari Nordmann")[1]
    assert coach.json("notes", "list", "Ukjent", "--json") == []
    assert (coach.data_dir / "coach.db").is_file()


def test_actions_add_done_list_and_meeting_save(coach: Coach) -> None:
    code, out, _ = coach("actions", "add", "Kari", "Ring Hansen AS", "--due", "2026-12-24")
    assert code == 0 and out.strip() == "Saved action 1 for Kari (due 2026-12-24)."
    coach("actions", "add", "Kari", "Oppdater CRM")
    opened = coach.json("actions", "list", "Kari", "--json")
    assert isinstance(opened, list)
    assert list(opened[0]) == ["id", "text", "due", "status", "created", "done_at", "meeting_id"]
    assert [(a["id"], a["due"]) for a in opened] == [(1, "2026-12-24"), (2, None)]
    code, out, _ = coach("meeting", "save", "Kari", "--notes", "Bra møte", "--done", "1",
                         "--action", "Send tilbud", "--action", "Book kurs")
    assert code == 0 and "1 actions done, 2 new, 1 carried over" in out and "[2] Oppdater CRM" in out
    assert coach("actions", "done", "2")[1].strip() == "Action 2 (Kari) is done: Oppdater CRM"
    everything = coach.json("actions", "list", "Kari", "--all", "--json")
    assert isinstance(everything, list)
    assert [(a["text"], a["status"]) for a in everything] == [
        ("Ring Hansen AS", "done"), ("Oppdater CRM", "done"), ("Send tilbud", "open"), ("Book kurs", "open"),
    ]


def test_prep_json_has_exactly_the_contract_keys(coach: Coach) -> None:
    coach("actions", "add", "Kari", "Ring Hansen AS", "--due", "2026-12-24")
    agenda = coach.json("prep", "Kari", "--json")
    assert isinstance(agenda, dict) and list(agenda) == ["person", "agenda", "open_actions"]
    assert agenda["person"] == "Kari"
    for item in agenda["agenda"]:
        assert list(item) == ["title", "points", "citations"]
        assert all(isinstance(p, str) and p for p in item["points"])
        assert all(list(c) == ["section", "section_key"] for c in item["citations"])
    assert agenda["agenda"][0]["citations"] == [
        {"section": "Vis at du bryr deg", "section_key": "vaner/vis-at-du-bryr-deg"}
    ]
    assert agenda["open_actions"] == [{"id": 1, "text": "Ring Hansen AS", "due": "2026-12-24"}]
    code, out, _ = coach("prep", "Kari")
    assert code == 0 and out.startswith("# Neste en-til-en med Kari")


def test_prep_for_an_unknown_person_creates_no_row(coach: Coach) -> None:
    agenda = coach.json("prep", "Ny Selger", "--json")
    assert isinstance(agenda, dict) and agenda["open_actions"] == []
    assert coach.json("notes", "list", "Ny Selger", "--json") == []
    assert "Nothing is stored about Ny Selger" in coach.refused("export", "Ny Selger")


def test_export_to_a_private_file_and_forget(coach: Coach, tmp_path: Path) -> None:
    coach("notes", "add", "Kari", "Et notat")
    out_file = tmp_path / "kari.json"
    assert coach("export", "Kari", "--format", "json", "--out", str(out_file))[0] == 0
    assert json.loads(out_file.read_text())["notes"][0]["text"] == "Et notat"
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert "# Kari" in coach("export", "Kari")[1]

    assert "add --yes to confirm" in coach.refused("forget", "Kari")
    assert coach.json("notes", "list", "Kari", "--json") != []
    code, out, _ = coach("forget", "kari", "--yes")
    assert code == 0 and out.startswith("Forgot Kari: deleted 1 notes")
    assert coach.json("notes", "list", "Kari", "--json") == []
    assert "Nothing is stored about Ola" in coach("forget", "Ola", "--yes")[1]


def test_purge_uses_the_retention_setting(coach: Coach, monkeypatch: pytest.MonkeyPatch) -> None:
    coach("notes", "add", "Kari", "Nytt notat")
    assert "Retention is off" in coach("purge")[1]
    monkeypatch.setenv("COACH_NOTEBOOK__RETENTION_DAYS", "30")
    code, out, _ = coach("purge")
    assert code == 0 and "older than 30 days: 0 notes" in out
    assert coach.json("notes", "list", "Kari", "--json") != []


def test_bad_input_gives_one_line_and_exit_2(coach: Coach, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "name is empty" in coach.refused("notes", "add", "  ", "Tekst")
    assert "note is empty" in coach.refused("notes", "add", "Kari", " ")
    assert "control character" in coach.refused("notes", "add", "Kari\x1b[2J", "Tekst")
    monkeypatch.setattr("sys.stdin", io.StringIO("x" * 20_001))
    assert "20,001 characters" in coach.refused("notes", "add", "Kari", "-")
    assert "YYYY-MM-DD" in coach.refused("actions", "add", "Kari", "Ring", "--due", "24.12.2026")
    assert "does not exist" in coach.refused("actions", "add", "Kari", "Ring", "--due", "2026-02-30")
    assert "whole number" in coach.refused("actions", "done", "tre")
    assert "no action with id 7" in coach.refused("actions", "done", "7")
    assert "not one of Kari's actions" in coach.refused("meeting", "save", "Kari", "--done", "7")
    assert "Nothing is stored about Kari" in coach.refused("export", "Kari")  # no row from any of these

    hostile = "Robert'); DROP TABLE people;--"
    assert coach("notes", "add", hostile, "Bobby Tables")[0] == 0
    notes = coach.json("notes", "list", hostile, "--json")
    assert isinstance(notes, list) and notes[0]["text"] == "Bobby Tables"
