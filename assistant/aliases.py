"""Question aliases: the questions managers ask that a sentence of the guidance answers.

Managers ask in their own words ("hvordan får jeg mer driv i gjengen?"), the guidance speaks in its
own ("motivere et salgsteam"). A thesaurus bridges single words; an alias file
(``knowledge/questions.jsonl``) bridges whole questions. Each row names a section, one verbatim
sentence of it, and the questions it answers::

    {"section": "vaner/gi-tilbakemelding", "sentence": "God tilbakemelding har tre deler: …",
     "questions": ["Hva bør en tilbakemelding inneholde?", "How do I structure feedback?"]}

The questions are matched against the asked question by words (BM25 over the alias questions, in
the question's own words) and by meaning (e5 vectors of the alias questions, see
:mod:`assistant.alias_vectors`); either needs a minimum of evidence, so that a question about
something else (a user's own document) matches nothing. A match is evidence in two places: the
retriever ranks the chunks that hold the sentence in its fusion, and the extractive engine favours
quoting that sentence. Aliases never become answer text themselves: only the guidance is quoted.

An alias binds to a chunk only while the chunk still holds its sentence in its section; after the
user edits the document, a stale alias does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.bm25 import BM25Index
from assistant.errors import ConfigError, IndexStateError
from assistant.schemas import AliasMatch, Chunk
from assistant.text import normalize
from assistant.vectors import VectorMatrix


@dataclass(frozen=True)
class Alias:
    """One sentence of the guidance and the questions it answers.

    Attributes:
        section: The section key the sentence belongs to.
        sentence: The sentence, verbatim.
        questions: Questions it answers, in managers' words.
    """

    section: str
    sentence: str
    questions: tuple[str, ...]


#: Least share of the question an alias question must hold to count as evidence of coverage.
_MIN_COVERAGE = 0.5


def _flat(text: str) -> str:
    return " ".join(normalize(text).split())


def load_aliases(path: Path | None) -> list[Alias]:
    """Read an alias file (JSON Lines); no path means no aliases.

    Args:
        path: The file, or None.

    Returns:
        The aliases in file order.

    Raises:
        ConfigError: The file is missing or a row is malformed (the message names the line).
    """
    if path is None:
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the question aliases {path}: {exc.strerror or exc}") from exc
    aliases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions = tuple(str(q) for q in row["questions"] if str(q).strip())
            alias = Alias(str(row["section"]), str(row["sentence"]), questions)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}:{number}: expected {{\"section\", \"sentence\", \"questions\": [...]}} ({exc})"
            ) from exc
        if not alias.sentence.strip() or not alias.questions:
            raise ConfigError(f"{path}:{number}: an alias needs a sentence and at least one question")
        aliases.append(alias)
    return aliases


class AliasIndex:
    """Alias questions bound to the chunks that hold their sentences, searchable by BM25.

    Args:
        aliases: The aliases (see :func:`load_aliases`).
        chunks: The retriever's chunks, in its order.
        min_strength: Matches weaker than this share of the best one are dropped: a question
            matches a handful of aliases well and the rest by chance words.
        vectors: The alias questions' vectors, one row per question of ``aliases`` in order (see
            :mod:`assistant.alias_vectors`); without them, aliases are matched by words only.
    """

    def __init__(
        self,
        aliases: Sequence[Alias],
        chunks: Sequence[Chunk],
        min_strength: float = 0.5,
        vectors: npt.ArrayLike | None = None,
    ) -> None:
        # Only the chunks of an alias's section can hold its sentence (a large library has many
        # chunks and few aliased sections).
        by_section: dict[str, list[int]] = {}
        wanted = {alias.section for alias in aliases}
        for i, chunk in enumerate(chunks):
            if chunk.section_key in wanted:
                by_section.setdefault(chunk.section_key, []).append(i)
        self._bound: list[tuple[Alias, tuple[int, ...]]] = []
        rows: list[int] = []  # the vector rows of the bound aliases' questions
        row = 0
        for alias in aliases:
            sentence = _flat(alias.sentence)
            positions = tuple(
                i for i in by_section.get(alias.section, []) if sentence in _flat(chunks[i].body)
            )
            if positions:
                self._bound.append((alias, positions))
                rows.extend(range(row, row + len(alias.questions)))
            row += len(alias.questions)
        self._sources = frozenset(chunks[p].source for _, positions in self._bound for p in positions)
        self._owner = [n for n, (alias, _) in enumerate(self._bound) for _ in alias.questions]
        self._bm25 = BM25Index([q for alias, _ in self._bound for q in alias.questions])
        self._min_strength = min_strength
        self._vectors: VectorMatrix | None = None
        if vectors is not None:
            matrix = np.asarray(vectors, dtype=np.float32)
            if matrix.ndim != 2 or matrix.shape[0] != row:
                raise IndexStateError(
                    f"alias vectors hold {matrix.shape[0] if matrix.ndim else 0} rows for {row} questions"
                )
            self._vectors = VectorMatrix([str(r) for r in rows], matrix[rows])

    def __len__(self) -> int:
        """Number of aliases bound to a chunk."""
        return len(self._bound)

    @property
    def sources(self) -> frozenset[str]:
        """The sources (documents) whose chunks hold an alias's sentence."""
        return self._sources

    def match(self, question: str, n: int = 5, min_coverage: float = 0.0) -> list[AliasMatch]:
        """The alias sentences the question matches best (one entry per sentence, best first).

        Args:
            question: The question, as the lexical ranker reads it (normalised).
            n: Most sentences returned.
            min_coverage: Least share of the question's term weight an alias question must hold
                (see :meth:`share_in`; the retriever asks for what the best passage holds).

        Returns:
            Matches with their strength relative to the best; empty when nothing matched.
        """
        if not self._bound:
            return []
        best: dict[int, float] = {}
        for position, score in self._bm25.search(question, 10 * n):
            if score > 0 and self._bm25.coverage(question, position) >= min_coverage:
                owner = self._owner[position]
                best[owner] = max(best.get(owner, 0.0), score)
        if not best:
            return []
        top = max(best.values())
        return [m for m in self._matches(best, n, scale=top) if m.strength >= self._min_strength]

    def _matches(self, best: dict[int, float], n: int, scale: float = 1.0) -> list[AliasMatch]:
        """The n best aliases of ``{alias: score}`` as matches, strength = score / scale."""
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:n]
        return [
            AliasMatch(self._bound[o][0].sentence, self._bound[o][0].section, s / scale, self._bound[o][1])
            for o, s in ranked
        ]

    def share_in(self, question: str, text: str) -> float:
        """Share of the question's term weight (the aliases' idf) found in a text, e.g. a passage.

        Weighted like :meth:`match` weighs alias questions, so the two are comparable.
        """
        return self._bm25.text_coverage(question, text)

    def coverage(self, question: str) -> float:
        """How much of the question one alias question holds, as evidence for the relevance floor.

        Args:
            question: The question, as the lexical ranker reads it (normalised).

        Returns:
            The best share of the question's term weight (BM25 idf) found in one of the top alias
            questions, or 0 below one half.
        """
        best = max(
            (self._bm25.coverage(question, position) for position, _ in self._bm25.search(question, 10)),
            default=0.0,
        )
        # A partial match is chance: one common verb ("lage") shared with an alias says nothing.
        return best if best >= _MIN_COVERAGE else 0.0

    def match_vector(self, vector: Sequence[float], n: int = 5) -> list[AliasMatch]:
        """The alias sentences whose questions are closest in meaning to the question (best first).

        Args:
            vector: The question's embedding.
            n: Most sentences returned.

        Returns:
            One match per sentence, strength = cosine similarity of its closest question; empty
            without alias vectors.
        """
        if self._vectors is None or not len(self._vectors):
            return []
        similarity = self._vectors.similarities(vector)
        best: dict[int, float] = {}
        for position in np.argsort(-similarity, kind="stable")[: 10 * n]:
            owner = self._owner[int(position)]
            best.setdefault(owner, float(similarity[position]))
        return self._matches(best, n)
