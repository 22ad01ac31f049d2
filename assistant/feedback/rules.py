"""The style rules of the feedback lint: sweeping words, labels on the person, vague asks."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from assistant.feedback.analysis import Analysis, Clause, Sentence, TextAnalyzer
from assistant.feedback.lexicon import Hit
from assistant.feedback.signals import person_labels

# The manager as the subject ("jeg setter alltid av tid til deg", "I always have your back"): a
# sweeping word about the manager's own habit or promise is no verdict on the person.
_FIRST_PERSON = {
    "no": frozenset({"jeg", "eg", "vi", "me"}),
    "en": frozenset({"i", "we", "i'm", "i've", "i'll", "i'd", "we're", "we've", "we'll"}),
}
# Reproaching questions: "Hvorfor må du alltid …?", "Why do you always …?" ask for no frequency.
_WHY = frozenset({"hvorfor", "kvifor", "korfor", "why"})
# He/she as the subject of a note about the person ("hun sender ut tilbud … uten unntak").
_THIRD_SINGULAR = frozenset({"han", "hun", "ho", "he", "she"})
# Endings of a definite Norwegian noun ("Kunden", "Tilbudet", "Kundene"): no name.
_DEFINITE = ("en", "et", "ene", "ane", "a", "s")
# Endings of a finite verb after a name: Norwegian present and past, English -s.
_VERB_ENDINGS = ("er", "ar", "te", "de", "dde", "et")
# A question with "must" about a habit reproaches ("Må du alltid …?"); "Kan du alltid …?" asks.
_MUST = frozenset({"må", "must"})


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

    - absolute words count only in criticism of the person: not in praise, not in an instruction
      ("never forward an internal thread"), not about someone else ("kunden ringer bestandig").
      Sarcastic praise is criticism. Counted facts ("tre ganger", "igjen") are not absolute.
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

    def find(self, analysis: Analysis) -> list[RuleHit]:
        """All style findings in text order."""
        found: list[RuleHit] = []
        # A text that speaks to "du"/"you" is about them; a name there is someone else ("Arne på lageret").
        addressed = any(
            s.tokens[h.first].text not in _THIRD_SINGULAR
            for s in analysis.sentences for h in s.hits["second"]
        )
        # "…, uten unntak. Fortsett med det!": a habit the text asks to keep is no verdict.
        criticised = not any(s.hits["keep_going"] for s in analysis.sentences)
        for sentence in analysis.sentences:
            for rule, hits in (
                ("absolute-language", self._absolutes(analysis.text, sentence, (addressed, criticised))),
                ("personal-label", self._labels(sentence)),
                ("vague-improvement", self._vague(analysis.text, sentence)),
            ):
                found += [RuleHit(rule, h.start, h.end) for h in hits]
        return sorted(found, key=lambda f: (f.start, f.rule))

    def _absolutes(self, text: str, sentence: Sentence, scope: tuple[bool, bool]) -> list[Hit]:
        flagged = []
        praise = sentence.hits["positive"] + sentence.hits["keep_going"]
        for hit in sentence.hits["absolute"]:
            clause = sentence.clause_of(hit.first)
            reproach = sentence.question and self._reproach(sentence, clause)
            if sentence.question and not reproach:
                continue  # "Sender du alltid tilbudet på e-post?" asks how often
            if (clause.ask and not reproach) or clause.segment in sentence.positive_segments:
                continue
            if self._denied_failure(sentence, clause, hit):
                continue  # "du mister aldri tråden", "you never let a quote sit": praise
            if any(p.first <= hit.first <= p.last for p in praise) and not sentence.sarcastic:
                continue
            if any(h.first <= hit.first <= h.last + 1 for h in sentence.hits["hedge"]):
                continue  # "nesten aldri", "not always": a frequency, not a verdict
            if sentence.sarcastic or self._about_person(text, sentence, hit, scope):
                flagged.append(hit)
        return flagged

    @staticmethod
    def _reproach(sentence: Sentence, clause: Clause) -> bool:
        """Whether a question reproaches: "Hvorfor …?", "Må du alltid …?", "Do you always have to …?"."""
        words = [t.text for t in sentence.tokens[clause.first : clause.last + 1]]
        must = any(w in _MUST or (w in ("have", "has") and nxt == "to") for w, nxt in pairwise(words))
        return sentence.tokens[0].text in _WHY or must

    @staticmethod
    def _denied_failure(sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether a "never" word denies a failure of the person: a double negative is praise.

        "Du mister aldri tråden", "You never let a quote sit in your inbox": "aldri"/"never" (a
        sweeping word that is also a negator) before a failure or harm word in a clause about the
        person ("du"/"you"); in Norwegian the finite verb comes right before "aldri".
        """
        if sentence.question or sentence.sarcastic or not any(
            n.first <= hit.first <= n.last for n in sentence.hits["negator"]
        ):
            return False
        if not sentence.in_clause("second", clause):
            return False
        failures = sentence.in_clause("problem", clause) + sentence.in_clause("effect", clause)
        return any(hit.last < f.first <= hit.last + 3 or f.last == hit.first - 1 for f in failures)

    def _manager_subject(self, sentence: Sentence, clause: Clause) -> bool:
        """Whether the clause tells the manager's own habit or promise, with no failure in it."""
        words = _FIRST_PERSON.get(sentence.language, frozenset())
        start = self.analyzer.content_start(sentence, clause)
        if start > clause.last or sentence.tokens[start].text not in words:
            return False
        # "Jeg må alltid purre på deg", "I always get it late": the manager bears the person's failure.
        # "Jeg har aldri sett deg levere …": the person does what the manager witnesses.
        burden = ("problem", "effect", "self_obligation", "own_feeling", "judgement", "witness")
        return not any(sentence.in_clause(cue, clause) for cue in burden)

    def _about_person(self, text: str, sentence: Sentence, hit: Hit, scope: tuple[bool, bool]) -> bool:
        addressed, criticised = scope
        index = sentence.clauses.index(sentence.clause_of(hit.first))
        clause = sentence.clauses[index]
        people = ("second", "second_object", "second_possessive")
        if index and criticised and self._trailing(sentence, clause, hit):
            # "Du lovar levering før lageret har stadfesta, kvar einaste gong": a sweeping phrase
            # after a comma qualifies the clause before it.
            index -= 1
            clause = sentence.clauses[index]
        if self._manager_subject(sentence, clause):
            return False
        if not addressed and self._named_subject(text, sentence, clause):
            return True  # a note about the person: "Jonny noterer aldri …", "hun sender … uten unntak"
        # A fronted adverbial ("Hver eneste gang vi har demo, glemmer du …") is about the next clause;
        # next to an ask it is part of an instruction ("start a new email whenever you write").
        fronted = hit.first in (clause.first, self.analyzer.content_start(sentence, clause))
        neighbours = sentence.clauses[max(index - 1, 0) : index + 2]
        if fronted and any(c.ask for c in neighbours):
            return False
        if any(sentence.in_clause(cue, clause) for cue in people):
            return True
        if fronted and index + 1 < len(sentence.clauses):
            following = sentence.clauses[index + 1]
            if following.ask:
                return False
            # "Hver gang jeg ber om prognosen, får jeg den etter fristen": the failure is named.
            failure = "problem" in following.parts and not following.neutral
            return failure or any(sentence.in_clause(cue, following) for cue in people)
        return False

    def _trailing(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether a clause holds nothing but the sweeping phrase (and a time after it)."""
        start = self.analyzer.content_start(sentence, clause)
        return start == hit.first and all(
            any(h.first <= i <= h.last for h in sentence.hits["time_point"] + sentence.hits["filler"])
            for i in range(hit.last + 1, clause.last + 1)
        )

    def _named_subject(self, text: str, sentence: Sentence, clause: Clause) -> bool:
        """Whether the clause opens with a person's name or "han"/"hun"/"he"/"she" as its subject.

        Notes written about the person ("Kjetil er evinnelig sent ute") count like feedback to them.
        A name is a capitalised word that is no cue word (not "Kunden", "Finance") and has no
        ending of a definite noun; the next word must be no name (a company: "Spar Fauske").
        """
        start = self.analyzer.content_start(sentence, clause)
        if start >= clause.last:
            return False
        token = sentence.tokens[start]
        if token.text in _THIRD_SINGULAR:
            return not sentence.in_clause("not_third_person", clause)
        known = any(
            h.first <= start <= h.last for found in sentence.hits.values() for h in found
        )
        if not text[token.start].isupper() or known or token.text.endswith(_DEFINITE):
            return False
        # The next word is a verb ("Jonny noterer", "Mark keeps"), not a noun ("Internal pricing").
        verb = sentence.tokens[start + 1]
        finite = any(h.first == start + 1 for h in sentence.hits["finite"] + sentence.hits["absolute"])
        return start + 1 not in sentence.names and (finite or verb.text.endswith(_VERB_ENDINGS))

    @staticmethod
    def _labels(sentence: Sentence) -> list[Hit]:
        return person_labels(sentence).said

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

    def _vague(self, text: str, sentence: Sentence) -> list[Hit]:
        flagged = []
        for hit in sentence.hits["vague"] + self._frames(sentence):
            if not self.analyzer.is_vague_ask(sentence, hit):
                continue
            anchors = [c for c in sentence.hits["concrete"] if not (hit.first <= c.first <= hit.last)]
            # "Skjerp formuleringene: kutt innledningen …" – a colon introduces the concrete how.
            explained = text[hit.end : sentence.end].lstrip().startswith(":")
            if not anchors and not explained:
                flagged.append(hit)
        return flagged
