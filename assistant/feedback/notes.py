"""Sort a manager's free notes into the four parts, in the manager's own words."""

from __future__ import annotations

from assistant.feedback.analysis import Clause, Sentence
from assistant.feedback.lint import FeedbackLinter
from assistant.feedback.models import PARTS, FeedbackParts

# When a clause carries several parts, it goes where it says most: an ask is an ask even when it
# names the problem ("Du må slutte å komme for sent"), and praise is praise.
_PRIORITY = ("improvement", "positive", "problem", "consequence")
# A sentence of at most this many words with no part is a greeting or a name ("Hei Kari.").
_GREETING_WORDS = 3
# Most words of a heading before a colon ("Notat før samtalen med Per:").
_HEADING_WORDS = 6
# Words that open a note's heading ("Notat før samtalen med Per:", "Prep 1:1 Vegard:").
_NOTE_HEADINGS = frozenset({
    "notat", "notater", "notes", "note", "prep", "forberedelse", "førebuing", "oppsummering", "referat",
    "agenda", "til", "før", "re", "om", "1", "stikkord", "samtalepunkter",
})


def _primary(clause: Clause) -> str | None:
    return next((p for p in _PRIORITY if p in clause.parts), None)


def _fragments(text: str, sentence: Sentence, linter: FeedbackLinter) -> list[tuple[str, str]]:
    """Cut a sentence into runs of clauses with the same part: ``(part, verbatim text)``."""
    runs: list[tuple[str, int, int]] = []  # part, start, end
    clauses, opening = sentence.clauses, sentence.start
    if len(clauses) > 1 and _heading(text, sentence, clauses[0]):
        # A heading before a colon ("Notat:", "Plan:", "Notat før samtalen med Per:") is left out.
        clauses, opening = clauses[1:], text.index(":", clauses[0].end) + 1
    for clause in clauses:
        part = _primary(clause)
        if part is None:
            # A clause with no part of its own ("Hei Kari", "mens besøkende ventet") belongs with its
            # neighbour; at the start of the sentence it waits for the first clause that has a part.
            if runs:
                runs[-1] = (runs[-1][0], runs[-1][1], clause.end)
            continue
        if runs and runs[-1][0] == part:
            runs[-1] = (part, runs[-1][1], clause.end)
            continue
        first = linter.analyzer.content_start(sentence, clause) if runs else clause.first
        start = sentence.tokens[min(first, clause.last)].start if runs else opening
        runs.append((part, start, clause.end))
    if runs:  # keep the sentence's own end punctuation on its last run
        part, start, _ = runs[-1]
        runs[-1] = (part, start, sentence.end)
    return [(part, _as_sentence(text[start:end])) for part, start, end in runs]


def _heading(text: str, sentence: Sentence, clause: Clause) -> bool:
    """Whether a sentence's first clause is a note heading: a heading word, a few more, a colon."""
    if clause.last - clause.first >= _HEADING_WORDS or not text[clause.end :].lstrip().startswith(":"):
        return False
    plan = any(h.first == 0 for h in sentence.hits["plan_heading"])
    return plan or sentence.tokens[0].text in _NOTE_HEADINGS


def _as_sentence(fragment: str) -> str:
    fragment = fragment.strip().strip(",;–—-").strip()
    if fragment and fragment[0].islower():
        fragment = fragment[0].upper() + fragment[1:]
    if fragment and fragment[-1].isalnum():
        fragment += "."
    return fragment


def sort_notes(linter: FeedbackLinter, notes: str) -> FeedbackParts:
    """Sort notes into the four parts with the lint's clause analysis; nothing is invented.

    Args:
        linter: The feedback lint.
        notes: The manager's notes.

    Returns:
        Each part as the manager's sentences (joined with spaces); empty when the notes lack it.
    """
    analysis = linter.analyse(notes)
    collected: dict[str, list[str]] = {p: [] for p in PARTS}
    last: str | None = None
    waiting: list[str] = []  # sentences with no part of their own, before the first that has one
    for sentence in analysis.sentences:
        fragments = [(part, text) for part, text in _fragments(notes, sentence, linter) if text]
        if not fragments:
            # A sentence with no part ("Møtet var på tirsdag.") elaborates its neighbour: it goes with
            # the part before it, or the first one after it. Greetings and names alone are dropped.
            if len(sentence.tokens) > _GREETING_WORDS:
                plain = _as_sentence(notes[sentence.start : sentence.end])
                (collected[last] if last else waiting).append(plain)
            continue
        for part, fragment in fragments:
            if waiting:
                collected[part] += waiting
                waiting = []
            collected[part].append(fragment)
            last = part
    return FeedbackParts(**{p: " ".join(collected[p]) for p in PARTS})
