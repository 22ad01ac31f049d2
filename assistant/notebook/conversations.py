"""Saved chat conversations: create, append, list, rename, delete (one or all).

A conversation's title is its first question (shortened) until the user renames it. Deleting is
followed by a truncating WAL checkpoint, so with ``secure_delete`` the removed text leaves the file.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.errors import InputError, NotFoundError
from assistant.notebook.convert import conversation_record, message_record
from assistant.notebook.records import ConversationRecord, MessageRecord
from assistant.notebook.validation import MESSAGE_MAX, clean_text
from assistant.store.db import Database
from assistant.store.models import Conversation, Message

#: Longest title, in characters; a first question longer than this is cut with an ellipsis.
TITLE_MAX = 80
_ROLES = ("user", "assistant")


def title_from(question: str) -> str:
    """Make a conversation title from its first question: one line, at most :data:`TITLE_MAX` chars."""
    line = " ".join(question.split())
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1].rstrip() + "…"


class Conversations:
    """The conversations stored in the notebook's database.

    Args:
        db: The database.
        clock: Returns the current aware time.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def create(self, title: str = "") -> ConversationRecord:
        """Start a conversation; an empty title is filled in from the first question."""
        now = self.clock()
        with self.db.writing() as session:
            row = Conversation(title=title_from(title), created=now, updated=now)
            session.add(row)
            session.flush()
            return conversation_record(row)

    def _get(self, session: Session, conversation_id: int) -> Conversation:
        row = session.get(Conversation, conversation_id)
        if row is None:
            raise NotFoundError(f"There is no conversation with id {conversation_id}.")
        return row

    def append(
        self, conversation_id: int, role: str, content: str, metadata: dict[str, Any] | None = None
    ) -> MessageRecord:
        """Add a message (``user`` or ``assistant``); ``metadata`` (sources, engine…) is stored as JSON."""
        if role not in _ROLES:
            raise InputError(f"The role must be one of {', '.join(_ROLES)}, not {role!r}.")
        body = clean_text(content, what="message", limit=MESSAGE_MAX)
        now = self.clock()
        with self.db.writing() as session:
            conversation = self._get(session, conversation_id)
            if not conversation.title and role == "user":
                conversation.title = title_from(body)
            conversation.updated = now
            row = Message(
                conversation_id=conversation.id, role=role, content=body, meta=dict(metadata or {}),
                created=now,
            )
            session.add(row)
            session.flush()
            return message_record(row)

    def list(self) -> list[ConversationRecord]:
        """Return all conversations, the most recently updated first."""
        with self.db.reading() as session:
            query = select(Conversation).order_by(Conversation.updated.desc(), Conversation.id.desc())
            rows = session.scalars(query)
            return [conversation_record(r) for r in rows]

    def get(self, conversation_id: int) -> ConversationRecord:
        """Return one conversation."""
        with self.db.reading() as session:
            return conversation_record(self._get(session, conversation_id))

    def messages(self, conversation_id: int) -> builtins.list[MessageRecord]:
        """Return a conversation's messages in order."""
        with self.db.reading() as session:
            self._get(session, conversation_id)
            rows = session.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
            )
            return [message_record(r) for r in rows]

    def rename(self, conversation_id: int, title: str) -> ConversationRecord:
        """Give a conversation a new title (trimmed, one line, at most 80 characters)."""
        clean = title_from(clean_text(title, what="title", limit=10 * TITLE_MAX))
        with self.db.writing() as session:
            row = self._get(session, conversation_id)
            row.title = clean
            return conversation_record(row)

    def delete(self, conversation_id: int) -> None:
        """Delete one conversation and its messages."""
        with self.db.writing() as session:
            self._get(session, conversation_id)
            session.execute(delete(Message).where(Message.conversation_id == conversation_id))
            session.execute(delete(Conversation).where(Conversation.id == conversation_id))
        self.db.vacuum(full=False)

    def delete_all(self) -> int:
        """Delete every conversation; returns how many there were."""
        with self.db.writing() as session:
            count = int(session.scalar(select(func.count()).select_from(Conversation)) or 0)
            session.execute(delete(Message))
            session.execute(delete(Conversation))
        self.db.vacuum()
        return count
