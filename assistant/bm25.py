"""Okapi BM25 over chunks, with Norwegian stemming and compound splitting.

Norwegian writes compounds as one word (``salgsleder``, ``tilbakemeldingsmøte``), so a question about
``ledere`` would miss them with whole-word matching. Words are split where both parts are words of
the corpus (allowing the linking ``s``/``e``), and the parts are indexed beside the whole word.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from assistant.text import content_terms, stem, words

_MIN_PART = 3
_MIN_COMPOUND = 7


class BM25Index:
    """An in-memory BM25 index.

    Args:
        texts: The texts to index; results refer to their positions.
        k1: Term-frequency saturation.
        b: Length normalisation.
    """

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self._k1, self._b = k1, b
        self._vocabulary = {w for text in texts for w in words(text)} | {
            stem(w) for text in texts for w in words(text)
        }
        self._docs = [Counter(self.terms(text)) for text in texts]
        self._lengths = [sum(d.values()) for d in self._docs]
        self._avg_length = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        df: Counter[str] = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        # A word the corpus never uses is as informative as the rarest possible word.
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5) if n else 0.0

    def __len__(self) -> int:
        return len(self._docs)

    def _compound_parts(self, word: str) -> list[str]:
        if len(word) < _MIN_COMPOUND or "-" in word:
            return []
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
            left, right = word[:cut], word[cut:]
            if right not in self._vocabulary and stem(right) not in self._vocabulary:
                continue
            for head in (left, left[:-1] if left[-1:] in ("s", "e") else None):
                if head and len(head) >= _MIN_PART and head in self._vocabulary:
                    return [stem(head), stem(right)]
        return []

    def terms(self, text: str) -> list[str]:
        """Stemmed content terms of text, with the parts of compound words added."""
        terms = content_terms(text)
        extra = [part for w in words(text) for part in self._compound_parts(w)]
        return terms + [t for t in extra if t not in terms]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term (terms never seen get the highest value)."""
        return self._idf.get(term, self._unknown_idf)

    def score(self, query: str) -> list[float]:
        """BM25 score of every indexed text for the query."""
        terms = set(self.terms(query))
        scores = []
        for doc, length in zip(self._docs, self._lengths, strict=True):
            total = 0.0
            norm = self._k1 * (1 - self._b + self._b * length / (self._avg_length or 1))
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    total += self.idf(term) * tf * (self._k1 + 1) / (tf + norm)
            scores.append(total)
        return scores

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        """The best n texts with a positive score, as ``(position, score)``, best first."""
        ranked = sorted(enumerate(self.score(query)), key=lambda item: (-item[1], item[0]))
        return [(i, s) for i, s in ranked[:n] if s > 0]

    def coverage(self, query: str, position: int) -> float:
        """Share of the query's idf weight found in one text: 1.0 when every term occurs."""
        terms = set(self.terms(query))
        weight = sum(self.idf(t) for t in terms)
        if not weight:
            return 0.0
        return sum(self.idf(t) for t in terms if t in self._docs[position]) / weight
