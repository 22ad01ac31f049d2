"""Query expansion from a small editable thesaurus (``knowledge/synonyms.tsv``).

BM25 only matches words that occur in the text, so an English question, or a Norwegian one in other
words than the guidance's, finds nothing lexically. Expanding known words with the guidance's own
vocabulary fixes that without touching the dense ranker.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.errors import ConfigError
from assistant.text import is_function_word, normalize, stem, words


class Thesaurus:
    """Maps words and phrases of a question to words of the knowledge base.

    Args:
        entries: ``(term, expansion)`` pairs; a term of one word matches any inflection (by stem),
            and so does a phrase of words, word by word, in order, with at most one other word
            inserted; a term with punctuation inside (``1:1``) matches as written (case-insensitive).
    """

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self._by_stem: dict[str, list[str]] = {}
        self._phrases: list[tuple[re.Pattern[str], str]] = []
        # A phrase: its words' stems, and whether each word carries content (see _contains).
        self._stem_phrases: list[tuple[tuple[tuple[str, bool], ...], str]] = []
        self._phrase_words: set[str] = set()
        for term, expansion in entries:
            term = normalize(term).lower()
            tokens = words(term)
            if len(tokens) == 1 and re.fullmatch(r"[\w-]+", term):
                self._by_stem.setdefault(stem(term), []).append(expansion)
            elif " ".join(tokens) == term:
                phrase = tuple((stem(t), not is_function_word(t)) for t in tokens)
                self._stem_phrases.append((phrase, expansion))
                self._phrase_words.update(tokens)
            else:  # punctuation inside ("1:1"): matched as written
                self._phrases.append((re.compile(rf"(?<!\w){re.escape(term)}(?!\w)"), expansion))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_stem.values()) + len(self._phrases) + len(self._stem_phrases)

    def knows(self, word: str) -> bool:
        """Whether a lower-case word is a term of the thesaurus, or a word of one of its phrases."""
        return stem(word) in self._by_stem or word in self._phrase_words

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
        stems = [stem(w) for w in words(lowered)]
        found: list[str] = []
        for s in stems:
            found += self._by_stem.get(s, [])
        found += [expansion for pattern, expansion in self._phrases if pattern.search(lowered)]
        found += [expansion for phrase, expansion in self._stem_phrases if _contains(stems, phrase)]
        return " ".join(dict.fromkeys(found))


def _contains(stems: list[str], phrase: tuple[tuple[str, bool], ...]) -> bool:
    """Whether the phrase's stems occur in order, with at most one other word inserted.

    Everyday phrases bend ("gjør det bra", "gjør det veldig bra"); one extra word keeps the match
    without letting the words drift apart across a sentence. The extra word may only come before a
    content word: "en til en" must not match "en tilbakemelding til en".
    """
    first = phrase[0][0]
    for start, s in enumerate(stems):
        if s != first:
            continue
        position, skipped = start + 1, 0
        for wanted, content in phrase[1:]:
            if position < len(stems) and stems[position] == wanted:
                position += 1
            elif (
                content and not skipped and position + 1 < len(stems) and stems[position + 1] == wanted
            ):
                position, skipped = position + 2, 1
            else:
                break
        else:
            return True
    return False
