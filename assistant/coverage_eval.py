"""Coverage eval: does the coach abstain exactly when it should, per kind of question?

Reads ``eval/questions.jsonl`` with its ``kind`` (answerable, near-domain, off-topic, injection) and
``split`` (dev, test); a question with no gold sections must be abstained. ``coach eval --coverage``
runs it through the real retriever and :class:`assistant.coverage.CoverageJudge`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from assistant.errors import InputError
from assistant.evaluation import read_jsonl, write_report_files

KINDS = ("answerable", "near-domain", "off-topic", "injection")
SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class CoverageQuestion:
    """One eval question with what coverage needs: its kind, split and whether it has gold."""

    id: str
    question: str
    language: str
    kind: str
    split: str
    gold: tuple[str, ...]


def load_coverage_questions(path: Path, split: str = "all") -> list[CoverageQuestion]:
    """Read the eval set, keeping one split (``dev``, ``test``) or ``all``.

    Raises:
        InputError: The file is missing, a row is malformed, or the split is unknown.
    """
    if split not in SPLITS:
        raise InputError(f"Unknown split {split!r} (dev, test or all).")
    questions = read_jsonl(
        path,
        lambda row: CoverageQuestion(
            id=row["id"], question=row["question"], language=row["language"],
            kind=row["kind"], split=row["split"], gold=tuple(row["gold"]),
        ),
        "eval question",
    )
    return [q for q in questions if split in ("all", q.split)]


@dataclass
class KindResult:
    """Abstentions within one kind of question."""

    kind: str
    questions: int = 0
    abstained: int = 0

    @property
    def rate(self) -> float:
        """Share abstained (abstention recall for the not-covered kinds)."""
        return self.abstained / self.questions if self.questions else 0.0


@dataclass
class CoverageReport:
    """The coverage eval's result.

    Attributes:
        split: Which split was run.
        by_kind: Questions and abstentions per kind.
        abstention_recall: Share of must-abstain questions abstained.
        abstention_precision: Share of abstentions that were must-abstain questions.
        answerable_abstained: Ids of answerable questions wrongly abstained.
        answered_wrongly: Must-abstain questions that were answered (id, kind, question).
        reasons: How often each decision reason occurred.
        latency_ms_p50: Median time of one decision (retrieval included).
    """

    split: str
    by_kind: dict[str, KindResult] = field(default_factory=dict)
    abstention_recall: float = 0.0
    abstention_precision: float = 0.0
    answerable_abstained: list[dict[str, str]] = field(default_factory=list)
    answered_wrongly: list[dict[str, str]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    latency_ms_p50: float = 0.0
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


class Decision(Protocol):
    """What the eval needs from a coverage decision (:class:`assistant.coverage.CoverageDecision`)."""

    covered: bool
    reason: str


Decide = Callable[[str], Decision]


def evaluate_coverage(
    questions: Sequence[CoverageQuestion], decide: Decide, split: str = "all"
) -> CoverageReport:
    """Run every question through ``decide`` and score the abstentions.

    Args:
        questions: The eval questions.
        decide: Retrieval plus coverage decision for one question.
        split: The split's name, for the report.

    Returns:
        Abstention recall overall and per kind, precision, and the mistakes by id.
    """
    report = CoverageReport(split=split, by_kind={k: KindResult(k) for k in KINDS})
    reasons: Counter[str] = Counter()
    latencies = []
    for q in questions:
        started = time.perf_counter()
        decision = decide(q.question)
        latencies.append((time.perf_counter() - started) * 1000)
        reasons[decision.reason.split(":")[0]] += 1
        result = report.by_kind.setdefault(q.kind, KindResult(q.kind))
        result.questions += 1
        result.abstained += not decision.covered
        mistake = {"id": q.id, "kind": q.kind, "question": q.question, "reason": decision.reason}
        if q.gold and not decision.covered:
            report.answerable_abstained.append(mistake)
        elif not q.gold and decision.covered:
            report.answered_wrongly.append(mistake)
    must = [q for q in questions if not q.gold]
    abstained = sum(r.abstained for r in report.by_kind.values())
    correct = len(must) - len(report.answered_wrongly)
    report.abstention_recall = correct / len(must) if must else 1.0
    report.abstention_precision = correct / abstained if abstained else 1.0
    report.reasons = dict(sorted(reasons.items()))
    latencies.sort()
    report.latency_ms_p50 = latencies[len(latencies) // 2] if latencies else 0.0
    return report


def format_coverage(report: CoverageReport) -> str:
    """The report as Markdown: a table per kind, the totals and every mistake."""
    lines = [
        f"# Coverage eval ({report.split})",
        "",
        "| kind | questions | abstained | rate |",
        "|---|---:|---:|---:|",
    ]
    for result in report.by_kind.values():
        if result.questions:
            lines.append(f"| {result.kind} | {result.questions} | {result.abstained} | {result.rate:.3f} |")
    lines += [
        "",
        f"abstention recall {report.abstention_recall:.3f} · precision {report.abstention_precision:.3f}"
        f" · answerable abstained {len(report.answerable_abstained)}"
        f" · decision p50 {report.latency_ms_p50:.1f} ms",
        "",
        "reasons: " + ", ".join(f"{k} {v}" for k, v in report.reasons.items()),
        "",
        "## Mistakes",
        "",
    ]
    mistakes = report.answerable_abstained + report.answered_wrongly
    lines += [f"- {json.dumps(m, ensure_ascii=False)}" for m in mistakes] or ["- none"]
    return "\n".join(lines) + "\n"


def write_coverage_report(report: CoverageReport, folder: Path) -> tuple[Path, Path]:
    """Write the report as Markdown and JSON (``coverage-<split>.*``) into folder."""
    data = asdict(report)
    for kind, result in report.by_kind.items():
        data["by_kind"][kind]["rate"] = round(result.rate, 4)
    return write_report_files(folder, f"coverage-{report.split}", format_coverage(report), data)
