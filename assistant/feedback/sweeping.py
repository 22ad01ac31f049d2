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

from itertools import pairwise

from assistant.feedback.analysis import Analysis, Clause, Sentence, TextAnalyzer
from assistant.feedback.lexicon import Hit

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
# "never"/"aldri" alone: with a simple past it can tell one event ("you never confirmed the time" = did not).
_BARE_NEVER = frozenset({"never", "aldri"})
# The doer before "never" in English, around the verb in Norwegian ("du sendte aldri", "sendte du aldri").
_DOERS = frozenset({"you", "he", "she", "they", "du", "han", "hun", "ho", "dere", "dykk", "de", "dei"})
# Auxiliaries that make "never" + participle a perfect ("you've never sent"): a span, not one event.
_PERFECT = frozenset({"have", "has", "had", "'ve", "you've", "he's", "she's", "hadde", "har"})
# Endings of a Norwegian weak past ("sendte", "ringde", "bekreftet", "bekrefta").
_PAST_ENDINGS = ("te", "de", "et", "a")
# Failures that keep a sweeping word a verdict in what a fronted "every time" clause leads to.
_FAILURE_CUES = ("problem", "effect", "negator", "label", "label_noun", "judgement")


def style_cue(
    analyzer: TextAnalyzer, sentence: Sentence, cue: str, clause: Clause | None = None
) -> list[Hit]:
    """Hits of a style-only cue (one the analysis does not look up) in a sentence or one of its clauses.

    Args:
        analyzer: The analyzer whose lexicon holds the cue.
        sentence: The sentence.
        cue: The cue name in ``knowledge/feedback/style.tsv``.
        clause: Only hits that start in this clause, when given.
    """
    hits = analyzer.lexicon.find(cue, sentence.tokens, sentence.language)
    return [h for h in hits if clause is None or clause.first <= h.first <= clause.last]


class SweepingWords:
    """Finds ``absolute-language`` in analysed sentences.

    Args:
        analyzer: The analyzer whose lexicon holds the style cues.
    """

    def __init__(self, analyzer: TextAnalyzer) -> None:
        self.analyzer = analyzer

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
            if self._one_event(sentence, clause, hit) or self._good_habit(sentence, clause, hit):
                continue
            if self._never_without(sentence, clause, hit):
                continue
            if sentence.sarcastic or self._about_person(text, sentence, hit, scope):
                flagged.append(hit)
        return flagged

    @staticmethod
    def _reproach(sentence: Sentence, clause: Clause) -> bool:
        """Whether a question reproaches: "Hvorfor …?", "Må du alltid …?", "Do you always have to …?"."""
        words = [t.text for t in sentence.tokens[clause.first : clause.last + 1]]
        must = any(w in _MUST or (w in ("have", "has") and nxt == "to") for w, nxt in pairwise(words))
        return sentence.tokens[0].text in _WHY or must

    def _denied_failure(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether a "never" word denies a failure of the person: a double negative is praise.

        "Du mister aldri tråden", "You never let a quote sit in your inbox": "aldri"/"never" (a
        sweeping word that is also a negator) before a failure or harm word in a clause about the
        person ("du"/"you"); in Norwegian the finite verb comes right before "aldri". A fault word
        ("du er aldri redd for …", "you're never late") is denied as well as a failure.
        """
        mocked = sentence.hits["sarcasm"] or sentence.hits["sarcastic_label"]
        if sentence.question or mocked or not any(
            n.first <= hit.first <= n.last for n in sentence.hits["negator"]
        ):
            return False
        if not sentence.in_clause("second", clause):
            return False
        faults = [
            h for h in self.analyzer.lexicon.find("denied_fault", sentence.tokens, sentence.language)
            if clause.first <= h.first <= clause.last
        ]
        failures = sentence.in_clause("problem", clause) + sentence.in_clause("effect", clause) + faults
        denied = [f for f in failures if hit.last < f.first <= hit.last + 3 or f.last == hit.first - 1]
        # Sarcasm the analysis inferred from praise next to a failure ("Du har aldri bommet på en frist,
        # og kampanjen gikk ut uten en eneste feil") is no sarcasm when the denial is the only failure.
        return bool(denied) and (not sentence.sarcastic or len(failures) == len(denied))

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
            if clause.ask:
                return False  # "… be ham ta bilde av førerkortet, hver gang": part of the instruction
        if self._manager_subject(sentence, clause):
            return False
        if self._someone_else_acts(sentence, clause):
            return False  # "kundane nemner deg stadig", "the customers always ask for you"
        if not addressed and self._named_subject(text, sentence, clause):
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
        if fronted and index + 1 < len(sentence.clauses):
            following = sentence.clauses[index + 1]
            if following.ask:
                return False
            # "Hver gang jeg ber om prognosen, får jeg den etter fristen": the failure is named.
            failure = "problem" in following.parts and not following.neutral
            return failure or any(sentence.in_clause(cue, following) for cue in people)
        return criticised and self._failure_of_person(sentence, clause)

    def _failure_of_person(self, sentence: Sentence, clause: Clause) -> bool:
        """Whether a failure with no person in it belongs to the person's act told in another clause.

        "Når du stenger kassa, mangler terminalrapporten uten unntak": the thing that fails is the
        person's work, and no one else is its subject.
        """
        if "problem" not in clause.parts or clause.neutral or clause.ask:
            return False
        if self.analyzer.criticism.third_party_subject(sentence, clause):
            return False
        return any(sentence.in_clause("second", other) for other in sentence.clauses if other is not clause)

    def _one_event(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether a bare "never"/"aldri" with a simple past tells one event, not a habit.

        "You never confirmed the time", "du bekreftet aldri tidspunktet" mean "did not": the doer,
        then the simple past right after "never" (English) or around "aldri" (Norwegian verb second).
        A perfect ("you've never sent"), a span or quantity ("any", "this month", "en eneste") or a
        second sweeping word keeps the verdict.
        """
        tokens = sentence.tokens
        words = [t.text for t in tokens]
        i = hit.first
        if hit.last != i or words[i] not in _BARE_NEVER or sentence.question or sentence.sarcastic:
            return False
        span = style_cue(self.analyzer, sentence, "habit_span", clause)
        if span or len(sentence.in_clause("absolute", clause)) > 1:
            return False
        past = {h.first for h in style_cue(self.analyzer, sentence, "past_event", clause)}
        if sentence.language == "en":
            if i + 1 > clause.last or i < 1 or words[i - 1] in _PERFECT or words[i - 1] not in _DOERS:
                return False
            verb = words[i + 1]
            return i + 1 in past or (verb.endswith("ed") and len(verb) > 4)

        def weak_past(j: int) -> bool:
            word = words[j]
            return j in past or (word.endswith(_PAST_ENDINGS) and len(word) > 4 and word not in _PERFECT
                                 and not any(h.first <= j <= h.last for h in sentence.hits["second"]))

        if i < clause.first + 2:
            return False
        before, verb_first = words[i - 2], words[i - 1]
        return (before in _DOERS and weak_past(i - 1)) or (verb_first in _DOERS and weak_past(i - 2))

    def _never_without(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether "never … without" makes a double negative: "you never leave without walking them through".

        The habit is kept, so it is praise, unless the sentence mocks or a label stands in the clause.
        """
        labelled = sentence.in_clause("label", clause) or sentence.in_clause("label_noun", clause)
        if sentence.sarcastic or labelled:
            return False
        return any(h.first == hit.first for h in style_cue(self.analyzer, sentence, "never_without", clause))

    def _good_habit(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether "always" keeps up a good habit: "du har alltid orden på papirene", "you're always on time".

        Only for a sweeping word that is no negation, with the good word after it and no failure,
        label or negation in the clause.
        """
        if any(n.first <= hit.first <= n.last for n in sentence.hits["negator"]) or sentence.sarcastic:
            return False
        if any(sentence.in_clause(cue, clause) for cue in _FAILURE_CUES):
            return False
        # A good verb may wrap the sweeping word ("du følgjer alltid opp"): it need only end after it.
        return any(h.last > hit.last for h in style_cue(self.analyzer, sentence, "good_habit", clause))

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
        return not any(sentence.in_clause(cue, clause) for cue in _FAILURE_CUES)

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
        return not any(sentence.in_clause(cue, c) for c in sentence.clauses[index:] for cue in _FAILURE_CUES)

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
