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

Matching is per token, so a cue never fires on a word inside another word unless it asks to.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import ConfigError
from assistant.text import stem

# Words with inner hyphens or apostrophes (straight or typographic) stay one token: "don't", "en-til-en";
# so do numbers with decimal or thousands marks ("1,2", "400.000").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_GAP = re.compile(r"^\.\.\.(\d*)$")
_LANGUAGES = ("no", "en", "*")
# How much longer a form's stem may be than the written word's ("frustr~" → "frustrer").
_STEM_SLACK = 3
# Stem words are indexed by the first letters every form shares.
_KEY = 3


@dataclass(frozen=True)
class Token:
    """One word of a text with its position.

    Attributes:
        text: The word in lower case (typographic apostrophes made straight).
        stem: Its Snowball stem.
        start: Offset of its first character in the text.
        end: Offset after its last character.
    """

    text: str
    stem: str
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


def _guard(written: str) -> str:
    """The prefix every Norwegian form of a word starts with.

    Only inflectional letters may go: a final ``-e`` (``purre`` → ``purring``) or an ``-er``/``-el``/
    ``-en`` whose ``e`` drops (``miserabel`` → ``miserable``). Derivational endings stay, because the
    Snowball stem often cuts them (``ryddig`` and ``ryddet`` share the stem ``rydd``).
    """
    keep = len(written)
    if written.endswith(("er", "el", "en")) and len(written) > 4:
        keep -= 2
    elif written.endswith("e") and len(written) > 3:
        keep -= 1
    return written[:keep]


def _contracted(written: str) -> str:
    """The stem of a Norwegian word whose final -el/-en/-er loses its ``e`` when inflected.

    "miserabel" → "miserabl" (miserable), "umoden" → "umodn" (umodne), "usikker" → "usikr" (usikre:
    the double consonant is simplified too). Empty for other words.
    """
    if not written.endswith(("er", "el", "en")) or len(written) <= 4:
        return ""
    body = written[:-2]
    if len(body) > 2 and body[-1] == body[-2]:
        body = body[:-1]
    return body + written[-1]


def english_forms(word: str) -> set[str]:
    """The regular English inflections of a word.

    -s, -ed, -ing, -er, -est and -ly, with the usual spelling changes (``skip`` → ``skipped``,
    ``reply`` → ``replies``, ``ignore`` → ``ignoring``).
    """
    forms = {word} | {word + suffix for suffix in ("s", "es", "ed", "ing", "er", "est", "ly")}
    if word.endswith("e"):
        forms |= {word + "d", word + "r", word + "st", word[:-1] + "ing"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms |= {word[:-1] + suffix for suffix in ("ies", "ied", "ier", "iest", "ily")}
    if len(word) > 2 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        forms |= {word + word[-1] + suffix for suffix in ("ed", "ing", "er", "est")}
    return forms


@dataclass(frozen=True)
class _Word:
    """One word of a pattern alternative."""

    kind: str  # exact | stem | prefix | suffix | number | any
    value: str
    word: str = ""  # stem: the word as written
    guard: str = ""  # stem: the prefix every Norwegian form must start with
    norwegian: bool = True  # stem: match Norwegian inflections
    english: frozenset[str] = frozenset()  # stem: the regular English forms
    contracted: str = ""  # stem: the Norwegian form whose -el/-en/-er lost its e ("miserabl", "umodn")

    @classmethod
    def compile(cls, word: str, language: str = "*") -> _Word:
        if word == "_":
            return cls("any", "")
        if word == "#":
            return cls("number", "")
        if word.endswith("~") and len(word) > 1:
            written = word[:-1]
            root = stem(written)
            english = frozenset(english_forms(written)) if language in ("en", "*") else frozenset()
            norwegian = language != "en"
            return cls("stem", root, written, _guard(written), norwegian, english, _contracted(written))
        if word.endswith("*") and len(word) > 1:
            return cls("prefix", word[:-1])
        if word.startswith("*") and len(word) > 1:
            return cls("suffix", word[1:])
        return cls("exact", word)

    def matches(self, token: Token) -> bool:
        if self.kind == "exact":
            return token.text == self.value
        if self.kind == "stem":
            if token.text in self.english:
                return True
            if not self.norwegian or not token.text.startswith(self.guard):
                return False
            own = token.stem
            return (
                own in (self.value, self.word)
                or (bool(self.contracted) and own.startswith(self.contracted))
                or (own.startswith(self.value) and len(own) - len(self.value) <= _STEM_SLACK)
                or (token.text.endswith("t") and stem(token.text[:-1]) in (self.value, self.word))
            )
        if self.kind == "prefix":
            return token.text.startswith(self.value)
        if self.kind == "suffix":
            return token.text.endswith(self.value)
        if self.kind == "number":
            return any(ch.isdigit() for ch in token.text)
        return True


_Phrase = tuple[_Word, ...]


def _phrase_matches(phrase: _Phrase, tokens: Sequence[Token], i: int) -> bool:
    """Whether every word of a phrase matches the tokens from ``i`` on (the caller checks length)."""
    # A plain loop: this runs for every candidate alternative and is the lint's hot path.
    for k, word in enumerate(phrase):  # noqa: SIM110
        if not word.matches(tokens[i + k]):
            return False
    return True


@dataclass(frozen=True)
class Pattern:
    """A compiled cue pattern.

    Attributes:
        cue: The cue type it belongs to (e.g. ``cons_marker``).
        source: The pattern as written in the lexicon.
        elements: Per element, its alternatives, each a phrase of words.
        gaps: The longest gap allowed after each element (the last one is unused).
        language: ``no``, ``en`` or ``*``.
    """

    cue: str
    source: str
    elements: tuple[tuple[tuple[_Word, ...], ...], ...]
    gaps: tuple[int, ...]
    language: str = "*"
    # Per element: its alternatives by exact first word, and those whose first word is not exact.
    # Rows list dozens of alternatives; only the few that can start at a token are tried.
    _by_first: tuple[tuple[dict[str, tuple[_Phrase, ...]], tuple[_Phrase, ...]], ...] = field(
        default=(), compare=False, repr=False
    )

    def __post_init__(self) -> None:
        index = []
        for alternatives in self.elements:
            exact: dict[str, list[_Phrase]] = defaultdict(list)
            other = []
            for phrase in alternatives:
                if phrase[0].kind == "exact":
                    exact[phrase[0].value].append(phrase)
                else:
                    other.append(phrase)
            index.append(({k: tuple(v) for k, v in exact.items()}, tuple(other)))
        object.__setattr__(self, "_by_first", tuple(index))

    @classmethod
    def compile(cls, cue: str, source: str, language: str = "*") -> Pattern:
        """Compile a pattern string (see the module docstring for the syntax).

        Raises:
            ConfigError: The pattern is empty, starts or ends with a gap, has an empty alternative,
                or names an unknown language.
        """
        if language not in _LANGUAGES:
            raise ConfigError(f"lexicon pattern {source!r}: unknown language {language!r} (no, en or *)")
        texts: list[list[str]] = [[]]
        gaps: list[int] = []
        for word in source.lower().replace("’", "'").split():
            gap = _GAP.match(word)
            if gap:
                if not texts[-1]:
                    raise ConfigError(f"lexicon pattern {source!r} has a gap without a word before it")
                gaps.append(int(gap.group(1)) if gap.group(1) else 3)
                texts.append([])
            else:
                texts[-1].append(word)
        if not texts[-1]:
            raise ConfigError(f"lexicon pattern {source!r} must start and end with a word")
        gaps.append(0)
        elements = []
        for words in texts:
            alternatives = []
            for alternative in " ".join(words).split("|"):
                phrase = tuple(_Word.compile(w, language) for w in alternative.split())
                if not phrase:
                    raise ConfigError(f"lexicon pattern {source!r} has an empty alternative")
                alternatives.append(phrase)
            elements.append(tuple(alternatives))
        return cls(cue, source, tuple(elements), tuple(gaps), language)

    def match_at(self, tokens: Sequence[Token], i: int) -> int | None:
        """Return the index after the last matched token if the pattern matches at ``i``."""
        return self._match(tokens, i, 0)

    def _match(self, tokens: Sequence[Token], i: int, e: int) -> int | None:
        if i >= len(tokens):
            return None
        best: int | None = None
        exact, other = self._by_first[e]
        for phrase in exact.get(tokens[i].text, ()) + other:
            end = i + len(phrase)
            if end > len(tokens) or not _phrase_matches(phrase, tokens, i):
                continue
            if e + 1 == len(self.elements):
                found: int | None = end
            else:
                found = None
                # Shortest gap first: the cue's words should sit as close together as possible.
                for skip in range(self.gaps[e] + 1):
                    found = self._match(tokens, end + skip, e + 1)
                    if found is not None:
                        break
            if found is not None and (best is None or found > best):
                best = found
        return best


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
            firsts = [phrase[0] for phrase in pattern.elements[0]]
            if all(w.kind == "exact" or (w.kind == "stem" and len(w.guard) >= _KEY) for w in firsts):
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
