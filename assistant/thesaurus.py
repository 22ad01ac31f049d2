"""Query expansion from a small editable thesaurus (``knowledge/synonyms.tsv``).

BM25 only matches words that occur in the text, so an English question, or a Norwegian one in other
words than the guidance's, finds nothing lexically. Expanding known words with the guidance's own
vocabulary fixes that without touching the dense ranker.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.errors import ConfigError
from assistant.text import normalize, stem, words


class Thesaurus:
    """Maps words and phrases of a question to words of the knowledge base.

    Args:
        entries: ``(term, expansion)`` pairs; a term of one word matches any inflection (by stem),
            a phrase matches as written (case-insensitive).
    """

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self._by_stem: dict[str, list[str]] = {}
        self._phrases: list[tuple[re.Pattern[str], str]] = []
        for term, expansion in entries:
            term = normalize(term).lower()
            if len(words(term)) == 1 and re.fullmatch(r"[\w-]+", term):
                self._by_stem.setdefault(stem(term), []).append(expansion)
            else:
                self._phrases.append((re.compile(rf"(?<!\w){re.escape(term)}(?!\w)"), expansion))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_stem.values()) + len(self._phrases)

    @classmethod
    def load(cls, path: Path | None) -> Thesaurus:
        """Read a thesaurus file (``term<TAB>expansion`` per line, ``#`` comments).

        Args:
            path: The file; None gives an empty thesaurus.

        Raises:
            ConfigError: The file is missing or a line has no tab.
        """
        if path is None:
            return cls([])
        if not path.exists():
            raise ConfigError(f"thesaurus file not found: {path}")
        entries = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            term, tab, expansion = line.partition("\t")
            if not tab or not term.strip() or not expansion.strip():
                raise ConfigError(f"{path}:{number}: expected 'term<TAB>expansion'")
            entries.append((term.strip(), expansion.strip()))
        return cls(entries)

    def expand(self, text: str) -> str:
        """Return the expansion words for text (empty when nothing matches)."""
        lowered = normalize(text).lower()
        found: list[str] = []
        for w in words(lowered):
            found += self._by_stem.get(stem(w), [])
        found += [expansion for pattern, expansion in self._phrases if pattern.search(lowered)]
        return " ".join(dict.fromkeys(found))
