"""Readings of a sweeping word that make it no verdict on the person (for ``absolute-language``).

"Hvorfor må du alltid …?" reproaches (it stays a verdict); "du mister aldri tråden" denies a failure
(praise); "you never confirmed the time" tells one event; "du har alltid orden på papirene" keeps a
good habit; "you never leave a site without …" is a double negative. The style-only cues these read
live in ``knowledge/feedback/style.tsv``.
"""

from __future__ import annotations

from itertools import pairwise

from assistant.feedback.analysis import Analysis, Clause, Sentence, TextAnalyzer
from assistant.feedback.lexicon import Hit

# Reproaching questions: "Hvorfor må du alltid …?", "Why do you always …?" ask for no frequency.
_WHY = frozenset({"hvorfor", "kvifor", "korfor", "why"})
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
# Most words of a heading line in a note ("Highlights", "Det som gjekk bra:").
_HEADING_WORDS = 6
# Marks that open a list item: such a line is content, never a heading.
_BULLETS = ("-", "•", "*", "–")
# Failures that keep a sweeping word a verdict in what a fronted "every time" clause leads to.
FAILURE_CUES = ("problem", "effect", "negator", "label", "label_noun", "judgement")


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


class NoVerdict:
    """Tells when a sweeping word in criticism is no verdict on the person.

    Args:
        analyzer: The analyzer whose lexicon holds the style cues.
    """

    def __init__(self, analyzer: TextAnalyzer) -> None:
        self.analyzer = analyzer

    @staticmethod
    def reproach(sentence: Sentence, clause: Clause) -> bool:
        """Whether a question reproaches: "Hvorfor …?", "Må du alltid …?", "Do you always have to …?"."""
        words = [t.text for t in sentence.tokens[clause.first : clause.last + 1]]
        must = any(w in _MUST or (w in ("have", "has") and nxt == "to") for w, nxt in pairwise(words))
        return sentence.tokens[0].text in _WHY or must

    def denied_failure(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
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

    def one_event(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
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

    def never_without(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether "never … without" makes a double negative: "you never leave without walking them through".

        The habit is kept, so it is praise, unless the sentence mocks or a label stands in the clause.
        """
        labelled = sentence.in_clause("label", clause) or sentence.in_clause("label_noun", clause)
        if sentence.sarcastic or labelled:
            return False
        return any(h.first == hit.first for h in style_cue(self.analyzer, sentence, "never_without", clause))

    def good_habit(self, sentence: Sentence, clause: Clause, hit: Hit) -> bool:
        """Whether "always" keeps up a good habit: "du har alltid orden på papirene", "you're always on time".

        Only for a sweeping word that is no negation, with the good word after it and no failure,
        label or negation in the clause.
        """
        if any(n.first <= hit.first <= n.last for n in sentence.hits["negator"]) or sentence.sarcastic:
            return False
        if any(sentence.in_clause(cue, clause) for cue in FAILURE_CUES):
            return False
        # A good verb may wrap the sweeping word ("du følgjer alltid opp"): it need only end after it.
        return any(h.last > hit.last for h in style_cue(self.analyzer, sentence, "good_habit", clause))


def _heading(text: str, sentence: Sentence) -> bool:
    """Whether a sentence is a heading line: a few words alone on their line, no final stop."""
    line = text[sentence.start : sentence.end].strip()
    after = text[sentence.end :].lstrip(" \t")
    ends_line = not after or after.startswith("\n")
    return (
        ends_line and len(sentence.tokens) <= _HEADING_WORDS and not line.startswith(_BULLETS)
        and not line.rstrip(":").endswith((".", "!", "?"))
    )


def praise_sections(analyzer: TextAnalyzer, analysis: Analysis) -> set[int]:
    """Indices of the sentences under a praise heading of a note ("Highlights", "Bra:", "What went well").

    The lines under such a heading are praise, so a sweeping word there ("You always build a custom
    learning path") is no verdict. The section runs to the next heading line.
    """
    inside: set[int] = set()
    praised = False
    for i, sentence in enumerate(analysis.sentences):
        if _heading(analysis.text, sentence):
            cues = style_cue(analyzer, sentence, "praise_heading")
            praised = any(h.first == 0 and h.last >= len(sentence.tokens) - 2 for h in cues)
            continue
        if praised:
            inside.add(i)
    return inside
