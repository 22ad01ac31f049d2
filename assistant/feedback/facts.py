"""The fact check: a draft may hold no number or name that its sources do not."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.feedback.analysis import sentence_spans

# Numbers keep their inner marks ("1,2", "10 %" is "10"); words may carry hyphens ("Lunde-Bil").
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def facts(text: str) -> set[str]:
    """The checkable facts in a text: its numbers and its capitalised words.

    A capitalised word that opens a sentence is left out: it is capitalised because of where it
    stands, not because it is a name.
    """
    found = set(_NUMBER.findall(text))
    for start, end in sentence_spans(text):
        # A colon opens a new sentence too ("Konsekvensen: Det gjorde at …").
        for sentence in text[start:end].split(": "):
            for i, match in enumerate(_WORD.finditer(sentence)):
                word = match.group(0)
                if i and word[0].isupper():
                    found.add(word)
    return found


def unsupported(draft: str, sources: Iterable[str]) -> list[str]:
    """Numbers and names in the draft that appear in none of the sources.

    Args:
        draft: The text to check.
        sources: What it may draw on: the manager's words, the person's name, template words.

    Returns:
        The unsupported facts, sorted; empty when the draft invents nothing checkable.
    """
    corpus = " ".join(sources)
    numbers = set(_NUMBER.findall(corpus))
    words = set(_WORD.findall(corpus))
    lower = {w.lower() for w in words}
    # A capitalised common word ("Det") is no name if the sources use it; a name must match exactly.
    return sorted(
        f for f in facts(draft)
        if f not in numbers and f not in words and f.lower() not in lower
    )
