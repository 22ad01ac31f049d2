"""Notes written about the person: read "han/hun", "he/she" and their name as "du"/"you".

Managers prepare one-to-ones in notes about the seller ("Notat før samtalen med Per: Han har lagt
inn kampanjepris …", "Prep for Thursday with Dave: he hasn't logged any visits …"). The labels count
such a note like feedback said to the person, so when a text never speaks to anyone (no du/deg/din,
no you/your) its third-person singular pronouns, and a name the text is headed with, are read as
the second person. Offsets stay those of the text: only the words the lexicon sees change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.feedback.lexicon import Token
from assistant.text import stem

_SECOND = frozenset({
    "du", "deg", "din", "ditt", "dine", "di", "dere", "dykk", "dykkar",
    "you", "your", "yours", "yourself", "you're", "you've", "you'll", "you'd", "ya", "u", "ur",
})
# After a preposition the Norwegian subject form is an object ("jeg snakket med han").
_PREPOSITIONS = frozenset({
    "til", "med", "for", "på", "av", "om", "fra", "frå", "hos", "etter", "mot", "ved", "uten", "utan",
    "rundt", "over", "under", "gjennom", "bak", "foran", "framfor",
})
_NORWEGIAN = {
    "han": "du", "hun": "du", "ho": "du", "ham": "deg", "henne": "deg", "hennes": "din",
    "hans": "din", "hennar": "din", "hennar's": "din",
}
_ENGLISH = {
    "he": "you", "she": "you", "him": "you", "his": "your", "hers": "yours",
    "himself": "yourself", "herself": "yourself", "he's": "you're", "she's": "you're",
    "he'd": "you'd", "she'd": "you'd", "he'll": "you'll", "she'll": "you'll",
}
_OBJECT = {"du": "deg", "you": "you"}
# "he hasn't logged" reads as "you haven't logged": the verb after the pronoun agrees.
_AGREEMENT = {
    "has": "have", "hasn't": "haven't", "is": "are", "isn't": "aren't", "was": "were",
    "wasn't": "weren't", "does": "do", "doesn't": "don't",
}
# Words that head a note about someone: "med Per", "with Dave", "for Oliver", "om Sara".
_HEAD_LINKS = frozenset({"med", "with", "for", "om", "about", "til", "to", "—", "-"})
_NOT_NAMES = frozenset({
    "notat", "notes", "note", "prep", "forberedelse", "samtale", "samtalen", "møte", "møtet", "meeting",
    "one-to-one", "medarbeidersamtale", "utviklingssamtale", "thursday", "monday", "tuesday",
    "wednesday", "friday", "saturday", "sunday", "mandag", "tirsdag", "onsdag", "torsdag", "fredag",
    "lørdag", "søndag", "laurdag", "sundag", "måndag", "tysdag", "jeg", "i", "eg",
})


@dataclass(frozen=True)
class Perspective:
    """How a text refers to the person the feedback is about.

    Attributes:
        note: Whether the text is a note about the person (it never addresses anyone).
        names: Lower-case names the note is headed with ("med Per:" gives ``per``).
    """

    note: bool = False
    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, text: str, tokens: Sequence[Token], spans: Sequence[tuple[int, int]]) -> Perspective:
        """Decide whether a text is a note about the person, and under which name.

        Args:
            text: The whole text.
            tokens: Its tokens.
            spans: Its sentences, ``(start, end)``; the first may be the note's heading.
        """
        if any(t.text in _SECOND for t in tokens) or not spans:
            return cls()
        first_sentence_end = spans[0][1]
        # A note says "Hun har …", "He hasn't …": a pronoun opens a sentence or follows the heading's
        # colon. One inside a sentence ("Hver gang kunden ringer, får han svar") is someone else.
        opens = {start for start, _ in spans}
        third = [t for t in tokens if t.text in _NORWEGIAN or t.text in _ENGLISH]
        pronouns = any(
            t.start in opens or text[: t.start].rstrip().endswith((":", "–", "—", "-")) for t in third
        )
        names = frozenset(
            tokens[i + 1].text for i in range(len(tokens) - 1)
            if tokens[i + 1].start < first_sentence_end and tokens[i].text in _HEAD_LINKS
            and text[tokens[i + 1].start].isupper() and tokens[i + 1].text not in _NOT_NAMES
        )
        # "Notat Hege: …", "Prep 1:1 Vegard: …": the capitalised word right before the heading's colon.
        names |= {
            t.text for t in tokens
            if t.end < first_sentence_end and text[t.end :].lstrip().startswith(":")
            and text[t.start].isupper() and t.text not in _NOT_NAMES
        }
        # A heading name makes a note only if the note goes on to say something about that person.
        named = any(t.text in names and t.start >= first_sentence_end for t in tokens)
        # Under a heading that names someone ("Notat før samtalen med Thomas:"), any "han" is them.
        return cls(note=pronouns or named or (bool(names) and bool(third)), names=names)

    def apply(self, text: str, tokens: list[Token], language: str) -> list[Token]:
        """The tokens of a sentence with the person's pronouns and name read as the second person.

        Args:
            text: The whole text (the tokens' offsets point into it).
            tokens: The sentence's tokens.
            language: The half of the lexicon the sentence is read with (``en`` names become "you").
        """
        if not self.note:
            return tokens
        result: list[Token] = []
        other_name = False  # "… ekstra arbeid for Karin, og hun er sliten": "hun" is Karin
        for i, token in enumerate(tokens):
            word = _NORWEGIAN.get(token.text) or _ENGLISH.get(token.text)
            if i and text[token.start].isupper() and token.text not in self.names | _NOT_NAMES:
                other_name = other_name or text[tokens[i - 1].end : token.start].strip() in ("", ",")
            if other_name:
                word = None
            heading = text[token.end :].lstrip().startswith(":")  # "Notat Hege:" names, says nothing
            if token.text in self.names and text[token.start].isupper() and not heading:
                word = "you" if language == "en" else "du"
            if word is not None and i and tokens[i - 1].text in _PREPOSITIONS:
                word = _OBJECT.get(word, word)
            if word is None and result and result[-1].text == "you" and tokens[i - 1].text != "you":
                word = _AGREEMENT.get(token.text)
            result.append(token if word is None else Token(word, stem(word), token.start, token.end))
        return result

