"""Cue lexicons: phrase patterns with inflection-aware matching and character spans.

A lexicon is a TSV file of ``cue<TAB>pattern[<TAB>language]`` rows (``#`` starts a comment); the
language is ``no`` (Bokmål and Nynorsk), ``en`` or ``*`` (default: any). Words that mean different
things in the two languages (``late`` is "lazy" in Norwegian) are tied to one.

A pattern is a sequence of elements separated by gaps: ``...`` (zero to three arbitrary tokens),
``...N`` (zero to N), ``...0`` (adjacent). An element is one or more alternatives joined by ``|``,
and an alternative is a phrase of words separated by spaces: ``uten å|uten at|without`` is one
element with three alternatives. Each word is

- ``word``   the token exactly (lower case);
- ``word~``  an inflected form. Norwegian: a token that starts with the word (less a final ``-e``,
  or ``-er``/``-el``/``-en`` whose ``e`` drops: ``umoden`` → ``umodne``) and whose Snowball stem is
  the word's stem or a little longer (``udugelig~`` matches ``udugelige``, ``håpløs~`` matches
  ``håpløst``, ``imponer~`` matches ``imponerte``; ``ryddig~`` does not match the verb ``ryddet``
  and ``herlig~`` not ``her``). English (in ``en`` and ``*`` patterns): the regular forms
  (``skip~`` matches ``skips``, ``skipped``, ``skipping``; ``reply~`` matches ``replied``);
- ``word*``  any token starting with ``word`` (``idiot*`` matches ``idiotisk``);
- ``*word``  any token ending with ``word`` (``*idiot`` matches ``drittidiot``), for compounds;
- ``#``      any token with a digit in it (``25``, ``10%``);
- ``_``      any one token.

Matching is per token, so a cue never fires on a word inside another word unless it asks to. The
coverage cue lexicon (assistant/cue_lexicon.py) shares this language; the words, gaps and matching
live in assistant/cue_patterns.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.cue_patterns import Dialect, Form, Matcher
from assistant.errors import ConfigError
from assistant.text import stem

# Words with inner hyphens or apostrophes (straight or typographic) stay one token: "don't", "en-til-en";
# so do numbers with decimal or thousands marks ("1,2", "400.000").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
# Stem words are indexed by the first letters every form shares.
_KEY = 3
#: What this lexicon's words mean in the shared pattern language (assistant/cue_patterns.py).
_DIALECT = Dialect(
    name="lexicon pattern",
    gap_error="{name} {source} has a gap without a word before it",
    infix=False,
    tails=False,
    inflections=True,
    longest=True,
)


@dataclass(frozen=True)
class Token(Form):
    """One word of a text with its position.

    Attributes:
        text: The word in lower case (typographic apostrophes made straight).
        stem: Its Snowball stem.
        start: Offset of its first character in the text.
        end: Offset after its last character.
    """

    start: int
    end: int


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Split text into word tokens that keep their character offsets.

    Args:
        text: The text.
        offset: Added to every offset (for a sentence cut out of a longer text).

    Returns:
        The tokens in order.
    """
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group(0).lower().replace("’", "'")
        tokens.append(Token(word, stem(word), match.start() + offset, match.end() + offset))
    return tokens


@dataclass(frozen=True)
class Pattern:
    """A compiled cue pattern.

    Attributes:
        cue: The cue type it belongs to (e.g. ``cons_marker``).
        source: The pattern as written in the lexicon.
        matcher: Its compiled words and gaps.
        language: ``no``, ``en`` or ``*``.
    """

    cue: str
    source: str
    matcher: Matcher
    language: str = "*"

    @classmethod
    def compile(cls, cue: str, source: str, language: str = "*") -> Pattern:
        """Compile a pattern string (see the module docstring for the syntax).

        Raises:
            ConfigError: The pattern is empty, starts or ends with a gap, has an empty alternative,
                or names an unknown language.
        """
        matcher = Matcher.compile(source.lower().replace("’", "'"), source, language, _DIALECT)
        return cls(cue, source, matcher, language)

    def match_at(self, tokens: Sequence[Token], i: int) -> int | None:
        """Return the index after the last matched token if the pattern matches at ``i``."""
        covered = self.matcher.match(tokens, i)
        return None if covered is None else covered[-1] + 1


@dataclass(frozen=True)
class Hit:
    """A cue found in a text.

    Attributes:
        cue: The cue type.
        pattern: The pattern that matched.
        first: Index of the first matched token.
        last: Index of the last matched token.
        start: Character offset where the match starts.
        end: Character offset where it ends.
    """

    cue: str
    pattern: str
    first: int
    last: int
    start: int
    end: int


class Lexicon:
    """Cue patterns grouped by cue type, indexed by their first word for speed.

    Args:
        patterns: The compiled patterns.
    """

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self._by_cue: dict[str, list[Pattern]] = defaultdict(list)
        # Per cue: exact first word -> patterns, stem of first word -> patterns, and the rest.
        self._exact: dict[str, dict[str, list[Pattern]]] = defaultdict(lambda: defaultdict(list))
        self._stem: dict[str, dict[str, list[Pattern]]] = defaultdict(lambda: defaultdict(list))
        self._general: dict[str, list[Pattern]] = defaultdict(list)
        for pattern in patterns:
            self._by_cue[pattern.cue].append(pattern)
            firsts = pattern.matcher.firsts
            if all(w.kind == "exact" or (w.kind == "inflected" and len(w.guard) >= _KEY) for w in firsts):
                for word in firsts:
                    if word.kind == "exact":
                        self._exact[pattern.cue][word.value].append(pattern)
                    else:
                        self._stem[pattern.cue][word.guard[:_KEY]].append(pattern)
            else:
                self._general[pattern.cue].append(pattern)

    @classmethod
    def load(cls, *paths: Path) -> Lexicon:
        """Read lexicon TSV files (``cue<TAB>pattern[<TAB>language]``; ``#`` comments skipped).

        Raises:
            ConfigError: A file is missing or a row is malformed.
        """
        patterns = []
        for path in paths:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(f"cannot read the feedback lexicon {path}: {exc}") from exc
            for number, line in enumerate(lines, start=1):
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                fields = line.split("\t")
                if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
                    raise ConfigError(f"{path}:{number}: expected 'cue<TAB>pattern'")
                language = fields[2].strip() if len(fields) > 2 and fields[2].strip() else "*"
                try:
                    patterns.append(Pattern.compile(fields[0].strip(), fields[1].strip(), language))
                except ConfigError as exc:
                    raise ConfigError(f"{path}:{number}: {exc}") from exc
        return cls(patterns)

    @property
    def cues(self) -> list[str]:
        """The cue types this lexicon has patterns for."""
        return sorted(self._by_cue)

    def _candidates(self, cue: str, token: Token) -> list[Pattern]:
        found = list(self._exact[cue].get(token.text, ()))
        found.extend(self._stem[cue].get(token.text[:_KEY], ()))
        found.extend(self._general[cue])
        return found

    def find(self, cue: str, tokens: Sequence[Token], language: str = "*") -> list[Hit]:
        """Find non-overlapping matches of one cue type, leftmost-longest first.

        Args:
            cue: The cue type.
            tokens: The tokens of a sentence (or a whole text).
            language: ``no`` or ``en`` to use only that language's patterns (plus ``*`` ones);
                ``*`` uses all.

        Returns:
            The hits in text order.
        """
        hits: list[Hit] = []
        i = 0
        while i < len(tokens):
            best: tuple[int, Pattern] | None = None
            for pattern in self._candidates(cue, tokens[i]):
                if language != "*" and pattern.language not in ("*", language):
                    continue
                end = pattern.match_at(tokens, i)
                if end is not None and end > i and (best is None or end > best[0]):
                    best = (end, pattern)
            if best is None:
                i += 1
                continue
            end, pattern = best
            hits.append(Hit(cue, pattern.source, i, end - 1, tokens[i].start, tokens[end - 1].end))
            i = end
        return hits

    def has(self, cue: str, tokens: Sequence[Token], language: str = "*") -> bool:
        """Whether any pattern of the cue type matches."""
        return bool(self.find(cue, tokens, language))
