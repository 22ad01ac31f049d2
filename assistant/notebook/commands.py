"""The notebook's ``coach`` subcommands: notes, actions, meeting, prep, export, forget, purge.

An edge like cli.py: handlers raise the project's errors and cli.main turns them into one-line
messages (exit 2 for bad input). Everything heavy is imported inside the handlers, so registering
the commands costs nothing when another command runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.notebook import Notebook

_NAME_HELP = (
    "The person's name: trimmed, spaces collapsed, at most 100 characters, with at least one letter "
    "or digit; case does not matter (\"kari nordmann\" is \"Kari Nordmann\")."
)
_TEXT_RULES = (
    "Texts may hold up to 20,000 characters; empty text and control characters are refused, emoji-only "
    "text is kept as typed. Nothing is stored about a person until you save something about them."
)


def _notebook(settings: Settings) -> Notebook:
    from assistant.app import build_notebook

    return build_notebook(settings)


def _text(value: str) -> str:
    """The text argument; ``-`` reads it from standard input (for long notes)."""
    return sys.stdin.read() if value == "-" else value


def _action_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"An action id is a whole number, not {value!r}.") from None
    if number < 1:
        raise InputError(f"An action id is a positive number, not {value!r}.")
    return number


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_notes_add(args: argparse.Namespace, settings: Settings) -> int:
    """Save a note about a person."""
    note = _notebook(settings).add_note(args.name, _text(args.text))
    print(f"Saved note {note.id} about {note.person}.")
    return 0


def cmd_notes_list(args: argparse.Namespace, settings: Settings) -> int:
    """List a person's notes, oldest first."""
    notes = _notebook(settings).list_notes(args.name)
    if args.json:
        _print_json([n.model_dump(mode="json", include={"id", "text", "created"}) for n in notes])
        return 0
    if not notes:
        print(f"No notes about {args.name.strip()}.")
    for note in notes:
        print(f"[{note.id}] {note.created.astimezone():%Y-%m-%d %H:%M}\n{note.text}\n")
    return 0


def cmd_actions_add(args: argparse.Namespace, settings: Settings) -> int:
    """Record an agreed action."""
    from assistant.notebook.validation import parse_due

    due = parse_due(args.due) if args.due is not None else None
    action = _notebook(settings).add_action(args.name, _text(args.text), due)
    suffix = f" (due {action.due.isoformat()})" if action.due else ""
    print(f"Saved action {action.id} for {action.person}{suffix}.")
    return 0


def cmd_actions_done(args: argparse.Namespace, settings: Settings) -> int:
    """Mark an action done."""
    action = _notebook(settings).complete_action(_action_id(args.id))
    print(f"Action {action.id} ({action.person}) is done: {action.text}")
    return 0


def cmd_actions_list(args: argparse.Namespace, settings: Settings) -> int:
    """List a person's open (or all) actions."""
    actions = _notebook(settings).list_actions(args.name, include_done=args.all)
    if args.json:
        _print_json([a.model_dump(mode="json", exclude={"person"}) for a in actions])
        return 0
    if not actions:
        print(f"No {'' if args.all else 'open '}actions for {args.name.strip()}.")
    for action in actions:
        due = f" (due {action.due.isoformat()})" if action.due else ""
        print(f"[{action.id}] {'x' if action.status == 'done' else ' '} {action.text}{due}")
    return 0


def cmd_meeting_save(args: argparse.Namespace, settings: Settings) -> int:
    """Close a one-to-one: notes, actions done, new actions; open ones carry over."""
    done = [_action_id(value) for value in args.done]
    result = _notebook(settings).save_meeting(
        args.name, notes=args.notes, done=done, new_actions=list(args.action)
    )
    print(
        f"Saved meeting {result.meeting.id} with {result.meeting.person}: {len(result.done)} actions done, "
        f"{len(result.added)} new, {len(result.carried_over)} carried over."
    )
    for action in result.carried_over:
        print(f"  carried over [{action.id}] {action.text}")
    return 0


def cmd_prep(args: argparse.Namespace, settings: Settings) -> int:
    """Print the agenda of the next one-to-one."""
    from assistant.notebook.prep import agenda_markdown, build_agenda

    notebook = _notebook(settings)
    agenda = build_agenda(notebook, args.name)
    if args.json:
        _print_json(agenda.model_dump(mode="json"))
    else:
        print(agenda_markdown(notebook, agenda))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Export everything stored about a person."""
    notebook = _notebook(settings)
    if args.format == "json":
        text = json.dumps(notebook.export(args.name), ensure_ascii=False, indent=2) + "\n"
    else:
        text = notebook.export_markdown(args.name) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    try:
        # The record is personal data: readable by the owner only.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from exc
    print(f"Exported to {out}.")
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    """Delete everything about a person."""
    from assistant.notebook.validation import clean_name

    name = clean_name(args.name)
    if not args.yes:
        raise InputError(f"forget deletes everything stored about {name} for good; add --yes to confirm.")
    report = _notebook(settings).forget(name)
    if not report.found:
        print(f"Nothing is stored about {name}; nothing deleted.")
        return 0
    counts = ", ".join(f"{n} {table}" for table, n in report.deleted.items())
    print(f"Forgot {report.person}: deleted {counts}.")
    if not report.scrubbed:
        print("coach: another process kept the database busy; the file is scrubbed at the next "
              "checkpoint.", file=sys.stderr)
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Apply the retention period."""
    days = args.days if args.days is not None else settings.notebook.retention_days
    if days is None:
        print("Retention is off (COACH_NOTEBOOK__RETENTION_DAYS is not set); nothing purged.")
        return 0
    report = _notebook(settings).purge(days)
    counts = ", ".join(f"{n} {table}" for table, n in report.deleted.items())
    print(f"Purged what is older than {days} days: {counts}.")
    return 0


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number of days") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(sub: Any) -> None:
    """Add the notebook's subcommands to ``coach``'s subparsers."""
    notes = sub.add_parser("notes", help="Notes about a person (add, list).", description=_TEXT_RULES)
    notes_sub = notes.add_subparsers(dest="notes_command", required=True, metavar="ACTION")
    p = notes_sub.add_parser("add", help="Save a note about a person.", description=_TEXT_RULES)
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("text", help="The note; '-' reads it from standard input.")
    p.set_defaults(func=cmd_notes_add)
    p = notes_sub.add_parser("list", help="List a person's notes (an unknown person has none).")
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("--json", action="store_true", help="Print a JSON list of {id, text, created}.")
    p.set_defaults(func=cmd_notes_list)

    actions = sub.add_parser("actions", help="Agreed actions (add, done, list).")
    actions_sub = actions.add_subparsers(dest="actions_command", required=True, metavar="ACTION")
    p = actions_sub.add_parser("add", help="Record an agreed action.", description=_TEXT_RULES)
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("text", help="What was agreed; '-' reads it from standard input.")
    p.add_argument("--due", metavar="YYYY-MM-DD", help="Due date (a past date is allowed).")
    p.set_defaults(func=cmd_actions_add)
    p = actions_sub.add_parser("done", help="Mark an action done (by its id).")
    p.add_argument("id", help="The action's id, as shown by `coach actions list`.")
    p.set_defaults(func=cmd_actions_done)
    p = actions_sub.add_parser("list", help="List a person's open actions.")
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("--all", action="store_true", help="Include actions that are done.")
    p.add_argument("--json", action="store_true", help="Print a JSON list of "
                   "{id, text, due, status, created, done_at, meeting_id}.")
    p.set_defaults(func=cmd_actions_list)

    meeting = sub.add_parser("meeting", help="One-to-one meetings (save).")
    meeting_sub = meeting.add_subparsers(dest="meeting_command", required=True, metavar="ACTION")
    p = meeting_sub.add_parser("save", help="Close a one-to-one: notes, actions done and agreed.",
                               description="Store the meeting, mark --done actions done and record "
                               "--action ones; the other open actions carry over to the next meeting. "
                               "Nothing is saved if an id is not one of the person's actions.")
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("--notes", help="What was said.")
    p.add_argument("--done", nargs="+", action="extend", default=[], metavar="ID", help="Actions now done.")
    p.add_argument("--action", action="append", default=[], metavar="TEXT", help="A new action (repeatable).")
    p.set_defaults(func=cmd_meeting_save)

    p = sub.add_parser("prep", help="Agenda of the next one-to-one with a person.",
                       description="The agenda from the guidance (each item cites its section) with the "
                       "person's feedback drafts, open actions and recent notes. For a name the notebook "
                       "does not know you get the guidance agenda with no actions or notes, and nothing "
                       "is stored.")
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("--json", action="store_true", help='Print {"person", "agenda": [{"title", "points", '
                   '"citations": [{"section", "section_key"}]}], "open_actions": [{"id", "text", "due"}]}.')
    p.set_defaults(func=cmd_prep)

    p = sub.add_parser("export", help="Export everything stored about a person.")
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON.")
    p.add_argument("--out", metavar="FILE", help="Write to FILE (readable by you only) instead of stdout.")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("forget", help="Delete everything stored about a person.",
                       description="Deletes the person's notes, actions, meetings and feedback drafts, "
                       "then rewrites the database file so no trace of them remains. Conversations are "
                       "not linked to people: delete those in the chat. Needs --yes.")
    p.add_argument("name", help=_NAME_HELP)
    p.add_argument("--yes", action="store_true", help="Confirm the deletion.")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("purge", help="Apply the retention period (COACH_NOTEBOOK__RETENTION_DAYS).",
                       description="Deletes notes, feedback drafts, meetings, done actions, conversations "
                       "and answer ratings older than the retention period; open actions stay.")
    p.add_argument("--days", type=_days, help="Use this many days instead of the setting.")
    p.set_defaults(func=cmd_purge)
