"""Shape and balance checks on the hand-labelled feedback eval set (eval/feedback.jsonl)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assistant.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "eval" / "feedback.jsonl"
LABELS_DOC = PROJECT_ROOT / "eval" / "FEEDBACK_LABELS.md"

STYLES = {
    "complete",
    "missing-problem",
    "missing-consequence",
    "missing-improvement",
    "missing-positive",
    "label",
    "absolute",
    "vague",
    "nynorsk",
    "english",
    "chat",
    "long",
    "sarcasm",
    "praise-only",
    "complaint-only",
    "control",
}
PARTS = ("problem", "consequence", "improvement", "positive")
RULES = {"absolute-language", "personal-label", "vague-improvement"}
REQUIRED_KEYS = {"id", "text", "language", "style", "split", "parts", "rules"}
ALLOWED_KEYS = REQUIRED_KEYS | {"note"}
# The example words from the issue; the hidden set uses other words, so most rows must too.
ISSUE_EXAMPLES = (
    "bestandig",
    "ikke én eneste gang",
    "udugelig",
    "doven",
    "ta deg sammen",
    "du må forbedre deg",
)


def load(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number}: empty line"
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return load(DATA)


def test_rows_parse_and_ids_are_unique(rows: list[dict[str, Any]]) -> None:
    assert len(rows) >= 110
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    texts = [row["text"].strip() for row in rows]
    assert len(texts) == len(set(texts)), "duplicate texts"


def test_keys_and_values_are_allowed(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        where = row.get("id")
        assert REQUIRED_KEYS <= row.keys() <= ALLOWED_KEYS, where
        assert isinstance(row["text"], str) and row["text"].strip(), where
        assert row["language"] in {"nb", "nn", "en"}, where
        assert row["style"] in STYLES, where
        assert row["split"] in {"dev", "test"}, where
        assert set(row["parts"]) == set(PARTS), where
        assert all(isinstance(value, bool) for value in row["parts"].values()), where
        assert isinstance(row["rules"], list), where
        assert set(row["rules"]) <= RULES and len(row["rules"]) == len(set(row["rules"])), where
        assert isinstance(row.get("note", ""), str), where


def test_every_style_is_large_enough_and_in_both_splits(rows: list[dict[str, Any]]) -> None:
    per_style = Counter(row["style"] for row in rows)
    assert set(per_style) == STYLES
    assert min(per_style.values()) >= 6
    for split in ("dev", "test"):
        assert {row["style"] for row in rows if row["split"] == split} == STYLES, split
    dev_share = sum(row["split"] == "dev" for row in rows) / len(rows)
    # Upper bound above one half on purpose: dev has extra widening rows (f145-f766, all dev) written to
    # stress generalisation while tuning; test stays untouched for honest reporting.
    assert 0.4 <= dev_share <= 0.95


def test_language_distribution(rows: list[dict[str, Any]]) -> None:
    share = {lang: count / len(rows) for lang, count in Counter(row["language"] for row in rows).items()}
    assert 0.5 <= share["nb"] <= 0.7
    assert 0.1 <= share["nn"] <= 0.2
    assert 0.2 <= share["en"] <= 0.32
    for split in ("dev", "test"):
        langs = {row["language"] for row in rows if row["split"] == split}
        assert langs == {"nb", "nn", "en"}, split
    assert all(row["language"] == "nn" for row in rows if row["style"] == "nynorsk")
    assert all(row["language"] == "en" for row in rows if row["style"] == "english")


def test_labels_agree_with_the_style(rows: list[dict[str, Any]]) -> None:
    # A style names what the text is about, so its labels must say the same.
    for row in rows:
        style, parts, rules = row["style"], row["parts"], set(row["rules"])
        where = row["id"]
        if style == "complete":
            assert all(parts.values()) and not rules, where
        if style.startswith("missing-"):
            missing = style.removeprefix("missing-")
            assert not parts[missing], where
            assert all(parts[p] for p in PARTS if p != missing), where
        if style == "praise-only":
            assert parts == {"problem": False, "consequence": False, "improvement": False, "positive": True}
            assert not rules, where
        if style in {"sarcasm", "complaint-only"}:
            assert not parts["positive"], where
        if style == "complaint-only":
            assert not parts["improvement"], where
        if style == "control":
            assert not rules, where
        for style_name, rule in (
            ("label", "personal-label"),
            ("absolute", "absolute-language"),
            ("vague", "vague-improvement"),
        ):
            if style == style_name:
                assert rule in rules, where
        if "vague-improvement" in rules:
            assert parts["improvement"], where


def test_each_label_has_positives_and_negatives_in_both_splits(rows: list[dict[str, Any]]) -> None:
    for split in ("dev", "test"):
        chosen = [row for row in rows if row["split"] == split]
        for part in PARTS:
            present = sum(row["parts"][part] for row in chosen)
            assert 5 <= present <= len(chosen) - 5, (split, part)
        for rule in RULES:
            assert sum(rule in row["rules"] for row in chosen) >= 6, (split, rule)


def test_issue_example_words_are_a_minority(rows: list[dict[str, Any]]) -> None:
    flagged = [row for row in rows if row["rules"]]
    with_examples = [row for row in flagged if any(word in row["text"].lower() for word in ISSUE_EXAMPLES)]
    assert len(with_examples) <= 0.2 * len(flagged)


def test_label_doc_names_every_rule_and_part() -> None:
    doc = LABELS_DOC.read_text(encoding="utf-8")
    for name in (*PARTS, *RULES, *STYLES):
        assert name in doc, name


def test_loader_rejects_a_broken_line(tmp_path: Path) -> None:
    bad = tmp_path / "feedback.jsonl"
    bad.write_text('{"id": "x"}\n\n', encoding="utf-8")
    with pytest.raises(AssertionError, match=r"feedback\.jsonl:2"):
        load(bad)


def test_the_heldout_set_is_apart_and_well_formed(rows: list[dict[str, Any]]) -> None:
    heldout = load(PROJECT_ROOT / "eval" / "feedback_heldout.jsonl")
    assert len(heldout) >= 140
    assert {row["split"] for row in heldout} == {"test"}  # never tuned on: scored as a test set
    assert {row["language"] for row in heldout} == {"nb", "nn", "en"}
    for row in heldout:
        assert REQUIRED_KEYS <= row.keys() <= ALLOWED_KEYS, row["id"]
        assert set(row["parts"]) == set(PARTS) and set(row["rules"]) <= RULES, row["id"]
    assert not {row["text"].strip() for row in heldout} & {row["text"].strip() for row in rows}
