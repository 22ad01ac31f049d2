"""Words no list names, recognised by how they are built from words the lexicon knows.

**Praise adverbs**: English ``-ly`` adverbs of praise words ("brilliantly", "thoroughly", "happily")
are praise.

**Labels**: a praise word or an adjective negated with ``u-``/``un-`` ("uhjelpeleg"). Norwegian
``u-`` and English ``un-`` turn a quality into its lack. Said of the person ("du er heilt
uhjelpeleg", "you're so unhelpful") such a word judges them even when the label lexicon does not
know it. Two ways to recognise one:

- the rest of the word is a praise word of the lexicon ("u" + "dyktig", "un" + "reliable");
- Norwegian only: the rest is built like an adjective of character (``-ig``, ``-eg``, ``-som``,
  ``-sam``, ``-bar``, ``-isk``: "uforsiktig", "uoppmerksom"), and the word is no intensifier
  ("utrolig flink", "uvanlig god": a filler, or followed by a praise word) and no praise word itself
  ("uvurderlig", in the praise lexicon).

Participles ("usignerte kontraktar") describe things and are left out. The labels found here count
only where a label counts: said of the person (see :func:`~assistant.feedback.signals.person_labels`).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.feedback.lexicon import Hit, Lexicon, Token
from assistant.text import stem

_PREFIX = {"no": "u", "en": "un"}
# Shortest rest after the prefix ("u" + "fin" is too short to tell from chance).
_MIN_REST = 4
_PARTICIPLE = ("te", "de", "et")
# Shortest -ly adverb looked at ("ably" and "only" are too short to be built from praise).
_MIN_ADVERB = 6
_ADJECTIVE = ("ig", "ige", "eg", "ege", "som", "somme", "sam", "same", "bar", "bare", "isk", "iske")


def antonym_labels(
    lexicon: Lexicon, tokens: Sequence[Token], hits: dict[str, list[Hit]], language: str
) -> list[Hit]:
    """Find ``u-``/``un-`` words that label a person (see the module docstring).

    Args:
        lexicon: The cue lexicon (its ``positive`` cue says what a praise word is).
        tokens: The tokens of a sentence.
        hits: The cue hits already found in the sentence (``positive`` and ``filler`` are read).
        language: ``no`` or ``en`` (``*``: none are looked for).

    Returns:
        One single-token hit of cue ``antonym`` per word found.
    """
    prefix = _PREFIX.get(language)
    if prefix is None:
        return []
    # Praise words, fillers ("utrolig flink") and behaviour words the lexicon lists as problems
    # ("uhøflig mot resepsjonisten", "uforberedt") are not labels.
    covered = {
        i for cue in ("positive", "filler", "problem") for h in hits.get(cue, ())
        for i in range(h.first, h.last + 1)
    }
    praise_starts = {h.first for h in hits.get("positive", ())}
    found = []
    for i, token in enumerate(tokens):
        word = token.text
        rest = word[len(prefix) :]
        if not word.startswith(prefix) or len(rest) < _MIN_REST or rest.endswith(_PARTICIPLE) or i in covered:
            continue
        inner = Token(rest, stem(rest), token.start, token.end)
        praise = any(h.first == 0 and h.last == 0 for h in lexicon.find("positive", [inner], language))
        shaped = language == "no" and rest.endswith(_ADJECTIVE) and i + 1 not in praise_starts
        if praise or shaped:
            found.append(Hit("antonym", f"{prefix}- + {rest}", i, i, token.start, token.end))
    return found


def praise_adverbs(lexicon: Lexicon, tokens: Sequence[Token], hits: dict[str, list[Hit]]) -> list[Hit]:
    """Find English ``-ly`` adverbs of praise words ("You've handled them brilliantly").

    Args:
        lexicon: The cue lexicon (its English ``positive`` cue says what a praise word is).
        tokens: The tokens of a sentence.
        hits: The cue hits already found (praise words are skipped, and so are fillers:
            "honestly", "clearly" are ways of speaking, not praise).

    Returns:
        One single-token hit of cue ``positive`` per adverb found.
    """
    covered = {
        i for cue in ("positive", "filler") for h in hits.get(cue, ()) for i in range(h.first, h.last + 1)
    }
    found = []
    for i, token in enumerate(tokens):
        word = token.text
        if i in covered or not word.endswith("ly") or len(word) < _MIN_ADVERB:
            continue
        stems = {word[:-2], word[:-2] + "e", word[:-3] + "y" if word.endswith("ily") else word[:-2]}
        for base in stems:
            inner = Token(base, stem(base), token.start, token.end)
            if any(h.first == 0 and h.last == 0 for h in lexicon.find("positive", [inner], "en")):
                found.append(Hit("positive", f"{base} + -ly", i, i, token.start, token.end))
                break
    return found
