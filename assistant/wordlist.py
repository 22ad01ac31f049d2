"""Full-language word lists (Bokmål, Nynorsk) from the ``simplemma`` package.

A small corpus lacks most of the language: ``trener``, ``svake`` and ``setningen`` are words the
guidance never uses, not typos of ``trenger``, ``svare`` and ``retningen``. The typo tolerance only
corrects a word that no word list knows either.

simplemma ships its dictionaries inside the package (nothing is downloaded). They are loaded at the
first lookup, in its memory-frugal form (about 0.3 s and 15 MB for both languages).
"""

from __future__ import annotations

from functools import lru_cache

LANGUAGES = ("nb", "nn")


class WordList:
    """Knows the word forms of a few languages.

    Args:
        languages: simplemma language codes.
    """

    def __init__(self, languages: tuple[str, ...] = LANGUAGES) -> None:
        self._languages = languages

    def knows(self, word: str) -> bool:
        """Whether word (lower case) is a form of some word of the languages."""
        return _known(word, self._languages)


@lru_cache(maxsize=16384)
def _known(word: str, languages: tuple[str, ...]) -> bool:
    import simplemma  # lazy: the dictionaries load at the first lookup, not when the app starts

    return bool(simplemma.is_known(word, languages, low_memory=True))
