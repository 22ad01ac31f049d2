"""What the notebook hands out: plain pydantic records, detached from the database session."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonRecord(_Record):
    """A person in the notebook."""

    id: int
    name: str
    created: datetime


class NoteRecord(_Record):
    """A note about a person."""

    id: int
    person: str
    text: str
    created: datetime


class ActionRecord(_Record):
    """An agreed action; ``meeting_id`` is the meeting that agreed it (None when added on its own)."""

    id: int
    person: str
    text: str
    due: date | None
    status: Literal["open", "done"]
    created: datetime
    done_at: datetime | None
    meeting_id: int | None


class MeetingRecord(_Record):
    """A one-to-one that was held."""

    id: int
    person: str
    held_at: datetime
    notes: str | None
    created: datetime


class DraftRecord(_Record):
    """A feedback draft; ``parts`` is whatever the feedback studio recorded (JSON)."""

    id: int
    person: str
    text: str
    parts: dict[str, Any]
    status: Literal["draft", "given"]
    created: datetime


class MeetingResult(_Record):
    """What saving a meeting did: actions closed, actions agreed, open actions carried over."""

    meeting: MeetingRecord
    done: list[ActionRecord]
    added: list[ActionRecord]
    carried_over: list[ActionRecord]


class ForgetReport(_Record):
    """Rows deleted by a forget, per table; ``scrubbed`` says the file was rewritten (vacuum)."""

    person: str
    found: bool
    deleted: dict[str, int]
    scrubbed: bool


class PurgeReport(_Record):
    """Rows deleted by a retention purge, per table, and the cut-off time."""

    cutoff: datetime
    deleted: dict[str, int]
    scrubbed: bool


class ConversationRecord(_Record):
    """A saved conversation (title from its first question unless renamed)."""

    id: int
    title: str
    created: datetime
    updated: datetime


class MessageRecord(_Record):
    """One message of a conversation."""

    id: int
    conversation_id: int
    role: Literal["user", "assistant"]
    content: str
    metadata: dict[str, Any]
    created: datetime


class RatingRecord(_Record):
    """A thumbs up (+1) or down (-1) on an answer."""

    id: int
    question: str
    answer: str
    rating: Literal[-1, 1]
    engine: str
    created: datetime
