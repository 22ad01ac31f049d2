"""The feedback eval: the labelled set, the metrics, and regression floors on dev and test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import InputError
from assistant.feedback.evaluation import (
    Score,
    evaluate_feedback,
    format_markdown,
    load_feedback_set,
    write_report,
)
from assistant.feedback.lint import FeedbackLinter

FEEDBACK_SET = PROJECT_ROOT / "eval" / "feedback.jsonl"

FEEDBACK_HELDOUT = PROJECT_ROOT / "eval" / "feedback_heldout.jsonl"

# Floors just below what the lint reaches (`coach eval --feedback`). dev (1,184 rows, with 1,040 fresh
# widening rows f217-f1256 that each scored lower at first look) was used to build the lexicons and
# mechanisms. test (72) and the held-out set (140, eval/feedback_heldout.jsonl, written by two writers
# who saw neither the lint nor any row, scored once after the last round) are reported, never tuned
# on; their floors must never be raised by tuning on them.
PART_ACCURACY = {
    "dev": {"problem": 0.91, "consequence": 0.92, "improvement": 0.95, "positive": 0.94},
    "test": {"problem": 0.90, "consequence": 0.90, "improvement": 0.97, "positive": 0.94},
    "heldout": {"problem": 0.85, "consequence": 0.85, "improvement": 0.96, "positive": 0.91},
}
RULE_FLOORS = {  # (precision, recall)
    "dev": {
        "absolute-language": (0.97, 0.94),
        "personal-label": (0.97, 0.96),
        "vague-improvement": (0.98, 0.97),
    },
    "test": {
        "absolute-language": (0.85, 0.98),
        "personal-label": (0.98, 0.98),
        "vague-improvement": (0.98, 0.98),
    },
    "heldout": {
        "absolute-language": (0.92, 0.92),
        "personal-label": (0.90, 0.78),
        "vague-improvement": (0.98, 0.90),
    },
}


@pytest.fixture(scope="module")
def linter() -> FeedbackLinter:
    return FeedbackLinter.from_folder(PROJECT_ROOT / "knowledge" / "feedback", [PROJECT_ROOT / "knowledge"])


def test_the_labelled_set_is_large_varied_and_split() -> None:
    items = load_feedback_set(FEEDBACK_SET)
    assert len(items) >= 80
    assert {i.split for i in items} == {"dev", "test"}
    assert {i.language for i in items} == {"nb", "nn", "en"}
    styles = {i.style for i in items}
    assert {
        "complete",
        "missing-problem",
        "missing-consequence",
        "missing-improvement",
        "missing-positive",
        "label",
        "absolute",
        "vague",
        "sarcasm",
        "praise-only",
        "chat",
        "long",
        "control",
    } <= styles


def test_malformed_set_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "f.jsonl"
    bad.write_text(json.dumps({"id": "x", "text": "t"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"f\.jsonl:1"):
        load_feedback_set(bad)
    with pytest.raises(InputError, match="No feedback eval set"):
        load_feedback_set(tmp_path / "missing.jsonl")


def test_score_ratios() -> None:
    score = Score()
    for expected, predicted in [(True, True), (True, False), (False, True), (False, False), (True, True)]:
        score.add(expected, predicted)
    assert (score.tp, score.fp, score.fn, score.tn) == (2, 1, 1, 1)
    assert score.precision == pytest.approx(2 / 3) and score.recall == pytest.approx(2 / 3)
    assert score.accuracy == pytest.approx(3 / 5)
    assert Score().precision == 1.0 and Score().recall == 1.0  # an empty class is no failure


@pytest.mark.parametrize("split", ["dev", "test", "heldout"])
def test_lint_does_not_regress(linter: FeedbackLinter, split: str, tmp_path: Path) -> None:
    # The held-out texts are a set of their own, all in its "test" split.
    path, scored = (FEEDBACK_HELDOUT, "test") if split == "heldout" else (FEEDBACK_SET, split)
    report = evaluate_feedback(load_feedback_set(path), linter, [scored])
    result = report.result(scored)
    for part, floor in PART_ACCURACY[split].items():
        assert result.parts[part].accuracy >= floor, (part, result.parts[part].as_json())
    for rule, (precision, recall) in RULE_FLOORS[split].items():
        score = result.rules[rule]
        assert score.precision >= precision and score.recall >= recall, (rule, score.as_json())
    md, js = write_report(report, tmp_path)
    assert "| problem | accuracy |" in md.read_text(encoding="utf-8")
    assert json.loads(js.read_text(encoding="utf-8"))["results"][0]["split"] == scored
    assert "## Misses" in format_markdown(report)
