"""The ``absolute-language`` rule: sweeping words that turn one event into a verdict on the person.

Decisions (the rule table of ``eval/FEEDBACK_LABELS.md``): a sweeping word ("alltid", "hver eneste
gang", "never", "uten unntak") counts only in criticism of the person. Not in praise, not in an
instruction ("never forward an internal thread"), not about someone else ("kunden ringer
bestandig"), not in the manager's own habit or a policy, not hedged ("nesten aldri"), not for one
past event ("you never confirmed the time"), not in a condition that leads to no failure ("Hver gang
du har demo, får vi nye leads"). Sarcastic praise is criticism; counted facts ("tre ganger") are no
sweeping words at all.
"""

from __future__ import annotations

from assistant.feedback.analysis import Analysis, Clause, Sentence, TextAnalyzer
from assistant.feedback.lexicon import Hit
from assistant.feedback.readings import FAILURE_CUES, NoVerdict, style_cue
from assistant.feedback.segment import PERSON_CUES

# The manager as the subject ("jeg setter alltid av tid til deg", "I always have your back"): a
# sweeping word about the manager's own habit or promise is no verdict on the person.
_FIRST_PERSON = {
    "no": frozenset({"jeg", "eg", "vi", "me"}),
    "en": frozenset({"i", "we", "i'm", "i've", "i'll", "i'd", "we're", "we've", "we'll"}),
}
# He/she as the subject of a note about the person ("hun sender ut tilbud … uten unntak").
_THIRD_SINGULAR = frozenset({"han", "hun", "ho", "he", "she"})
# Endings of a definite Norwegian noun ("Kunden", "Tilbudet", "Kundene"): no name.
_DEFINITE = ("en", "et", "ene", "ane", "a", "s")
# Endings of a finite verb after a name: Norwegian present and past, English -s.
_VERB_ENDINGS = ("er", "ar", "te", "de", "dde", "et")


class SweepingWords:
    """Finds ``absolute-language`` in analysed sentences.

    Args:
        analyzer: The analyzer whose lexicon holds the style cues.
    """

    def __init__(self, analyzer: TextAnalyzer) -> None:
        self.analyzer = analyzer
        self.readings = NoVerdict(analyzer)

    @staticmethod
    def scope(analysis: Analysis) -> tuple[bool, bool]:
        """What the whole text says about its sweeping words: (addressed, criticised).

        A text that speaks to "du"/"you" is about them, and a name there is someone else ("Arne på
        lageret"); a habit the text asks to keep ("…, uten unntak. Fortsett med det!") is no verdict.
        """
        # The analysis reads "han"/"hun" in a note as "du"; the written word tells who is addressed.
        addressed = any(
            analysis.text[s.tokens[h.first].start : s.tokens[h.first].end].lower() not in _THIRD_SINGULAR
            for s in analysis.sentences for h in s.hits["second"]
        )
        criticised = not any(s.hits["keep_going"] for s in analysis.sentences)
        return addressed, criticised

    def flagged(self, text: str, sentence: Sentence, scope: tuple[bool, bool]) -> list[Hit]:
        """The sweeping words of one sentence that turn its criticism into a verdict on the person.

        Args:
            text: The whole text.
            sentence: One analysed sentence of it.
            scope: From :meth:`scope`: whether the text addresses the person, whether it criticises.
        """
        flagged = []
        praise = sentence.hits["positive"] + sentence.hits["keep_going"]
        for hit in sentence.hits["absolute"]:
            clause = sentence.clause_of(hit.first)
            reproach = sentence.question and self.readings.reproach(sentence, clause)
            if sentence.question and not reproach:
                continue  # "Sender du alltid tilbudet på e-post?" asks how often
            praised = clause.segment in sentence.positive_segments
            praised = praised and not self._praise_elsewhere(sentence, clause)
            if (clause.ask and not reproach) or praised:
                continue
            if self.readings.denied_failure(sentence, clause, hit):
                continue  # "du mister aldri tråden", "you never let a quote sit": praise
            if any(p.first <= hit.first <= p.last for p in praise) and not sentence.sarcastic:
                continue
            if any(h.first <= hit.first <= h.last + 1 for h in sentence.hits["hedge"]):
                continue  # "nesten aldri", "not always": a frequency, not a verdict
            readings = self.readings
            if any(read(sentence, clause, hit) for read in (
                readings.one_event, readings.good_habit, readings.never_without,
            )):
                continue  # one event, a good habit kept, "never … without": no verdict
            if self._mocked(sentence, clause) or self._about_person(text, sentence, hit, scope):
                flagged.append(hit)
        return flagged

    def _mocked(self, sentence: Sentence, clause: Clause) -> bool:
        """Whether sarcasm makes the sweeping word criticism: not in a clause about someone else.

        "Lattmann Eiendom betaler aldri før de har fått purring, så det er ikke noe du har gjort feil":
        the customer's habit stays the customer's even where the analysis reads the sentence as sarcasm.
        """
        if not sentence.sarcastic:
            return False
        people = PERSON_CUES
        if any(sentence.in_clause(cue, clause) for cue in people):
            return True
        return not self.analyzer.criticism.third_party_subject(sentence, clause)

    @staticmethod
    def _praise_elsewhere(sentence: Sentence, clause: Clause) -> bool:
        """Whether every praise word stands in a side clause about something else, not the person.

        "Du sit jo på mobilen i eitt kjør når det er roleg i butikken": a calm shop is no praise of
        the person, so the sweeping clause stays criticism.
        """
        people = PERSON_CUES
        for hit in sentence.hits["positive"]:
            other = sentence.clause_of(hit.first)
            opens = any(h.first == other.first for h in sentence.hits["subordinate"])
            if other is clause or not opens or any(sentence.in_clause(cue, other) for cue in people):
                return False
        return bool(sentence.hits["positive"])

    def _manager_subject(self, sentence: Sentence, clause: Clause, hit: Hit | None = None) -> bool:
        """Whether the clause tells the manager's own habit or promise, with no failure in it."""
        words = _FIRST_PERSON.get(sentence.language, frozenset())
        start = self.analyzer.content_start(sentence, clause)
        if start > clause.last or sentence.tokens[start].text not in words:
            return False
        # "I'm afraid your notes invariably arrive late", "jeg ser at du alltid …": the manager only
        # frames a statement whose subject, the person, stands between the frame and the sweeping word.
        people = sentence.in_clause("second", clause) + sentence.in_clause("second_possessive", clause)
        if hit is not None and any(start < p.first < hit.first for p in people):
            return False
        # "Jeg må alltid purre på deg", "I always get it late": the manager bears the person's failure.
        # "Jeg har aldri sett deg levere …": the person does what the manager witnesses.
        burden = ("problem", "effect", "self_obligation", "own_feeling", "judgement", "witness")
        return not any(sentence.in_clause(cue, clause) for cue in burden)

    def _about_person(self, text: str, sentence: Sentence, hit: Hit, scope: tuple[bool, bool]) -> bool:
        addressed, criticised = scope
        index = sentence.clauses.index(sentence.clause_of(hit.first))
        clause = sentence.clauses[index]
        people = PERSON_CUES
        if index and criticised and self._trailing(sentence, clause, hit):
            # "Du lovar levering før lageret har stadfesta, kvar einaste gong": a sweeping phrase
            # after a comma qualifies the clause before it.
            index -= 1
            clause = sentence.clauses[index]
            if clause.ask:
                return False  # "… be ham ta bilde av førerkortet, hver gang": part of the instruction
        if self._manager_subject(sentence, clause, hit):
            return False
        if self._someone_else_acts(sentence, clause):
            return False  # "kundane nemner deg stadig", "the customers always ask for you"
        if not addressed and self.named_subject(text, sentence, clause):
            return True  # a note about the person: "Jonny noterer aldri …", "hun sender … uten unntak"
        # A fronted adverbial ("Hver eneste gang vi har demo, glemmer du …") is about the next clause;
        # next to an ask it is part of an instruction ("start a new email whenever you write").
        fronted = hit.first in (clause.first, self.analyzer.content_start(sentence, clause))
        if fronted and self._condition_only(sentence, index, hit):
            return False  # "Hver gang du har demo, får vi nye leads": no failure follows the condition
        neighbours = sentence.clauses[max(index - 1, 0) : index + 2]
        if fronted and any(c.ask for c in neighbours):
            return False
        if any(sentence.in_clause(cue, clause) for cue in people):
            return True
        if fronted and self._condition_then_failure(sentence, clause, hit):
            return True  # "Hver evige gang jeg ber om lista får jeg den halvferdig" (no comma)
        if fronted and index + 1 < len(sentence.clauses):
            following = sentence.clauses[index + 1]
            if following.ask:
                return False
            # "Hver gang jeg ber om prognosen, får jeg den etter fristen": the failure is named.
            failure = "problem" in following.parts and not following.neutral
            return failure or any(sentence.in_clause(cue, following) for cue in people)
        if criticised and self._missing_state(sentence, clause, hit):
            return True
        return criticised and self._failure_of_person(sentence, clause)

    def _failure_of_person(self, sentence: Sentence, clause: Clause) -> bool:
        """Whether a failure with no person in it belongs to the person's act told in another clause.

        "Når du stenger kassa, mangler terminalrapporten uten unntak": the thing that fails is the
        person's work, and no one else is its subject. A name said alone as its own clause ("…,
        Kristoffer: ukesrapporten kommer etter fristen, uten unntak") addresses the person too.
        """
        if "problem" not in clause.parts or clause.neutral or clause.ask:
            return False
        if self.analyzer.criticism.third_party_subject(sentence, clause):
            return False
        others = [other for other in sentence.clauses if other is not clause]
        return any(sentence.in_clause("second", other) for other in others) or self._vocative(sentence)

    @staticmethod
    def _vocative(sentence: Sentence) -> bool:
        """Whether the sentence calls the person by name: a name that is a clause of its own."""
        return any(c.first == c.last and c.first in sentence.names for c in sentence.clauses)

    def _missing_state(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether "never" denies a good state that the person's act in another clause should bring.

        "Det er ALDRI orden i prøverommene når du har vakt", "It's never ready when you close": the
        good word after a negating sweeping word makes a failure, and the person is named beside it.
        """
        if not any(n.first <= hit.first <= n.last for n in sentence.hits["negator"]):
            return False
        states = style_cue(self.analyzer, sentence, "denied_state", clause)
        if not any(hit.last < h.first <= hit.last + 2 for h in states):
            return False
        others = [other for other in sentence.clauses if other is not clause]
        return any(sentence.in_clause("second", other) for other in others)

    def _someone_else_acts(self, sentence: Sentence, clause: Clause) -> bool:
        """Whether someone else is the subject and the person only the object, with no failure.

        "Kundane nemner deg stadig", "the customers always ask for you": a habit of the customers.
        "Kundene må alltid vente på deg" names a harm and stays a verdict.
        """
        if sentence.in_clause("second", clause) or sentence.sarcastic:
            return False
        if not self.analyzer.criticism.third_party_subject(sentence, clause):
            return False
        start = self.analyzer.content_start(sentence, clause)
        if sentence.tokens[start].text in _FIRST_PERSON.get(sentence.language, frozenset()):
            return False  # "jeg må alltid purre på deg": the manager bears it (see _manager_subject)
        return not any(sentence.in_clause(cue, clause) for cue in FAILURE_CUES)

    def _condition_only(self, sentence: Sentence, index: int, hit: Hit) -> bool:
        """Whether a fronted "every time" clause is a condition followed by no failure.

        "Hver gang du har demo, får vi nye leads", "Every time you present, the client signs": the
        verdict is in what follows the condition; with no failure, harm or label anywhere from the
        condition on, the sweeping words praise or describe.
        """
        if not any(h.first == hit.first for h in style_cue(self.analyzer, sentence, "sweeping_when")):
            return False
        if index + 1 >= len(sentence.clauses) or sentence.sarcastic:
            return False
        later = sentence.clauses[index + 1 :]
        if any("problem" in c.parts for c in later):
            return False  # "Kvar einaste gong vi har kundemøte, snakkar du i munnen på kunden"
        return not any(sentence.in_clause(cue, c) for c in sentence.clauses[index:] for cue in FAILURE_CUES)

    def _condition_then_failure(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether a fronted "every time" condition and the failure it leads to share one clause.

        "Hver evige gang jeg ber om kandidatlista får jeg den halvferdig", "Every time I ask for the
        forecast I get it late": with no comma the analysis sees one clause. The condition's subject
        must be the manager or the person (not "kunden"), and a failure must follow it.
        """
        if not any(h.first == hit.first for h in style_cue(self.analyzer, sentence, "sweeping_when")):
            return False
        if hit.last + 1 > clause.last:
            return False
        subject = sentence.tokens[hit.last + 1].text
        own = _FIRST_PERSON.get(sentence.language, frozenset()) | {"du", "you"}
        failures = [h for h in sentence.in_clause("problem", clause) if h.first > hit.last + 1]
        return subject in own and bool(failures) and not clause.neutral

    def _trailing(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether a clause holds nothing but the sweeping phrase (and a time after it)."""
        start = self.analyzer.content_start(sentence, clause)
        return start == hit.first and all(
            any(h.first <= i <= h.last for h in sentence.hits["time_point"] + sentence.hits["filler"])
            for i in range(hit.last + 1, clause.last + 1)
        )

    def named_subject(self, text: str, sentence: Sentence, clause: Clause) -> bool:
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
