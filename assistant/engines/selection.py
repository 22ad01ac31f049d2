"""Sentence selection for the extractive engine: which sentences of the retrieved chunks to quote.

Every sentence of the top hits is scored by how much of the question it contains (idf-weighted terms
of the question and of its thesaurus expansion, compounds and hyphenated words split into parts, word
pairs kept in order), by its shape (lists and definitions, a clause that turns with "men", sentences
that fit the kind of question) and by the rank of its chunk. No sentence is embedded: the dense ranker
has already chosen the chunks, and measured on the eval set (``coach eval --answers``) sentence
vectors added nothing over these lexical and structural signals once the chunk rank was known.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from assistant.bm25 import BM25Index
from assistant.schemas import AliasMatch, Hit
from assistant.text import content_terms, split_sentences, stem, words
from assistant.thesaurus import Thesaurus

# Weights of the sentence score. The question's own terms count fully; thesaurus words are weaker
# evidence (they translate or paraphrase). Shape cues are small nudges that break ties between
# sentences with similar overlap; the rank step keeps the retriever's judgement of the chunks.
# Set by hand on the dev split of eval/questions.jsonl (each one ablated there; none tuned on test).
_EXPANSION_WEIGHT = 0.3
_PAIR_BONUS = 0.2
_LIST_BONUS = 0.1
_QUESTION_TYPE_BONUS = 0.1
_CONTRAST_BONUS = 0.1
_FAQ_BONUS = 0.1
# A sentence whose question aliases the question matched (scaled by the match's strength): the
# alias file says in managers' words what the sentence answers (see assistant.aliases).
# 0.8 on the dev split with 1,179 alias questions (key content 0.891 / 0.898 / 0.905 / 0.898 at
# 0.3 / 0.5 / 0.8 / 1.0).
_ALIAS_BONUS = 0.8
_SHORT_PENALTY = 0.1
_RANK_STEP = 0.05
# A sentence from a section not yet quoted must score close to the best one: a weaker sentence from
# elsewhere adds a source that is more often wrong than right (measured as citation precision).
_NEW_SECTION_MARGIN = 0.3
_MIN_WORDS = 4  # shorter "sentences" are labels or fragments
_SHORT_WORDS = 7

# A sentence that enumerates or defines ("har tre deler: …", "inkluderer …") states the point of a
# section; questions of every kind are better answered by it than by an example or an aside.
_LIST = re.compile(r":|\b(inkluderer|består av|innebærer|omfatter|har (to|tre|fire|fem|seks) \w+)\b", re.I)
_DEFINITION = re.compile(r"\b(er evnen til|refererer til|handler om|betyr|defineres|er en av)\b", re.I)
_REASON = re.compile(r"\b(fordi|grunnen|derfor|viktig|slik at)\b", re.I)
# "X, men Y": in advice text the turn after "men" carries the advice itself.
_CONTRAST = re.compile(r"\bmen\b", re.I)
_ASKS_LIST = re.compile(
    r"\b(hvilke|hvilken|kva for|elementer|deler|egenskaper|faktorer|which|what are|what makes)\b", re.I
)
_ASKS_DEFINITION = re.compile(r"\b(hva er|hva betyr|kva er|define|definer|what is|what does)\b", re.I)
_ASKS_REASON = re.compile(r"\b(hvorfor|kvifor|why)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved chunk, scored for one question.

    Attributes:
        text: The sentence, verbatim (whitespace normalised).
        hit: The hit it comes from.
        position: Its index among the chunk's sentences.
        score: How well it answers the question (comparable within one question only).
    """

    text: str
    hit: Hit
    position: int
    score: float


def chunk_sentences(hit: Hit) -> list[str]:
    """The sentences of a hit's chunk, paragraph by paragraph, exactly as written."""
    return [s for paragraph in hit.chunk.body.split("\n\n") for s in split_sentences(paragraph)]


def _hyphen_parts(text: str) -> set[str]:
    """Stems of the runs inside hyphenated words (``en-til-en-møter`` gives ``en-til-en``, ``møter``).

    The tokenizer keeps hyphenated words whole, so a question about "en-til-en samtaler" would
    otherwise never meet "en-til-en-møter".
    """
    found: set[str] = set()
    for word in words(text):
        parts = word.split("-")
        for start in range(len(parts)):
            for end in range(start + 1, len(parts) + 1):
                run = "-".join(parts[start:end])
                if run != word and content_terms(run) == [stem(run)] and len(run) > 2:
                    found.add(stem(run))
    return found


def _pairs(text: str) -> set[tuple[str, str]]:
    terms = content_terms(text)
    return set(pairwise(terms))


class _Lexicon:
    """Terms and their weights over one question's candidate sentences."""

    def __init__(self, texts: Sequence[str]) -> None:
        # BM25Index only lends its compound splitting (parts that are words of these texts).
        self._splitter = BM25Index(texts)
        self.term_sets = [self.terms(t) for t in texts]
        df: Counter[str] = Counter(t for terms in self.term_sets for t in terms)
        n = len(texts)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._unknown = math.log(1 + (n + 0.5) / 0.5)

    def terms(self, text: str) -> frozenset[str]:
        return frozenset(self._splitter.terms(text)) | _hyphen_parts(text)

    def weight(self, terms: Iterable[str]) -> float:
        return sum(self._idf.get(t, self._unknown) for t in terms)

    def coverage(self, wanted: frozenset[str], found: frozenset[str]) -> float:
        """Share of the wanted terms' weight that occurs in found (0 when nothing is wanted)."""
        total = self.weight(wanted)
        return self.weight(wanted & found) / total if total else 0.0


def _shape_bonus(question: str, sentence: str) -> float:
    bonus = 0.0
    lists = bool(_LIST.search(sentence))
    bonus += _LIST_BONUS * lists
    if (
        (_ASKS_LIST.search(question) and lists)
        or (_ASKS_DEFINITION.search(question) and _DEFINITION.search(sentence))
        or (_ASKS_REASON.search(question) and _REASON.search(sentence))
    ):
        bonus += _QUESTION_TYPE_BONUS
    bonus += _CONTRAST_BONUS * bool(_CONTRAST.search(sentence))
    bonus -= _SHORT_PENALTY * (len(sentence.split()) < _SHORT_WORDS)
    return bonus


class SentenceSelector:
    """Scores the sentences of the top hits and picks the few that answer a question.

    Args:
        thesaurus: Expands the question with the guidance's own words (as the BM25 ranker does).
        max_sentences: Most sentences quoted.
        max_chars: Soft bound on the quoted characters: a sentence that would pass it is skipped, but
            the first quote is always kept.
        per_chunk: Most sentences taken from one chunk, so that a second source gets a say.
    """

    def __init__(
        self, thesaurus: Thesaurus, max_sentences: int = 3, max_chars: int = 450, per_chunk: int = 2
    ) -> None:
        self._thesaurus = thesaurus
        self._max_sentences = max_sentences
        self._max_chars = max_chars
        self._per_chunk = per_chunk

    def candidates(
        self, question: str, hits: Sequence[Hit], aliases: Sequence[AliasMatch] = ()
    ) -> list[Candidate]:
        """Every sentence of the hits with its score, in hit and reading order.

        Args:
            question: The question.
            hits: Ranked hits.
            aliases: Alias sentences the question matched (their sentences score higher).
        """
        found = [
            (text, hit, position)
            for hit in hits
            for position, text in enumerate(chunk_sentences(hit))
            if len(text.split()) >= _MIN_WORDS
        ]
        if not found:
            return []
        # An FAQ answer is matched together with its question: that is what it answers.
        matched = [f"{h.chunk.context} {t}" if h.chunk.kind == "faq" else t for t, h, _ in found]
        lexicon = _Lexicon(matched)
        asked = lexicon.terms(question)
        expansion = lexicon.terms(self._thesaurus.expand(question)) - asked
        asked_pairs = _pairs(question)
        scored = []
        for (text, hit, position), terms, target in zip(found, lexicon.term_sets, matched, strict=True):
            score = lexicon.coverage(asked, terms)
            score += _EXPANSION_WEIGHT * lexicon.coverage(expansion, terms)
            score += _PAIR_BONUS * bool(asked_pairs & _pairs(target))
            score += _shape_bonus(question, text)
            score += _FAQ_BONUS * (hit.chunk.kind == "faq")
            score -= _RANK_STEP * (hit.rank - 1)
            score += _ALIAS_BONUS * _alias_strength(text, aliases)
            scored.append(Candidate(text, hit, position, score))
        return scored

    def select(
        self,
        question: str,
        hits: Sequence[Hit],
        *,
        fixed: Sequence[Candidate] = (),
        aliases: Sequence[AliasMatch] = (),
    ) -> list[Candidate]:
        """The sentences to quote, grouped by chunk (best chunk first) and in reading order within one.

        Args:
            question: The question.
            hits: Ranked hits.
            fixed: Sentences that must lead the answer (an FAQ's answer); they count against the bounds.
            aliases: Alias sentences the question matched (see :mod:`assistant.aliases`).

        Returns:
            The chosen sentences.
        """
        chosen = list(fixed)
        per_chunk = Counter(c.hit.chunk.id for c in chosen)
        length = sum(len(c.text) for c in chosen)
        taken = {(c.hit.chunk.id, c.position) for c in chosen}
        sections = {c.hit.chunk.section_key for c in chosen}
        scored = self.candidates(question, hits, aliases)
        ranked = sorted(scored, key=lambda c: (-c.score, c.hit.rank, c.position))
        best = ranked[0].score if ranked else 0.0
        for candidate in ranked:
            if len(chosen) >= self._max_sentences:
                break
            chunk_id = candidate.hit.chunk.id
            if (chunk_id, candidate.position) in taken or per_chunk[chunk_id] >= self._per_chunk:
                continue
            if chosen and length + len(candidate.text) > self._max_chars:
                continue
            section = candidate.hit.chunk.section_key
            if chosen and section not in sections and candidate.score < best - _NEW_SECTION_MARGIN:
                continue
            chosen.append(candidate)
            sections.add(section)
            taken.add((chunk_id, candidate.position))
            per_chunk[chunk_id] += 1
            length += len(candidate.text)
        return _reading_order(chosen, len(fixed))


def _alias_strength(sentence: str, aliases: Sequence[AliasMatch]) -> float:
    """The strongest alias match naming this sentence (0 when none does).

    Containment either way: the sentence splitter may cut an alias sentence at a colon, or keep
    two sentences together that the alias names one of.
    """
    flat = " ".join(sentence.split())
    return max(
        (m.strength for m in aliases if (named := " ".join(m.sentence.split())) in flat or flat in named),
        default=0.0,
    )


def _reading_order(chosen: list[Candidate], fixed: int) -> list[Candidate]:
    """Keep the fixed lead, then group the rest by chunk (best first) in the order they were written."""
    lead, rest = chosen[:fixed], chosen[fixed:]
    first_seen: dict[str, int] = {}
    for i, candidate in enumerate(rest):
        first_seen.setdefault(candidate.hit.chunk.id, i)
    rest.sort(key=lambda c: (first_seen[c.hit.chunk.id], c.position))
    return lead + rest
