"""Language helpers: Norwegian-aware tokenising, stemming, sentence splitting, language guess.

Pure functions with no model behind them, shared by the chunker, BM25 and the answer composer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Literal

import snowballstemmer

Language = Literal["nb", "nn", "en", "und"]

# Function words carry no topic: BM25 ignores them and they vote in the language guess.
_NB_STOP = frozenset(
    """
    og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har om vi
    min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal
    selv sjøl her alle vil bli ble blitt kunne inn når være kom noen noe ville dere deres kun ja etter
    ned skulle denne for deg si sine sitt mot å meget hvorfor dette disse uten hvordan ingen din ditt
    blir samme hvilken hvilke sånn inni mellom vår hver hvem vors hvis både bare enn fordi før mange
    også slik vært være båe begge siden dykk dykkar dei deira deires deim di då eg ein eit eitt elles
    honom hjå ho hoe henne hennar hennes hoss hossen ikkje ingi inkje korleis korso kva kvar kvarhelst
    kven kvi kvifor me medan mi mine mykje no nokon noka nokor noko nokre si sia sidan so somt somme
    um upp vere vore verte vort varte vart bør må få gjør gjøre hos the er skal mer mest meir
    """.split()
)
_EN_STOP = frozenset(
    """
    a an the and or but if of to in on at by for with about as is are was were be been being do does
    did have has had i me my we our you your he she it its they them their this that these those what
    which who whom how why when where can could should would will shall may might must not no so than
    too very just also into from up down out over under again then there here all any both each few
    more most other some such only own same s t don now get make
    """.split()
)
# Words that mark Nynorsk rather than Bokmål (the two share most other words).
_NN_MARKERS = frozenset("eg ikkje kva korleis kvifor ein eit dei me ho vere verte noko mykje berre".split())
_EN_MARKERS = _EN_STOP - {"i", "a", "be", "so", "at", "on", "in", "man", "under", "over", "her"}

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
# A sentence ends at . ! ? followed by space and an upper-case letter, digit, quote or bullet.
# A sentence ends at . ! or ? followed by space and something that can start one; never before a
# lower-case word ("innen 1. mars", "f.eks. kunder"), which continues the sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'«(•\d\wÆØÅ])(?![a-zæøåéèüöä])")
# Abbreviations whose period ends no sentence even before a number or a name ("kl. 15", "ca. 20").
_ABBREVIATION = re.compile(r"(?:^|\s)(?:kl|ca|nr|tlf|jf|mr|mrs|dr|f\.eks|bl\.a|e\.g|i\.e)\.$", re.IGNORECASE)


def normalize(text: str) -> str:
    """Return NFC-normalised text with runs of whitespace collapsed to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def words(text: str) -> list[str]:
    """Split text into lower-case word tokens (hyphenated words stay whole)."""
    return [m.group(0) for m in _WORD.finditer(normalize(text).lower())]


def replace_words(text: str, replace: Callable[[str], str | None]) -> str:
    """Return normalised, lower-cased text with some words replaced and everything else kept.

    Args:
        text: Any text.
        replace: Called with each lower-case word token (as :func:`words` gives them); returns its
            replacement, or None to keep the word.

    Returns:
        The text with the replacements, punctuation and spacing as normalised.
    """

    def one(match: re.Match[str]) -> str:
        word = match.group(0)
        return replace(word) or word

    return _WORD.sub(one, normalize(text).lower())


def is_function_word(word: str) -> bool:
    """Whether a lower-case word is a function word (Norwegian or English) that carries no topic."""
    return word in _NB_STOP or word in _EN_STOP


def _stemmer(language: str) -> snowballstemmer.stemmer:
    # A new stemmer per call: a Snowball stemmer keeps its word and cursor on itself, so one shared by
    # the web app's worker threads raised IndexError under load (20 sessions). Making one costs ~0.3 µs,
    # stemming a word ~9 µs, and `stem` caches its results anyway.
    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Stem a Norwegian word with the Snowball stemmer (also harmless on most English words).

    Hyphenated words are stemmed as one: ``en-til-en`` stays a token of its own.
    """
    return str(_stemmer("norwegian").stemWord(word))


def content_terms(text: str) -> list[str]:
    """Return stemmed tokens of text without function words, in order of appearance."""
    return [stem(w) for w in words(text) if w not in _NB_STOP and w not in _EN_STOP]


def guess_language(text: str) -> Language:
    """Guess whether text is Norwegian Bokmål, Nynorsk or English from function words.

    Args:
        text: Any text; a question of a few words is enough when it has function words.

    Returns:
        ``"nb"``, ``"nn"``, ``"en"``, or ``"und"`` when there is no evidence.
    """
    tokens = words(text)
    english = sum(1 for w in tokens if w in _EN_MARKERS)
    norwegian = sum(1 for w in tokens if w in _NB_STOP)
    nynorsk = sum(1 for w in tokens if w in _NN_MARKERS)
    # Letters that English never uses are strong evidence of Norwegian.
    if any(ch in "æøå" for ch in "".join(tokens)):
        norwegian += 2
    if english == 0 and norwegian == 0:
        return "und"
    if english > norwegian:
        return "en"
    return "nn" if nynorsk >= 2 or (nynorsk and nynorsk * 2 >= norwegian) else "nb"


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping each sentence's text exactly as written."""
    text = normalize(text)
    if not text:
        return []
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u", "ö": "o", "ä": "a"})


def slugify(text: str) -> str:
    """Make a stable ASCII key from a heading: ``'Målrettede løsninger'`` -> ``'malrettede-losninger'``."""
    folded = normalize(text).lower().translate(_FOLD)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "seksjon"


def join_nonempty(parts: Iterable[str], sep: str = " / ") -> str:
    """Join the non-empty strings of parts with sep."""
    return sep.join(p for p in parts if p)
