"""The feedback lint: which parts a feedback text has, and where its wording works against it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigError
from assistant.feedback.analysis import Analysis, TextAnalyzer
from assistant.feedback.lexicon import Lexicon
from assistant.feedback.models import PARTS, Finding, LintResult
from assistant.feedback.rules import StyleRules
from assistant.feedback.sections import SectionTitles

#: The lexicon files under the lexicon folder.
LEXICON_FILES = ("parts.tsv", "vocabulary.tsv", "style.tsv")
RULES_FILE = "rules.json"
_RULE_IDS = (
    "missing-problem", "missing-consequence", "missing-improvement", "missing-positive",
    "absolute-language", "personal-label", "vague-improvement",
)


@dataclass(frozen=True)
class RuleText:
    """The message and suggestion of one rule, with ``{words}`` and the section title filled in."""

    message: str
    suggestion: str


class RuleTexts:
    """Messages and suggestions per rule, from ``knowledge/feedback/rules.json``.

    Args:
        entries: Rule id to ``{"section_key", "message", "suggestion"}``.
        titles: Section titles, for the ``{section}`` placeholder.

    Raises:
        ConfigError: A rule is missing or its section does not exist.
    """

    def __init__(self, entries: dict[str, dict[str, str]], titles: SectionTitles) -> None:
        self._texts: dict[str, tuple[str, str]] = {}
        for rule in _RULE_IDS:
            entry = entries.get(rule)
            if not entry or not {"section_key", "message", "suggestion"} <= set(entry):
                raise ConfigError(f"{RULES_FILE}: rule {rule!r} needs section_key, message and suggestion")
            section = titles.title(entry["section_key"])
            self._texts[rule] = (
                entry["message"].replace("{section}", section),
                entry["suggestion"].replace("{section}", section),
            )

    @classmethod
    def load(cls, path: Path, titles: SectionTitles) -> RuleTexts:
        """Read the rule texts file.

        Raises:
            ConfigError: The file is missing or not valid JSON.
        """
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read the lint rule texts {path}: {exc}") from exc
        return cls(entries, titles)

    def text(self, rule: str, words: str = "") -> RuleText:
        """The message and suggestion for one finding."""
        message, suggestion = self._texts[rule]
        return RuleText(message.replace("{words}", words), suggestion.replace("{words}", words))


class FeedbackLinter:
    """Checks a feedback text against the guidance's advice on feedback (no LLM needed).

    Args:
        lexicon: The cue lexicon.
        texts: The rule messages and suggestions.
    """

    def __init__(self, lexicon: Lexicon, texts: RuleTexts) -> None:
        self.analyzer = TextAnalyzer(lexicon)
        self.rules = StyleRules(self.analyzer)
        self.texts = texts

    @classmethod
    def from_folder(cls, folder: Path, knowledge: list[Path]) -> FeedbackLinter:
        """Build the linter from a lexicon folder and the guidance files (for section titles).

        Args:
            folder: Folder with ``parts.tsv``, ``vocabulary.tsv``, ``style.tsv`` and ``rules.json``.
            knowledge: Guidance files or folders with ``{#key}`` headings.
        """
        lexicon = Lexicon.load(*(folder / name for name in LEXICON_FILES))
        return cls(lexicon, RuleTexts.load(folder / RULES_FILE, SectionTitles.load(knowledge)))

    def analyse(self, text: str) -> Analysis:
        """The sentence and clause analysis behind :meth:`lint` (the drafter sorts notes with it)."""
        return self.analyzer.analyse(text)

    def lint(self, text: str) -> LintResult:
        """Say which parts a text has and what in its wording works against it.

        Args:
            text: A feedback text (Bokmål, Nynorsk or English).

        Returns:
            The parts and the findings. ``missing-*`` findings have the empty span ``(0, 0)``: there
            are no words to point at. Style findings point at the flagged words:
            ``text[finding.start:finding.end]``.
        """
        analysis = self.analyse(text)
        return self.result(analysis)

    def result(self, analysis: Analysis) -> LintResult:
        """Turn an analysis into the lint result."""
        present = analysis.parts
        findings = []
        for part in PARTS:
            if part not in present:
                rule = f"missing-{part}"
                words = self.texts.text(rule)
                findings.append(Finding(rule=rule, message=words.message, start=0, end=0,
                                        suggestion=words.suggestion))
        for hit in self.rules.find(analysis):
            flagged = analysis.text[hit.start : hit.end]
            words = self.texts.text(hit.rule, flagged)
            findings.append(Finding(rule=hit.rule, message=words.message, start=hit.start,
                                    end=hit.end, suggestion=words.suggestion))
        return LintResult(
            parts={part: part in present for part in PARTS},
            findings=findings,
            language=analysis.language,
        )
