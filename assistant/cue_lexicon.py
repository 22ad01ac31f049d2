"""Weighted cue lexicons: which topics or request types a text shows, from editable TSV files.

A lexicon file has rows ``label<TAB>weight<TAB>pattern[<TAB>language]``; ``#`` starts a comment.

- ``label`` names what the cue is evidence of (a topic such as ``pay``, a request type such as
  ``override``). Two labels are special: ``*`` rows are *boosters* (words like "regler", "lov",
  "how much" that only strengthen a label some other cue already found) and ``^`` rows are *fillers*
  (politeness such as "please", "kan du" that may stand before an anchored pattern).
- ``weight`` is how much one match counts; a label *fires* at a total of 1. Strong cues weigh 1, an
  ambiguous word 0.5 (it needs a second cue or a booster). ``-`` makes the row an *exclusion*: tokens
  it matches never count for that label (``*``: for any label), e.g. ``belønne`` is not ``lønn``.
- ``language`` is ``no`` (Bokmål and Nynorsk), ``en`` or ``*`` (default): ``fire`` is "four" in
  Norwegian and only an English cue.

A pattern is a sequence of elements separated by gaps: ``...`` (up to three other tokens), ``...N``
(up to N). An element is alternatives joined by ``|``; an alternative is a phrase of words, so in
``a|b c ...2 d`` the first element is ``a`` or the phrase ``b c``. A word is ``word`` (exactly),
``word~`` (same Snowball stem), ``word*`` (prefix, the word itself included), ``*word`` (the tail of
a longer word: ``*lønn`` matches ``grunnlønn`` but not ``lønn``), ``*word*`` (inside a word), ``#``
(has a digit) or ``_`` (any token). A pattern that starts with ``^`` only matches at the start of a
sentence, after optional fillers. Hyphens split words (``CRM-system`` is ``crm system``), in texts
and patterns alike. The syntax extends the feedback lexicon's (assistant/feedback/lexicon.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import ConfigError
from assistant.text import normalize, stem

BOOSTER, FILLER = "*", "^"
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENTENCE = re.compile(r"[.!?;:\n«»\"“”()\[\]]+")
_GAP = re.compile(r"^\.\.\.(\d*)$")
_LANGUAGES = ("no", "en", "*")
#: Boosters only ever add this much to a label, so a weak cue plus boosters just reaches 1.
_BOOSTER_CAP = 0.5
#: First-word kinds looked up by value; the rest (infix, number, any) are tried one by one.
_INDEXED = ("exact", "prefix", "suffix", "stem")


@dataclass(frozen=True)
class _Word:
    kind: str  # exact | stem | prefix | suffix | infix | number | any
    value: str

    @classmethod
    def compile(cls, word: str) -> _Word:
        if word == "_":
            return cls("any", "")
        if word == "#":
            return cls("number", "")
        if len(word) > 2 and word.startswith("*") and word.endswith("*"):
            return cls("infix", word[1:-1])
        if len(word) > 1 and word.endswith("~"):
            return cls("stem", stem(word[:-1]))
        if len(word) > 1 and word.endswith("*"):
            return cls("prefix", word[:-1])
        if len(word) > 1 and word.startswith("*"):
            return cls("suffix", word[1:])
        return cls("exact", word)

    def matches(self, token: str) -> bool:
        kind = self.kind
        if kind == "exact":
            return token == self.value
        if kind == "prefix":
            return token.startswith(self.value)
        if kind == "suffix":
            # A compound's tail: the bare word is a cue of its own (often with another weight).
            return len(token) > len(self.value) and token.endswith(self.value)
        if kind == "infix":
            return self.value in token
        if kind == "stem":
            return token == self.value or stem(token) == self.value
        if kind == "number":
            return any(ch.isdigit() for ch in token)
        return True


@dataclass(frozen=True)
class CuePattern:
    """One compiled row of a lexicon.

    Attributes:
        label: What a match is evidence of.
        weight: What one match counts; None for an exclusion row.
        source: The pattern as written.
        language: ``no``, ``en`` or ``*``.
        anchored: Only matches at a sentence start (after fillers).
    """

    label: str
    weight: float | None
    source: str
    language: str
    anchored: bool
    elements: tuple[tuple[tuple[_Word, ...], ...], ...] = field(repr=False)
    gaps: tuple[int, ...] = field(repr=False)

    @classmethod
    def compile(cls, label: str, weight: float | None, source: str, language: str = "*") -> CuePattern:
        """Compile a pattern (see the module docstring).

        Raises:
            ConfigError: Unknown language, a gap at either end, or an empty alternative.
        """
        if language not in _LANGUAGES:
            raise ConfigError(f"pattern {source!r}: unknown language {language!r} (no, en or *)")
        text = normalize(source).lower().replace("’", "'")
        anchored = text.startswith("^")
        text = text.replace("^", "").replace("-", " ")
        groups: list[list[str]] = [[]]
        gaps: list[int] = []
        for word in text.split():
            gap = _GAP.match(word)
            if gap:
                if not groups[-1]:
                    raise ConfigError(f"pattern {source!r}: a gap needs a word before it")
                gaps.append(int(gap.group(1)) if gap.group(1) else 3)
                groups.append([])
            else:
                groups[-1].append(word)
        if not groups[-1]:
            raise ConfigError(f"pattern {source!r} must start and end with a word")
        gaps.append(0)
        elements = []
        for group in groups:
            alternatives = tuple(
                tuple(_Word.compile(w) for w in alternative.split())
                for alternative in " ".join(group).split("|")
            )
            if any(not phrase for phrase in alternatives):
                raise ConfigError(f"pattern {source!r} has an empty alternative")
            elements.append(alternatives)
        return cls(label, weight, source, language, anchored, tuple(elements), tuple(gaps))

    def match_at(self, tokens: Sequence[str], i: int) -> tuple[int, ...] | None:
        """The indices of the tokens the pattern's words cover if it matches starting at ``i``."""
        return self._match(tokens, i, 0)

    def _match(self, tokens: Sequence[str], i: int, e: int) -> tuple[int, ...] | None:
        for phrase in self.elements[e]:
            end = i + len(phrase)
            if end > len(tokens) or not all(w.matches(tokens[i + k]) for k, w in enumerate(phrase)):
                continue
            covered = tuple(range(i, end))
            if e + 1 == len(self.elements):
                return covered
            # Shortest gap first: the words of a cue should stand as close together as they can.
            for skip in range(self.gaps[e] + 1):
                rest = self._match(tokens, end + skip, e + 1)
                if rest is not None:
                    return covered + rest
        return None


@dataclass(frozen=True)
class CueMatch:
    """A cue found in a text.

    Attributes:
        label: What it is evidence of (``*`` for a booster).
        weight: What it counts.
        pattern: The pattern as written in the lexicon.
        words: The words it matched, space-separated (gaps left out).
    """

    label: str
    weight: float
    pattern: str
    words: str


def sentences(text: str) -> list[list[str]]:
    """Split text into sentences of lower-case word tokens (hyphens and punctuation split words)."""
    parts = _SENTENCE.split(normalize(text).lower().replace("’", "'"))
    return [tokens for part in parts if (tokens := _TOKEN.findall(part))]


class _FirstWords:
    """Which patterns can start at a token, by their first word: a few dict lookups per token.

    Trying every pattern at every token costs ~100 ms for a passage; most patterns' first word
    cannot match most tokens, so only the candidates found here are tried.
    """

    def __init__(self, patterns: Sequence[CuePattern]) -> None:
        self._by_kind: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in _INDEXED}
        self._other: list[tuple[_Word, int]] = []
        for index, pattern in enumerate(patterns):
            for phrase in pattern.elements[0]:
                word = phrase[0]
                if word.kind in _INDEXED:
                    self._by_kind[word.kind][word.value].append(index)
                else:
                    self._other.append((word, index))
        self._cache: dict[str, frozenset[int]] = {}

    def candidates(self, token: str) -> frozenset[int]:
        """Indices of the patterns whose first word matches token."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found: set[int] = set(self._by_kind["exact"].get(token, ()))
        prefix, suffix, stems = self._by_kind["prefix"], self._by_kind["suffix"], self._by_kind["stem"]
        for cut in range(1, len(token) + 1):
            found.update(prefix.get(token[:cut], ()))
        for cut in range(1, len(token)):
            found.update(suffix.get(token[cut:], ()))
        found.update(stems.get(token, ()))
        found.update(stems.get(stem(token), ()))
        found.update(index for word, index in self._other if word.matches(token))
        if len(self._cache) < 100_000:
            self._cache[token] = frozenset(found)
        return frozenset(found)


class CueLexicon:
    """Weighted cue patterns grouped by label.

    Args:
        patterns: The compiled rows (cues, boosters, fillers and exclusions).
    """

    def __init__(self, patterns: Sequence[CuePattern]) -> None:
        self._patterns = list(patterns)
        self._first = _FirstWords(self._patterns)
        self._labels = sorted(
            {p.label for p in self._patterns if p.weight is not None and p.label not in (BOOSTER, FILLER)}
        )

    def __len__(self) -> int:
        return sum(1 for p in self._patterns if p.weight is not None and p.label != FILLER)

    @property
    def labels(self) -> list[str]:
        """The labels that have cues."""
        return list(self._labels)

    @classmethod
    def load(cls, path: Path) -> CueLexicon:
        """Read a lexicon file (``label<TAB>weight<TAB>pattern[<TAB>language]`` rows).

        Raises:
            ConfigError: The file cannot be read or a row is malformed.
        """
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read the cue lexicon {path}: {exc}") from exc
        patterns = []
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [f.strip() for f in line.split("\t")]
            if len(fields) < 3 or not fields[0] or not fields[2]:
                raise ConfigError(f"{path}:{number}: expected 'label<TAB>weight<TAB>pattern'")
            try:
                weight = None if fields[1] == "-" else float(fields[1])
            except ValueError as exc:
                raise ConfigError(f"{path}:{number}: weight must be a number or '-'") from exc
            language = fields[3] if len(fields) > 3 and fields[3] else "*"
            try:
                patterns.append(CuePattern.compile(fields[0], weight, fields[2], language))
            except ConfigError as exc:
                raise ConfigError(f"{path}:{number}: {exc}") from exc
        return cls(patterns)

    def _candidates(self, tokens: Sequence[str], i: int, language: str) -> list[CuePattern]:
        patterns = (self._patterns[index] for index in sorted(self._first.candidates(tokens[i])))
        return [p for p in patterns if language == "*" or p.language in ("*", language)]

    def _starts(self, tokens: Sequence[str], language: str) -> set[int]:
        """Where an anchored pattern may start: 0, and after any run of fillers."""
        starts, frontier = {0}, [0]
        while frontier:
            i = frontier.pop()
            if i >= len(tokens):
                continue
            for filler in self._candidates(tokens, i, language):
                if filler.label != FILLER:
                    continue
                found = filler.match_at(tokens, i)
                if found is not None and found[-1] + 1 not in starts:
                    starts.add(found[-1] + 1)
                    frontier.append(found[-1] + 1)
        return starts

    def matches(self, text: str, language: str = "und") -> list[CueMatch]:
        """Every cue (boosters included) found in text; the same words found twice count once.

        Args:
            text: A question or a passage.
            language: ``nb``, ``nn``, ``en``, or ``und`` to use every pattern.
        """
        language = {"nb": "no", "nn": "no", "en": "en"}.get(language, "*")
        found: dict[tuple[str, str, str], CueMatch] = {}
        for tokens in sentences(text):
            excluded: dict[str, set[int]] = defaultdict(set)
            for i in range(len(tokens)):
                for row in self._candidates(tokens, i, language):
                    if row.weight is None and row.label != FILLER:
                        covered = row.match_at(tokens, i)
                        if covered is not None:
                            excluded[row.label].update(covered)
            starts = self._starts(tokens, language)
            for i in range(len(tokens)):
                for row in self._candidates(tokens, i, language):
                    if row.weight is None or row.label == FILLER or (row.anchored and i not in starts):
                        continue
                    covered = row.match_at(tokens, i)
                    blocked = excluded.get(row.label, set()) | excluded.get(BOOSTER, set())
                    if covered is None or blocked.intersection(covered):
                        continue
                    # Distinct words count apart ("produktet" and "versjonen" add up); the same words
                    # found twice by the same row count once.
                    words = " ".join(tokens[j] for j in covered)
                    match = CueMatch(row.label, row.weight, row.source, words)
                    found.setdefault((row.label, row.source, words), match)
        return list(found.values())

    def scores(self, text: str, language: str = "und", *, boosters: bool = True) -> dict[str, float]:
        """Total weight per label found in text.

        Args:
            text: A question or a passage.
            language: ``nb``, ``nn``, ``en`` or ``und``.
            boosters: Add the boosters' weight (at most 0.5) to every label found.
        """
        return tally(self.matches(text, language), boosters=boosters)

    def fired(self, text: str, language: str = "und", *, boosters: bool = True) -> list[tuple[str, float]]:
        """Labels whose total reaches 1, strongest first (ties by name)."""
        scores = self.scores(text, language, boosters=boosters)
        return sorted(((k, v) for k, v in scores.items() if v >= 1.0), key=lambda kv: (-kv[1], kv[0]))


def tally(cues: Sequence[CueMatch], *, boosters: bool = True) -> dict[str, float]:
    """Total weight per label; boosters add (at most 0.5) to every label found, if asked."""
    totals: dict[str, float] = defaultdict(float)
    for cue in cues:
        if cue.label != BOOSTER:
            totals[cue.label] += cue.weight
    boost = booster_weight(cues) if boosters else 0.0
    return {label: total + boost for label, total in totals.items()}


def booster_weight(cues: Sequence[CueMatch]) -> float:
    """What the boosters among cues add to a label (capped at 0.5)."""
    return min(sum(c.weight for c in cues if c.label == BOOSTER), _BOOSTER_CAP)
