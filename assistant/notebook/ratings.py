"""The answer-rating log: thumbs up (+1) or down (-1) with the question, for the eval set later."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from assistant.errors import InputError
from assistant.notebook.convert import rating_record
from assistant.notebook.records import RatingRecord
from assistant.notebook.validation import MESSAGE_MAX, clean_text
from assistant.store.db import Database
from assistant.store.models import Rating


class RatingLog:
    """Ratings of answers, stored in the notebook's database.

    Args:
        db: The database.
        clock: Returns the current aware time.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def add(self, question: str, answer: str, rating: int, engine: str) -> RatingRecord:
        """Log a rating.

        Args:
            question: The question asked.
            answer: The answer shown.
            rating: +1 (thumbs up) or -1 (thumbs down).
            engine: Which engine answered (e.g. ``extractive``).

        Raises:
            InputError: The rating is not ±1 or a text is empty or too long.
        """
        if rating not in (-1, 1) or isinstance(rating, bool):
            raise InputError(f"A rating is +1 or -1, not {rating!r}.")
        row = Rating(
            question=clean_text(question, what="question", limit=MESSAGE_MAX),
            answer=clean_text(answer, what="answer", limit=MESSAGE_MAX),
            rating=rating,
            engine=clean_text(engine, what="engine name", limit=50),
            created=self.clock(),
        )
        with self.db.writing() as session:
            session.add(row)
            session.flush()
            return rating_record(row)

    def list(self) -> list[RatingRecord]:
        """Return all ratings, oldest first."""
        with self.db.reading() as session:
            return [rating_record(r) for r in session.scalars(select(Rating).order_by(Rating.id))]

    def export_jsonl(self) -> str:
        """Return the log as JSON Lines: one ``{id, question, answer, rating, engine, created}`` a line."""
        return "".join(
            json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in self.list()
        )
