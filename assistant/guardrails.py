"""Checks on what a language model wrote, before it reaches the user.

The LLM layer must never make an answer less grounded than the extractive one, so its text is
checked structurally, whatever the model did: citation markers must point at a numbered source
(others are removed and counted), a covered answer needs at least one valid citation, and text that
repeats the system prompt (instructions or a canary) is blocked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import words

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_LEAK_NGRAM = 6
# A citation marker still being streamed: "[", "[1", "[1, 2" at the very end of the text.
_OPEN_MARKER = re.compile(r"\[\d{0,3}(?:\s*,\s*\d{0,3})*\s*$")


@dataclass(frozen=True)
class CitationCheck:
    """The text with invalid markers removed, the valid source numbers cited, and what was removed."""

    text: str
    cited: list[int]
    removed: int


def check_citations(text: str, sources: int) -> CitationCheck:
    """Keep ``[n]`` markers that point at one of ``sources`` numbered sources; drop the others.

    ``[1, 3]`` is treated as two markers. A marker with no valid number left is removed with the
    space before it.

    Args:
        text: The model's answer.
        sources: How many sources were numbered (1..sources).

    Returns:
        The cleaned text, the distinct valid numbers in order of first use, and the count removed.
    """
    cited: dict[int, None] = {}
    removed = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal removed
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= sources]
        removed += len(numbers) - len(valid)
        for n in valid:
            cited.setdefault(n, None)
        return "".join(f"[{n}]" for n in valid)

    cleaned = _MARKER.sub(keep, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return CitationCheck(cleaned, list(cited), removed)


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def leaks_system_prompt(text: str, system_prompt: str, canary: str = "") -> bool:
    """Whether text repeats the system prompt: its canary, or any run of six of its words.

    Structural, so it holds whatever the model was talked into: the check does not trust the model.

    Args:
        text: What would be shown to the user.
        system_prompt: The system prompt the model saw.
        canary: A secret marker planted in the system prompt, if any.
    """
    if canary and canary.lower() in text.lower():
        return True
    return bool(_ngrams(text, _LEAK_NGRAM) & _ngrams(system_prompt, _LEAK_NGRAM))


def streamable_text(
    text: str, system_prompt: str, canary: str = "", sources: int | None = None
) -> str | None:
    """What of a partly streamed answer may be shown now, or None once it repeats the system prompt.

    The final answer is checked by :func:`leaks_system_prompt` and :func:`check_citations`; the
    snapshots streamed before it reach the user too, so they get the same filters. A tail that could
    be the start of the canary or of a citation marker is held back until the next piece shows what
    it is, and complete markers that point at no source are dropped. The result only grows from one
    snapshot to the next, so it can be printed as it comes; after a leak nothing more is streamed
    and the final answer falls back.

    Args:
        text: The answer so far.
        system_prompt: The system prompt the model saw.
        canary: The canary planted in the system prompt, if any.
        sources: How many sources were numbered; None leaves the markers alone.
    """
    if leaks_system_prompt(text, system_prompt, canary):
        return None
    if canary:
        lowered, marker = text.lower(), canary.lower()
        for size in range(min(len(marker) - 1, len(text)), 0, -1):
            if lowered.endswith(marker[:size]):
                text = text[: len(text) - size]
                break
    if sources is None:
        return text
    text = _OPEN_MARKER.sub("", text)

    def keep(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        return "".join(f"[{n}]" for n in numbers if 1 <= n <= sources)

    return _MARKER.sub(keep, text)


def defuse_markers(text: str) -> str:
    """Turn ``[n]`` markers inside quoted source text into ``(n)``.

    A document can carry text that looks like a citation ("… cite source [12]."); quoted as it
    stands, that would read as (and parse as) a marker pointing at a source the answer does not have.
    """
    return _MARKER.sub(lambda match: f"({match.group(1)})", text)
