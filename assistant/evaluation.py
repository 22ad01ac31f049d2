"""Offline retrieval evaluation: ranking quality and abstention, per retrieval mode.

The questions live in ``eval/questions.jsonl``; each names the section keys that answer it, or none
when the guidance does not cover it (the coach should abstain).
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from assistant.errors import InputError
from assistant.schemas import Retrieval

MODES = ("dense", "bm25", "hybrid")
RANK_DEPTH = 10


@dataclass(frozen=True)
class EvalQuestion:
    """One question of the eval set.

    Attributes:
        id: Stable id.
        question: The question.
        language: ``nb``, ``nn`` or ``en``.
        style: What the question tests (faq, guidance, paraphrase, typo, nynorsk, english, abstain).
        gold: Section keys that answer it; empty when the coach should abstain.
        split: ``dev`` (tuned on) or ``test`` (reported only); see eval/README.md.
    """

    id: str
    question: str
    language: str
    style: str
    gold: tuple[str, ...]
    split: str = "dev"


T = TypeVar("T")


def read_jsonl(
    path: Path, parse: Callable[[dict[str, Any]], T], what: str, set_name: str = "eval"
) -> list[T]:
    """Read a JSON Lines file of eval rows, one parsed row per non-empty line.

    Args:
        path: The file.
        parse: Turns one row into its typed form; KeyError, TypeError and ValueError mean "malformed".
        what: What a row is, for the error message ("eval question", "dialogue", ...).
        set_name: What the file is, for the message when it is missing ("No <set_name> set at ...").

    Raises:
        InputError: The file is missing, or a line is not JSON or not a valid row (names the line).
    """
    if not path.exists():
        raise InputError(f"No {set_name} set at {path}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(parse(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, InputError) as exc:
            raise InputError(f"{path}:{number}: not a valid {what} ({exc})") from exc
    return rows


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read the eval set (JSON Lines).

    Raises:
        InputError: The file is missing or a line is malformed.
    """
    return read_jsonl(
        path,
        lambda row: EvalQuestion(
            id=row["id"], question=row["question"], language=row["language"], style=row["style"],
            gold=tuple(row["gold"]), split=row.get("split", "dev"),
        ),
        "eval question",
    )


def ranked_sections(retrieval: Retrieval) -> list[str]:
    """Section keys of the hits, best first, each once (several chunks can share a section)."""
    seen: dict[str, None] = {}
    for hit in retrieval.hits:
        seen.setdefault(hit.chunk.section_key, None)
    return list(seen)


def reciprocal_rank(ranking: Sequence[str], gold: Sequence[str], depth: int = RANK_DEPTH) -> float:
    """1/rank of the first gold key within depth, else 0."""
    for rank, key in enumerate(ranking[:depth], start=1):
        if key in gold:
            return 1.0 / rank
    return 0.0


def ndcg(ranking: Sequence[str], gold: Sequence[str], depth: int = RANK_DEPTH) -> float:
    """Binary-relevance nDCG at depth."""
    dcg = sum(1.0 / math.log2(r + 1) for r, key in enumerate(ranking[:depth], start=1) if key in gold)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(gold), depth) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass
class ModeResult:
    """Metrics of one retrieval mode over the eval set."""

    mode: str
    recall_at_1: float = 0.0
    recall_at_3: float = 0.0
    recall_at_5: float = 0.0
    mrr_at_10: float = 0.0
    ndcg_at_10: float = 0.0
    abstention_precision: float = 0.0
    abstention_recall: float = 0.0
    answerable_abstained: int = 0
    recall_at_3_by_style: dict[str, float] = field(default_factory=dict)
    latency_ms_p50: float = 0.0
    misses: list[dict[str, object]] = field(default_factory=list)


@dataclass
class EvalReport:
    """Results for every mode, with the set's size."""

    questions: int
    answerable: int
    unanswerable: int
    results: list[ModeResult]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def result(self, mode: str) -> ModeResult:
        """The result of one mode."""
        return next(r for r in self.results if r.mode == mode)


Retrieve = Callable[[str, str], Retrieval]


def evaluate_mode(questions: Sequence[EvalQuestion], retrieve: Retrieve, mode: str) -> ModeResult:
    """Score one retrieval mode.

    Args:
        questions: The eval set.
        retrieve: ``retrieve(question, mode)`` returning at least ten hits.
        mode: The retrieval mode.

    Returns:
        Ranking metrics over answerable questions and abstention metrics over all.
    """
    result = ModeResult(mode=mode)
    hits_at: dict[int, int] = defaultdict(int)
    rr = nd = 0.0
    style_hits: dict[str, list[int]] = defaultdict(list)
    true_abstain = false_abstain = missed_abstain = 0
    latencies = []
    answerable = [q for q in questions if q.gold]
    for q in questions:
        started = time.perf_counter()
        retrieval = retrieve(q.question, mode)
        latencies.append((time.perf_counter() - started) * 1000)
        abstained = not retrieval.covered
        if not q.gold:
            true_abstain += abstained
            missed_abstain += not abstained
            if not abstained:
                result.misses.append({"id": q.id, "question": q.question, "why": "answered, should abstain"})
            continue
        false_abstain += abstained
        ranking = ranked_sections(retrieval)
        for k in (1, 3, 5):
            hits_at[k] += any(key in q.gold for key in ranking[:k])
        style_hits[q.style].append(int(any(key in q.gold for key in ranking[:3])))
        rr += reciprocal_rank(ranking, q.gold)
        nd += ndcg(ranking, q.gold)
        if abstained or not any(key in q.gold for key in ranking[:3]):
            result.misses.append(
                {"id": q.id, "question": q.question, "gold": list(q.gold), "got": ranking[:3],
                 "why": "abstained" if abstained else "gold not in top 3"}
            )
    n = len(answerable) or 1
    result.recall_at_1, result.recall_at_3, result.recall_at_5 = (hits_at[k] / n for k in (1, 3, 5))
    result.mrr_at_10, result.ndcg_at_10 = rr / n, nd / n
    abstained_total = true_abstain + false_abstain
    unanswerable = true_abstain + missed_abstain
    result.abstention_precision = true_abstain / abstained_total if abstained_total else 1.0
    result.abstention_recall = true_abstain / unanswerable if unanswerable else 1.0
    result.answerable_abstained = false_abstain
    result.recall_at_3_by_style = {s: sum(v) / len(v) for s, v in sorted(style_hits.items())}
    latencies.sort()
    result.latency_ms_p50 = latencies[len(latencies) // 2] if latencies else 0.0
    return result


def evaluate(
    questions: Sequence[EvalQuestion], retrieve: Retrieve, modes: Sequence[str] = MODES
) -> EvalReport:
    """Score every mode on the eval set."""
    return EvalReport(
        questions=len(questions),
        answerable=sum(1 for q in questions if q.gold),
        unanswerable=sum(1 for q in questions if not q.gold),
        results=[evaluate_mode(questions, retrieve, m) for m in modes],
    )


_COLUMNS = (
    ("recall@1", "recall_at_1"),
    ("recall@3", "recall_at_3"),
    ("recall@5", "recall_at_5"),
    ("MRR@10", "mrr_at_10"),
    ("nDCG@10", "ndcg_at_10"),
    ("abst. precision", "abstention_precision"),
    ("abst. recall", "abstention_recall"),
)


def format_table(report: EvalReport) -> str:
    """The side-by-side Markdown table of all modes."""
    header = "| metric | " + " | ".join(r.mode for r in report.results) + " |"
    lines = [header, "|---|" + "---:|" * len(report.results)]
    for label, attr in _COLUMNS:
        lines.append(f"| {label} | " + " | ".join(f"{getattr(r, attr):.3f}" for r in report.results) + " |")
    lines.append(
        "| answerable abstained | " + " | ".join(str(r.answerable_abstained) for r in report.results) + " |"
    )
    lines.append(
        "| latency p50 (ms) | " + " | ".join(f"{r.latency_ms_p50:.1f}" for r in report.results) + " |"
    )
    return "\n".join(lines)


def format_markdown(report: EvalReport) -> str:
    """A full Markdown report: the table, recall@3 per question style, and the misses."""
    parts = [
        "# Retrieval eval",
        "",
        f"{report.created} · {report.questions} questions ({report.answerable} answerable, "
        f"{report.unanswerable} not covered)",
        "",
        format_table(report),
        "",
        "## recall@3 by question style",
        "",
    ]
    styles = sorted({s for r in report.results for s in r.recall_at_3_by_style})
    parts.append("| style | " + " | ".join(r.mode for r in report.results) + " |")
    parts.append("|---|" + "---:|" * len(report.results))
    for style in styles:
        parts.append(
            f"| {style} | "
            + " | ".join(f"{r.recall_at_3_by_style.get(style, 0):.3f}" for r in report.results)
            + " |"
        )
    for r in report.results:
        parts += ["", f"## Misses: {r.mode}", ""]
        parts += [f"- {json.dumps(m, ensure_ascii=False)}" for m in r.misses] or ["- none"]
    return "\n".join(parts) + "\n"


def stamp_of(created: str) -> str:
    """A file-name stamp from an ISO time: ``2026-12-01T16:44:36+00:00`` -> ``20261201T164436``."""
    return created.replace(":", "").replace("-", "")[:15]


def write_report_files(folder: Path, stem: str, markdown: str, payload: object) -> tuple[Path, Path]:
    """Write ``<stem>.md`` and ``<stem>.json`` into folder (created if needed), the one way every eval does.

    Returns:
        The Markdown and JSON paths.
    """
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / f"{stem}.md", folder / f"{stem}.json"
    md.write_text(markdown, encoding="utf-8")
    js.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return md, js


def write_report(report: EvalReport, folder: Path, name: str = "eval") -> tuple[Path, Path]:
    """Write the report as Markdown and JSON into folder, as ``<name>-<timestamp>.md/.json``.

    Returns:
        The Markdown and JSON paths.
    """
    stem = f"{name}-{stamp_of(report.created)}"
    return write_report_files(folder, stem, format_markdown(report), asdict(report))
