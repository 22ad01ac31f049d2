"""The style rules of the feedback lint: sweeping words, labels on the person, vague asks."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.feedback.analysis import Analysis, Clause, Sentence, TextAnalyzer
from assistant.feedback.lexicon import Hit
from assistant.feedback.readings import praise_sections, style_cue
from assistant.feedback.signals import person_labels
from assistant.feedback.sweeping import SweepingWords

# Copulas after a name that say what the person is ("Stine er så slurvete", "Tom is sloppy").
_PRONOUNS = frozenset({"han", "hun", "ho", "he", "she"})
_COPULAS = frozenset(
    {"er", "var", "blir", "ble", "vart", "blei", "virker", "verkar", "is", "was", "seems", "gets"}
)


@dataclass(frozen=True)
class RuleHit:
    """A style rule broken at a place in the text.

    Attributes:
        rule: The rule id.
        start: Character offset of the flagged words.
        end: End offset.
    """

    rule: str
    start: int
    end: int


class StyleRules:
    """Finds ``absolute-language``, ``personal-label`` and ``vague-improvement`` in an analysed text.

    Decisions (documented in the rule tables of ``eval/FEEDBACK_LABELS.md``):

    - absolute words count only in criticism of the person (:mod:`assistant.feedback.sweeping`).
    - a label counts when it is said of a person ("du er (rett og slett) lat", "you're a joke", "kunden
      kalte deg «arrogant»") or is a noun that only labels people ("latsabb"). A negated or rejected
      label ("du er ikke lat", "jeg mener ikke at du er lat", "nobody thinks you're lazy") is *not*
      flagged: it separates the person from the behaviour; labels that are negative phrases
      themselves ("ikke skikket for jobben") are in the lexicon as such.
    - a vague phrase counts when it is an ask ("skjerp deg", "du må bli bedre") and its sentence has
      no concrete anchor (a number, a day, a deadline, "ved å …").

    Args:
        analyzer: The analyzer whose lexicon holds the style cues.
    """

    def __init__(self, analyzer: TextAnalyzer) -> None:
        self.analyzer = analyzer
        self.sweeping = SweepingWords(analyzer)

    def find(self, analysis: Analysis) -> list[RuleHit]:
        """All style findings in text order."""
        found: list[RuleHit] = []
        scope = self.sweeping.scope(analysis)
        praised = praise_sections(self.analyzer, analysis)
        for i, sentence in enumerate(analysis.sentences):
            following = analysis.sentences[i + 1] if i + 1 < len(analysis.sentences) else None
            said = self._labels(sentence)
            more = self._mock_titles(sentence, following) + self._label_nouns(sentence)
            more += self._named_labels(analysis.text, sentence)
            fresh = [h for h in more if not any(h.first <= o.last and o.first <= h.last for o in said)]
            labels = said + fresh
            sweeping = [] if i in praised else self.sweeping.flagged(analysis.text, sentence, scope)
            for rule, hits in (
                ("absolute-language", sweeping),
                ("personal-label", labels),
                ("vague-improvement", self._vague(analysis.text, sentence)),
            ):
                found += [RuleHit(rule, h.start, h.end) for h in hits]
        return sorted(found, key=lambda f: (f.start, f.rule))

    @staticmethod
    def _labels(sentence: Sentence) -> list[Hit]:
        return person_labels(sentence).said

    def _mock_titles(self, sentence: Sentence, following: Sentence | None) -> list[Hit]:
        """Praise titles said in mockery: "Hei stjerneselger 🙄 null møter …", "aren't you the claims wizard".

        The title counts when this sentence, or the next one after a title standing alone, tells a
        failure or a harm, and no "men"/"but" turns the title into honest praise first.
        """
        titles = style_cue(self.analyzer, sentence, "mock_title")
        if not titles:
            return []

        def failing(s: Sentence, after: int) -> bool:
            bad = [h for cue in ("problem", "effect") for h in s.hits[cue] if h.first > after]
            return bool(bad) or any("problem" in c.parts for c in s.clauses if c.first > after)

        found = []
        for hit in titles:
            if any(c.first > hit.last for c in sentence.hits["contrast"]):
                continue  # "Du er en stjerneselger, men …": praise, then criticism
            if sentence.sarcastic or failing(sentence, hit.last) or (following and failing(following, -1)):
                found.append(hit)
        return found

    def _named_labels(self, text: str, sentence: Sentence) -> list[Hit]:
        """A label said of a named person in a note: "Stine er så slurvete", "Henrik er tafatt i …".

        The clause opens with a name (see :meth:`SweepingWords.named_subject`), a copula follows it, and
        only fillers stand between the copula and the label; a negation there rejects the label.
        """
        fillers = {i for h in sentence.hits["filler"] for i in range(h.first, h.last + 1)}
        found = []
        for hit in sentence.hits["label"]:
            clause = sentence.clause_of(hit.first)
            start = self.analyzer.content_start(sentence, clause)
            copula = start + 1
            if copula >= hit.first or sentence.tokens[copula].text not in _COPULAS:
                continue
            # "… fordi han ble sur": a pronoun in a side clause is often someone else (the customer).
            if sentence.tokens[start].text in _PRONOUNS and clause is not sentence.clauses[0]:
                continue
            only_fillers = set(range(copula + 1, hit.first)) <= fillers
            if only_fillers and self.sweeping.named_subject(text, sentence, clause):
                found.append(hit)
        return found

    def _label_nouns(self, sentence: Sentence) -> list[Hit]:
        """A label adjective right before a word for a person: "sloppy guy", "en lat type"."""
        people = {h.first for h in style_cue(self.analyzer, sentence, "person_noun")}
        negators = {i for h in sentence.hits["negator"] for i in range(h.first, h.last + 1)}
        return [
            h for h in sentence.hits["label"]
            if h.last + 1 in people and not negators & set(range(max(h.first - 3, 0), h.first))
        ]

    def _frames(self, sentence: Sentence) -> list[Hit]:
        """Vague asks by their shape: "vær mer proaktiv", "vis meir eigarskap", "be more present".

        A verb of being, showing or taking with "mer"/"more" and one word, or with a comparative
        ("bli flinkere"), that ends its clause: nothing but a softener ("altså", "please", "framover")
        may follow, so no object, place or time tells what to do.
        """
        lexicon = self.analyzer.lexicon
        softeners = lexicon.find("vague_tail", sentence.tokens, sentence.language)
        tails = {i for h in softeners for i in range(h.first, h.last + 1)}
        known = {i for h in sentence.hits["vague"] for i in range(h.first, h.last + 1)}
        found = []
        for hit in lexicon.find("vague_frame", sentence.tokens, sentence.language):
            clause = sentence.clause_of(hit.first)
            rest = set(range(hit.last + 1, clause.last + 1))
            word = sentence.tokens[hit.last].text
            if rest <= tails and not known & set(range(hit.first, hit.last + 1)) and word.isalpha():
                found.append(hit)
        return found

    def _clause_end(self, sentence: Sentence, after: int, clause: Clause) -> bool:
        """Whether only softeners ("altså", "please", "on your end") follow ``after`` in the clause."""
        softeners = style_cue(self.analyzer, sentence, "vague_tail")
        tails = {i for h in softeners for i in range(h.first, h.last + 1)}
        return set(range(after + 1, clause.last + 1)) <= tails

    def _bare(self, sentence: Sentence) -> list[Hit]:
        """Asks with no verb: "Litt mer trøkk nå, takk", "A bit more urgency, please".

        The phrase opens its clause and only softeners follow it.
        """
        found = []
        for hit in style_cue(self.analyzer, sentence, "vague_bare"):
            clause = sentence.clause_of(hit.first)
            start = self.analyzer.content_start(sentence, clause)
            if hit.first in (clause.first, start) and self._clause_end(sentence, hit.last, clause):
                found.append(hit)
        return found

    def _own(self, sentence: Sentence) -> list[Hit]:
        """A vague verb on the person's own way of working: "ta tak i oppfølgingen din", "work on your …".

        The verb, then one or two words of object with the possessive ("oppfølgingen din", "your
        attitude"), end the clause: no object, time or way says what to do.
        """
        owned = {h.first for h in style_cue(self.analyzer, sentence, "possessive")}
        found = []
        for hit in style_cue(self.analyzer, sentence, "vague_own"):
            clause = sentence.clause_of(hit.first)
            for last in range(hit.last + 2, min(hit.last + 4, clause.last + 1)):
                english = hit.last + 1 in owned and sentence.language == "en"
                if (english or last in owned) and self._clause_end(sentence, last, clause):
                    found.append(hit)
                    break
        return found

    def _led(self, sentence: Sentence, hit: Hit) -> bool:
        """Whether a lead before the vague phrase makes it an ask the analysis does not see as one.

        "Time to tighten things up", "What I need now is for you to own your numbers", "Nå er det på
        tide å ta seg sammen", "Jeg trenger at du gir mer av deg selv"; an opening adverb right before
        the phrase ("Generally be more on the ball").
        """
        if sentence.question:
            return False
        leads = style_cue(self.analyzer, sentence, "vague_lead")
        if any(lead.last < hit.first <= lead.last + 8 for lead in leads):
            return True
        # "Generally be more on the ball", "Også skjerp deg": an adverb opens the clause, the ask follows.
        start = self.analyzer.content_start(sentence, sentence.clause_of(hit.first))
        openers = style_cue(self.analyzer, sentence, "vague_opener")
        return any(o.first == start and o.last + 1 == hit.first for o in openers)

    def _vague(self, text: str, sentence: Sentence) -> list[Hit]:
        flagged = []
        shapes = self._frames(sentence) + self._bare(sentence) + self._own(sentence)
        for hit in sentence.hits["vague"] + shapes:
            if not (self.analyzer.is_vague_ask(sentence, hit) or self._led(sentence, hit)):
                continue
            anchors = [c for c in sentence.hits["concrete"] if not (hit.first <= c.first <= hit.last)]
            # "Skjerp formuleringene: kutt innledningen …" – a colon introduces the concrete how.
            explained = text[hit.end : sentence.end].lstrip().startswith(":")
            if not anchors and not explained:
                flagged.append(hit)
        return flagged
