"""Sentences, clauses and cue hits: the structure the feedback lint reasons over."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.feedback.lexicon import Hit, Lexicon, Token, tokenize
from assistant.feedback.morphology import antonym_labels, praise_adverbs
from assistant.feedback.perspective import Perspective

#: Cues that name the person the feedback is about: "du"/"you", "deg", "din"/"your".
PERSON_CUES = ("second", "second_object", "second_possessive")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”)]*\s+|\s*\n\s*")
# Anything between two words that is not space or a word-internal mark ends a clause (, ; : – emoji).
_CLAUSE_MARK = re.compile(r"[^\w\s'’/%&-]|\s[-–—]\s")


# Abbreviations whose period ends no sentence ("kl. 15", "ca. 20", "f.eks. Telenor", "Mr. Hale").
_ABBREVIATIONS = frozenset({
    "kl", "ca", "nr", "mr", "mrs", "ms", "dr", "jf", "evt", "ev", "inkl", "ekskl", "tlf", "f.eks", "bl.a",
    "e.g", "i.e", "vs", "pkt", "avd",
})
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")


def _no_end(text: str, stop: int, after: int) -> bool:
    """Whether the period at ``stop`` belongs to an abbreviation or an ordinal, not a sentence end.

    "kl. 15", "f.eks. Telenor": a known abbreviation; "3. januar", "den 4. mars": an ordinal number
    followed by a lower-case word or a number.
    """
    if text[stop - 1 : stop] != "." or after >= len(text) or "\n" in text[stop:after]:
        return False
    word = _WORD_BEFORE.search(text[max(stop - 8, 0) : stop])
    if word is None:
        return False
    before, following = word.group(1).lower(), text[after]
    if before in _ABBREVIATIONS:
        return True
    return before.isdigit() and len(before) <= 2 and (following.islower() or following.isdigit())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Cut text into sentences by end punctuation and line breaks, keeping character offsets.

    Args:
        text: The text.

    Returns:
        ``(start, end)`` of each non-empty sentence, stripped of surrounding space.
    """
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if _no_end(text, match.start(), match.end()):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    result = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if any(ch.isalnum() for ch in text[a:b]):
            result.append((a, b))
    return result




@dataclass
class Clause:
    """A clause of a sentence and the parts it carries.

    Attributes:
        first: Index of its first token in the sentence.
        last: Index of its last token.
        segment: Which contrast segment of the sentence it lies in.
        start: Character offset of its first token in the text.
        end: Character offset after its last token.
        parts: The parts it carries.
        ask: Whether it asks for something (an improvement).
        neutral: Whether it counts as a problem only because it says what the person did, with no
            word of criticism (such a clause next to praise, in a text with no ask, is the praise).
        derived: Whether it counts as a consequence only because it follows such a problem (a
            negated or "now" clause about someone else, or a causal marker with no harm: "det er
            derfor kunden ba om deg"); it falls with a neutral problem.
    """

    first: int
    last: int
    segment: int
    start: int
    end: int
    parts: set[str] = field(default_factory=set)
    ask: bool = False
    neutral: bool = False
    derived: bool = False


@dataclass
class Sentence:
    """One analysed sentence.

    Attributes:
        start: Character offset in the text.
        end: End offset.
        tokens: Its tokens (offsets in the whole text).
        clauses: Its clauses in order.
        hits: Cue hits by cue type (token indices relative to this sentence).
        question: Whether it ends with a question mark.
        sarcastic: Whether its praise reads as sarcasm.
        positive_segments: Segments with genuine praise.
        colons: Offsets of colons in the sentence (a colon ends a heading such as "Dette er bra:").
        language: The half of the lexicon it was read with: ``no``, ``en`` or ``*``.
        names: Indices of capitalised tokens inside running text (names, not verbs).
    """

    start: int
    end: int
    tokens: list[Token]
    clauses: list[Clause]
    hits: dict[str, list[Hit]]
    question: bool = False
    sarcastic: bool = False
    positive_segments: set[int] = field(default_factory=set)
    colons: tuple[int, ...] = ()
    language: str = "*"
    names: frozenset[int] = frozenset()

    def clause_of(self, token_index: int) -> Clause:
        """The clause holding a token."""
        return next(c for c in self.clauses if c.first <= token_index <= c.last)

    def in_clause(self, cue: str, clause: Clause) -> list[Hit]:
        """Hits of a cue that start inside a clause."""
        return [h for h in self.hits.get(cue, []) if clause.first <= h.first <= clause.last]

    @property
    def parts(self) -> set[str]:
        """The parts any of its clauses carries."""
        return set().union(*(c.parts for c in self.clauses)) if self.clauses else set()


@dataclass
class Analysis:
    """A text with its sentences, clauses and parts.

    Attributes:
        text: The text analysed.
        language: The language guess: ``nb``, ``nn``, ``en`` or ``und``.
        sentences: Its sentences.
    """

    text: str
    language: str
    sentences: list[Sentence]

    @property
    def parts(self) -> set[str]:
        """The parts present anywhere in the text."""
        return set().union(*(s.parts for s in self.sentences)) if self.sentences else set()


def overlaps(a: Hit, b: Hit) -> bool:
    """Whether two hits share a token."""
    return a.first <= b.last and b.first <= a.last


def any_overlap(hit: Hit, others: Iterable[Hit]) -> bool:
    """Whether a hit shares a token with any of the others."""
    return any(overlaps(hit, o) for o in others)


class Segmenter:
    """Cuts texts into sentences and clauses and finds the lexicon's cues in them.

    Args:
        lexicon: The cue lexicon.
    """

    #: Cue types looked up in every sentence.
    CUES = (
        "second", "second_object", "second_possessive", "negator", "contrast", "clause_break",
        "positive", "keep_going", "courtesy", "sarcasm", "problem", "cons_marker", "effect",
        "self_obligation", "improve_marker",
        "imperative", "lead_in", "subordinate", "ability", "vague", "label", "label_noun", "sarcastic_label",
        "person_copula", "filler", "absolute", "concrete", "own_feeling", "judgement", "third_person",
        "not_third_person", "characterisation", "report_verb", "result_link", "statement_frame",
        "now_marker", "imperative_lead", "not_verb", "time_point", "time_frame", "deadline", "finite",
        "label_domain", "anaphor", "stake", "not_outcome", "dispatch", "not_imperative", "cause_link",
        "request", "became", "bare_thanks", "not_problem", "hedge", "witness",
        "condition", "benefit", "undoing", "excuse", "joint_plan", "future_time", "routine",
        "outside_cause", "plan_span", "overcome", "metric_owner", "plan_heading", "comparative",
        "time_praise",
    )

    _SPLITTERS = frozenset({"clause_break", "contrast", "lead_in", "subordinate"})

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def lexicon_language(self, text: str, tokens: list[Token]) -> str:
        """Which half of the lexicon fits a text: ``en`` or ``no`` (Bokmål and Nynorsk together).

        Counted from function words in the lexicon rather than :func:`guess_language`, which calls
        short English texts such as "Great work on the pitch, really." Norwegian.

        Args:
            text: The whole text.
            tokens: Its tokens (:func:`~assistant.feedback.lexicon.tokenize`).
        """
        english = len(self.lexicon.find("lang_en", tokens))
        norwegian = len(self.lexicon.find("lang_no", tokens))
        if any(ch in "æøåÆØÅ" for ch in text):
            norwegian += 2
        return "en" if english > norwegian else "no" if norwegian else "*"

    def sentence(
        self, text: str, start: int, end: int, language: str, perspective: Perspective | None = None
    ) -> Sentence:
        """Tokenise one sentence of text, find every cue in it and cut it into clauses.

        Args:
            text: The whole text.
            start: Offset of the sentence.
            end: End offset of the sentence.
            language: The half of the lexicon to read it with.
            perspective: How the text refers to the person (a note about them reads as to them).
        """
        tokens = tokenize(text[start:end], start)
        if perspective is not None:
            tokens = perspective.apply(text, tokens, language)
        hits = {cue: self.lexicon.find(cue, tokens, language) for cue in self.CUES}
        # A capital inside running text marks a name ("og Spar Fauske sendte …"), not a verb told to
        # someone; after a colon or a dash ("Neste gang: Send …") a capital may open an instruction.
        names = {
            i for i in range(1, len(tokens))
            if text[tokens[i].start].isupper()
            and text[tokens[i - 1].end : tokens[i].start].strip() in ("", ",")
        }
        hits["imperative"] = [h for h in hits["imperative"] if h.first not in names]
        hits["antonym"] = antonym_labels(self.lexicon, tokens, hits, language)
        if language != "no":
            hits["positive"] = sorted(
                hits["positive"] + praise_adverbs(self.lexicon, tokens, hits), key=lambda h: h.first
            )
        # A conjunction inside a longer cue ("rett og slett", "each and every") opens no clause.
        inside = {
            i for cue, found in hits.items() if cue not in self._SPLITTERS
            for h in found for i in range(h.first + 1, h.last + 1)
        }
        breaks = {h.first for h in hits["clause_break"]} - inside
        contrasts = {h.first for h in hits["contrast"]} - inside
        subordinators = {h.first for h in hits["subordinate"]}
        clauses: list[Clause] = []
        segment = 0
        for i, token in enumerate(tokens):
            gap = text[tokens[i - 1].end : token.start] if i else ""
            if i in contrasts:
                segment += 1  # segments after a contrast word ("Men …") are numbered from 1
            # A period inside a sentence belongs to an abbreviation or an ordinal ("kl. 15", "3. mai").
            mark = gap.strip() != "." and _CLAUSE_MARK.search(gap)
            # "og da blir …": a conjunction right after the one that opened the clause opens no other.
            # (A subordinator keeps its own clause: "og når kunden ringte, …".)
            stacked = i in breaks and i not in contrasts | subordinators and not mark and bool(clauses) and (
                clauses[-1].first == i - 1 and i - 1 in breaks
            )
            if i == 0 or (i in breaks and not stacked) or i in contrasts or mark:
                clauses.append(Clause(i, i, segment, token.start, token.end))
            clauses[-1].last, clauses[-1].end = i, token.end
        question = text[start:end].rstrip().endswith("?")
        colons = tuple(start + i for i, ch in enumerate(text[start:end]) if ch == ":")
        return Sentence(
            start, end, tokens, clauses, hits, question=question, colons=colons, language=language,
            names=frozenset(names),
        )

    def content_start(self, sentence: Sentence, clause: Clause) -> int:
        """Index of the clause's first token after conjunctions and lead-in words."""
        i = clause.first
        skips = sentence.hits["lead_in"] + sentence.hits["clause_break"]
        while i <= clause.last:
            skip = next((h for h in skips if h.first == i), None)
            if skip is None:
                break
            i = skip.last + 1
        return i
