"""Name redaction before text goes to a language model (``COACH_LLM__REDACT_NAMES``).

With a hosted LLM, a manager's question or notes would carry the names of the people they manage to
a third party. When redaction is on, each name becomes a placeholder (``[PERSON_1]``, ``[PERSON_2]``…)
in everything sent to the model, and the placeholders in its answer are turned back into the names,
so the user sees the names and the provider never does.

What counts as a name:

- every person the notebook knows, and their given name alone (whole words, any case, anywhere);
- a capitalised word (or a run of them, "Kari Nordmann") that does not open a sentence and is not a
  word of the bundled guidance: the guidance is about sales leadership in general and names nobody,
  so a capitalised word it never uses is most likely a name. Once a word is a name, it is replaced
  everywhere, also where it opens a sentence.

Acronyms (CRM) and words the guidance uses (Salgsledelse, FAQ headings) are kept. A false positive
costs little: the model sees a placeholder and the user gets the word back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path

_NAME_WORD = r"[A-ZÆØÅÄÖÜÉ][a-zæøåäöüéèáàóòúíñ]+(?:[-'’][A-ZÆØÅa-zæøå][a-zæøåäöüéèáàóòúíñ]+)*"
_RUN = re.compile(rf"(?<![\w\[]){_NAME_WORD}(?:[ \t]+{_NAME_WORD})*(?!\w)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;«»\"“”(\n]|^\s*[-*•]|\d\.)\s*$")
_PLACEHOLDER = re.compile(r"\[PERSON_(\d+)\]")
# A placeholder still being streamed: "[", "[P", … "[PERSON_1" at the very end.
_PARTIAL = re.compile(r"\[(?:P(?:E(?:R(?:S(?:O(?:N(?:_\d*)?)?)?)?)?)?)?$")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guidance_vocabulary(paths: Iterable[Path]) -> set[str]:
    """The lower-cased words of the bundled guidance (the ``.md``/``.txt`` files under paths)."""
    vocabulary: set[str] = set()
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        for file in files:
            if file.suffix.lower() in (".md", ".txt") and file.is_file():
                text = file.read_text(encoding="utf-8", errors="replace")
                vocabulary.update(w.lower() for w in _WORD.findall(text))
    return vocabulary


class Redaction:
    """One answer's mapping between names and placeholders.

    Args:
        known: Names that are always names (the notebook's people).
        vocabulary: Lower-cased words that are never names (the guidance's words).
    """

    def __init__(self, known: Iterable[str], vocabulary: set[str]) -> None:
        self._vocabulary = vocabulary
        names = {" ".join(n.split()) for n in known if n.strip()}
        # "Kari" is Kari Nordmann too: a known person's given name alone is a name wherever it stands.
        names |= {n.split()[0] for n in names if " " in n and n.split()[0].lower() not in vocabulary}
        self._known = sorted(names, key=len, reverse=True)
        self._placeholders: dict[str, str] = {}  # casefolded name -> placeholder
        self._names: dict[str, str] = {}  # placeholder -> name as first written

    @property
    def names(self) -> dict[str, str]:
        """Placeholder -> name, for the names seen so far."""
        return dict(self._names)

    def _placeholder(self, name: str) -> str:
        key = " ".join(name.split()).casefold()
        if key not in self._placeholders:
            placeholder = f"[PERSON_{len(self._placeholders) + 1}]"
            self._placeholders[key] = placeholder
            self._names[placeholder] = " ".join(name.split())
        return self._placeholders[key]

    def _find_names(self, text: str) -> None:
        for name in self._known:
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
                self._placeholder(name)
        for match in _RUN.finditer(text):
            words = match.group(0).split()
            if _SENTENCE_START.search(text[: match.start()]):
                words = words[1:]  # the first word is capitalised because it opens the sentence
            if words and not all(w.lower() in self._vocabulary for w in words):
                self._placeholder(" ".join(words))

    def redact(self, text: str) -> str:
        """Replace every name in text (known ones and new ones found in it) with its placeholder."""
        self._find_names(text)
        for key in sorted(self._placeholders, key=len, reverse=True):
            pattern = r"\s+".join(re.escape(part) for part in key.split())
            text = re.sub(rf"(?<!\w){pattern}(?!\w)", self._placeholders[key], text, flags=re.IGNORECASE)
        return text

    def restore(self, text: str) -> str:
        """Put the names back where the model wrote placeholders."""
        return _PLACEHOLDER.sub(lambda m: self._names.get(m.group(0), m.group(0)), text)

    def restore_stream(self, pieces: Iterable[str]) -> Iterator[str]:
        """Restore a streamed answer piece by piece, holding back a placeholder cut between pieces."""
        raw, shown = "", ""
        for piece in pieces:
            raw += piece
            partial = _PARTIAL.search(raw)
            ready = self.restore(raw[: partial.start()] if partial else raw)
            if len(ready) > len(shown):
                yield ready[len(shown) :]
                shown = ready
        rest = self.restore(raw)
        if len(rest) > len(shown):
            yield rest[len(shown) :]


class NameRedactor:
    """Makes a :class:`Redaction` per answer, with the current notebook names.

    Args:
        known_names: Returns the names the notebook knows now (called once per answer).
        guidance: Files or folders of the bundled guidance (their words are never names).
    """

    def __init__(self, known_names: Callable[[], Iterable[str]], guidance: Iterable[Path]) -> None:
        self._known_names = known_names
        self._guidance = list(guidance)

    @cached_property
    def vocabulary(self) -> set[str]:
        """The guidance's words, read once."""
        return guidance_vocabulary(self._guidance)

    def session(self, extra_names: Iterable[str] = ()) -> Redaction:
        """A fresh mapping for one answer (``extra_names``: more names known to be names)."""
        return Redaction([*self._known_names(), *extra_names], self.vocabulary)
