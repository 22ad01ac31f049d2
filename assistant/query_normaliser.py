"""The question in the corpus's own words, for the lexical side of retrieval and answering.

BM25 and the sentence selector match word forms, so a question in Nynorsk or with a typo finds
little even when the dense ranker finds the right passage. Before they see a question:

1. Nynorsk forms become Bokmål (:class:`~assistant.wordmap.WordMap`, ``knowledge/nynorsk.tsv``);
2. a word that neither the corpus (nor the thesaurus, nor as a compound of known parts) nor the
   language (:class:`~assistant.wordlist.WordList`) knows becomes the most frequent corpus word a
   typo away (:class:`~assistant.spelling.TypoCorrector`): ``anseter`` → ``ansetter``, while
   ``trener`` stays (a word the corpus lacks, not a typo of ``trenger``).

Words the corpus knows are never changed. English questions are left as they are: the word lists
are Norwegian, and ``me`` is not ``vi`` there.
"""

from __future__ import annotations

from assistant.bm25 import BM25Index
from assistant.spelling import MIN_LENGTH, TypoCorrector
from assistant.text import guess_language, is_function_word, normalize, replace_words
from assistant.thesaurus import Thesaurus
from assistant.wordlist import WordList
from assistant.wordmap import WordMap


class QueryNormaliser:
    """Rewrites questions into the vocabulary of one BM25 index.

    Args:
        bm25: The index whose vocabulary counts as known (and supplies typo corrections).
        word_map: Nynorsk → Bokmål forms (none: no rewriting).
        thesaurus: Its terms count as known, so they are never "corrected" away.
        typos: Whether unknown words are corrected (step 2).
        wordlist: The language's words (the Norwegian simplemma lists by default).
    """

    def __init__(
        self,
        bm25: BM25Index,
        word_map: WordMap | None = None,
        thesaurus: Thesaurus | None = None,
        *,
        typos: bool = True,
        wordlist: WordList | None = None,
    ) -> None:
        self._bm25 = bm25
        self._wordlist = wordlist or WordList()
        self._word_map = word_map or WordMap({})
        self._thesaurus = thesaurus or Thesaurus([])
        self._typos = typos
        self._corrector: TypoCorrector | None = None  # built at the first unknown word

    def known(self, word: str) -> bool:
        """Whether a lower-case word needs no correction (corpus, thesaurus or function word)."""
        return is_function_word(word) or self._bm25.knows(word) or self._thesaurus.knows(word)

    def _correct(self, word: str) -> str | None:
        # Short words are left alone: most are function words or too ambiguous to change.
        if not self._typos or len(word) < MIN_LENGTH or not word.isalpha() or self.known(word):
            return None
        if self._corrector is None:
            self._corrector = TypoCorrector(self._bm25.word_frequencies())
        correction = self._corrector.correct(word)
        # Only then the word lists (their first lookup loads them): a real word the corpus lacks
        # ("trener") is no typo of a corpus word ("trenger").
        if correction is None or self._wordlist.knows(word):
            return None
        return correction

    def _word(self, word: str) -> str | None:
        mapped = self._word_map.map_word(word, self.known)
        return mapped if mapped is not None else self._correct(word)

    def normalise(self, question: str) -> str:
        """Return the question lower-cased, with Nynorsk forms and typos replaced.

        Args:
            question: The question as asked.

        Returns:
            The rewritten question (the question itself, lower-cased, when nothing applies).
        """
        if guess_language(question) == "en":
            return normalize(question).lower()
        return replace_words(question, self._word)
