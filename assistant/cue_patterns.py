"""The cue-pattern language two lexicons share: words, elements with gaps, and matching over tokens.

The feedback lint's lexicons (assistant/feedback/lexicon.py) and the coverage decision's weighted
lexicons (assistant/cue_lexicon.py) write their patterns the same way; each module's docstring
describes the syntax for the people who edit its TSV files. A pattern is a sequence of elements
separated by gaps: ``...`` (zero to three other tokens) or ``...N`` (zero to N). An element is
alternatives joined by ``|``, and an alternative is a phrase of words: ``word`` (exactly), ``word~``
(inflected), ``word*`` (prefix), ``*word`` (the end of a word), ``#`` (has a digit) or ``_`` (any
token). Where the two lexicons differ, a :class:`Dialect` says how:

- ``word~``: the feedback lint knows Norwegian inflection with guards and regular English forms
  (``inflections``); the coverage cues ask for the same Snowball stem.
- ``*word``: the coverage cues want the tail of a *longer* word (``tails``: the bare word is a cue
  of its own); the feedback lint takes the word itself too.
- ``*word*`` (inside a word) is coverage syntax only (``infix``).
- Which alternative of an element wins: the feedback lint takes the one reaching furthest
  (``longest``), the coverage cues the first one written that matches.

Matching is per token, over tokens that carry their Snowball stem (:class:`Form`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.errors import ConfigError
from assistant.text import stem

_GAP = re.compile(r"^\.\.\.(\d*)$")
_LANGUAGES = ("no", "en", "*")
# How much longer a form's stem may be than the written word's ("frustr~" → "frustrer").
_STEM_SLACK = 3
# Norwegian comparative and superlative endings of an adjective written in the lexicon.
_COMPARISON = ("ere", "are", "ste", "este", "aste")


@dataclass(frozen=True)
class Dialect:
    """Where a lexicon's patterns mean something of their own (see the module docstring).

    Attributes:
        name: How error messages name a pattern (``pattern``, ``lexicon pattern``).
        gap_error: The message for a gap with no word before it (``{name}`` and ``{source}`` filled in).
        infix: ``*word*`` matches inside a word.
        tails: ``*word`` needs a longer token than the word.
        inflections: ``word~`` is inflection-aware (else: the same Snowball stem).
        longest: An element's alternative that reaches furthest wins (else: the first that matches).
    """

    name: str
    gap_error: str
    infix: bool
    tails: bool
    inflections: bool
    longest: bool


@dataclass(frozen=True)
class Form:
    """A token as patterns see it.

    Attributes:
        text: The word in lower case (typographic apostrophes made straight).
        stem: Its Snowball stem.
    """

    text: str
    stem: str

    @classmethod
    def of(cls, text: str) -> Form:
        """The form of a lower-case word."""
        return cls(text, stem(text))


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
class Word:
    """One word of a pattern alternative.

    Attributes:
        kind: ``exact``, ``prefix``, ``suffix`` (ends with), ``tail`` (ends a longer word), ``infix``,
            ``stem`` (same Snowball stem), ``inflected`` (a guarded inflection), ``number`` or ``any``.
        value: The text compared (for ``stem`` and ``inflected``: the written word's stem).
        word: ``inflected``: the word as written.
        guard: ``inflected``: the prefix every Norwegian form must start with.
        norwegian: ``inflected``: match Norwegian inflections.
        english: ``inflected``: the regular English forms.
        contracted: ``inflected``: the stem of a form whose -el/-en/-er lost its e ("miserabl").
    """

    kind: str
    value: str
    word: str = ""
    guard: str = ""
    norwegian: bool = True
    english: frozenset[str] = frozenset()
    contracted: str = ""

    @classmethod
    def compile(cls, word: str, language: str, dialect: Dialect) -> Word:
        """Compile one written word (lower case) of a pattern in the given language."""
        if word == "_":
            return cls("any", "")
        if word == "#":
            return cls("number", "")
        if dialect.infix and len(word) > 2 and word.startswith("*") and word.endswith("*"):
            return cls("infix", word[1:-1])
        if len(word) > 1 and word.endswith("~"):
            written = word[:-1]
            if not dialect.inflections:
                return cls("stem", stem(written))
            english = frozenset(english_forms(written)) if language in ("en", "*") else frozenset()
            return cls(
                "inflected", stem(written), written, _guard(written), language != "en", english,
                _contracted(written),
            )
        if len(word) > 1 and word.endswith("*"):
            return cls("prefix", word[:-1])
        if len(word) > 1 and word.startswith("*"):
            return cls("tail" if dialect.tails else "suffix", word[1:])
        return cls("exact", word)

    def matches(self, token: Form) -> bool:
        """Whether the token is this word."""
        kind = self.kind
        if kind == "exact":
            return token.text == self.value
        if kind == "inflected":
            if token.text in self.english:
                return True
            if not self.norwegian or not token.text.startswith(self.guard):
                return False
            own = token.stem
            return (
                own in (self.value, self.word)
                # comparison: "ryddigere", "flinkeste", "grundigaste" (longer than the stem slack)
                or any(token.text == self.word + ending for ending in _COMPARISON)
                or (bool(self.contracted) and own.startswith(self.contracted))
                or (own.startswith(self.value) and len(own) - len(self.value) <= _STEM_SLACK)
                or (token.text.endswith("t") and stem(token.text[:-1]) in (self.value, self.word))
            )
        if kind == "prefix":
            return token.text.startswith(self.value)
        if kind == "suffix":
            return token.text.endswith(self.value)
        if kind == "tail":
            # A compound's tail: the bare word is a cue of its own (often with another weight).
            return len(token.text) > len(self.value) and token.text.endswith(self.value)
        if kind == "stem":
            return token.text == self.value or token.stem == self.value
        if kind == "infix":
            return self.value in token.text
        if kind == "number":
            return any(ch.isdigit() for ch in token.text)
        return True


Phrase = tuple[Word, ...]
Element = tuple[Phrase, ...]


def _phrase_matches(phrase: Phrase, tokens: Sequence[Form], i: int) -> bool:
    """Whether every word of a phrase matches the tokens from ``i`` on (the caller checks length)."""
    # A plain loop: this runs for every candidate alternative and is the lint's hot path.
    for k, word in enumerate(phrase):  # noqa: SIM110
        if not word.matches(tokens[i + k]):
            return False
    return True


def _by_first_word(alternatives: Element) -> tuple[dict[str, Element], Element]:
    """An element's alternatives that can start at a token, by the token's text.

    Rows list dozens of alternatives; only those whose first word is that exact text or not an exact
    word at all can start there. Each list keeps the written order, which decides the first match.
    """
    by_text: dict[str, list[Phrase]] = {}
    other: list[Phrase] = []
    for phrase in alternatives:
        if phrase[0].kind == "exact":
            by_text.setdefault(phrase[0].value, list(other)).append(phrase)
        else:
            other.append(phrase)
            for phrases in by_text.values():
                phrases.append(phrase)
    return {text: tuple(phrases) for text, phrases in by_text.items()}, tuple(other)


@dataclass(frozen=True)
class Matcher:
    """The compiled elements and gaps of one pattern, matched over tokens.

    Attributes:
        elements: Per element, its alternatives, each a phrase of words.
        gaps: The longest gap allowed after each element (the last one is unused).
        longest: Of an element's alternatives, the one reaching furthest wins (else the first).
    """

    elements: tuple[Element, ...]
    gaps: tuple[int, ...]
    longest: bool
    _by_first: tuple[tuple[dict[str, Element], Element], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_first", tuple(_by_first_word(e) for e in self.elements))

    @classmethod
    def compile(cls, text: str, source: str, language: str, dialect: Dialect) -> Matcher:
        """Compile a pattern's words.

        Args:
            text: The pattern in lower case, as the lexicon's own syntax leaves it.
            source: The pattern as written (for error messages).
            language: ``no``, ``en`` or ``*``.
            dialect: What the lexicon's words mean.

        Raises:
            ConfigError: An unknown language, a gap at either end, or an empty alternative.
        """
        name = dialect.name
        if language not in _LANGUAGES:
            raise ConfigError(f"{name} {source!r}: unknown language {language!r} (no, en or *)")
        groups: list[list[str]] = [[]]
        gaps: list[int] = []
        for word in text.split():
            gap = _GAP.match(word)
            if gap:
                if not groups[-1]:
                    raise ConfigError(dialect.gap_error.format(name=name, source=repr(source)))
                gaps.append(int(gap.group(1)) if gap.group(1) else 3)
                groups.append([])
            else:
                groups[-1].append(word)
        if not groups[-1]:
            raise ConfigError(f"{name} {source!r} must start and end with a word")
        gaps.append(0)
        elements = []
        for group in groups:
            alternatives = tuple(
                tuple(Word.compile(w, language, dialect) for w in alternative.split())
                for alternative in " ".join(group).split("|")
            )
            if any(not phrase for phrase in alternatives):
                raise ConfigError(f"{name} {source!r} has an empty alternative")
            elements.append(alternatives)
        return cls(tuple(elements), tuple(gaps), dialect.longest)

    @property
    def firsts(self) -> tuple[Word, ...]:
        """The first word of each alternative of the first element: a match starts with one."""
        return tuple(phrase[0] for phrase in self.elements[0])

    def match(self, tokens: Sequence[Form], i: int) -> tuple[int, ...] | None:
        """The indices of the tokens the pattern's words cover if it matches starting at ``i``."""
        return self._match(tokens, i, 0)

    def _match(self, tokens: Sequence[Form], i: int, e: int) -> tuple[int, ...] | None:
        if i >= len(tokens):
            return None
        best: tuple[int, ...] | None = None
        by_text, other = self._by_first[e]
        for phrase in by_text.get(tokens[i].text, other):
            end = i + len(phrase)
            if end > len(tokens) or not _phrase_matches(phrase, tokens, i):
                continue
            found: tuple[int, ...] | None = None
            if e + 1 == len(self.elements):
                found = tuple(range(i, end))
            else:
                # Shortest gap first: the cue's words should stand as close together as they can.
                for skip in range(self.gaps[e] + 1):
                    rest = self._match(tokens, end + skip, e + 1)
                    if rest is not None:
                        found = tuple(range(i, end)) + rest
                        break
            if found is None:
                continue
            if not self.longest:
                return found
            if best is None or found[-1] > best[-1]:
                best = found
        return best
