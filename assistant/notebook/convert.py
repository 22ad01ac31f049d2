"""ORM rows to records (kept apart so every service converts the same way)."""

from __future__ import annotations

from typing import Literal, cast

from assistant.notebook.records import (
    ActionRecord,
    ConversationRecord,
    DraftRecord,
    MeetingRecord,
    MessageRecord,
    NoteRecord,
    PersonRecord,
    RatingRecord,
)
from assistant.store.models import Action, Conversation, FeedbackDraft, Meeting, Message, Note, Person, Rating


def person_record(row: Person) -> PersonRecord:
    """Convert a person row."""
    return PersonRecord(id=row.id, name=row.name, created=row.created)


def note_record(row: Note, person: str) -> NoteRecord:
    """Convert a note row."""
    return NoteRecord(id=row.id, person=person, text=row.text, created=row.created)


def action_record(row: Action, person: str) -> ActionRecord:
    """Convert an action row."""
    return ActionRecord(
        id=row.id, person=person, text=row.text, due=row.due,
        status=cast(Literal["open", "done"], row.status), created=row.created, done_at=row.done_at,
        meeting_id=row.meeting_id,
    )


def meeting_record(row: Meeting, person: str) -> MeetingRecord:
    """Convert a meeting row."""
    return MeetingRecord(id=row.id, person=person, held_at=row.held_at, notes=row.notes, created=row.created)


def draft_record(row: FeedbackDraft, person: str) -> DraftRecord:
    """Convert a feedback draft row."""
    return DraftRecord(
        id=row.id, person=person, text=row.text, parts=dict(row.parts),
        status=cast(Literal["draft", "given"], row.status), created=row.created,
    )


def conversation_record(row: Conversation) -> ConversationRecord:
    """Convert a conversation row."""
    return ConversationRecord(id=row.id, title=row.title, created=row.created, updated=row.updated)


def message_record(row: Message) -> MessageRecord:
    """Convert a message row."""
    return MessageRecord(
        id=row.id, conversation_id=row.conversation_id,
        role=cast(Literal["user", "assistant"], row.role), content=row.content,
        metadata=dict(row.meta), created=row.created,
    )


def rating_record(row: Rating) -> RatingRecord:
    """Convert a rating row."""
    return RatingRecord(
        id=row.id, question=row.question, answer=row.answer, rating=cast(Literal[-1, 1], row.rating),
        engine=row.engine, created=row.created,
    )
