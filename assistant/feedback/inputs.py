"""Checks on what a manager types: empty, too long, no words, binary junk."""

from __future__ import annotations

import unicodedata

from assistant.errors import InputError

#: The longest name accepted for the person the feedback is for.
MAX_NAME_CHARS = 80


def check_text(text: str, what: str, max_chars: int, *, required: bool = True) -> str:
    """Return text stripped, or raise InputError when it cannot be feedback.

    Args:
        text: The text as typed or read.
        what: What it is, for the message ("the text on stdin", "--notes").
        max_chars: The longest text accepted.
        required: Whether an empty text is an error (otherwise ``""`` is returned).

    Raises:
        InputError: Empty (when required), longer than max_chars, control characters (binary
            junk), or no letters or digits at all (only emoji or punctuation).
    """
    stripped = text.strip()
    if not stripped:
        if required:
            raise InputError(f"{what} is empty.")
        return ""
    if len(stripped) > max_chars:
        raise InputError(f"{what} is {len(stripped)} characters long; the limit is {max_chars}.")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in stripped):
        raise InputError(f"{what} contains control characters; give plain text.")
    if "\ufffd" in stripped:
        raise InputError(f"{what} is not valid UTF-8 text.")
    if not any(ch.isalnum() for ch in stripped):
        raise InputError(f"{what} has no words in it (only symbols or emoji).")
    return stripped


def check_name(name: str) -> str:
    """Return the person's name stripped, or raise InputError.

    Quotes, apostrophes and any other characters are fine: the name is only text in a draft.

    Raises:
        InputError: Empty, over :data:`MAX_NAME_CHARS`, with line breaks or control characters, or
            without a letter.
    """
    stripped = " ".join(name.split())
    if not stripped:
        raise InputError("--name is empty.")
    if len(stripped) > MAX_NAME_CHARS:
        raise InputError(f"--name is {len(stripped)} characters long; the limit is {MAX_NAME_CHARS}.")
    control = any(unicodedata.category(ch) == "Cc" for ch in name.strip())
    if control or not any(ch.isalpha() for ch in stripped):
        raise InputError("--name must be a name: letters, without line breaks or control characters.")
    return stripped


def decode_input(data: bytes, what: str) -> str:
    """Decode bytes read from a pipe as UTF-8 (a byte order mark is dropped).

    Raises:
        InputError: The bytes are not UTF-8 text.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
