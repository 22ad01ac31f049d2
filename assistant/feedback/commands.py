"""`coach feedback lint|draft` and `coach eval --feedback`: thin handlers over the feedback studio.

Library errors propagate to ``assistant.cli.main``, which turns them into one-line messages
(InputError: exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import InputError
from assistant.feedback.inputs import check_text, decode_input
from assistant.feedback.models import PARTS, FeedbackDraft, LintResult

if TYPE_CHECKING:
    from assistant.feedback.draft import FeedbackDrafter

FEEDBACK_SET = PROJECT_ROOT / "eval" / "feedback.jsonl"
_PART_NAMES = {
    "problem": "problem", "consequence": "konsekvens", "improvement": "forbedring", "positive": "positiv",
}


def _drafter(settings: Settings) -> FeedbackDrafter:
    from assistant.app import build_feedback

    return build_feedback(settings)


def _read_stdin(max_chars: int) -> str:
    stream: Any = sys.stdin
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode("utf-8")
    return check_text(decode_input(data, "the text on stdin"), "the text on stdin", max_chars)


def _print_json(payload: object) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))


def format_lint(result: LintResult, text: str) -> str:
    """A readable listing of a lint result (Norwegian, like the messages)."""
    parts = " · ".join(f"{_PART_NAMES[p]} {'ja' if result.parts[p] else 'nei'}" for p in PARTS)
    lines = [f"Deler: {parts}"]
    if not result.findings:
        lines.append("Ingen funn.")
    for f in result.findings:
        where = f" «{text[f.start:f.end]}» (tegn {f.start}–{f.end})" if f.end > f.start else ""
        lines += [f"- [{f.rule}]{where}: {f.message}", f"  Forslag: {f.suggestion}"]
    return "\n".join(lines)


def format_draft(draft: FeedbackDraft) -> str:
    """The draft with what is missing, the findings on the manager's words and the sources."""
    lines = [draft.text, ""]
    for part, question in zip(draft.missing, draft.questions, strict=True):
        lines.append(f"Mangler {_PART_NAMES[part]}: {question}")
    for f in draft.findings:
        if not f.rule.startswith("missing-"):
            lines.append(f"Merk [{f.rule}] «{draft.text[f.start:f.end]}»: {f.suggestion}")
    lines.append("Kilder: " + "; ".join(f"{c.section} ({c.section_key})" for c in draft.citations))
    return "\n".join(lines).strip()


def cmd_lint(args: argparse.Namespace, settings: Settings) -> int:
    """Lint the feedback text on stdin."""
    text = _read_stdin(settings.feedback.max_chars)
    result = _drafter(settings).linter.lint(text)
    if args.json:
        _print_json(result.as_json())
    else:
        print(format_lint(result, text))
    return 0


def cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    """Draft feedback from the four parts or from notes."""
    if args.name is None:
        raise InputError("--name is required: who is the feedback for?")
    fields = {part: getattr(args, part) for part in PARTS}
    if args.notes is not None and any(v is not None for v in fields.values()):
        raise InputError(
            "Give either --notes or the parts (--problem, --consequence, --improvement, --positive)."
        )
    drafter = _drafter(settings)
    if args.notes is not None:
        draft = drafter.from_notes(args.notes, args.name, tone=args.tone, channel=args.channel)
    else:
        draft = drafter.from_parts(args.name, tone=args.tone, channel=args.channel,
                                   **{p: v or "" for p, v in fields.items()})
    if draft.fallback_reason:
        print(f"coach: {draft.fallback_reason}; using the template draft", file=sys.stderr)
    if args.json:
        _print_json(draft.as_json())
    else:
        print(format_draft(draft))
    return 0


def cmd_feedback_eval(args: argparse.Namespace, settings: Settings) -> int:
    """`coach eval --feedback`: score the lint on the labelled texts and write the report."""
    from assistant.feedback.evaluation import evaluate_feedback, format_table, load_feedback_set, write_report

    default_set = str(PROJECT_ROOT / "eval" / "questions.jsonl")
    path = FEEDBACK_SET if args.set == default_set else Path(args.set)
    items = load_feedback_set(path)
    splits = ("dev", "test", "all") if args.split == "all" else (args.split,)
    report = evaluate_feedback(items, _drafter(settings).linter, splits)
    print(f"{len(items)} labelled feedback texts ({path.name})")
    print(format_table(report))
    md, js = write_report(report, Path(args.out))
    print(f"Report: {md} and {js}")
    return 0


def register(sub: Any) -> None:
    """Add ``coach feedback lint|draft`` to the CLI's subparsers."""
    p = sub.add_parser("feedback", help="Lint a feedback text, or draft feedback from its parts or notes.",
                       description="Feedback following the guidance: problem, consequence, improvement, "
                       "with positive reinforcement.")
    actions = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")

    lint = actions.add_parser("lint", help="Check the feedback text on stdin.",
                              description="Reads a feedback text on stdin; says which parts it has and "
                              "flags sweeping words, labels and vague asks.")
    lint.add_argument("--json", action="store_true", help='Print {"parts": {...}, "findings": [...]}.')
    lint.set_defaults(func=cmd_lint)

    draft = actions.add_parser("draft", help="Draft feedback from the four parts or from notes.")
    draft.add_argument("--name", help="Who the feedback is for (required).")
    for part, meaning in (("problem", "what happened"), ("consequence", "what it led to"),
                          ("improvement", "what to do differently"), ("positive", "what went well")):
        draft.add_argument(f"--{part}", help=f"The {part}: {meaning}, in your words.")
    draft.add_argument("--notes", help="Free notes instead of the parts; sorted into the parts for you.")
    draft.add_argument("--tone", choices=("varm", "direkte"), default="varm", help="Wording (default varm).")
    draft.add_argument("--channel", choices=("samtale", "melding"), default="samtale",
                       help="samtale: talking points for the one-to-one; melding: a short message.")
    draft.add_argument("--json", action="store_true",
                       help='Print {"draft", "parts", "missing", "questions", "findings", "citations", '
                       '"engine"}.')
    draft.set_defaults(func=cmd_draft)
