"""One-to-one preparation: the agenda from the guidance plus the notebook."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import ConfigError, InputError
from assistant.notebook import Notebook
from assistant.notebook.prep import agenda_markdown, build_agenda, guidance_sections
from assistant.prompts import PromptLibrary
from assistant.store import make_engine, sqlite_url

GUIDANCE = PROJECT_ROOT / "knowledge" / "salgsledelse.md"
GUIDANCE_ITEMS = [
    ("Vis at du bryr deg", "vaner/vis-at-du-bryr-deg"),
    ("Målrettede løsninger", "ferdigheter/malrettede-losninger"),
    ("Gi tilbakemelding", "vaner/gi-tilbakemelding"),
    ("Ukentlige en-til-en møter", "vaner/ukentlige-en-til-en-moter"),
    ("Spiller for laget", "vaner/spiller-for-laget"),
]


@pytest.fixture
def notebook(tmp_path: Path) -> Notebook:
    engine = make_engine(sqlite_url(tmp_path / "coach.db"))
    return Notebook(engine, prompts=PromptLibrary(PROJECT_ROOT / "prompts"))


def test_section_titles_are_read_from_the_guidance_headings() -> None:
    sections = guidance_sections(GUIDANCE)
    for title, key in GUIDANCE_ITEMS:
        assert sections[key] == title  # «Salgsledelse. » and «. Salgsledelse» leftovers dropped
    assert sections["ferdigheter/kunnskap-om-salg"] == "Kunnskap om salg"


def test_agenda_for_a_known_person_has_guidance_items_drafts_actions_and_notes(notebook: Notebook) -> None:
    overdue = notebook.add_action("Kari", "Ring Hansen AS", date(2026, 1, 10))
    notebook.save_meeting("Kari", notes="Første møte", new_actions=["Send tilbud"])
    notebook.save_feedback_draft("Kari", "Du kom for sent til kundemøtet.\nDet gjorde kunden usikker.", {})
    given = notebook.save_feedback_draft("Kari", "Allerede gitt", {})
    notebook.mark_feedback_given(given.id)
    notebook.add_note("Kari", "Datteren begynner på skolen.\n## Dette er ikke et nytt punkt")

    agenda = build_agenda(notebook, "kari", today=date(2026, 2, 1))
    data = agenda.model_dump(mode="json")
    assert list(data) == ["person", "agenda", "open_actions"]
    assert data["person"] == "Kari"
    for item in data["agenda"]:
        assert list(item) == ["title", "points", "citations"] and item["points"]
        assert all(list(c) == ["section", "section_key"] for c in item["citations"])
    assert [(i["title"], i["citations"][0]["section_key"]) for i in data["agenda"][:5]] == GUIDANCE_ITEMS
    assert [i["citations"][0]["section"] for i in data["agenda"][:5]] == [t for t, _ in GUIDANCE_ITEMS]

    by_title = {item.title: item for item in agenda.agenda}
    feedback = by_title["Gi tilbakemelding"].points
    assert any("Du kom for sent til kundemøtet. Det gjorde kunden usikker." in p for p in feedback)
    assert not any("Allerede gitt" in p for p in feedback)
    carried = by_title["Avtaler fra forrige møte"]
    assert carried.citations[0].section_key == "vaner/ukentlige-en-til-en-moter"
    assert carried.points[0] == f"Avtale {overdue.id}: Ring Hansen AS (frist 10.01.2026, forfalt)"
    assert carried.points[1].endswith("Send tilbud")
    notes = by_title["Siste notater"]
    assert notes.citations == [] and "Datteren begynner på skolen. ## Dette er ikke" in notes.points[0]
    assert any("Forrige en-til-en var" in p for p in by_title["Ukentlige en-til-en møter"].points)
    assert data["open_actions"] == [
        {"id": overdue.id, "text": "Ring Hansen AS", "due": "2026-01-10"},
        {"id": overdue.id + 1, "text": "Send tilbud", "due": None},
    ]
    markdown = agenda_markdown(notebook, agenda)
    assert markdown.startswith("# Neste en-til-en med Kari")
    assert "Kilde: Vis at du bryr deg (vaner/vis-at-du-bryr-deg)" in markdown


def test_agenda_for_an_unknown_person_is_the_guidance_alone_and_stores_nothing(notebook: Notebook) -> None:
    agenda = build_agenda(notebook, "  Ny  Selger ")
    assert agenda.person == "Ny Selger" and agenda.open_actions == []
    assert [item.title for item in agenda.agenda][:5] == [t for t, _ in GUIDANCE_ITEMS]
    assert agenda.agenda[-1].points == ["Ingen notater om Ny Selger ennå."]
    assert notebook.list_people() == []
    with pytest.raises(InputError):
        build_agenda(notebook, "")


def test_points_come_from_the_template_and_bad_keys_fail_loudly(notebook: Notebook, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    custom = Notebook(notebook.db.engine, prompts=PromptLibrary(prompts))
    (prompts / "prep.nb.md.j2").write_text("## [vaner/inspirer-dem]\n- Hva motiverer {{ person }}?\n## Tom\n")
    agenda = build_agenda(custom, "Kari")
    assert [(i.title, i.points) for i in agenda.agenda] == [("Inspirer dem", ["Hva motiverer Kari?"])]
    (prompts / "prep.nb.md.j2").write_text("## [vaner/finnes-ikke]\n- Punkt\n")
    with pytest.raises(ConfigError, match=r"no section \[vaner/finnes-ikke\]"):
        build_agenda(custom, "Kari")
    (prompts / "prep.nb.md.j2").write_text("## Tittel\nløs tekst\n")
    with pytest.raises(ConfigError, match="expected"):
        build_agenda(custom, "Kari")
