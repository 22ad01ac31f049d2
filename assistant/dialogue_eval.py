"""Follow-up (memory) evaluation on ``eval/dialogues.jsonl``: recall@3 with and without condensation.

For each two-turn dialogue the second question is retrieved three ways: alone (no memory), through the
chain's condense and retrieve steps (the retrieval-side fusion, or an LLM rewrite when one answers),
and the chain's coverage decision is compared with the gold (``[]`` means the coach must abstain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.evaluation import ranked_sections, read_jsonl
from assistant.memory import Message, parse_history

if TYPE_CHECKING:
    from assistant.app import Coach


@dataclass(frozen=True)
class Dialogue:
    """One dialogue: the history, the follow-up and its gold sections."""

    id: str
    type: str
    history: list[Message]
    question: str
    gold: tuple[str, ...]
    split: str


def load_dialogues(path: Path) -> list[Dialogue]:
    """Read the dialogues file (JSON Lines).

    Raises:
        InputError: The file is missing or a line is malformed.
    """
    return read_jsonl(
        path,
        lambda row: Dialogue(row["id"], row.get("type", "follow-up"), parse_history(row["history"]),
                             row["question"], tuple(row["gold"]), row.get("split", "dev")),
        "dialogue",
        set_name="dialogue",
    )


@dataclass
class DialogueReport:
    """Recall@3 of the follow-up with and without condensation, and coverage agreement."""

    split: str
    dialogues: int = 0
    recall_at_3_alone: float = 0.0
    recall_at_3_condensed: float = 0.0
    coverage_correct: float = 0.0
    condensed_by: dict[str, int] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)


def evaluate_dialogues(coach: Coach, dialogues: Sequence[Dialogue], split: str = "all") -> DialogueReport:
    """Score follow-up retrieval with and without the conversation.

    Args:
        coach: The coach whose chain is evaluated.
        dialogues: The dialogue set.
        split: ``dev``, ``test`` or ``all``.
    """
    chosen = [d for d in dialogues if split in ("all", d.split)]
    report = DialogueReport(split=split, dialogues=len(chosen))
    steps = coach.chain_steps
    alone_hits = condensed_hits = coverage_ok = answerable = 0
    for dialogue in chosen:
        turn = steps.cover(steps.retrieve(steps.condense(
            {"question": dialogue.question, "history": [m.model_dump() for m in dialogue.history]}
        )))
        report.condensed_by[turn.condensed_by] = report.condensed_by.get(turn.condensed_by, 0) + 1
        coverage_ok += turn.covered == bool(dialogue.gold)
        if not dialogue.gold:
            continue
        answerable += 1
        assert turn.retrieval is not None
        alone = ranked_sections(coach.retrieve(dialogue.question, k=10))[:3]
        condensed = ranked_sections(turn.retrieval)[:3]
        alone_hits += any(k in dialogue.gold for k in alone)
        hit = any(k in dialogue.gold for k in condensed)
        condensed_hits += hit
        if not hit or not turn.covered:
            report.misses.append({"id": dialogue.id, "question": dialogue.question,
                                  "gold": list(dialogue.gold), "got": condensed, "covered": turn.covered})
    report.recall_at_3_alone = alone_hits / answerable if answerable else 0.0
    report.recall_at_3_condensed = condensed_hits / answerable if answerable else 0.0
    report.coverage_correct = coverage_ok / len(chosen) if chosen else 0.0
    return report


def format_dialogue_report(reports: Sequence[DialogueReport]) -> str:
    """A Markdown table of dialogue reports side by side (one column per split)."""
    lines = ["| metric | " + " | ".join(r.split for r in reports) + " |", "|---|" + "---:|" * len(reports)]
    rows = [("dialogues", "dialogues", "{}"), ("recall@3 without memory", "recall_at_3_alone", "{:.3f}"),
            ("recall@3 with condensation", "recall_at_3_condensed", "{:.3f}"),
            ("coverage decision correct", "coverage_correct", "{:.3f}")]
    for label, attr, fmt in rows:
        lines.append(f"| {label} | " + " | ".join(fmt.format(getattr(r, attr)) for r in reports) + " |")
    return "\n".join(lines)
