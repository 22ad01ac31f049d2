"""Export, forget and retention: the privacy side of the notebook.

``forget`` and ``purge`` delete rows and then rewrite the database file (SQLite ``VACUUM`` plus a
truncating WAL checkpoint), so the deleted text is gone from the bytes on disk, not only from queries.
Conversations and ratings are not linked to a person: ``forget`` does not search their free text for
the name (that would delete other people's rows by accident); retention removes them by age.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from assistant.errors import InputError, NotFoundError
from assistant.notebook.convert import person_record
from assistant.notebook.records import ForgetReport, PurgeReport
from assistant.notebook.validation import clean_name, name_key
from assistant.store.db import Database
from assistant.store.models import Action, Conversation, FeedbackDraft, Meeting, Message, Note, Person, Rating

if TYPE_CHECKING:
    from assistant.notebook.service import Notebook

#: Tables that hold rows about one person, in a safe delete order (actions point at meetings).
_PERSON_TABLES: tuple[type[Note] | type[FeedbackDraft] | type[Action] | type[Meeting], ...] = (
    Note, FeedbackDraft, Action, Meeting,
)


def export(notebook: Notebook, person: str) -> dict[str, Any]:
    """Return everything stored about a person, JSON-ready (dates as ISO text).

    Keys: ``person``, ``created``, ``notes``, ``actions``, ``meetings``, ``feedback_drafts``.

    Raises:
        NotFoundError: Nothing is stored about this person.
    """
    found = notebook.find_person(person)
    if found is None:
        raise NotFoundError(f"Nothing is stored about {clean_name(person)}.")
    return {
        "person": found.name,
        "created": found.model_dump(mode="json")["created"],
        "notes": [_dump(n) for n in notebook.list_notes(found.name)],
        "actions": [_dump(a) for a in notebook.list_actions(found.name, include_done=True)],
        "meetings": [_dump(m) for m in notebook.list_meetings(found.name)],
        "feedback_drafts": [_dump(d) for d in notebook.list_feedback_drafts(found.name)],
    }


def _dump(record: BaseModel) -> dict[str, Any]:
    # The person is the export's own key; repeating it in every row adds nothing.
    return record.model_dump(mode="json", exclude={"person"})


def forget(db: Database, person: str) -> ForgetReport:
    """Delete every row about a person, then rewrite the file so no bytes of it remain.

    An unknown person is not an error: nothing is stored, which is what was asked for.
    """
    clean = clean_name(person)
    with db.writing() as session:
        row = session.scalar(select(Person).where(Person.key == name_key(clean)))
        if row is None:
            return ForgetReport(person=clean, found=False, deleted={}, scrubbed=False)
        name = person_record(row).name
        deleted = {
            table.__tablename__: _count(session.execute(delete(table).where(table.person_id == row.id)))
            for table in _PERSON_TABLES
        }
        session.execute(delete(Person).where(Person.id == row.id))
        deleted["people"] = 1
    return ForgetReport(person=name, found=True, deleted=deleted, scrubbed=db.vacuum())


def purge(db: Database, older_than_days: int, now: datetime) -> PurgeReport:
    """Delete what is older than the retention period, then rewrite the file.

    Removed: notes, feedback drafts, meetings, conversations (by last update) and ratings stored before
    the cut-off, and actions done before it; open actions stay, however old. A person left with no
    rows at all, and created before the cut-off, is removed too.

    Raises:
        InputError: older_than_days is below 1.
    """
    if older_than_days < 1:
        raise InputError("The retention period must be at least one day.")
    cutoff = now - timedelta(days=older_than_days)
    with db.writing() as session:
        deleted = {
            "notes": _count(session.execute(delete(Note).where(Note.created < cutoff))),
            "feedback_drafts": _count(
                session.execute(delete(FeedbackDraft).where(FeedbackDraft.created < cutoff))
            ),
            "actions": _count(session.execute(
                delete(Action).where(Action.status == "done", Action.done_at < cutoff)
            )),
            "meetings": _count(session.execute(delete(Meeting).where(Meeting.created < cutoff))),
        }
        old = select(Conversation.id).where(Conversation.updated < cutoff)
        session.execute(delete(Message).where(Message.conversation_id.in_(old)))
        deleted["conversations"] = _count(
            session.execute(delete(Conversation).where(Conversation.updated < cutoff))
        )
        deleted["feedback_log"] = _count(session.execute(delete(Rating).where(Rating.created < cutoff)))
        deleted["people"] = _delete_empty_people(session, cutoff)
    scrubbed = db.vacuum() if any(deleted.values()) else False
    return PurgeReport(cutoff=cutoff, deleted=deleted, scrubbed=scrubbed)


def _delete_empty_people(session: Session, cutoff: datetime) -> int:
    has_rows = [exists().where(table.person_id == Person.id) for table in _PERSON_TABLES]
    empty = select(Person.id).where(Person.created < cutoff, *(~e for e in has_rows))
    return _count(session.execute(delete(Person).where(Person.id.in_(empty))))


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
