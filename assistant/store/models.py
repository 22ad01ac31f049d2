"""The ORM tables (SQLAlchemy 2, typed ``Mapped`` columns).

These classes describe the schema the code expects *now*. The schema in a database file is built and
upgraded by :mod:`assistant.store.migrations`, whose frozen steps must produce exactly these tables; a
test compares the two.

Times are stored as naive UTC (SQLite has no time zone type) and come back as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Longest name of a person, in characters.
NAME_MAX = 100
#: Longest normalised key: casefolding can make a name longer ("ß" becomes "ss").
KEY_MAX = 3 * NAME_MAX


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL sort and compare it alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC; a naive one is a programming error."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Mark a stored naive UTC datetime as UTC."""
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


# sqlite_autoincrement: ids are never reused, so an action id a manager wrote down can never point
# at a different action after a forget or purge.
_NO_REUSE = {"sqlite_autoincrement": True}


class Person(Base):
    """A seller the manager keeps notes about."""

    __tablename__ = "people"
    __table_args__ = _NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    key: Mapped[str] = mapped_column(String(KEY_MAX), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class Note(Base):
    """A free-text note about a person."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_person_created", "person_id", "created"), _NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedbackDraft(Base):
    """A feedback text being prepared for a person, or already given."""

    __tablename__ = "feedback_drafts"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'given')", name="ck_feedback_drafts_status"),
        Index("ix_feedback_drafts_person", "person_id"),
        _NO_REUSE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    parts: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class Meeting(Base):
    """A one-to-one meeting that was held."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_person_held", "person_id", "held_at"), _NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class Action(Base):
    """An agreed action: open until marked done. ``meeting_id`` is the meeting that agreed it."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="ck_actions_status"),
        Index("ix_actions_person_status", "person_id", "status"),
        _NO_REUSE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))


class Conversation(Base):
    """A saved chat conversation (not linked to a person)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_updated", "updated"), _NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    updated: Mapped[datetime] = mapped_column(UTCDateTime())


class Message(Base):
    """One message of a conversation; ``meta`` holds sources, engine and the like."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation", "conversation_id", "id"), _NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    # "metadata" is reserved on declarative classes, so the attribute has another name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class Rating(Base):
    """A thumbs up (+1) or down (-1) on an answer, kept with the question for the eval set."""

    __tablename__ = "feedback_log"
    __table_args__ = (CheckConstraint("rating IN (-1, 1)", name="ck_feedback_log_rating"), _NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(SmallInteger)
    engine: Mapped[str] = mapped_column(String(50))
    created: Mapped[datetime] = mapped_column(UTCDateTime())
