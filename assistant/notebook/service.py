"""The notebook service: people, notes, actions, meetings and feedback drafts.

Nothing is stored about a person until the manager saves something about them: every read (lists,
preparation, export) looks a person up without creating one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeAlias

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.errors import InputError, NotFoundError
from assistant.notebook import lifecycle
from assistant.notebook.conversations import Conversations
from assistant.notebook.convert import action_record, draft_record, meeting_record, note_record, person_record
from assistant.notebook.ratings import RatingLog
from assistant.notebook.records import (
    ActionRecord,
    DraftRecord,
    ForgetReport,
    MeetingRecord,
    MeetingResult,
    NoteRecord,
    PersonRecord,
    PurgeReport,
)
from assistant.notebook.validation import clean_name, clean_text, name_key
from assistant.prompts import PromptLibrary
from assistant.store.db import Database
from assistant.store.models import Action, FeedbackDraft, Meeting, Note, Person

Clock: TypeAlias = Callable[[], datetime]
#: A new action: its text, or its text and due date.
NewAction: TypeAlias = str | tuple[str, date | None]


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


class Notebook:
    """One manager's notebook about their sellers.

    Args:
        engine: A migrated engine (see :func:`assistant.store.make_engine`).
        prompts: Templates for the Markdown export (``export.nb.md.j2``).
        clock: Returns the current aware time; tests pass a fixed one to create old rows.

    Attributes:
        conversations: Saved chat conversations in the same database.
        ratings: The thumbs up/down log of answers.
    """

    def __init__(self, engine: Engine, *, prompts: PromptLibrary, clock: Clock = utc_now) -> None:
        self.db = Database(engine)
        self.prompts = prompts
        self.clock = clock
        self.conversations = Conversations(self.db, clock)
        self.ratings = RatingLog(self.db, clock)

    # -- people -------------------------------------------------------------------------------------

    def find_person(self, name: str) -> PersonRecord | None:
        """Return the person with this name (case-insensitive), or None; never creates one."""
        key = name_key(clean_name(name))
        with self.db.reading() as session:
            person = session.scalar(select(Person).where(Person.key == key))
            return person_record(person) if person else None

    def list_people(self) -> list[PersonRecord]:
        """Return everyone in the notebook, by name."""
        with self.db.reading() as session:
            return [person_record(p) for p in session.scalars(select(Person).order_by(Person.key))]

    def _lookup(self, session: Session, name: str) -> Person | None:
        return session.scalar(select(Person).where(Person.key == name_key(clean_name(name))))

    def _get_or_create(self, session: Session, name: str) -> Person:
        clean = clean_name(name)
        key = name_key(clean)
        person = session.scalar(select(Person).where(Person.key == key))
        if person is not None:
            return person
        person = Person(name=clean, key=key, created=self.clock())
        try:
            with session.begin_nested():  # a server database may see another process insert it first
                session.add(person)
        except IntegrityError:
            person = session.scalars(select(Person).where(Person.key == key)).one()
        return person

    # -- notes --------------------------------------------------------------------------------------

    def add_note(self, person: str, text: str) -> NoteRecord:
        """Save a note about a person (the person is created on their first saved note)."""
        body = clean_text(text, what="note")
        with self.db.writing() as session:
            owner = self._get_or_create(session, person)
            note = Note(person_id=owner.id, text=body, created=self.clock())
            session.add(note)
            session.flush()
            return note_record(note, owner.name)

    def list_notes(self, person: str, *, limit: int | None = None) -> list[NoteRecord]:
        """Return a person's notes, oldest first; with ``limit``, only the latest that many."""
        with self.db.reading() as session:
            owner = self._lookup(session, person)
            if owner is None:
                return []
            query = (
                select(Note).where(Note.person_id == owner.id).order_by(Note.created.desc(), Note.id.desc())
            )
            if limit is not None:
                query = query.limit(limit)
            return [note_record(n, owner.name) for n in reversed(session.scalars(query).all())]

    # -- actions ------------------------------------------------------------------------------------

    def add_action(self, person: str, text: str, due: date | None = None) -> ActionRecord:
        """Record an agreed action, open until completed."""
        with self.db.writing() as session:
            owner = self._get_or_create(session, person)
            action = self._new_action(session, owner, (text, due), meeting_id=None)
            return action_record(action, owner.name)

    def _new_action(self, session: Session, owner: Person, spec: NewAction, meeting_id: int | None) -> Action:
        text, due = (spec, None) if isinstance(spec, str) else spec
        action = Action(
            person_id=owner.id, text=clean_text(text, what="action"), due=due, status="open",
            created=self.clock(), done_at=None, meeting_id=meeting_id,
        )
        session.add(action)
        session.flush()
        return action

    def complete_action(self, action_id: int) -> ActionRecord:
        """Mark an action done (doing it twice keeps the first completion time).

        Raises:
            NotFoundError: There is no action with this id.
        """
        with self.db.writing() as session:
            action = session.get(Action, action_id)
            if action is None:
                raise NotFoundError(f"There is no action with id {action_id}.")
            if action.status != "done":
                action.status, action.done_at = "done", self.clock()
            owner = session.get_one(Person, action.person_id)
            return action_record(action, owner.name)

    def list_actions(self, person: str, *, include_done: bool = False) -> list[ActionRecord]:
        """Return a person's open actions (or all), oldest first."""
        with self.db.reading() as session:
            owner = self._lookup(session, person)
            if owner is None:
                return []
            query = select(Action).where(Action.person_id == owner.id)
            if not include_done:
                query = query.where(Action.status == "open")
            actions = session.scalars(query.order_by(Action.created, Action.id))
            return [action_record(a, owner.name) for a in actions]

    # -- meetings -----------------------------------------------------------------------------------

    def save_meeting(
        self,
        person: str,
        *,
        notes: str | None = None,
        done: Sequence[int] = (),
        new_actions: Sequence[NewAction] = (),
        held_at: datetime | None = None,
    ) -> MeetingResult:
        """Close a one-to-one: store its notes, tick actions done, agree new ones, carry the rest over.

        Everything happens in one transaction: a bad action id leaves the notebook unchanged.

        Args:
            person: Who the meeting was with.
            notes: What was said (optional).
            done: Ids of this person's actions that are now done.
            new_actions: Actions agreed in the meeting.
            held_at: When it was held (default: now).

        Raises:
            InputError: A text is invalid, or an id is not one of this person's actions.
        """
        body = clean_text(notes, what="meeting note") if notes is not None and notes.strip() else None
        with self.db.writing() as session:
            owner = self._get_or_create(session, person)
            closing: list[Action] = []
            for action_id in dict.fromkeys(done):
                action = session.get(Action, action_id)
                if action is None or action.person_id != owner.id:
                    raise InputError(f"Action {action_id} is not one of {owner.name}'s actions.")
                closing.append(action)
            now = self.clock()
            meeting = Meeting(person_id=owner.id, held_at=held_at or now, notes=body, created=now)
            session.add(meeting)
            session.flush()
            for action in closing:
                if action.status != "done":
                    action.status, action.done_at = "done", now
            added = [self._new_action(session, owner, spec, meeting.id) for spec in new_actions]
            added_ids = {a.id for a in added}
            still_open = session.scalars(
                select(Action).where(Action.person_id == owner.id, Action.status == "open")
                .order_by(Action.created, Action.id)
            )
            return MeetingResult(
                meeting=meeting_record(meeting, owner.name),
                done=[action_record(a, owner.name) for a in closing],
                added=[action_record(a, owner.name) for a in added],
                carried_over=[action_record(a, owner.name) for a in still_open if a.id not in added_ids],
            )

    def list_meetings(self, person: str) -> list[MeetingRecord]:
        """Return a person's meetings, oldest first."""
        with self.db.reading() as session:
            owner = self._lookup(session, person)
            if owner is None:
                return []
            query = select(Meeting).where(Meeting.person_id == owner.id).order_by(Meeting.held_at, Meeting.id)
            return [meeting_record(m, owner.name) for m in session.scalars(query)]

    # -- feedback drafts ----------------------------------------------------------------------------

    def save_feedback_draft(
        self, person: str, text: str, parts: dict[str, Any] | None = None, *, given: bool = False
    ) -> DraftRecord:
        """Save a feedback text for a person; ``parts`` is stored as JSON (e.g. the lint's parts)."""
        body = clean_text(text, what="feedback draft")
        with self.db.writing() as session:
            owner = self._get_or_create(session, person)
            draft = FeedbackDraft(
                person_id=owner.id, text=body, parts=dict(parts or {}),
                status="given" if given else "draft", created=self.clock(),
            )
            session.add(draft)
            session.flush()
            return draft_record(draft, owner.name)

    def mark_feedback_given(self, draft_id: int) -> DraftRecord:
        """Mark a draft as given to the person."""
        with self.db.writing() as session:
            draft = session.get(FeedbackDraft, draft_id)
            if draft is None:
                raise NotFoundError(f"There is no feedback draft with id {draft_id}.")
            draft.status = "given"
            return draft_record(draft, session.get_one(Person, draft.person_id).name)

    def list_feedback_drafts(self, person: str, *, status: str | None = None) -> list[DraftRecord]:
        """Return a person's feedback drafts (optionally only ``draft`` or ``given``), oldest first."""
        with self.db.reading() as session:
            owner = self._lookup(session, person)
            if owner is None:
                return []
            query = select(FeedbackDraft).where(FeedbackDraft.person_id == owner.id)
            if status is not None:
                query = query.where(FeedbackDraft.status == status)
            drafts = session.scalars(query.order_by(FeedbackDraft.created, FeedbackDraft.id))
            return [draft_record(d, owner.name) for d in drafts]

    # -- export, forget, retention (see lifecycle.py) -----------------------------------------------

    def export(self, person: str) -> dict[str, Any]:
        """Everything stored about a person as a JSON-ready dict (see :func:`lifecycle.export`)."""
        return lifecycle.export(self, person)

    def export_markdown(self, person: str) -> str:
        """Everything stored about a person as Markdown."""
        return self.prompts.render("export.nb.md", record=self.export(person))

    def forget(self, person: str) -> ForgetReport:
        """Delete every row about a person and rewrite the file (see :func:`lifecycle.forget`)."""
        return lifecycle.forget(self.db, person)

    def purge(self, older_than_days: int) -> PurgeReport:
        """Apply retention (see :func:`lifecycle.purge`)."""
        return lifecycle.purge(self.db, older_than_days, self.clock())
