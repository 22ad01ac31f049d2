"""The coverage decision: does the knowledge answer this question, or does the coach say it does not?

Retrieval always finds *something*; e5 similarities bunch together, so a relevance floor alone lets
near-domain questions through ("Hvordan sier jeg opp en selger?" is close to the hiring section) and
anything that mentions selling. The judge decides in three steps, on top of the retrieval's floor:

1. **Aimed at the assistant** (``knowledge/coverage/assistant.tsv``): ignore or reveal instructions,
   role-play, answer like a pirate, write a poem, translate, make something up. Never answered,
   whatever retrieval finds.
2. **Relevance floor**: the retrieval's own ``covered`` (best similarity plus lexical coverage).
3. **Out-of-scope topic** (``knowledge/coverage/topics.tsv``): labour law, pay, commission plans, VAT,
   contracts, GDPR, CRM tools, pricing, and everyday topics. A topic only vetoes when the retrieved
   passages do not speak of it themselves (so a user's own document about commission makes commission
   questions answerable, and the guidance is never hard-coded as the only topics), when the cues the
   passages do not explain still weigh 1 ("CRM dashboards" next to the guidance's "CRM-rapporter" is
   no CRM-tool question), and when the retrieval's relevance stays below ``strong_relevance`` (a
   feedback question that mentions a discount is still answered when the guidance clearly answers it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.config import CoverageSettings
from assistant.cue_lexicon import CueLexicon, booster_weight, sentences, tally
from assistant.schemas import Chunk, Hit, RelatedSection, Retrieval
from assistant.text import guess_language, stem

_PASSAGE_CACHE = 50_000
RELEVANT, BELOW_FLOOR, AIMED_AT_ASSISTANT, OUT_OF_SCOPE = (
    "relevant", "below-floor", "aimed-at-assistant", "out-of-scope"
)


@dataclass  # not frozen: the chain's CoverageDecisionLike protocol declares plain attributes
class CoverageDecision:
    """Whether the coach answers a question, and why.

    Attributes:
        covered: True when the knowledge answers the question.
        reason: ``relevant``, ``below-floor``, ``aimed-at-assistant`` or ``out-of-scope:<topic>``.
        related: For a question not covered, the closest distinct sections among the hits (titles
            only, never quoted); empty when covered or aimed at the assistant.
        detail: What fired, for logs and reports: the request type (``override``, ``reveal``, …) or
            the topic's score; empty when nothing did.
    """

    covered: bool
    reason: str
    related: list[RelatedSection] = field(default_factory=list)
    detail: str = ""


class CoverageJudge:
    """Decides whether the retrieved knowledge answers a question.

    Args:
        settings: Thresholds and switches.
        topics: Cues of topics the bundled guidance does not cover (None: no topic veto).
        requests: Cues of requests aimed at the assistant (None: no such veto).
    """

    def __init__(
        self, settings: CoverageSettings, topics: CueLexicon | None, requests: CueLexicon | None
    ) -> None:
        self.settings = settings
        self._topics = topics
        self._requests = requests
        # Chunk texts never change under an id, so what a passage speaks of is computed once.
        self._passages: dict[str, _Passage] = {}

    @classmethod
    def load(cls, settings: CoverageSettings) -> CoverageJudge:
        """Build the judge from settings, reading its lexicon files.

        Raises:
            ConfigError: A lexicon file is missing or malformed.
        """
        topics = CueLexicon.load(settings.topics_file) if settings.topics_file else None
        requests = CueLexicon.load(settings.assistant_file) if settings.assistant_file else None
        return cls(settings, topics, requests)

    def aimed_at_assistant(self, question: str) -> str | None:
        """The request type if the question addresses the assistant itself, else None."""
        if self._requests is None:
            return None
        fired = self._requests.fired(question, guess_language(question))
        return fired[0][0] if fired else None

    def topics(self, question: str) -> list[tuple[str, float]]:
        """Out-of-scope topics the question shows, strongest first, with their scores."""
        if self._topics is None:
            return []
        return self._topics.fired(question, guess_language(question))

    def decide(self, question: str, retrieval: Retrieval) -> CoverageDecision:
        """Decide whether the retrieval's hits answer the question.

        Args:
            question: The standalone question (after resolving a follow-up).
            retrieval: What the retriever found for it.

        Returns:
            The decision; ``related`` lists the closest sections when it is "not covered".
        """
        if not self.settings.enabled:
            if retrieval.covered and retrieval.hits:
                return CoverageDecision(True, RELEVANT)
            return CoverageDecision(False, BELOW_FLOOR, self.related(retrieval.hits))
        request = self.aimed_at_assistant(question)
        if request is not None:
            return CoverageDecision(False, AIMED_AT_ASSISTANT, detail=request)
        if not retrieval.covered or not retrieval.hits:
            return CoverageDecision(False, BELOW_FLOOR, self.related(retrieval.hits))
        # What question aliases added to the relevance lifts a question over the floor but never past
        # the topic veto: an alias in shared words ("sier ... selger") is weak evidence on its own.
        if retrieval.relevance - retrieval.alias_lift < self.settings.strong_relevance:
            veto = self._topic_veto(question, retrieval.hits[: self.settings.support_hits])
            if veto is not None:
                topic, score = veto
                return CoverageDecision(
                    False, f"{OUT_OF_SCOPE}:{topic}", self.related(retrieval.hits), f"{score:g}"
                )
        return CoverageDecision(True, RELEVANT)

    def related(self, hits: Sequence[Hit]) -> list[RelatedSection]:
        """The distinct sections of the hits, best first, at most ``related_max``."""
        seen: dict[tuple[str, str], RelatedSection] = {}
        for hit in hits:
            if len(seen) >= self.settings.related_max:
                break
            chunk = hit.chunk
            key = (chunk.source, chunk.section_key)
            if key not in seen and chunk.section:
                seen[key] = RelatedSection(chunk.section, chunk.section_key, chunk.source)
        return list(seen.values())

    def _topic_veto(self, question: str, hits: Sequence[Hit]) -> tuple[str, float] | None:
        """The out-of-scope topic the passages leave unexplained, with its unexplained weight.

        A topic the passages speak of themselves (a strong cue, e.g. the user's own commission
        document) is in scope. Otherwise each of the question's cues counts only if its words are
        missing from the passages: "CRM dashboards" next to the guidance's "CRM-rapporter" leaves
        only "dashboards" (0.5) unexplained, which is not enough to veto.
        """
        if self._topics is None:
            return None
        cues = self._topics.matches(question, guess_language(question))
        boost = booster_weight(cues)
        passages = [self._passage(hit.chunk) for hit in hits]
        vetoes = []
        for topic, score in tally(cues).items():
            if score < 1.0 or any(topic in p.topics for p in passages):
                continue
            unexplained = boost + sum(
                c.weight for c in cues
                if c.label == topic and not any(p.has_words(c.words) for p in passages)
            )
            if unexplained >= 1.0:
                vetoes.append((topic, unexplained))
        return min(vetoes, key=lambda v: (-v[1], v[0])) if vetoes else None

    def _passage(self, chunk: Chunk) -> _Passage:
        """What a passage speaks of: topics (strong cues, boosters not counted) and word stems."""
        key = chunk.id
        if key not in self._passages:
            assert self._topics is not None
            fired = self._topics.fired(chunk.text_for_search, chunk.language, boosters=False)
            tokens = {t for sentence in sentences(chunk.text_for_search) for t in sentence}
            if len(self._passages) >= _PASSAGE_CACHE:
                self._passages.clear()  # bounded: a huge index must not grow this without end
            self._passages[key] = _Passage({t for t, _ in fired}, tokens | {stem(t) for t in tokens})
        return self._passages[key]


@dataclass(frozen=True)
class _Passage:
    """The topics and the words (with their stems) of one retrieved chunk."""

    topics: set[str]
    words: set[str]

    def has_words(self, phrase: str) -> bool:
        """Whether every word of phrase, or its stem, occurs in the passage."""
        return all(w in self.words or stem(w) in self.words for w in phrase.split())
