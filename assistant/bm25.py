"""Okapi BM25 over chunks, with Norwegian stemming and compound splitting, on an inverted index.

Norwegian writes compounds as one word (``salgsleder``, ``tilbakemeldingsmøte``), so a question about
``ledere`` would miss them with whole-word matching. Words are split where both parts are words of
the corpus (allowing the linking ``s``/``e``), and the parts are indexed beside the whole word.

The statistics are postings (for each term, the texts holding it and how often), text lengths, idf
and the corpus vocabulary. A query scores only the texts on its terms' postings, so a question costs
time in proportion to how often its words occur, not to the size of the corpus. The statistics are
computed once at index time and saved beside a generation (:meth:`BM25Index.save`), so a process that
opens a large index loads them instead of tokenising every chunk again (:meth:`BM25Index.load`);
both give the same floats, hence the same rankings.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from assistant.errors import IndexStateError
from assistant.text import content_terms, stem, words

_MIN_PART = 3
_MIN_COMPOUND = 7
#: Bumped whenever the saved layout or the term analysis changes; older files are rebuilt in memory.
FORMAT = 1

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def _pack(strings: Sequence[str]) -> npt.NDArray[np.uint8]:
    # Terms never hold whitespace (see text.words), so a newline-joined UTF-8 blob is exact and compact.
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _unpack(blob: npt.NDArray[np.uint8]) -> list[str]:
    text = blob.tobytes().decode("utf-8")
    return text.split("\n") if text else []


class BM25Index:
    """BM25 over a fixed list of texts; results refer to the texts' positions.

    Args:
        texts: The texts to index.
        k1: Term-frequency saturation.
        b: Length normalisation.
    """

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self._k1, self._b = k1, b
        # Compound splitting needs the vocabulary before any text is analysed.
        tokens = [words(text) for text in texts]
        self._vocabulary = {w for ws in tokens for w in ws}
        self._vocabulary |= {stem(w) for w in self._vocabulary}
        postings: dict[str, tuple[list[int], list[int]]] = {}
        lengths = np.zeros(len(texts), dtype=np.int64)
        for position, text in enumerate(texts):
            counts = Counter(self.terms(text))
            lengths[position] = sum(counts.values())
            for term, tf in counts.items():
                doc_list, tf_list = postings.setdefault(term, ([], []))
                doc_list.append(position)
                tf_list.append(tf)
        terms = sorted(postings)
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(postings[t][0]) for t in terms])
        doc_ids = np.fromiter((d for t in terms for d in postings[t][0]), np.int32, int(indptr[-1]))
        tfs = np.fromiter((f for t in terms for f in postings[t][1]), np.int32, int(indptr[-1]))
        n = len(texts)
        # math.log per term (not np.log) so the values are bit-identical to the reference formula.
        idf = np.array(
            [math.log(1 + (n - f + 0.5) / (f + 0.5)) for f in np.diff(indptr).tolist()], dtype=np.float64
        )
        self._set(terms, indptr, doc_ids, tfs, lengths, idf)

    def _set(
        self,
        terms: list[str],
        indptr: Ints,
        docs: npt.NDArray[np.int32],
        tfs: npt.NDArray[np.int32],
        lengths: Ints,
        idf: Floats,
    ) -> None:
        self._terms = terms
        self._term_index = {t: i for i, t in enumerate(terms)}
        self._indptr, self._docs, self._tfs, self._lengths, self._idf = indptr, docs, tfs, lengths, idf
        self._tf = tfs.astype(np.float64)
        n = len(lengths)
        self._avg_length = float(lengths.sum()) / n if n else 0.0
        relative = lengths.astype(np.float64) / (self._avg_length or 1)
        self._norm: Floats = self._k1 * (1 - self._b + self._b * relative)
        # A word the corpus never uses is as informative as the rarest possible word.
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5) if n else 0.0

    def __len__(self) -> int:
        return len(self._lengths)

    @property
    def postings(self) -> int:
        """Number of (term, text) pairs: the size of the inverted index."""
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

    def knows(self, word: str) -> bool:
        """Whether the texts use a lower-case word: as written, by its stem, or as parts of a compound."""
        return word in self._vocabulary or stem(word) in self._vocabulary or bool(self._compound_parts(word))

    def word_frequencies(self) -> dict[str, int]:
        """Words of the texts whose stem is an indexed term, with the number of texts holding that term.

        The vocabulary also holds stems; those whose own stem is no term are left out, so a word
        chosen from here always matches texts (what the typo tolerance needs).
        """
        df = np.diff(self._indptr)
        found = {}
        for word in self._vocabulary:
            index = self._term_index.get(stem(word))
            if index is not None:
                found[word] = int(df[index])
        return found

    def terms(self, text: str) -> list[str]:
        """Stemmed content terms of text, with the parts of compound words added."""
        terms = content_terms(text)
        extra = [part for w in words(text) for part in self._compound_parts(w)]
        return terms + [t for t in extra if t not in terms]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term (terms never seen get the highest value)."""
        index = self._term_index.get(term)
        return float(self._idf[index]) if index is not None else self._unknown_idf

    def _query_terms(self, query: str) -> list[str]:
        # Sorted: the order of the float additions, and so every score, is the same in every process.
        return sorted(set(self.terms(query)))

    def scores(self, query: str) -> Floats:
        """BM25 score of every indexed text for the query, as an array (zero where no term occurs)."""
        total = np.zeros(len(self), dtype=np.float64)
        k1 = self._k1
        for term in self._query_terms(query):
            index = self._term_index.get(term)
            if index is None:
                continue
            lo, hi = int(self._indptr[index]), int(self._indptr[index + 1])
            docs, tf = self._docs[lo:hi], self._tf[lo:hi]
            total[docs] += self._idf[index] * tf * (k1 + 1) / (tf + self._norm[docs])
        return total

    def score(self, query: str) -> list[float]:
        """BM25 score of every indexed text for the query."""
        return [float(s) for s in self.scores(query)]

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        """The best n texts with a positive score, as ``(position, score)``, best first (ties by position)."""
        if n <= 0 or not len(self):
            return []
        scores = self.scores(query)
        found = np.flatnonzero(scores > 0)
        if len(found) > n:
            # Keep every text tied with the n-th best, then order exactly by (-score, position).
            cut = np.partition(scores[found], len(found) - n)[len(found) - n]
            found = found[scores[found] >= cut]
        order = sorted(found.tolist(), key=lambda p: (-float(scores[p]), p))[:n]
        return [(p, float(scores[p])) for p in order]

    def contains(self, term: str, position: int) -> bool:
        """Whether the text at position holds the term."""
        index = self._term_index.get(term)
        if index is None:
            return False
        docs = self._docs[int(self._indptr[index]) : int(self._indptr[index + 1])]
        found = int(np.searchsorted(docs, position))
        return found < len(docs) and int(docs[found]) == position

    def coverage(self, query: str, position: int) -> float:
        """Share of the query's idf weight found in one text: 1.0 when every term occurs."""
        return self._share(query, lambda term: self.contains(term, position))

    def text_coverage(self, query: str, text: str) -> float:
        """:meth:`coverage` for a text that is not indexed, weighted by this index's idf."""
        held = set(self.terms(text))
        return self._share(query, held.__contains__)

    def _share(self, query: str, holds: Callable[[str], bool]) -> float:
        terms = self._query_terms(query)
        weight = sum(self.idf(t) for t in terms)
        if not weight:
            return 0.0
        return sum(self.idf(t) for t in terms if holds(t)) / weight

    # -- saved statistics ----------------------------------------------------------------------
    def write(self, fh: BinaryIO, *, compress: bool = False) -> None:
        """Write the statistics as a NumPy ``.npz`` archive (no pickles)."""
        save = np.savez_compressed if compress else np.savez
        save(
            fh,
            format=np.array([FORMAT], dtype=np.int64),
            params=np.array([self._k1, self._b], dtype=np.float64),
            terms=_pack(self._terms),
            vocabulary=_pack(sorted(self._vocabulary)),
            indptr=self._indptr,
            docs=self._docs,
            tfs=self._tfs,
            lengths=self._lengths,
            idf=self._idf,
        )

    def to_bytes(self, *, compress: bool = True) -> bytes:
        """The statistics as bytes (compressed by default: for storing them in a database)."""
        buffer = io.BytesIO()
        self.write(buffer, compress=compress)
        return buffer.getvalue()

    def save(self, path: Path) -> None:
        """Write the statistics to a file and flush it to disk."""
        with path.open("wb") as fh:
            self.write(fh)
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def read(cls, source: BinaryIO | Path, texts: int) -> BM25Index | None:
        """Read statistics written by :meth:`write`.

        Args:
            source: A file or an open binary stream.
            texts: How many texts the caller's index holds; statistics for another count are refused.

        Returns:
            The index, or None when the statistics were written in an older format (rebuild them).

        Raises:
            IndexStateError: The data is unreadable or belongs to a different number of texts.
        """
        try:
            with np.load(source, allow_pickle=False) as data:
                if int(data["format"][0]) != FORMAT:
                    return None
                k1, b = (float(x) for x in data["params"])
                index = cls.__new__(cls)
                index._k1, index._b = k1, b
                index._vocabulary = set(_unpack(data["vocabulary"]))
                index._set(
                    _unpack(data["terms"]), data["indptr"], data["docs"], data["tfs"], data["lengths"],
                    data["idf"],
                )
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise IndexStateError(f"cannot read the saved BM25 statistics: {exc}") from exc
        if len(index) != texts or len(index._terms) + 1 != len(index._indptr):
            raise IndexStateError(
                f"the saved BM25 statistics hold {len(index)} texts, the index {texts}; "
                "run `coach index --rebuild`"
            )
        return index

    @classmethod
    def from_bytes(cls, data: bytes, texts: int) -> BM25Index | None:
        """Read statistics from bytes made by :meth:`to_bytes` (see :meth:`read`)."""
        return cls.read(io.BytesIO(data), texts)

    def fingerprint(self) -> str:
        """A short hash of the statistics (equal for equal indexes), for checks and logs."""
        digest = hashlib.sha256()
        for array in (self._indptr, self._docs, self._tfs, self._lengths, self._idf):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update("\n".join(self._terms).encode("utf-8"))
        return digest.hexdigest()[:16]
