"""Passes over the whole text: what one sentence says about how to read its neighbours.

- A sarcastic label ("What a hero.") makes the praise next to it sarcastic too.
- A bare word of praise right before a failure is sarcasm ("Imponerende, Geir. Tre uker uten å
  åpne CRM …").
- In a text with praise that asks for nothing and names no harm, what the person did is what is
  being praised ("Gratulerer med rekordmåned! Du solgte for 1,2 millioner.").
"""

from __future__ import annotations

from itertools import pairwise

from assistant.feedback.segment import Sentence

#: Most words (names not counted) a sentence of bare praise has ("Imponerende, Geir.").
_BARE_PRAISE_WORDS = 2
_ADDRESS = frozenset({"du", "dere", "you"})
#: Most words of a sentence that only mocks ("Veldig hyggelig av deg.", "Thanks for nothing.").
_MOCKING_WORDS = 6
#: Words that open thanks ("takk for at du …", "thank you for …").
THANKS = frozenset({"takk", "tusen", "thanks", "thank"})
# "Så fint at du dag ut og dag inn lèt telefonen ringe ut": sweeping praise that opens a sentence.
_NICE = frozenset({
    "fint", "flott", "herlig", "herleg", "koselig", "koseleg", "hyggelig", "hyggeleg", "great", "lovely",
})


def mark_mocking(sentences: list[Sentence]) -> None:
    """Make a sentence sarcastic when it or a neighbour holds a sarcastic label (before parts are marked).

    "Brilliant idea, promising free installation to every lead. What a hero.": the praise in the
    first sentence is mockery; a contrast word ("men", "but") keeps a sentence apart.
    """
    # A short mocking sentence ("Veldig hyggelig av deg.") mocks its neighbours as a label does.
    mocking = [
        bool(s.hits["sarcastic_label"]) or (bool(s.hits["sarcasm"]) and len(s.tokens) <= _MOCKING_WORDS)
        for s in sentences
    ]
    for i, sentence in enumerate(sentences):
        if any(mocking[max(i - 1, 0) : i + 2]) and not sentence.hits["contrast"]:
            sentence.sarcastic = True


def courtesy_thanks(sentences: list[Sentence]) -> None:
    """Drop the praise of a bare thanks that follows an ask: it thanks for the favour asked.

    "Send dei innan fredag kl. 15, takk.", "can you add the numbers before 3? thanks!": courtesy.
    "Takk for at du tok over kundene" thanks for something done and stays praise.
    """
    asked = False  # the sentence before asks for something
    for sentence in sentences:
        dropped = False
        for clause in sentence.clauses:
            bare = any((h.first, h.last) == (clause.first, clause.last) for h in sentence.hits["bare_thanks"])
            if asked and bare and "positive" in clause.parts:
                clause.parts.discard("positive")
                dropped = True
            asked = asked or clause.ask
        asked = any(c.ask for c in sentence.clauses)
        if dropped:
            sentence.positive_segments = {c.segment for c in sentence.clauses if "positive" in c.parts}


def bare_praise_sarcasm(text: str, sentences: list[Sentence]) -> None:
    """Drop the praise of a bare praise sentence next to a failure or a harm: it is sarcasm.

    Before it: "Imponerende, Geir. Tre uker uten å åpne CRM …", "Godt forhandlet, du. 40 % avslag
    uten å spørre noen …" (an ask after it changes nothing); so is thanks for always doing something
    ("Takk for at du alltid holder meg oppdatert. Avtalen røk, fikk jeg vite av kunden.") and praise
    for finding the time ("Fint at du fikk tid til en lang lunsj. Tre kunder ventet på svar."), also
    before a mocking sentence ("Det var sikkert veldig koselig for kunden …"). After it: "… og nå må
    jeg forklare det. Flott jobba." A harm counts when its sentence asks for nothing; "Bra jobba. Men
    du glemte …" keeps its praise.
    """
    for sentence, following in pairwise(sentences):
        mocking = _sweeping_thanks(sentence) or bool(sentence.hits["time_praise"])
        if not _bare(text, sentence) and not mocking:
            continue
        opens_with_contrast = any(h.first == 0 for h in following.hits["contrast"])
        failing = _failing(following) or (mocking and bool(following.hits["sarcasm"]))
        if (sentence.positive_segments and not following.positive_segments and not opens_with_contrast
                and failing):
            _mock(sentence)
    for previous, sentence in pairwise(sentences):
        if (sentence is sentences[-1] and _bare(text, sentence) and sentence.positive_segments
                and not previous.positive_segments and not previous.hits["contrast"]
                and not previous.hits["overcome"] and _criticised(previous)):
            _mock(sentence)  # "… og det er jeg som må forklare det. Flott jobba."


def _bare(text: str, sentence: Sentence) -> bool:
    # Names ("Geir") and the person addressed ("du", "you") do not count as words of praise.
    words = [
        t for i, t in enumerate(sentence.tokens)
        if (i == 0 or not text[t.start].isupper()) and t.text not in _ADDRESS
    ]
    return len(words) <= _BARE_PRAISE_WORDS


def _failing(sentence: Sentence) -> bool:
    """Whether a sentence names a failure, or a harm while asking for nothing."""
    harm = bool(sentence.hits["effect"]) and not any(c.ask for c in sentence.clauses)
    return bool(sentence.hits["problem"]) or harm


def _criticised(sentence: Sentence) -> bool:
    """Whether the marked parts of a sentence name an explicit failure or what it led to."""
    return any(
        ("problem" in c.parts and not c.neutral) or ("consequence" in c.parts and not c.derived)
        for c in sentence.clauses
    )


def _mock(sentence: Sentence) -> None:
    sentence.sarcastic, sentence.positive_segments = True, set()
    for clause in sentence.clauses:
        clause.parts.discard("positive")


def _sweeping_thanks(sentence: Sentence) -> bool:
    """Thanks for always doing something, with no hedge: "Takk for at du alltid holder meg oppdatert"."""
    hits = sentence.hits
    thanks = any(
        sentence.tokens[h.first].text in THANKS or (sentence.tokens[h.first].text in _NICE and h.first < 3)
        for h in hits["positive"]
    )
    return thanks and any(
        not any(g.first <= a.first <= g.last + 1 for g in hits["hedge"]) for a in hits["absolute"]
    )


def praise_context(sentences: list[Sentence]) -> None:
    """Turn neutral problems (and what they led to) into praise in a text that is only praise.

    A clause counts as a problem only because it says what the person did ("Du solgte for 1,2
    millioner"); with praise in the text, no ask, no explicit failure and no harm, it is what is
    being praised.
    """
    clauses = [c for s in sentences for c in s.clauses]
    if any(c.ask or ("consequence" in c.parts and not c.derived)
           or ("problem" in c.parts and not c.neutral) for c in clauses):
        return
    if not any(s.positive_segments for s in sentences):
        return
    for sentence in sentences:
        if sentence.hits["contrast"]:
            continue
        for clause in sentence.clauses:
            if clause.neutral or clause.derived:
                clause.parts, clause.neutral, clause.derived = {"positive"}, False, False
                sentence.positive_segments.add(clause.segment)


def overcome_context(sentences: list[Sentence]) -> None:
    """Clear problem and consequence in a text that praises how the person overcame a difficulty.

    "Du holdt roen da de presset på prisen, og fikk inn treårsbinding. Jeg er stolt av deg.",
    "The launch had everything go wrong, and you still got 40 people through the door. Brilliant
    work.": with praise, a word of overcoming, no ask, and no contrast that puts criticism after the
    praise ("Bra jobba, men du glemte …"), the trouble is the backdrop of the praise.
    """
    clauses = [c for s in sentences for c in s.clauses]
    if any(c.ask for c in clauses) or not any(s.positive_segments for s in sentences):
        return
    if not any(s.hits["overcome"] for s in sentences):
        return
    for sentence in sentences:
        # A contrast counts against only when criticism follows it ("…, men du glemte"): praise
        # after it ("Kunden var vanskelig, men du holdt roen") is the overcoming itself.
        if sentence.hits["contrast"] and any(
            "problem" in c.parts and c.segment > 0 for c in sentence.clauses
        ):
            return
    for clause in clauses:
        clause.parts -= {"problem", "consequence"}
