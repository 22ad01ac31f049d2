"""Problem and consequence in the clauses of a sentence that are neither praise nor an ask.

A clause names the **problem** when it has an explicit failure cue ("glemte", "for sent", "uten å"),
says what the person did ("du"/"you"/"din"), or tells a concrete event without "du": two times in
one sentence ("kom tysdag og vart svart på fredag"), a deliverable that arrived at a stated time
("budsjettet kom fredag kveld"), an action in a sarcastic sentence ("…, emailing the client our margin
sheet"). It names the **consequence** when it has a causal marker or a harm, when "det"/"that"
points back at the problem and names what it hits ("det spiser av marginen"), or, after the problem,
when someone else refuses, asks for something, or is now in a new state ("They now want 15 % off").
"""

from __future__ import annotations

from itertools import pairwise

from assistant.feedback.lexicon import Hit
from assistant.feedback.segment import Clause, Segmenter, Sentence, any_overlap
from assistant.feedback.signals import denied_failures, event_times, opens_with_action

# Norwegian subject pronouns of someone else: never an object, so after a verb they are its subject.
_SUBJECT_PRONOUNS = frozenset({"vi", "me", "de", "dei", "han", "hun", "ho", "jeg", "eg"})


class CriticismMarker:
    """Marks problem and consequence in one clause at a time.

    Args:
        segmenter: The segmenter (for where a clause's content starts).
    """

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def mark(self, sentence: Sentence, clause: Clause, problem_seen: bool, dated: bool) -> bool:
        """Add ``problem`` and ``consequence`` to a clause where they apply.

        Args:
            sentence: The sentence.
            clause: One of its clauses that is neither praise nor an ask.
            problem_seen: Whether an earlier clause of the text named the problem.
            dated: Whether the clause holds the first of two event times of its sentence.

        Returns:
            Whether the text has named the problem by the end of this clause.
        """

        def cue(name: str) -> list[Hit]:
            return sentence.in_clause(name, clause)

        if any(sentence.clause_of(h.first).segment == clause.segment for h in sentence.hits["excuse"]):
            # "Det var Stian som la inn feil pris, ikke du", "Sorry for the scramble it caused you":
            # the fault is someone else's, and so is what it led to.
            return problem_seen
        if not problem_seen and self._outside_cause(sentence, clause):
            # "Markedet har falt, og flere av kundene dine har satt investeringer på vent": the
            # trouble and its effects belong to a cause outside the person, named before them.
            return problem_seen
        start = self.segmenter.content_start(sentence, clause)
        verdicts = cue("own_feeling") + cue("judgement")
        markers = cue("cons_marker")
        denied = denied_failures(sentence)
        third_party = self.third_party_subject(sentence, clause)
        # du / you; in a clause that opens with someone else, a later "you" is their object ("They've
        # asked us not to send you again").
        subject = [
            h for h in cue("second")
            if not (third_party and h.first > start and any_overlap(h, cue("second_object")))
        ]
        negated = [] if verdicts else cue("negator")
        object_only = not subject and bool(cue("second_object")) and sentence.language == "en"
        someone_else = not (subject or (cue("second_object") and not object_only)) and third_party
        someone_else = someone_else or self._after_someone_else(sentence, clause, problem_seen)
        if someone_else and cue("absolute") and not problem_seen:
            return problem_seen  # "Kunden ringer bestandig på fredag": someone else's habit, context
        harms = [h for h in self._harms(sentence, clause, verdicts) if not any(h is f for f, _ in denied)]
        explicit = [
            h for h in cue("problem")
            # The harm after a causal marker is the consequence, not the problem; a verdict
            # ("dette er dårlig") names no behaviour.
            if not any(m.first <= h.first for m in markers)
            and not any_overlap(h, verdicts + cue("label") + cue("label_noun") + cue("sarcastic_label"))
            and not any_overlap(h, cue("not_problem"))  # "det er aldri for seint å lære"
            and not any(h is failure for failure, _ in denied)  # "det manglar ikkje ei einaste oppfølging"
        ]
        if someone_else:
            # What a customer does is not the person's doing; after the problem it is what the
            # problem led to ("Kunden fikk feil faktura").
            harms, explicit = harms + (explicit if problem_seen else []), []
        after = problem_seen and not subject and (someone_else or not cue("second_possessive"))
        # "It's now Thursday" tells the time, not a state the problem led to.
        now_state = [h for h in cue("now_marker") if not any_overlap(h, cue("not_outcome"))]
        # "…, og det spiser av marginen": "det" points back at the problem and names what it hits.
        pointed = (problem_seen and any(h.first == start for h in cue("anaphor")) and bool(cue("stake"))
                   and not (verdicts or cue("not_outcome")))
        # "… og de tar ikke imot flere besøk": a customer refusing is a harm, not the person's doing.
        refused = someone_else and bool(negated) and not sentence.question
        # Negation after the subject ("Kunden betalte ikkje"), not a clause that is only a negated
        # predicate continuing the one before ("du virket uforberedt og lite interessert").
        negated = [n for n in negated if n.first > start]
        if any(h.first == start for h in cue("anaphor")):
            negated = []  # "men det skjedde ikke" restates the problem, it is not what it led to
        # "…, og prognosen til ledelsen ble feil": after the problem, what became wrong is its result.
        turned = problem_seen and not subject and bool(cue("became")) and bool(explicit)
        if markers or harms or pointed or turned:
            clause.parts.add("consequence")
            # "…, og det er derfor Europris ba om deg": a causal marker with no harm is a good
            # effect when the problem turns out to be praise.
            clause.derived = not (harms or pointed or turned)
        elif refused or (after and (negated or now_state or (someone_else and cue("request")))):
            # "Kunden betalte ikkje i tide", "They now know our floor price", "to kunder har bedt om
            # de prisene": after the problem, a negated or now-state clause about someone else, or
            # what someone else now asks for, is what it led to; so is a customer's refusal. These
            # fall if the problem turns out to be praise.
            clause.parts.add("consequence")
            clause.derived = True
        self._mark_problem(sentence, clause, explicit, someone_else, dated, harms, problem_seen)
        return problem_seen or "problem" in clause.parts

    @staticmethod
    def _outside_cause(sentence: Sentence, clause: Clause) -> bool:
        """Whether a cause outside the person comes up to this clause with no "du"/"you" before it.

        The effect of someone else's trouble is no consequence of the person's problem, but an effect
        with no named cause still is ("det som skjedde har ført til at vi mister kunden").
        """
        return any(h.first <= clause.last for h in sentence.hits["outside_cause"]) and not any(
            h.first <= clause.last for h in sentence.hits["second"]
        )

    @staticmethod
    def _harms(sentence: Sentence, clause: Clause, verdicts: list[Hit]) -> list[Hit]:
        if sentence.in_clause("own_feeling", clause):
            return []  # The manager's own feelings ("jeg er lei av å mase") are no consequence.
        # "du virket stresset": a word of harm said of the person describes them; it is no harm.
        described = {
            i for c in sentence.in_clause("person_copula", clause)
            if any(s.first == c.first for s in sentence.in_clause("second", clause))
            for i in range(c.last + 1, c.last + 4)
        }
        return [
            h for h in sentence.in_clause("effect", clause) + sentence.in_clause("self_obligation", clause)
            if not any_overlap(h, verdicts) and h.first not in described
        ]

    def _mark_problem(
        self, sentence: Sentence, clause: Clause, explicit: list[Hit], someone_else: bool, dated: bool,
        harms: list[Hit], problem_seen: bool,
    ) -> None:
        def cue(name: str) -> list[Hit]:
            return sentence.in_clause(name, clause)

        start = self.segmenter.content_start(sentence, clause)
        times = [t for t in event_times(sentence) if clause.first <= t.first <= clause.last]
        event = not someone_else and (
            dated  # "Førespurnaden kom tysdag og vart svart på fredag"
            or (bool(cue("dispatch")) and bool(times))  # "Budsjettet kom fredag kveld"
            # "…, emailing the client our margin sheet"
            or (sentence.sarcastic and opens_with_action(sentence, clause, start))
        )
        verdicts = cue("own_feeling") + cue("judgement")
        # "Du forklarte hvorfor vi ikke kan …": a negator right after someone else's subject pronoun
        # negates their verb in an embedded clause, not what the person did.
        denials = [n for _, n in denied_failures(sentence)]
        negated = [] if verdicts else [
            n for n in cue("negator")
            if not (n.first and sentence.tokens[n.first - 1].text in _SUBJECT_PRONOUNS)
            and not any(n is d for d in denials)  # it denies a failure, it names no omission
            and not any_overlap(n, cue("not_problem"))  # "ikke bare raskt, men også grundig"
        ]
        person = cue("second") + cue("second_possessive")  # du / you, or din / your
        labelled = any(sentence.in_clause(c, clause) for c in ("label", "label_noun", "antonym"))
        if explicit or event:
            clause.parts.add("problem")
            clause.neutral = not explicit and not sentence.sarcastic
        elif (
            # "flere av kundene dine har satt …": the person only owns the subject, someone else acts
            not someone_else and self._about_what_they_did(sentence, clause)
            and not (cue("cons_marker") or verdicts)
            # "du lot meg vente": the person causes the harm in the same clause
            and (not harms or person[0].first < harms[0].first)
        ):
            clause.parts.add("problem")
            # a label on the behaviour ("ubrukeleg på oppfølging") is criticism, never praise
            clause.neutral = not (negated or sentence.sarcastic or labelled)
        elif not someone_else and not sentence.question and any(
            t.text == "å" for j in cue("judgement") for t in sentence.tokens[j.last + 1 : clause.last + 1]
        ):
            clause.parts.add("problem")  # "Det var dårlig gjort å avlyse møtet en time før": the judged act
        elif (
            negated and not cue("second") and not cue("cons_marker") and not someone_else
            and not problem_seen
            # a counted fact, or criticism after "men" ("Derimot var kalkylen ikke kontrollert")
            and (cue("concrete") or clause.segment > 0)
        ):
            clause.parts.add("problem")

    def _after_someone_else(self, sentence: Sentence, clause: Clause, problem_seen: bool) -> bool:
        """Whether a clause goes on from someone else's doing before any problem of the person.

        "Innkjøperen bestilte feil varenummer, og nå står det tre paller med feil pumper på lageret":
        a clause joined to someone else's, with no "du"/"you" of its own, tells more of their story.
        """
        index = next(i for i, c in enumerate(sentence.clauses) if c is clause)
        if problem_seen or not index or sentence.in_clause("second", clause):
            return False
        before = sentence.clauses[index - 1]
        joined = clause.segment == before.segment and bool(sentence.in_clause("clause_break", clause))
        return (joined and not sentence.in_clause("second", before)
                and self.third_party_subject(sentence, before))

    def third_party_subject(self, sentence: Sentence, clause: Clause) -> bool:
        """Whether the clause is about what someone else (a customer, a team, the manager) did."""
        start = self.segmenter.content_start(sentence, clause)
        if sentence.in_clause("report_verb", clause):
            return False  # "kunden oppdaget at kontrakten manglet side 3" reports the person's doing
        # "og no står vi utan …": after a fronted adverb the subject pronoun follows the verb.
        inverted = start > clause.first and sentence.language == "no"
        return any(
            (h.first == start or (inverted and h.first == start + 1 and h.first == h.last
                                  and sentence.tokens[h.first].text in _SUBJECT_PRONOUNS))
            and not any_overlap(h, sentence.hits["not_third_person"])
            for h in sentence.hits["third_person"]
        )

    def _about_what_they_did(self, sentence: Sentence, clause: Clause) -> bool:
        if sentence.question:
            return False
        if not (sentence.in_clause("second", clause) or sentence.in_clause("second_possessive", clause)):
            return False
        owned = sentence.in_clause("metric_owner", clause)
        if not sentence.in_clause("second", clause) and all(
            any_overlap(h, owned) for h in sentence.in_clause("second_possessive", clause)
        ):
            return False  # "Salgstallene dine denne uka", "your order volume is down": a result
        start = self.segmenter.content_start(sentence, clause)
        subordinate = any(h.first in (clause.first, start) for h in sentence.hits["subordinate"])
        if subordinate and not sentence.sarcastic:
            return False
        labels = [
            h for cue in ("label", "label_noun", "sarcastic_label", "antonym")
            for h in sentence.in_clause(cue, clause)
        ]
        if any(d.first == h.last + 1 for h in labels for d in sentence.hits["label_domain"]):
            return True  # "Du er heilt ubrukeleg på oppfølging" names the behaviour it judges
        if sentence.in_clause("ability", clause) or sentence.in_clause("characterisation", clause):
            return False
        # "Du er lat" judges the person but names no behaviour.
        return not labels


def effect_before_cause(sentence: Sentence) -> None:
    """Mark what a problem clause led to, by how the clauses of a sentence are joined.

    "Tre kunder ringte meg i dag fordi du ikke hadde svart": the effect comes first, then the cause.
    "Du glemte å sende invitasjonen, så bare fire kunder meldte seg på": a result follows "så"/"so".
    """
    breaks = {h.first for h in sentence.hits["clause_break"]}
    for first, second in pairwise(sentence.clauses):
        # "…, og da blir møtene …": the link may follow the conjunction that opens the clause.
        lead = second.first + 1 if second.first in breaks else second.first
        if (
            "problem" in second.parts and any(h.first == second.first for h in sentence.hits["cause_link"])
            and not (first.parts or first.ask or first.segment in sentence.positive_segments)
        ):
            first.parts.add("consequence")
        if (
            "problem" in first.parts and not first.neutral
            and any(h.first in (second.first, lead) for h in sentence.hits["result_link"])
            and not (second.ask or second.segment in sentence.positive_segments)
        ):
            second.parts.add("consequence")


def dated_clause(sentence: Sentence, asks: set[int]) -> Clause | None:
    """The clause holding the first of two different event times in a sentence, if any.

    Two times of an event in one sentence tell a delay ("kom tysdag og vart svart på fredag", "It was
    due Monday; it's now Thursday"); times in asks and praise do not count.
    """
    times = [
        t for t in event_times(sentence)
        if id(sentence.clause_of(t.first)) not in asks
        and sentence.clause_of(t.first).segment not in sentence.positive_segments
    ]
    # A day and a clock time side by side ("tysdag kl. 10") are one time, not two.
    times = [t for i, t in enumerate(times) if not (i and times[i - 1].last + 1 >= t.first)]
    words = {" ".join(tok.text for tok in sentence.tokens[t.first : t.last + 1]) for t in times}
    return sentence.clause_of(times[0].first) if len(words) >= 2 else None
