"""Which of the four feedback parts each clause of a text carries, from cue lexicons.

The method, in short (every word list is data in ``knowledge/feedback/*.tsv``):

- The text is cut into sentences, sentences into clauses (at punctuation, emoji and conjunctions),
  and clauses into *segments* at contrast words ("men", "but"): praise and criticism on either side
  of a contrast are judged apart.
- **positive**: a praise cue about the person that is not negated ("ikke bra"), not a courtesy ("ha
  en fin dag"), not part of an ask ("hadde vært fint om …"), not describing someone else ("gode
  kundar") and not sarcastic; a rejected label ("jeg mener ikke at du er lat") is no failure, but
  no praise on its own either; a bare thanks after an ask is courtesy. Praise in a
  sentence that also names a failure, with no contrast word between them, is sarcasm ("Takk for at
  du alltid holder oss underholdt – kontrakten manglet side 3"); so is praise next to a sarcastic
  label and bare praise right before a failure (:mod:`assistant.feedback.context`).
- **improvement**: an ask (modal, request, "neste gang", a proposal, or an imperative verb opening
  a clause, also one the lexicon does not know: "Last opp de sju innen fredag", "Rename them"), a
  condition with its benefit ("Hvis du åpner kundekortet først, blir samtalene kortere"), or a
  vague ask ("skjerp deg"); "fortsett sånn" is praise, not an ask.
- **problem** and **consequence**: see :mod:`assistant.feedback.criticism`. Allusions ("det som
  skjedde i forrige uke") and general dissatisfaction ("ikke bra nok") are not problems; the benefit
  of a fix is not a consequence.
"""

from __future__ import annotations

from assistant.feedback.context import (
    THANKS,
    bare_praise_sarcasm,
    courtesy_thanks,
    mark_mocking,
    overcome_context,
    praise_context,
)
from assistant.feedback.criticism import CriticismMarker, dated_clause, effect_before_cause
from assistant.feedback.lexicon import Hit, Lexicon, tokenize
from assistant.feedback.perspective import Perspective
from assistant.feedback.segment import PERSON_CUES, Analysis, Clause, Segmenter, Sentence, sentence_spans
from assistant.feedback.segment import any_overlap as _any_overlap
from assistant.feedback.signals import (
    denied_failures,
    opening_imperative,
    person_labels,
    present_instruction,
    rule_with_deadline,
)
from assistant.text import guess_language

__all__ = ["Analysis", "Clause", "Sentence", "TextAnalyzer", "sentence_spans"]

# Pronouns among the third-party words: "the sharpest I've seen" is praise, "gode kundar" is not.
_PRONOUNS = frozenset({
    "jeg", "eg", "vi", "me", "de", "dei", "han", "hun", "ho", "i", "we", "they", "he", "she",
    "i've", "i'm", "i'd", "we've", "we're", "they've", "they're", "he's", "she's",
})

# "without" words: what follows them was avoided ("uten å bruke fagord").
_WITHOUT = frozenset({"uten", "utan", "without"})

# Words that make a following joint action a reported question ("asked whether we talk …").
_REPORTED_QUESTION = frozenset({"whether", "if", "om", "hvorvidt", "kvifor", "hvorfor", "why"})


class TextAnalyzer:
    """Finds the four parts of feedback in a text with cue lexicons (no model needed).

    Args:
        lexicon: The cue lexicon (``knowledge/feedback/parts.tsv`` and ``style.tsv``).
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.segmenter = Segmenter(lexicon)
        self.criticism = CriticismMarker(self.segmenter)

    def content_start(self, sentence: Sentence, clause: Clause) -> int:
        """Index of the clause's first token after conjunctions and lead-in words."""
        return self.segmenter.content_start(sentence, clause)

    def analyse(self, text: str) -> Analysis:
        """Split a text into sentences and clauses and mark the parts each clause carries.

        Args:
            text: The feedback text.

        Returns:
            The analysis; offsets refer to ``text`` unchanged.
        """
        guess = guess_language(text)
        tokens = tokenize(text)
        language = self.segmenter.lexicon_language(text, tokens)
        spans = sentence_spans(text)
        perspective = Perspective.of(text, tokens, spans)
        sentences = [self.segmenter.sentence(text, a, b, language, perspective) for a, b in spans]
        sentences = [s for s in sentences if s.tokens]
        problem_seen = False
        mark_mocking(sentences)
        for i, sentence in enumerate(sentences):
            if i and sentences[i - 1].sarcastic and len(sentence.tokens) <= 4:
                sentence.sarcastic = True  # "Great, another missed deadline. Thanks a lot."
            problem_seen = self._mark_parts(sentence, problem_seen)
        courtesy_thanks(sentences)
        bare_praise_sarcasm(text, sentences)
        praise_context(sentences)
        overcome_context(sentences)
        return Analysis(text, guess, sentences)

    # -- parts --------------------------------------------------------------------------------

    def _genuine_praise(self, sentence: Sentence, asks: set[int]) -> list[Hit]:
        hits = sentence.hits
        praise = []
        for hit in hits["positive"]:
            if any(e.first <= hit.first and hit.last <= e.last and e.last - e.first > hit.last - hit.first
                   for e in hits["effect"]):
                continue  # "anmeldelsen med én stjerne": a word of praise inside a harm
            if _any_overlap(hit, hits["sarcastic_label"]):
                sentence.sarcastic = True  # "Real genius move, emailing the client …"
                continue
            clause = sentence.clause_of(hit.first)
            negated = any(
                n.last < hit.first and hit.first - n.last <= 3 and sentence.clause_of(n.first) is clause
                for n in hits["negator"]
            )
            if negated or _any_overlap(hit, hits["courtesy"]) or id(clause) in asks:
                continue
            if any(t.first <= hit.last + 1 <= t.last and clause.first <= t.first <= clause.last
                   and sentence.tokens[t.first].text not in _PRONOUNS for t in hits["third_person"]):
                continue  # "fleire gode kundar har ringt": the praise word describes someone else
            if self._about_someone_else(sentence, clause):
                continue  # "før kunden har signert": someone else's success, the person not named
            praise.append(hit)
        # "Jeg mener ikke at du er lat", "nobody thinks you're lazy": a word in the person's favour.
        favourable = self._favourable(sentence)
        return praise + self._undone_failures(sentence, asks) + hits["keep_going"] + favourable

    @staticmethod
    def _favourable(sentence: Sentence) -> list[Hit]:
        """Comparisons in the person's favour: "fleire avtalar enn nokon andre", "flest av alle".

        Only in a sentence with no harm, failure or label ("Du har flest klager av alle", "Du bruker
        mer tid enn noen andre, og tallene lider").
        """
        against = ("problem", "effect", "label", "label_noun", "negator")
        if sentence.question or any(sentence.hits[cue] for cue in against):
            return []
        return list(sentence.hits["comparative"])

    @staticmethod
    def _undone_failures(sentence: Sentence, asks: set[int]) -> list[Hit]:
        """Failure words the person rarely makes or turned around: praise said through the failure.

        "Du kommer nesten aldri for sent", "det er sjelden jeg ser feil i kalkylene dine", "you
        hardly ever miss a deadline", "du har snudd misfornøyde kunder": an undoing word (never,
        rarely, turned around) right before a failure or harm word, or right after it in Norwegian
        word order ("Du mister aldri tråden"), in a statement about the person.
        """
        if sentence.question:
            return []
        hits = sentence.hits
        failures = hits["problem"] + hits["effect"]
        people = ("second", "second_possessive")
        found = []
        for undo in hits["undoing"]:
            clause = sentence.clause_of(undo.first)
            if id(clause) in asks or not any(sentence.in_clause(cue, clause) for cue in people):
                continue
            for failure in failures:
                after = undo.last < failure.first <= undo.last + 3
                if (after or failure.last == undo.first - 1) and sentence.clause_of(failure.first) is clause:
                    first = min(undo, failure, key=lambda h: h.first)
                    last = max(undo, failure, key=lambda h: h.last)
                    found.append(
                        Hit("positive", "undone failure", first.first, last.last, first.start, last.end)
                    )
                    break
        # "Du har ikke gått glipp av en eneste frist", "ingen av tilbudene dine hadde feil": a failure
        # denied of the person is praise too (not when it clears them of a fault: "ikke din feil").
        if any(sentence.hits[cue] for cue in people):
            for failure, negator in denied_failures(sentence):
                clause = sentence.clause_of(failure.first)
                if id(clause) in asks or _any_overlap(failure, sentence.hits["excuse"]):
                    continue
                first = min(failure, negator, key=lambda h: h.first)
                last = max(failure, negator, key=lambda h: h.last)
                found.append(Hit("positive", "denied failure", first.first, last.last, first.start, last.end))
        return found

    def _about_someone_else(self, sentence: Sentence, clause: Clause) -> bool:
        people = PERSON_CUES
        if any(sentence.in_clause(cue, clause) for cue in people):
            return False
        return self.criticism.third_party_subject(sentence, clause) and not any(
            sentence.tokens[self.content_start(sentence, clause)].text == w for w in ("jeg", "eg", "i")
        )

    def _ask_clauses(self, sentence: Sentence) -> set[int]:
        hits = sentence.hits
        blocked = (
            hits["self_obligation"] + hits["keep_going"] + hits["problem"] + hits["positive"]
            + hits["statement_frame"]
        )
        # "Rett og slett …", "Ærlig talt, …": an opener of several words is no verb told to anyone.
        openers = [h for h in hits["not_imperative"] if h.last > h.first]
        planned = self._joint_plans(sentence)
        asks: set[int] = set()
        for index, clause in enumerate(sentence.clauses):
            start = self.content_start(sentence, clause)
            markers = [
                h for h in sentence.in_clause("improve_marker", clause) if not _any_overlap(h, blocked)
            ]
            imperative = any(
                h.first == start and not _any_overlap(h, hits["keep_going"] + hits["courtesy"] + openers)
                and not self._subject_noun(sentence, clause, h)
                for h in sentence.in_clause("imperative", clause)
            )
            markers += [h for h in planned if clause.first <= h.first <= clause.last]
            if any(h.first == start for h in sentence.hits["absolute"]):
                markers = []  # "Hver bidige gang vi skal på kundebesøk, …" dates the habit, asks nothing
            vague = [h for h in sentence.in_clause("vague", clause) if h.first == start]
            after_ask = index > 0 and id(sentence.clauses[index - 1]) in asks
            if (markers or imperative or vague or self._led_imperative(sentence, clause)
                    or opening_imperative(sentence, clause, start, after_ask)
                    or present_instruction(sentence, clause, start)
                    or rule_with_deadline(sentence, clause, start)):
                asks.add(id(clause))
        if self._proposed_condition(sentence):
            asks.add(id(sentence.clauses[0]))
        if self._plan_heading(sentence):
            asks |= {id(c) for c in sentence.clauses}  # the whole sentence is the plan
        return asks

    @staticmethod
    def _plan_heading(sentence: Sentence) -> bool:
        """Whether a sentence opens with a heading for the way forward: "Plan: …", "Next time: …".

        A note's "Plan:", "Tiltak:", "Avtale med ham:", "Neste gang:", "Going forward:" heads what
        the person will do; the word must stand alone before the colon.
        """
        heading = next((h for h in sentence.hits["plan_heading"] if h.first == 0), None)
        if heading is None or not sentence.colons:
            return False
        following = sentence.tokens[heading.last + 1 :]
        after = following[0].start if following else sentence.end
        return heading.end <= sentence.colons[0] < after

    @staticmethod
    def _subject_noun(sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether an opening verb-like word is a noun with its verb right after ("Price was the issue").

        "Call volume dropped", "Open rates are down", "Pris var problemet": a finite verb within two
        words of it makes it (part of) the subject; "Close every other tab", "Ring kunden" have none.
        """
        reach = range(hit.last + 1, min(hit.last + 3, clause.last + 1))
        if any(h.first in reach for h in sentence.hits["finite"]):
            return True
        return sentence.language != "no" and any(
            sentence.tokens[i].text.endswith("ed") and len(sentence.tokens[i].text) > 4 for i in reach
        )

    @staticmethod
    def _joint_plans(sentence: Sentence) -> list[Hit]:
        """Joint actions said as a plan for a coming time: a way forward, though no ask.

        "Vi tar en prat om rabattrutinene i morgen", "Neste overlevering tar vi sammen",
        "Tomorrow we sit down and go through the list". A joint action with no coming time
        ("vi ser at tallene faller") describes; one with a routine ("vi tar en prat hver fredag")
        is a habit, not a plan.
        """
        hits = sentence.hits
        if not hits["future_time"] or hits["routine"]:
            return []
        # "they asked whether we talk to each other": a joint action in a reported question plans nothing.
        return [
            h for h in hits["joint_plan"]
            if not (h.first and sentence.tokens[h.first - 1].text in _REPORTED_QUESTION)
        ]

    @staticmethod
    def _proposed_condition(sentence: Sentence) -> bool:
        """Whether a sentence proposes a way forward as a condition on the person and its benefit.

        "Hvis du åpner kundekortet først, blir samtalene kortere", with no harm named.
        """
        hits = sentence.hits
        opens = any(h.first == 0 for h in hits["condition"])
        if sentence.question or not opens or len(sentence.clauses) < 2:
            return False
        rest = sentence.clauses[1:]
        benefit = any(sentence.in_clause("benefit", c) for c in rest)
        harm = any(sentence.in_clause(cue, c) for c in rest for cue in ("problem", "effect", "cons_marker"))
        return benefit and not harm and not hits["negator"]

    @staticmethod
    def _led_imperative(sentence: Sentence, clause: Clause) -> bool:
        # "Never promise delivery dates …", "Aldri lov levering …": a sentence that opens with
        # never/always/don't and goes on with a verb, not with "har jeg" or a subject.
        if clause is not sentence.clauses[0] or sentence.question:
            return False
        lead = next((h for h in sentence.hits["imperative_lead"] if h.first == 0), None)
        if lead is None or lead.last + 1 > clause.last:
            return False
        if _any_overlap(lead, sentence.hits["judgement"]):
            return False  # "Ikke ok.", "Ikke greit": a verdict, not "Ikke send …"
        blockers = sentence.hits["not_verb"] + sentence.hits["not_imperative"]
        return not any(h.first == lead.last + 1 for h in blockers)

    def is_vague_ask(self, sentence: Sentence, hit: Hit) -> bool:
        """Whether a vague phrase is said as an ask (not "jeg vet du kan løfte deg")."""
        clause = sentence.clause_of(hit.first)
        if hit.first == self.content_start(sentence, clause):
            return True
        blocked = sentence.hits["self_obligation"] + sentence.in_clause("ability", clause)
        return any(not _any_overlap(h, blocked) for h in sentence.in_clause("improve_marker", clause))

    def _mark_parts(self, sentence: Sentence, problem_seen: bool) -> bool:
        hits = sentence.hits
        asks = self._ask_clauses(sentence)
        for hit in hits["vague"]:
            if self.is_vague_ask(sentence, hit):
                asks.add(id(sentence.clause_of(hit.first)))
        praise = self._genuine_praise(sentence, asks)
        # "You never miss a follow-up": a failure word inside the praise is part of the praise;
        # a rejected label ("I don't think you're careless") is no failure either.
        rejected = person_labels(sentence).rejected
        harm = [
            h for h in hits["problem"] + hits["effect"]
            if not _any_overlap(h, praise + rejected + hits["not_problem"])
        ]

        def block(hit: Hit) -> int:  # praise before a colon heads what follows; it is not sarcasm
            return sum(1 for c in sentence.colons if c < hit.start)

        # "Du mister aldri tråden, selv når de avbryter": someone else's failure makes no sarcasm.
        failures = [
            h for h in harm if h.cue == "problem"
            and not self.criticism.third_party_subject(sentence, sentence.clause_of(h.first))
            and not self._avoided_in_praise(sentence, h, praise)
        ]
        together = any(block(p) == block(h) for p in praise for h in failures)
        # "… utan forvarsel 🙌 berga heile dagen": a failure the praise says was overcome mocks nothing.
        sarcasm = sentence.sarcastic or hits["sarcasm"] or (
            together and not hits["contrast"] and not hits["overcome"]
        )
        if praise and sarcasm and not hits["keep_going"]:
            sentence.sarcastic = True
            praise = []
        sentence.positive_segments = {sentence.clause_of(h.first).segment for h in praise}
        dated = dated_clause(sentence, asks)
        for index, clause in enumerate(sentence.clauses):
            if id(clause) in asks:
                clause.ask = True
                clause.parts.add("improvement")
                continue
            if clause.segment in sentence.positive_segments:
                if any(clause.first <= h.first <= clause.last for h in praise):
                    clause.parts.add("positive")
                continue
            if any(c.ask for c in sentence.clauses[:index]) and self._result_of_ask(sentence, clause):
                # "…, så frigjør du tid", "Could you send it before it goes out, so I can check it?":
                # the benefit or purpose of the fix, not a problem or what it led to
                continue
            if self._condition_of_ask(sentence, clause, asks):
                continue  # "… hvis du er usikker": part of the instruction
            problem_seen = self.criticism.mark(sentence, clause, problem_seen, clause is dated)
        effect_before_cause(sentence)
        for clause in sentence.clauses:
            # A praise segment's other clauses ("…, kunden roste den") belong to the praise.
            if clause.segment in sentence.positive_segments and not clause.ask:
                clause.parts.add("positive")
        return problem_seen

    @staticmethod
    def _avoided_in_praise(sentence: Sentence, hit: Hit, praise: list[Hit]) -> bool:
        """Whether "uten å"/"without" follows praise in its clause: what the person rightly avoids.

        "Du er supergod på å forklare TV-ene uten å bruke fagord", "you handled it without raising
        your voice": part of the praise, no failure to mock.
        """
        tokens = sentence.tokens
        if tokens[hit.first].text not in _WITHOUT or hit.last + 1 >= len(tokens):
            return False
        after = tokens[hit.last + 1].text if hit.last > hit.first else tokens[hit.first + 1].text
        if not (hit.last > hit.first or after.endswith("ing")):  # "uten å …", "without raising …"
            return False
        clause = sentence.clause_of(hit.first)
        if not sentence.in_clause("person_copula", clause):
            return False  # only praise of how the person is ("du er supergod på …"), not a deed
        return any(
            p.last < hit.first and sentence.clause_of(p.first) is clause
            and tokens[p.first].text not in THANKS  # "takk for at du … uten å …" mocks
            for p in praise
        )

    def _condition_of_ask(self, sentence: Sentence, clause: Clause, asks: set[int]) -> bool:
        if not asks:
            return False
        start = self.content_start(sentence, clause)
        return any(h.first in (clause.first, start) for h in sentence.hits["subordinate"])

    @staticmethod
    def _result_of_ask(sentence: Sentence, clause: Clause) -> bool:
        return any(h.first == clause.first for h in sentence.hits["result_link"])
