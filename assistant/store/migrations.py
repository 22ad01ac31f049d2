"""A small versioned migration runner; the schema is upgraded automatically when a database opens.

Each step is a frozen function that takes the database from version N-1 to N with SQLAlchemy Core DDL
(so the same steps run on SQLite and PostgreSQL). Never edit a released step: add a new one. The
version lives in the one-row table ``coach_schema``. All pending steps run in one write transaction
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so two processes opening a new database at
once apply them once, and a failed step leaves the old version intact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)

from assistant.errors import StoreError
from assistant.store.db import translate_errors, writer

VERSION_TABLE = "coach_schema"
# Any constant works; it only has to be the same in every process (PostgreSQL advisory lock).
_PG_LOCK_KEY = 0x5A1E5C0AC


def _id() -> Column[Any]:
    return Column("id", Integer, primary_key=True)


def _created() -> Column[Any]:
    return Column("created", DateTime(), nullable=False)


def _v1_notebook(conn: Connection) -> None:
    """People, notes, feedback drafts, meetings and actions."""
    md = MetaData()
    Table(
        "people", md, _id(),
        Column("name", String(100), nullable=False),
        Column("key", String(300), nullable=False, unique=True),
        _created(), sqlite_autoincrement=True,
    )
    Table(
        "notes", md, _id(),
        Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        Column("text", Text, nullable=False),
        _created(),
        Index("ix_notes_person_created", "person_id", "created"), sqlite_autoincrement=True,
    )
    Table(
        "feedback_drafts", md, _id(),
        Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        Column("text", Text, nullable=False),
        Column("parts", JSON, nullable=False),
        Column("status", String(10), nullable=False),
        _created(),
        CheckConstraint("status IN ('draft', 'given')", name="ck_feedback_drafts_status"),
        Index("ix_feedback_drafts_person", "person_id"), sqlite_autoincrement=True,
    )
    Table(
        "meetings", md, _id(),
        Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        Column("held_at", DateTime(), nullable=False),
        Column("notes", Text, nullable=True),
        _created(),
        Index("ix_meetings_person_held", "person_id", "held_at"), sqlite_autoincrement=True,
    )
    Table(
        "actions", md, _id(),
        Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        Column("text", Text, nullable=False),
        Column("due", Date, nullable=True),
        Column("status", String(10), nullable=False),
        _created(),
        Column("done_at", DateTime(), nullable=True),
        Column("meeting_id", ForeignKey("meetings.id", ondelete="SET NULL"), nullable=True),
        CheckConstraint("status IN ('open', 'done')", name="ck_actions_status"),
        Index("ix_actions_person_status", "person_id", "status"), sqlite_autoincrement=True,
    )
    md.create_all(conn)


def _v2_conversations(conn: Connection) -> None:
    """Saved conversations with their messages, and the answer-rating log."""
    md = MetaData()
    Table(
        "conversations", md, _id(),
        Column("title", String(200), nullable=False),
        _created(),
        Column("updated", DateTime(), nullable=False),
        Index("ix_conversations_updated", "updated"), sqlite_autoincrement=True,
    )
    Table(
        "messages", md, _id(),
        Column("conversation_id", ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
        Column("role", String(20), nullable=False),
        Column("content", Text, nullable=False),
        Column("metadata", JSON, nullable=False),
        _created(),
        Index("ix_messages_conversation", "conversation_id", "id"), sqlite_autoincrement=True,
    )
    Table(
        "feedback_log", md, _id(),
        Column("question", Text, nullable=False),
        Column("answer", Text, nullable=False),
        Column("rating", SmallInteger, nullable=False),
        Column("engine", String(50), nullable=False),
        _created(),
        CheckConstraint("rating IN (-1, 1)", name="ck_feedback_log_rating"), sqlite_autoincrement=True,
    )
    md.create_all(conn)


#: The steps in order: step i takes the schema from version i to version i + 1.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1_notebook, _v2_conversations)
#: The schema version this code expects.
HEAD = len(MIGRATIONS)

_version = Table("coach_schema", MetaData(), Column("version", Integer, nullable=False))


def _read_version(conn: Connection) -> int:
    if not inspect(conn).has_table(VERSION_TABLE):
        return 0
    return int(conn.execute(select(_version.c.version)).scalar() or 0)


def schema_version(engine: Engine) -> int:
    """Return the schema version of the database (0 for an empty one)."""
    with translate_errors(), engine.connect() as conn:
        return _read_version(conn)


def upgrade(engine: Engine, target: int | None = None) -> int:
    """Apply the pending migration steps.

    Args:
        engine: The database.
        target: Stop at this version (tests build old databases with it); default: :data:`HEAD`.

    Returns:
        The schema version afterwards.

    Raises:
        StoreError: The database is newer than this code, or a step failed (nothing was changed).
    """
    target = HEAD if target is None else target
    if not 0 <= target <= HEAD:
        raise ValueError(f"no schema version {target}")
    current = schema_version(engine)  # fast path without the write lock: nothing to do
    if current > HEAD:
        raise StoreError(
            f"the database has schema version {current}, newer than this Salgscoach ({HEAD}); upgrade it"
        )
    if current >= target:
        return current
    with translate_errors(), writer(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        current = _read_version(conn)  # again, now that no other process can be migrating
        if not inspect(conn).has_table(VERSION_TABLE):
            _version.create(conn)
        if conn.execute(select(_version.c.version)).first() is None:
            conn.execute(_version.insert().values(version=0))
        for step in MIGRATIONS[current:target]:
            step(conn)
        if target > current:
            conn.execute(_version.update().values(version=target))
    return max(current, target)
