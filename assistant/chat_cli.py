"""``coach ask`` and ``coach chat``: thin edges over the coaching chain."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.memory import Message, load_history

if TYPE_CHECKING:
    from assistant.app import Coach
    from assistant.config import Settings
    from assistant.schemas import Answer

_QUIT = {"", "exit", "quit", "q", ":q", "avslutt"}


def _sources_block(answer: Answer) -> str:
    # Extractive answers carry their source list in the text; LLM answers get it here.
    if answer.engine != "llm" or not answer.citations:
        return ""
    heading = "Sources:" if answer.language == "en" else "Kilder:"
    lines = [f"[{c.number}] {c.section} – {c.source}" for c in answer.citations]
    return "\n\n" + "\n".join([heading, *lines])


def render(coach: Coach, answer: Answer) -> str:
    """The answer as printed: a fallback notice if any, the text, and the sources of an LLM answer."""
    notice = coach.fallback_notice(answer)
    return (f"{notice}\n\n" if notice else "") + answer.text + _sources_block(answer)


def _coach(settings: Settings) -> Coach:
    from assistant.app import build_coach

    return build_coach(settings)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer one question (optionally as a follow-up to a history file)."""
    coach = _coach(settings)
    history = load_history(Path(args.history)) if args.history else []
    answer = coach.ask(args.question, history=history, engine=args.engine)
    if args.json:
        print(json.dumps(answer.as_json(args.question.strip()), ensure_ascii=False, indent=2))
    else:
        print(render(coach, answer))
    return 0


def _stream_one(coach: Coach, question: str, history: list[Message]) -> Answer:
    """Print an answer as it is written; return the final (checked) answer."""
    shown = ""
    final: Answer | None = None
    for snapshot in coach.stream(question, history=history):
        if not snapshot.final:
            if not shown:
                print()
            print(snapshot.text[len(shown):], end="", flush=True)
            shown = snapshot.text
            continue
        final = snapshot
    assert final is not None
    if not shown:
        print("\n" + render(coach, final))
    elif final.text != shown or final.fallback_reason:
        # The check changed what was streamed (removed citations, or fell back): show the checked answer.
        print("\n\n---\n" + render(coach, final))
    else:
        print(_sources_block(final))
    return final


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Interactive conversation: follow-up questions use what was said before."""
    coach = _coach(settings)
    coach.index.require()
    print("Salgscoach – spør om salgsledelse. Tom linje eller «avslutt» avslutter.")
    history: list[Message] = []
    while True:
        try:
            question = input("\nDu: ")
        except EOFError:
            print()
            return 0
        if question.strip().lower() in _QUIT:
            return 0
        try:
            answer = _stream_one(coach, question, history)
        except InputError as exc:
            print(f"coach: {exc}", file=sys.stderr)
            continue
        history += [Message(role="user", content=question.strip()),
                    Message(role="assistant", content=answer.text[:4000])]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``ask`` and ``chat``."""
    p = sub.add_parser("ask", help="Answer one question.")
    p.add_argument("question", help="The question, in Norwegian or English.")
    p.add_argument("--history", metavar="FILE",
                   help='Earlier conversation: a JSON list of {"role": "user"|"assistant", "content": ...}.')
    p.add_argument("--engine", choices=("extractive", "llm"),
                   help="Answer engine (default: COACH_ANSWER__ENGINE; llm needs COACH_LLM__PROVIDER).")
    p.add_argument("--json", action="store_true", help='Print {"question", "answer", "covered", "language", '
                   '"engine", "fallback_reason", "citations": [{"n", "source", "section", "section_key"}], '
                   '"related": [{"section", "section_key", "source"}]}.')
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="Ask questions interactively; follow-ups use the conversation.")
    p.set_defaults(func=cmd_chat)
