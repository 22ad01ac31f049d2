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
and patterns alike. The feedback lexicon speaks the same language with a few differences; both
compile and match their patterns with assistant/cue_patterns.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.cue_patterns import Dialect, Form, Matcher, Word
from assistant.errors import ConfigError
from assistant.text import normalize

BOOSTER, FILLER = "*", "^"
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENTENCE = re.compile(r"[.!?;:\n«»\"“”()\[\]]+")
#: Boosters only ever add this much to a label, so a weak cue plus boosters just reaches 1.
_BOOSTER_CAP = 0.5
#: First-word kinds looked up by value; the rest (infix, number, any) are tried one by one.
_INDEXED = ("exact", "prefix", "tail", "stem")
#: What this lexicon's words mean in the shared pattern language (assistant/cue_patterns.py).
_DIALECT = Dialect(
    name="pattern",
    gap_error="{name} {source}: a gap needs a word before it",
    infix=True,
    tails=True,
    inflections=False,
    longest=False,
)


@dataclass(frozen=True)
class CuePattern:
    """One compiled row of a lexicon.

    Attributes:
        label: What a match is evidence of.
        weight: What one match counts; None for an exclusion row.
        source: The pattern as written.
        language: ``no``, ``en`` or ``*``.
        anchored: Only matches at a sentence start (after fillers).
        matcher: Its compiled words and gaps.
    """

    label: str
    weight: float | None
    source: str
    language: str
    anchored: bool
    matcher: Matcher = field(repr=False)

    @classmethod
    def compile(cls, label: str, weight: float | None, source: str, language: str = "*") -> CuePattern:
        """Compile a pattern (see the module docstring).

        Raises:
            ConfigError: Unknown language, a gap at either end, or an empty alternative.
        """
        text = normalize(source).lower().replace("’", "'")
        anchored = text.startswith("^")
        text = text.replace("^", "").replace("-", " ")
        matcher = Matcher.compile(text, source, language, _DIALECT)
        return cls(label, weight, source, language, anchored, matcher)

    def match_at(self, tokens: Sequence[Form], i: int) -> tuple[int, ...] | None:
        """The indices of the tokens the pattern's words cover if it matches starting at ``i``."""
        return self.matcher.match(tokens, i)


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
        self._other: list[tuple[Word, int]] = []
        for index, pattern in enumerate(patterns):
            for word in pattern.matcher.firsts:
                if word.kind in _INDEXED:
                    self._by_kind[word.kind][word.value].append(index)
                else:
                    self._other.append((word, index))
        self._cache: dict[str, frozenset[int]] = {}

    def candidates(self, form: Form) -> frozenset[int]:
        """Indices of the patterns whose first word matches the token."""
        token = form.text
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found: set[int] = set(self._by_kind["exact"].get(token, ()))
        prefix, tail, stems = self._by_kind["prefix"], self._by_kind["tail"], self._by_kind["stem"]
        for cut in range(1, len(token) + 1):
            found.update(prefix.get(token[:cut], ()))
        for cut in range(1, len(token)):
            found.update(tail.get(token[cut:], ()))
        found.update(stems.get(token, ()))
        found.update(stems.get(form.stem, ()))
        found.update(index for word, index in self._other if word.matches(form))
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

    def _candidates(self, tokens: Sequence[Form], i: int, language: str) -> list[CuePattern]:
        patterns = (self._patterns[index] for index in sorted(self._first.candidates(tokens[i])))
        return [p for p in patterns if language == "*" or p.language in ("*", language)]

    def _starts(self, tokens: Sequence[Form], language: str) -> set[int]:
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
        for words in sentences(text):
            tokens = [Form.of(word) for word in words]
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
                    said = " ".join(tokens[j].text for j in covered)
                    match = CueMatch(row.label, row.weight, row.source, said)
                    found.setdefault((row.label, row.source, said), match)
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
