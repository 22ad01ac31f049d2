"""Preparation of the next weekly one-to-one: an agenda from the guidance plus the person's notebook.

The wording of every point lives in ``prompts/prep.nb.md.j2``; the section titles are read from the
guidance file's headings (``### 5. Salgsledelse. Vis at du bryr deg {#vaner/vis-at-du-bryr-deg}``).
Preparing for someone the notebook does not know gives the guidance agenda with no actions or notes,
and stores nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.config import PROJECT_ROOT
from assistant.errors import ConfigError
from assistant.ingest.chunking import clean_title
from assistant.notebook.records import ActionRecord
from assistant.notebook.service import Notebook
from assistant.notebook.validation import clean_name

#: The template with the agenda's points.
TEMPLATE = "prep.nb.md"
#: Characters of a note or draft shown in a point.
PREVIEW_CHARS = 200

_KEYED_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.*?)\s*\{#(?P<key>[^}\s]+)\}\s*$")
# In the template a section key is written [key]: Jinja would read {#key} as the start of a comment.
_ITEM = re.compile(r"^##\s+(?P<title>.*?)\s*(?:\[(?P<key>[^\]\s]+)\])?\s*$")
_POINT = re.compile(r"^-\s+(?P<text>\S.*)$")


class AgendaCitation(BaseModel):
    """A guidance section an agenda item rests on."""

    section: str
    section_key: str


class AgendaItem(BaseModel):
    """One item of the agenda."""

    title: str
    points: list[str]
    citations: list[AgendaCitation]


class OpenAction(BaseModel):
    """An action still open, carried over to this meeting."""

    id: int
    text: str
    due: date | None


class Agenda(BaseModel):
    """The agenda of the next one-to-one (``coach prep NAME --json`` prints exactly this)."""

    person: str
    agenda: list[AgendaItem]
    open_actions: list[OpenAction]


def guidance_sections(path: Path) -> dict[str, str]:
    """Read the titles of a guidance file's keyed headings.

    A label repeated as a dotted segment across many headings («Salgsledelse. Gi tilbakemelding»,
    «Kunnskap om salg. Salgsledelse») is a leftover of the source text, not part of the title, and is
    dropped.

    Args:
        path: The Markdown guidance file.

    Returns:
        Section key → title, in file order.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the guidance file {path}: {exc.strerror}") from exc
    raw: dict[str, list[str]] = {}
    for line in lines:
        match = _KEYED_HEADING.match(line.strip())
        if match:
            segments = [s.strip(" .") for s in clean_title(match["title"]).split(". ")]
            raw[match["key"]] = [s for s in segments if s]
    counts = Counter(s.casefold() for segments in raw.values() for s in set(segments))
    titles: dict[str, str] = {}
    for key, segments in raw.items():
        kept = [s for s in segments if counts[s.casefold()] <= 2] or segments
        titles[key] = ". ".join(kept)
    return titles


def _preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1].rstrip() + "…"


def _local(moment: datetime) -> datetime:
    return moment.astimezone()


def _notebook_variables(
    notebook: Notebook, name: str, actions: list[ActionRecord], today: date
) -> dict[str, Any]:
    meetings = notebook.list_meetings(name)
    return {
        "last_meeting": _local(meetings[-1].held_at) if meetings else None,
        "drafts": [
            {"id": d.id, "created": _local(d.created), "preview": _preview(d.text)}
            for d in notebook.list_feedback_drafts(name, status="draft")
        ],
        "open_actions": [
            {"id": a.id, "preview": _preview(a.text), "due": a.due, "overdue": bool(a.due and a.due < today)}
            for a in actions
        ],
        "notes": [
            {"created": _local(n.created), "preview": _preview(n.text)}
            for n in notebook.list_notes(name, limit=5)
        ],
    }


def parse_agenda(text: str, sections: dict[str, str]) -> list[AgendaItem]:
    """Turn the rendered template into agenda items (see the template's header for the format).

    Raises:
        ConfigError: The template cites a section the guidance does not have, or has a stray line.
    """
    items: list[AgendaItem] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        heading, point = _ITEM.match(line), _POINT.match(line)
        if heading:
            key = heading["key"]
            if key is not None and key not in sections:
                raise ConfigError(f"{TEMPLATE}.j2 line {number}: the guidance has no section [{key}]")
            title = heading["title"] or (sections[key] if key else "")
            if not title:
                raise ConfigError(f"{TEMPLATE}.j2 line {number}: an item needs a title or a section key")
            citations = [AgendaCitation(section=sections[key], section_key=key)] if key else []
            items.append(AgendaItem(title=title, points=[], citations=citations))
        elif point and items:
            items[-1].points.append(point["text"].strip())
        else:
            raise ConfigError(f"{TEMPLATE}.j2 line {number}: expected '## item' or '- point': {line[:60]!r}")
    return [item for item in items if item.points]


def build_agenda(
    notebook: Notebook, person: str, *, guidance: Path | None = None, today: date | None = None
) -> Agenda:
    """Build the agenda of the next one-to-one with a person.

    Args:
        notebook: The notebook (its prompt library renders the points).
        person: The person's name; someone not in the notebook gets the guidance agenda alone, and
            nothing is stored about them.
        guidance: The guidance file with the keyed section headings (default: the bundled one).
        today: The date that decides which actions are overdue (default: today, local time).

    Returns:
        The agenda: items with points and citations, and the open actions carried over.

    Raises:
        InputError: The name is not valid.
        ConfigError: The template or guidance file is missing or does not fit together.
    """
    clean = clean_name(person)
    found = notebook.find_person(clean)
    name = found.name if found else clean
    today = today or date.today()
    variables: dict[str, Any] = {"last_meeting": None, "drafts": [], "open_actions": [], "notes": []}
    actions = notebook.list_actions(name) if found else []
    if found:
        variables = _notebook_variables(notebook, name, actions, today)
    sections = guidance_sections(guidance or PROJECT_ROOT / "knowledge" / "salgsledelse.md")
    rendered = notebook.prompts.render(TEMPLATE, person=name, **variables)
    return Agenda(
        person=name,
        agenda=parse_agenda(rendered, sections),
        open_actions=[OpenAction(id=a.id, text=a.text, due=a.due) for a in actions],
    )


def agenda_markdown(notebook: Notebook, agenda: Agenda) -> str:
    """Render an agenda as Markdown (``prompts/agenda.nb.md.j2``)."""
    return notebook.prompts.render("agenda.nb.md", agenda=agenda)
