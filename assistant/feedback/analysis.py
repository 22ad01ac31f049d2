"""Which of the four feedback parts each clause of a text carries, from cue lexicons.

The method, in short (every word list is data in ``knowledge/feedback/*.tsv``):

- The text is cut into sentences, sentences into clauses (at punctuation, emoji and conjunctions),
  and clauses into *segments* at contrast words ("men", "but"): praise and criticism on either side
  of a contrast are judged apart.
- **positive**: a praise cue that is not negated ("ikke bra"), not a courtesy ("ha en fin dag"),
  not part of an ask ("hadde vært fint om …") and not sarcastic. Praise in a sentence that also
  names a problem or a harm, with no contrast word between them, is read as sarcasm
  ("Takk for at du alltid holder oss underholdt – kontrakten manglet side 3").
- **improvement**: an ask (modal, request, "neste gang", a proposal, or an imperative verb opening
  a clause), or a vague ask ("skjerp deg"); "fortsett sånn" is praise, not an ask.
- **consequence**: a causal marker ("det gjorde at", "which means") or a harm ("kunden ventet", "vi
  mistet ordren"), outside asks (the benefit of a fix is not a consequence) and outside praise; and a
  negated clause about someone else after the problem ("kunden betalte ikkje i tide").
- **problem**: an explicit failure cue ("glemte", "for sent", "uten å", "feil"), or a clause about
  what the person did ("du"/"you"/"din" as subject) that is not praise, not an ask, not a condition,
  not a belief ("jeg vet du kan …"), not a harm and not a bare label ("du er lat" names no behaviour);
  or a negated clause with a counted fact before any problem ("Fire møter på en måned er ikke noe å
  skryte av"). Allusions ("det som skjedde i forrige uke") and general dissatisfaction ("ikke bra nok")
  are not problems.
"""

from __future__ import annotations

from assistant.feedback.lexicon import Hit, Lexicon
from assistant.feedback.segment import Analysis, Clause, Segmenter, Sentence, sentence_spans
from assistant.feedback.segment import any_overlap as _any_overlap
from assistant.text import guess_language

__all__ = ["Analysis", "Clause", "Sentence", "TextAnalyzer", "sentence_spans"]


class TextAnalyzer:
    """Finds the four parts of feedback in a text with cue lexicons (no model needed).

    Args:
        lexicon: The cue lexicon (``knowledge/feedback/parts.tsv`` and ``style.tsv``).
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.segmenter = Segmenter(lexicon)

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
        language = self.segmenter.lexicon_language(text)
        sentences = [self.segmenter.sentence(text, a, b, language) for a, b in sentence_spans(text)]
        sentences = [s for s in sentences if s.tokens]
        problem_seen = False
        for i, sentence in enumerate(sentences):
            if i and sentences[i - 1].sarcastic and len(sentence.tokens) <= 4:
                sentence.sarcastic = True  # "Great, another missed deadline. Thanks a lot."
            problem_seen = self._mark_parts(sentence, problem_seen)
        self._praise_context(sentences)
        return Analysis(text, guess, sentences)

    @staticmethod
    def _praise_context(sentences: list[Sentence]) -> None:
        # "Gratulerer med rekordmåned! Du solgte for 1,2 millioner." The second sentence says what the
        # person did with no word of criticism; next to praise, in a text that asks for nothing and
        # names no harm, it is what is being praised.
        clauses = [c for s in sentences for c in s.clauses]
        if any(c.ask or "consequence" in c.parts or ("problem" in c.parts and not c.neutral)
               for c in clauses):
            return
        praised = [bool(s.positive_segments) for s in sentences]
        for i, sentence in enumerate(sentences):
            if not any(praised[max(i - 1, 0) : i + 2]) or sentence.hits["contrast"]:
                continue
            for clause in sentence.clauses:
                if clause.neutral:
                    clause.parts, clause.neutral = {"positive"}, False
                    sentence.positive_segments.add(clause.segment)

    # -- parts --------------------------------------------------------------------------------

    def _genuine_praise(self, sentence: Sentence, asks: set[int]) -> list[Hit]:
        hits = sentence.hits
        praise = []
        for hit in hits["positive"]:
            clause = sentence.clause_of(hit.first)
            negated = any(
                n.last < hit.first and hit.first - n.last <= 3 and sentence.clause_of(n.first) is clause
                for n in hits["negator"]
            )
            if negated or _any_overlap(hit, hits["courtesy"]) or id(clause) in asks:
                continue
            praise.append(hit)
        return praise + hits["keep_going"]

    def _ask_clauses(self, sentence: Sentence) -> set[int]:
        hits = sentence.hits
        blocked = (
            hits["self_obligation"] + hits["keep_going"] + hits["problem"] + hits["positive"]
            + hits["statement_frame"]
        )
        asks: set[int] = set()
        for clause in sentence.clauses:
            start = self.content_start(sentence, clause)
            markers = [
                h for h in sentence.in_clause("improve_marker", clause) if not _any_overlap(h, blocked)
            ]
            imperative = any(
                h.first == start and not _any_overlap(h, hits["keep_going"] + hits["courtesy"])
                for h in sentence.in_clause("imperative", clause)
            )
            vague = [h for h in sentence.in_clause("vague", clause) if h.first == start]
            if markers or imperative or vague or self._led_imperative(sentence, clause):
                asks.add(id(clause))
        return asks

    @staticmethod
    def _led_imperative(sentence: Sentence, clause: Clause) -> bool:
        # "Never promise delivery dates …", "Aldri lov levering …": a sentence that opens with
        # never/always/don't and goes on with a verb, not with "har jeg" or a subject.
        if clause is not sentence.clauses[0] or sentence.question:
            return False
        lead = next((h for h in sentence.hits["imperative_lead"] if h.first == 0), None)
        if lead is None or lead.last + 1 > clause.last:
            return False
        return not any(h.first == lead.last + 1 for h in sentence.hits["not_verb"])

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
        # "You never miss a follow-up": a failure word inside the praise is part of the praise.
        harm = [h for h in hits["problem"] + hits["effect"] if not _any_overlap(h, praise)]

        def block(hit: Hit) -> int:  # praise before a colon heads what follows; it is not sarcasm
            return sum(1 for c in sentence.colons if c < hit.start)

        together = any(block(p) == block(h) for p in praise for h in harm)
        sarcasm = sentence.sarcastic or hits["sarcasm"] or (together and not hits["contrast"])
        if praise and sarcasm and not hits["keep_going"]:
            sentence.sarcastic = True
            praise = []
        sentence.positive_segments = {sentence.clause_of(h.first).segment for h in praise}
        for index, clause in enumerate(sentence.clauses):
            if id(clause) in asks:
                clause.ask = True
                clause.parts.add("improvement")
                continue
            if clause.segment in sentence.positive_segments:
                if any(clause.first <= h.first <= clause.last for h in praise):
                    clause.parts.add("positive")
                continue
            if index and sentence.clauses[index - 1].ask and self._result_of_ask(sentence, clause):
                continue  # "…, så frigjør du tid": the benefit of the fix, not a problem
            if self._condition_of_ask(sentence, clause, asks):
                continue  # "… hvis du er usikker": part of the instruction
            problem_seen = self._mark_criticism(sentence, clause, problem_seen)
        for clause in sentence.clauses:
            # A praise segment's other clauses ("…, kunden roste den") belong to the praise.
            if clause.segment in sentence.positive_segments and not clause.ask:
                clause.parts.add("positive")
        return problem_seen

    def _mark_criticism(self, sentence: Sentence, clause: Clause, problem_seen: bool) -> bool:
        def cue(name: str) -> list[Hit]:
            return sentence.in_clause(name, clause)

        verdicts = cue("own_feeling") + cue("judgement")
        markers = cue("cons_marker")
        # The manager's own feelings ("jeg er lei av å mase") are no consequence.
        harms = [] if cue("own_feeling") else [
            h for h in cue("effect") + cue("self_obligation") if not _any_overlap(h, verdicts)
        ]
        subject = cue("second")  # du / you
        person = subject + cue("second_possessive")  # … or din / your
        negated = [] if verdicts else cue("negator")
        someone_else = not (subject or cue("second_object")) and self._third_party_subject(sentence, clause)
        if someone_else and cue("absolute"):
            return problem_seen  # "Kunden klager bestandig på prisen": someone else's habit
        explicit = [
            h for h in cue("problem")
            # The harm after a causal marker is the consequence, not the problem; a verdict
            # ("dette er dårlig") names no behaviour.
            if not any(m.first <= h.first for m in markers)
            and not _any_overlap(h, verdicts + cue("label") + cue("label_noun"))
        ]
        if someone_else:
            # What a customer does is not the person's doing; after the problem it is what the
            # problem led to ("Kunden fikk feil faktura").
            harms, explicit = harms + (explicit if problem_seen else []), []
        after = problem_seen and not subject and (someone_else or not cue("second_possessive"))
        if markers or harms or (after and (negated or cue("now_marker"))):
            # "Kunden betalte ikkje i tide", "They now know our floor price": after the problem,
            # a negated or now-state clause about someone else is what it led to.
            clause.parts.add("consequence")
        if explicit:
            clause.parts.add("problem")
        elif (
            self._about_what_they_did(sentence, clause) and not (markers or verdicts)
            # "du lot meg vente": the person causes the harm in the same clause
            and (not harms or person[0].first < harms[0].first)
        ):
            clause.parts.add("problem")
            clause.neutral = not (negated or sentence.sarcastic)
        elif (
            negated and not subject and not problem_seen and not markers
            # a counted fact, or criticism after "men" ("Derimot var kalkylen ikke kontrollert")
            and (cue("concrete") or clause.segment > 0)
        ):
            clause.parts.add("problem")
        return problem_seen or "problem" in clause.parts

    def _condition_of_ask(self, sentence: Sentence, clause: Clause, asks: set[int]) -> bool:
        if not asks:
            return False
        start = self.content_start(sentence, clause)
        return any(h.first in (clause.first, start) for h in sentence.hits["subordinate"])

    @staticmethod
    def _result_of_ask(sentence: Sentence, clause: Clause) -> bool:
        return any(h.first == clause.first for h in sentence.hits["result_link"])

    def _third_party_subject(self, sentence: Sentence, clause: Clause) -> bool:
        start = self.content_start(sentence, clause)
        if sentence.in_clause("report_verb", clause):
            return False  # "kunden oppdaget at kontrakten manglet side 3" reports the person's doing
        return any(
            h.first == start and not _any_overlap(h, sentence.hits["not_third_person"])
            for h in sentence.hits["third_person"]
        )

    def _about_what_they_did(self, sentence: Sentence, clause: Clause) -> bool:
        if sentence.question:
            return False
        if not (sentence.in_clause("second", clause) or sentence.in_clause("second_possessive", clause)):
            return False
        start = self.content_start(sentence, clause)
        subordinate = any(h.first in (clause.first, start) for h in sentence.hits["subordinate"])
        if subordinate and not sentence.sarcastic:
            return False
        if sentence.in_clause("ability", clause) or sentence.in_clause("characterisation", clause):
            return False
        # "Du er lat" judges the person but names no behaviour.
        return not (sentence.in_clause("label", clause) or sentence.in_clause("label_noun", clause))
