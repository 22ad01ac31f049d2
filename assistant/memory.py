"""Conversation memory: history messages, and resolving a follow-up question against them.

With an LLM the chain condenses a follow-up into a standalone question. Without one, a follow-up is
resolved on the retrieval side: it is searched alone and together with the previous question, and
the two rankings are fused (see :func:`fuse`). A question that reads as standalone is searched alone,
so a change of topic is not dragged back to the previous one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from assistant.errors import InputError
from assistant.schemas import Hit, Retrieval
from assistant.text import content_terms, words

#: Longest history kept for a turn: older messages say little about what "det" refers to.
MAX_HISTORY_MESSAGES = 12
_MAX_HISTORY_CHARS = 20_000


class Message(BaseModel):
    """One message of a conversation."""

    role: Literal["user", "assistant"] = Field(description="Who wrote it.")
    content: str = Field(max_length=_MAX_HISTORY_CHARS, description="The text.")


_MESSAGES = TypeAdapter(list[Message])

# Words that make a question lean on what was said before (nb, nn, en). Deliberately short and
# general: pronouns and demonstratives, continuations, and requests to elaborate.
_ANAPHORA = frozenset(
    """
    det den dette denne disse dem de han hun ho dei dykk slik sånn der her da så
    it that this these those they them there then such
    """.split()
)
_CONTINUATIONS = (
    r"^(og|men|eller|så|hva med|kva med|hvordan med|korleis med|gjelder|what about|and|but|or|how about)\b",
    r"\b(mener du|meiner du|mente du|forklar|utdyp|si mer|fortell mer|eksempel|elaborate|explain|"
    r"what do you mean|tell me more|more about|example|første|andre|tredje|siste|first|second|third|last)\b",
)
_CONTINUATION = re.compile("|".join(_CONTINUATIONS), re.IGNORECASE)
_STANDALONE_TERMS = 5


def load_history(path: Path) -> list[Message]:
    """Read a history file: a JSON list of ``{"role", "content"}`` messages.

    Raises:
        InputError: The file is missing, not JSON, or not a list of messages.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"No such history file: {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"The history file {path} is not JSON ({exc.__class__.__name__}).") from exc
    return parse_history(raw)


def parse_history(raw: object) -> list[Message]:
    """Validate a history given as plain data (a list of ``{"role", "content"}`` dicts).

    Raises:
        InputError: It is not a list of messages with role user/assistant and text content.
    """
    try:
        return _MESSAGES.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise InputError(
            f"The history must be a JSON list of {{\"role\": \"user\"|\"assistant\", \"content\": text}} "
            f"messages ({where}: {first['msg']})."
        ) from exc


def last_user_question(history: Sequence[Message]) -> str | None:
    """The most recent question the user asked, if any."""
    return next((m.content for m in reversed(history) if m.role == "user" and m.content.strip()), None)


def is_follow_up(question: str, history: Sequence[Message]) -> bool:
    """Whether a question depends on the conversation before it.

    True when there is an earlier question and this one either starts or reads as a continuation
    ("og hvis …", "hva mener du med det?", "what about the second part?") or is too short to stand
    alone and points back with a pronoun.
    """
    if last_user_question(history) is None:
        return False
    tokens = words(question)
    if _CONTINUATION.search(question.strip()):
        return True
    points_back = any(t in _ANAPHORA for t in tokens)
    return points_back and len(content_terms(question)) < _STANDALONE_TERMS


def combined_question(question: str, history: Sequence[Message]) -> str:
    """The previous question followed by the follow-up: what a follow-up is about."""
    previous = last_user_question(history) or ""
    return f"{previous} {question}".strip()


def fuse(alone: Retrieval, together: Retrieval, k: int, rrf_k: int = 5) -> Retrieval:
    """Fuse the rankings of a follow-up searched alone and searched with the previous question.

    Both rankings vote by reciprocal rank; the combined search counts double, because a follow-up
    like "og hvis selgeren er ny?" says little on its own. Coverage and the query vector come from
    the combined search.

    Args:
        alone: Retrieval of the follow-up by itself.
        together: Retrieval of the previous question plus the follow-up.
        k: Number of hits to keep.
        rrf_k: Reciprocal rank fusion constant.

    Returns:
        A retrieval over the fused ranking, for the combined question.
    """
    scores: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for weight, retrieval in ((1.0, alone), (2.0, together)):
        for rank, hit in enumerate(retrieval.hits, start=1):
            scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + weight / (rrf_k + rank)
            best.setdefault(hit.chunk.id, hit)
    order = sorted(scores, key=lambda cid: (-scores[cid], cid))[:k]
    hits = [replace(best[cid], rank=rank, score=scores[cid]) for rank, cid in enumerate(order, start=1)]
    return replace(together, hits=hits)
