"""Typo tolerance for the lexical ranker: map a misspelt question word to a word of the corpus.

BM25 ignores a word it has never seen, so ``anseter`` or ``tilbakemeldng`` contribute nothing and
also lower the question's lexical coverage. A word the corpus does not know is replaced by the most
frequent corpus word within a small edit distance (Damerau-Levenshtein: a swapped pair of letters
is one edit). Short words are left alone: at four letters almost every word is one edit from some
other word.

Candidates are found through a deletion index (each corpus word filed under itself and every form
with one letter deleted), so a lookup never compares the word with the whole vocabulary and the index
stays linear in the vocabulary's size. One edit is always found; of two edits, those that drop or
add letters (the common typos: ``tilbakemldng``, ``ukentliggee``) and one change plus an added
letter, but not two changed letters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MIN_LENGTH = 5  # shorter words are never corrected
LONG_LENGTH = 9  # from this length on, two edits are allowed
# Corrections go to the most frequent words only: the deletion index grows with the words it holds
# (about ten keys a word), and a huge corpus's rarest words are names and typos themselves.
MAX_WORDS = 20_000


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletes2(word: str) -> set[str]:
    once = _deletes(word)
    return once | {d for w in once for d in _deletes(w)}


def _inserts(word: str, alphabet: str) -> set[str]:
    return {word[:i] + letter + word[i:] for i in range(len(word) + 1) for letter in alphabet}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) of a and b, capped at ``limit + 1``.

    Args:
        a: One word.
        b: The other word.
        limit: Distances above it are not needed exactly: ``limit + 1`` is returned for them.

    Returns:
        The number of insertions, deletions, substitutions and adjacent swaps, at most ``limit + 1``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


class TypoCorrector:
    """Maps an unknown word to the most frequent known word a typo away.

    Args:
        counts: Known words and how often the corpus uses them (the frequency breaks ties between
            candidates at the same distance).
    """

    def __init__(self, counts: Mapping[str, int]) -> None:
        usable = [w for w in counts if w.isalpha() and len(w) >= MIN_LENGTH - 2]
        usable.sort(key=lambda w: (-counts[w], w))
        self._counts = {w: counts[w] for w in usable[:MAX_WORDS]}
        self._alphabet = "".join(sorted({ch for w in self._counts for ch in w}))
        self._index: dict[str, list[str]] | None = None  # built at the first lookup

    def _build(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for word in self._counts:
            for key in _deletes(word) | {word}:
                index.setdefault(key, []).append(word)
        return index

    def max_distance(self, word: str) -> int:
        """Edits allowed for a word of this length (0: never corrected)."""
        if len(word) < MIN_LENGTH or not word.isalpha():
            return 0
        return 2 if len(word) >= LONG_LENGTH else 1

    def candidates(self, word: str) -> Iterable[str]:
        """Known words that may lie within the allowed distance (a superset; checked by the caller)."""
        if self._index is None:
            self._index = self._build()
        limit = self.max_distance(word)
        keys = _deletes(word) | {word}
        if limit > 1:
            # Against an index of single deletions: two letters too many (deletions of the word) and
            # two too few (an insertion here meets a deletion there).
            keys |= _deletes2(word) | _inserts(word, self._alphabet)
        found: set[str] = set()
        for key in keys:
            found.update(self._index.get(key, ()))
        return found

    def correct(self, word: str) -> str | None:
        """The known word the typo most likely stands for, or None.

        Args:
            word: A lower-case word the corpus does not know.

        Returns:
            The nearest known word (fewest edits, then most frequent, then alphabetical), or None
            when the word is short or nothing known is near enough.
        """
        limit = self.max_distance(word)
        if not limit or word in self._counts:
            return None
        best: tuple[int, int, str] | None = None
        for candidate in self.candidates(word):
            distance = edit_distance(word, candidate, limit)
            if distance > limit:
                continue
            key = (distance, -self._counts[candidate], candidate)
            if best is None or key < best:
                best = key
        return best[2] if best else None
