"""Nynorsk → Bokmål word forms for the lexical side (``knowledge/nynorsk.tsv``).

The guidance is written in Bokmål. A Nynorsk question (``Kva bør eg sjå etter når eg tilset nye
seljarar?``) shares few word forms with it, so BM25 finds little and the sentence selector has
nothing to match. Rewriting the question's Nynorsk forms into Bokmål before the lexical ranker and
the selector see it fixes most of that; the dense ranker keeps the question as asked (e5 reads
Nynorsk). The file lists forms, not rules, so it is easy to extend, and only forms that Bokmål does
not use in another sense are listed, which keeps the rewrite harmless on Bokmål questions.

Compounds are rewritten when a part is a listed form: ``salsleiar`` → ``salgsleder`` from the head
``sals-`` and the word ``leiar``, ``toppleiinga`` → ``toppledelsen`` from ``leiinga``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from assistant.errors import ConfigError
from assistant.text import normalize, replace_words

_MIN_COMPOUND = 7  # shorter words are not split
_MIN_HEAD = 3  # a compound's first part, and the least of any part
_MIN_TAIL = 5  # a listed word that ends a compound

Known = Callable[[str], bool]


def _never(word: str) -> bool:
    return False


class WordMap:
    """Rewrites word forms (Nynorsk) into the forms the knowledge uses (Bokmål).

    Args:
        words: Whole-word forms and their replacements (lower case; a replacement may be several
            words).
        heads: Forms that begin compounds (``sals`` → ``salgs``), used only inside a longer word.
    """

    def __init__(self, words: Mapping[str, str], heads: Mapping[str, str] | None = None) -> None:
        self._words = dict(words)
        self._heads = dict(heads or {})

    def __len__(self) -> int:
        return len(self._words) + len(self._heads)

    @classmethod
    def load(cls, path: Path | None) -> WordMap:
        """Read a word-form file: ``form<TAB>replacement`` per line, ``#`` comments.

        A form ending in ``-`` (``sals-<TAB>salgs``) begins compounds and is not a word of its own.

        Args:
            path: The file; None gives an empty map.

        Raises:
            ConfigError: The file is missing, a line has no tab, or a form is listed twice.
        """
        if path is None:
            return cls({})
        if not path.exists():
            raise ConfigError(f"word-form file not found: {path}")
        words: dict[str, str] = {}
        heads: dict[str, str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            form, tab, replacement = line.partition("\t")
            form, replacement = normalize(form).lower(), normalize(replacement).lower()
            if not tab or not form or not replacement:
                raise ConfigError(f"{path}:{number}: expected 'form<TAB>replacement'")
            target = heads if form.endswith("-") else words
            form = form.rstrip("-")
            if form in target:
                raise ConfigError(f"{path}:{number}: '{form}' is listed twice")
            target[form] = replacement.rstrip("-")
        return cls(words, heads)

    def map_word(self, word: str, known: Known = _never) -> str | None:
        """The replacement of one lower-case word, or None when it stays as it is.

        Args:
            word: A word token.
            known: Whether the knowledge uses a word; a compound is only rewritten when it is not
                known itself and each of its parts is either listed or known.

        Returns:
            The Bokmål form, or None.
        """
        direct = self._words.get(word)
        if direct is not None or len(word) < _MIN_COMPOUND or "-" in word or known(word):
            return direct
        return self._compound(word, known)

    def _compound(self, word: str, known: Known) -> str | None:
        # Longest tail first: "salsleiarane" is "sals" + "leiarane", not "salsleiar" + "ane".
        for cut in range(_MIN_HEAD, len(word) - _MIN_HEAD + 1):
            head, tail = word[:cut], word[cut:]
            new_head = self._heads.get(head)
            new_tail = self._words.get(tail) if len(tail) >= _MIN_TAIL else None
            # A listed word ends the compound after any first part ("avdelingsleiar"); a listed head
            # needs a tail the knowledge uses ("salsteamet").
            if new_tail is not None and " " not in new_tail:
                return (new_head or head) + new_tail
            if new_head is not None and known(tail):
                return new_head + tail
        return None

    def rewrite(self, text: str, known: Known = _never) -> str:
        """Return text (normalised, lower-cased) with every listed form replaced.

        Args:
            text: A question.
            known: Whether the knowledge uses a word (see :meth:`map_word`).
        """
        return replace_words(text, lambda word: self.map_word(word, known))
