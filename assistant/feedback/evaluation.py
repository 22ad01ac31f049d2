"""Offline evaluation of the feedback lint against hand-labelled texts (``eval/feedback.jsonl``).

Per part: precision, recall and accuracy of "the text contains this part". Per style rule: precision
and recall of "the text breaks this rule" (a text breaks a rule if any sentence does; the
``missing-*`` rules follow from the parts). Reported per split; tune on ``dev``, report ``test``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from assistant.evaluation import read_jsonl, stamp_of, write_report_files
from assistant.feedback.models import PARTS, STYLE_RULES, LintResult

SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class LabelledText:
    """One labelled feedback text.

    Attributes:
        id: Stable id.
        text: The feedback text.
        language: ``nb``, ``nn`` or ``en``.
        style: What the text tests (complete, missing-problem, label, sarcasm, control …).
        split: ``dev`` or ``test``.
        parts: For each part, whether the text contains it.
        rules: The style rules the text breaks.
    """

    id: str
    text: str
    language: str
    style: str
    split: str
    parts: dict[str, bool]
    rules: frozenset[str]


def load_feedback_set(path: Path) -> list[LabelledText]:
    """Read the labelled texts (JSON Lines).

    Raises:
        InputError: The file is missing or a line is malformed.
    """
    return read_jsonl(path, _labelled_text, "labelled feedback text", set_name="feedback eval")


def _labelled_text(row: dict[str, Any]) -> LabelledText:
    parts = {part: bool(row["parts"][part]) for part in PARTS}
    rules = frozenset(row["rules"])
    if not rules <= set(STYLE_RULES) or row["split"] not in ("dev", "test"):
        raise ValueError("unknown rule or split")
    return LabelledText(row["id"], row["text"], row["language"], row["style"], row["split"], parts, rules)


class Linter(Protocol):
    """Anything that lints a text (the :class:`~assistant.feedback.lint.FeedbackLinter`)."""

    def lint(self, text: str) -> LintResult:
        """Lint one text."""


@dataclass
class Score:
    """Confusion counts of one binary label, with the usual ratios.

    Precision is 1.0 when nothing was predicted and recall 1.0 when nothing was expected, so an
    empty class does not read as a failure.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, expected: bool, predicted: bool) -> None:
        """Count one decision."""
        if expected and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        """True positives over everything predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """True positives over everything expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def accuracy(self) -> float:
        """Right decisions over all decisions."""
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 1.0

    def as_json(self) -> dict[str, float | int]:
        """Counts and ratios, rounded for the report."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "accuracy": round(self.accuracy, 4)}


@dataclass
class SplitResult:
    """Scores over one split."""

    split: str
    texts: int = 0
    parts: dict[str, Score] = field(default_factory=lambda: {p: Score() for p in PARTS})
    rules: dict[str, Score] = field(default_factory=lambda: {r: Score() for r in STYLE_RULES})
    misses: list[dict[str, object]] = field(default_factory=list)
    latency_ms_p50: float = 0.0


@dataclass
class FeedbackEvalReport:
    """The feedback lint eval: one result per split asked for."""

    results: list[SplitResult]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def result(self, split: str) -> SplitResult:
        """The result of one split."""
        return next(r for r in self.results if r.split == split)

    def as_json(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "created": self.created,
            "results": [
                {"split": r.split, "texts": r.texts, "latency_ms_p50": round(r.latency_ms_p50, 2),
                 "parts": {k: v.as_json() for k, v in r.parts.items()},
                 "rules": {k: v.as_json() for k, v in r.rules.items()},
                 "misses": r.misses}
                for r in self.results
            ],
        }


def evaluate_split(items: Sequence[LabelledText], linter: Linter, split: str) -> SplitResult:
    """Score the lint on the texts of one split (``all`` for every text)."""
    result = SplitResult(split)
    latencies = []
    for item in items:
        if split != "all" and item.split != split:
            continue
        started = time.perf_counter()
        lint = linter.lint(item.text)
        latencies.append((time.perf_counter() - started) * 1000)
        result.texts += 1
        found = {f.rule for f in lint.findings}
        wrong = []
        for part in PARTS:
            result.parts[part].add(item.parts[part], lint.parts[part])
            if item.parts[part] != lint.parts[part]:
                wrong.append(f"{part}: {'found, not labelled' if lint.parts[part] else 'missed'}")
        for rule in STYLE_RULES:
            result.rules[rule].add(rule in item.rules, rule in found)
            if (rule in item.rules) != (rule in found):
                wrong.append(f"{rule}: {'found, not labelled' if rule in found else 'missed'}")
        if wrong:
            result.misses.append({"id": item.id, "style": item.style, "wrong": wrong})
    latencies.sort()
    result.latency_ms_p50 = latencies[len(latencies) // 2] if latencies else 0.0
    return result


def evaluate_feedback(
    items: Sequence[LabelledText], linter: Linter, splits: Sequence[str] = ("dev", "test")
) -> FeedbackEvalReport:
    """Score the lint on each split asked for."""
    return FeedbackEvalReport([evaluate_split(items, linter, s) for s in splits])


def format_table(report: FeedbackEvalReport) -> str:
    """Markdown tables: per part (P/R/accuracy) and per style rule (P/R), one column per split."""
    splits = [f"{r.split} ({r.texts})" for r in report.results]
    lines = ["| part | metric | " + " | ".join(splits) + " |", "|---|---|" + "---:|" * len(splits)]
    for part in PARTS:
        for metric in ("precision", "recall", "accuracy"):
            values = " | ".join(f"{getattr(r.parts[part], metric):.3f}" for r in report.results)
            lines.append(f"| {part} | {metric} | {values} |")
    lines += ["", "| rule | metric | " + " | ".join(splits) + " |", "|---|---|" + "---:|" * len(splits)]
    for rule in STYLE_RULES:
        for metric in ("precision", "recall"):
            values = " | ".join(f"{getattr(r.rules[rule], metric):.3f}" for r in report.results)
            lines.append(f"| {rule} | {metric} | {values} |")
    lines.append("")
    lines.append("lint latency p50 (ms): " + ", ".join(
        f"{r.split} {r.latency_ms_p50:.1f}" for r in report.results))
    return "\n".join(lines)


def format_markdown(report: FeedbackEvalReport) -> str:
    """The full Markdown report: the tables and the misses per split."""
    parts = ["# Feedback lint eval", "", f"{report.created} · eval/feedback.jsonl", "", format_table(report)]
    for r in report.results:
        parts += ["", f"## Misses: {r.split}", ""]
        parts += [f"- {json.dumps(m, ensure_ascii=False)}" for m in r.misses] or ["- none"]
    return "\n".join(parts) + "\n"


def write_report(report: FeedbackEvalReport, folder: Path) -> tuple[Path, Path]:
    """Write the report as Markdown and JSON into folder.

    Returns:
        The Markdown and JSON paths.
    """
    stem = f"feedback-{stamp_of(report.created)}"
    return write_report_files(folder, stem, format_markdown(report), report.as_json())


__all__ = ["SPLITS", "FeedbackEvalReport", "LabelledText", "Score", "evaluate_feedback", "load_feedback_set",
           "write_report"]
