"""Checks on what the manager types: names, note texts, due dates.

Decisions (documented in ``coach notes --help`` as well):

- Names are trimmed, inner whitespace runs become one space, at most 100 characters, and must hold at
  least one letter or digit (an emoji-only or punctuation-only name is refused). Control and format
  characters (newlines, NUL, terminal escapes, bidi overrides, zero-width spaces) are refused: they
  hide or spoof a name on screen. Quotes, apostrophes and SQL are ordinary text (every query is
  parameterised). Two spellings that differ only in case are the same person.
- Texts (notes, actions, meeting notes, drafts) are trimmed, must not be empty, and may hold at most
  20,000 characters (counted after trimming). Newlines and tabs are kept; other control characters are
  refused, so a listing cannot replay terminal escapes. Emoji-only text *is* accepted: a «👍» is a
  manager's own shorthand and is stored as typed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from assistant.errors import InputError
from assistant.store.models import NAME_MAX

#: Longest note, action, meeting note or draft, in characters.
TEXT_MAX = 20_000
#: Longest chat message or rated question/answer (answers quote several sections).
MESSAGE_MAX = 100_000

_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs"}
_TEXT_WHITESPACE = {"\n", "\r", "\t"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _describe(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


def clean_name(name: str) -> str:
    """Return the name as it is stored and shown.

    Args:
        name: The name as typed.

    Returns:
        The trimmed, NFC-normalised name with whitespace runs collapsed.

    Raises:
        InputError: The name is empty, too long, has no letter or digit, or holds a control character.
    """
    text = unicodedata.normalize("NFC", name).strip()
    if not text:
        raise InputError("The name is empty.")
    for char in text:
        if char != "\t" and unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise InputError(f"The name contains a control character ({_describe(char)}).")
    text = " ".join(text.split())
    if len(text) > NAME_MAX:
        raise InputError(f"The name is {len(text)} characters long; the limit is {NAME_MAX}.")
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise InputError("The name must contain at least one letter or digit.")
    return text


def name_key(clean: str) -> str:
    """Return the lookup key of a cleaned name: case differences do not make another person."""
    return clean.casefold()


def clean_text(text: str, *, what: str = "note", limit: int = TEXT_MAX) -> str:
    """Return a free text trimmed, or refuse it.

    Args:
        text: The text as typed.
        what: What it is, for the message ("note", "action", …).
        limit: Most characters allowed after trimming.

    Returns:
        The text without surrounding whitespace.

    Raises:
        InputError: The text is empty or whitespace, too long, or holds a control character.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError(f"The {what} is empty.")
    if len(stripped) > limit:
        raise InputError(f"The {what} is {len(stripped):,} characters long; the limit is {limit:,}.")
    for char in stripped:
        if char not in _TEXT_WHITESPACE and unicodedata.category(char) in ("Cc", "Cs"):
            raise InputError(f"The {what} contains a control character ({_describe(char)}).")
    return stripped


def parse_due(text: str) -> date:
    """Parse a due date written as YYYY-MM-DD (past dates are allowed: an overdue action is recorded)."""
    value = text.strip()
    if not _ISO_DATE.fullmatch(value):
        raise InputError(f"The due date {value!r} is not a date of the form YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"The due date {value!r} does not exist.") from exc
