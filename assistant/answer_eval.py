"""Offline answer evaluation: does the answer carry the key content, cite the right sections, abstain?

Reads the full rows of ``eval/questions.jsonl`` (see ``eval/README.md``): answerable rows name the
key sentences a good answer contains; abstain rows say what kind of question it is (near-domain,
off-topic, injection). Scored per split, so that the figures tuned on ``dev`` sit next to ``test``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from assistant.errors import InputError
from assistant.evaluation import read_jsonl, stamp_of, write_report_files
from assistant.schemas import Answer
from assistant.text import normalize

SPLITS = ("dev", "test")
ABSTAIN_KINDS = ("near-domain", "off-topic", "injection")
ANSWERABLE = "answerable"


@dataclass(frozen=True)
class AnswerQuestion:
    """One row of the eval set, with what the answer evaluation needs.

    Attributes:
        id: Stable id.
        question: The question.
        kind: ``answerable``, ``near-domain``, ``off-topic`` or ``injection``.
        gold: Section keys that answer it (empty for abstain rows).
        key: Verbatim key sentences; an answer containing any one carries the key content.
        split: ``dev`` or ``test``.
        language: ``nb``, ``nn`` or ``en``.
        style: What the phrasing tests.
    """

    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    key: tuple[str, ...]
    split: str
    language: str = "nb"
    style: str = ""


def load_answer_questions(path: Path) -> list[AnswerQuestion]:
    """Read the eval set with its key sentences, kinds and splits.

    Raises:
        InputError: The file is missing or a line lacks a field.
    """
    return read_jsonl(
        path,
        lambda row: AnswerQuestion(
            id=row["id"], question=row["question"], kind=row["kind"], gold=tuple(row["gold"]),
            key=tuple(row["key"]), split=row["split"], language=row.get("language", "nb"),
            style=row.get("style", ""),
        ),
        "eval question",
    )


def contains_key(text: str, keys: Iterable[str]) -> bool:
    """Whether text contains any key sentence, comparing with whitespace normalised."""
    normalized = normalize(text)
    return any(normalize(key) in normalized for key in keys)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class SplitResult:
    """Answer metrics over one split (or ``all``).

    Attributes:
        split: ``dev``, ``test`` or ``all``.
        questions: Rows scored.
        answerable: Answerable rows.
        key_content: Answerable rows whose answer contains a key sentence (an abstention is a miss).
        key_content_rate: ``key_content / answerable``.
        citation_precision: Cited section keys that are gold, over all answered answerable rows
            (each section counted once per answer; 1.0 when nothing was cited).
        answerable_abstained: Answerable rows answered "not covered".
        answerable_abstained_share: Their share of the answerable rows.
        abstention_recall: Share abstained per kind present, and ``overall`` over all abstain rows.
        abstain_rows: Number of rows per abstain kind (and ``overall``).
        latency_ms_p50: Median time of one answer.
        latency_ms_p95: 95th percentile time of one answer.
        engines: Answers per engine that wrote them (``llm``, ``extractive``), and ``fallback`` for
            LLM answers replaced by the extractive one.
        misses: Answerable rows without key content and abstain rows that were answered.
    """

    split: str
    questions: int = 0
    answerable: int = 0
    key_content: int = 0
    key_content_rate: float = 0.0
    citation_precision: float = 1.0
    answerable_abstained: int = 0
    answerable_abstained_share: float = 0.0
    abstention_recall: dict[str, float] = field(default_factory=dict)
    abstain_rows: dict[str, int] = field(default_factory=dict)
    latency_ms_p50: float = 0.0
    latency_ms_p95: float = 0.0
    engines: dict[str, int] = field(default_factory=dict)
    misses: list[dict[str, object]] = field(default_factory=list)


@dataclass
class AnswerReport:
    """Results per split, for one engine."""

    split: str
    results: list[SplitResult]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def result(self, split: str) -> SplitResult:
        """The result of one split (``dev``, ``test`` or ``all``)."""
        return next(r for r in self.results if r.split == split)


@dataclass(frozen=True)
class _Scored:
    question: AnswerQuestion
    answer: Answer
    ms: float


def score_split(name: str, scored: Sequence[_Scored]) -> SplitResult:
    """Compute the metrics of one split from answered rows."""
    result = SplitResult(split=name, questions=len(scored))
    cited = cited_gold = 0
    abstained: dict[str, int] = dict.fromkeys((*ABSTAIN_KINDS, "overall"), 0)
    rows: dict[str, int] = dict.fromkeys((*ABSTAIN_KINDS, "overall"), 0)
    engines: Counter[str] = Counter()
    for item in scored:
        q, answer = item.question, item.answer
        engines[answer.engine] += 1
        engines["fallback"] += answer.fallback_reason is not None
        if q.kind == ANSWERABLE:
            result.answerable += 1
            if not answer.covered:
                result.answerable_abstained += 1
                result.misses.append({"id": q.id, "question": q.question, "why": "abstained"})
                continue
            sections = {c.section_key for c in answer.citations}
            cited += len(sections)
            cited_gold += len(sections & set(q.gold))
            if contains_key(answer.text, q.key):
                result.key_content += 1
            else:
                result.misses.append(
                    {"id": q.id, "question": q.question, "why": "no key sentence",
                     "gold": list(q.gold), "cited": sorted(sections)}
                )
            continue
        for kind in (q.kind, "overall"):
            rows[kind] = rows.get(kind, 0) + 1
            abstained[kind] = abstained.get(kind, 0) + (not answer.covered)
        if answer.covered:
            result.misses.append({"id": q.id, "question": q.question, "why": f"answered ({q.kind})"})
    if result.answerable:
        result.key_content_rate = result.key_content / result.answerable
        result.answerable_abstained_share = result.answerable_abstained / result.answerable
    result.citation_precision = cited_gold / cited if cited else 1.0
    result.abstain_rows = {k: n for k, n in rows.items() if n}
    result.abstention_recall = {k: abstained[k] / n for k, n in result.abstain_rows.items()}
    result.engines = {k: n for k, n in sorted(engines.items()) if n}
    latencies = [item.ms for item in scored]
    result.latency_ms_p50 = percentile(latencies, 0.5)
    result.latency_ms_p95 = percentile(latencies, 0.95)
    return result


def evaluate_answers(
    questions: Sequence[AnswerQuestion], answer: Callable[[str], Answer], split: str = "all"
) -> AnswerReport:
    """Answer every question of the chosen split(s) and score the answers.

    One untimed warm-up call comes first, so that lazy loading (index, BM25, model) is not counted
    as the latency of the first question.

    Args:
        questions: The eval set.
        answer: Answers one question (e.g. the coach's chain).
        split: ``dev``, ``test``, or ``all`` for dev and test side by side plus both together.

    Returns:
        The report with one result per split.

    Raises:
        InputError: split is not one of dev, test, all.
    """
    if split not in (*SPLITS, "all"):
        raise InputError(f"Unknown split {split!r}: use dev, test or all.")
    chosen = [q for q in questions if split == "all" or q.split == split]
    if chosen:
        answer(chosen[0].question)
    scored = []
    for q in chosen:
        started = time.perf_counter()
        result = answer(q.question)
        scored.append(_Scored(q, result, (time.perf_counter() - started) * 1000))
    names = [*SPLITS, "all"] if split == "all" else [split]
    results = [
        score_split(name, [s for s in scored if name == "all" or s.question.split == name]) for name in names
    ]
    return AnswerReport(split=split, results=results)


def _cell(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def format_answer_table(report: AnswerReport) -> str:
    """The Markdown table of every split side by side."""
    results = report.results
    lines = ["| metric | " + " | ".join(r.split for r in results) + " |", "|---|" + "---:|" * len(results)]

    def row(label: str, cells: Iterable[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("answerable questions", (str(r.answerable) for r in results))
    row("key-content rate", (_cell(r.key_content_rate) for r in results))
    row("citation precision", (_cell(r.citation_precision) for r in results))
    for kind in (*ABSTAIN_KINDS, "overall"):
        row(f"abstention recall: {kind}", (
            f"{_cell(r.abstention_recall.get(kind))} (n={r.abstain_rows.get(kind, 0)})" for r in results
        ))
    row("answerable abstained", (
        f"{r.answerable_abstained} ({r.answerable_abstained_share:.1%})" for r in results
    ))
    row("answers by engine", (", ".join(f"{k} {n}" for k, n in r.engines.items()) or "–" for r in results))
    row("latency p50 (ms)", (_cell(r.latency_ms_p50, 1) for r in results))
    row("latency p95 (ms)", (_cell(r.latency_ms_p95, 1) for r in results))
    return "\n".join(lines)


def format_answer_markdown(report: AnswerReport, engine: str = "") -> str:
    """A full Markdown report: the table and the misses of each split."""
    parts = [
        "# Answer eval",
        "",
        f"{report.created} · split {report.split}" + (f" · engine {engine}" if engine else ""),
        "",
        format_answer_table(report),
    ]
    for r in report.results:
        if r.split == "all" and len(report.results) > 1:
            continue  # the misses of "all" are those of dev and test
        parts += ["", f"## Misses: {r.split}", ""]
        parts += [f"- {json.dumps(m, ensure_ascii=False)}" for m in r.misses] or ["- none"]
    return "\n".join(parts) + "\n"


def write_answer_report(report: AnswerReport, folder: Path, engine: str = "") -> tuple[Path, Path]:
    """Write the report as Markdown and JSON into folder.

    Returns:
        The Markdown and JSON paths.
    """
    payload = {"engine": engine, **asdict(report)}
    stem = f"answers-{stamp_of(report.created)}"
    return write_report_files(folder, stem, format_answer_markdown(report, engine), payload)
