"""The ``coach`` command line: index, ask, chat, retrieve, eval.

This is an edge: library errors become one-line messages and exit codes here, never tracebacks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from assistant.config import PROJECT_ROOT, Settings, load_settings
from assistant.errors import CoachError, InputError
from assistant.evaluation import MODES

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_QUIT = {"", "exit", "quit", "q", ":q", "avslutt"}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _build(settings: Settings):  # type: ignore[no-untyped-def]
    from assistant.app import build_coach

    return build_coach(settings)


def _progress_bar() -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr that appears only when there is something to embed."""
    from tqdm import tqdm

    bar: list[tqdm] = []  # type: ignore[type-arg]

    def update(done: int, total: int) -> None:
        if total == 0:
            return
        if not bar:
            bar.append(tqdm(total=total, unit="chunk", desc="Embedding", file=sys.stderr))
        bar[0].update(done - bar[0].n)

    def close() -> None:
        if bar:
            bar[0].close()

    return update, close


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Index the knowledge base plus any given files and folders."""
    coach = _build(settings)
    update, close = _progress_bar()
    try:
        report = coach.sync_index(
            [Path(p) for p in args.paths], rebuild=args.rebuild,
            forget=[Path(p) for p in args.forget], progress=update,
        )
    finally:
        close()
    for skipped in report.skipped:
        print(f"coach: skipped {skipped}", file=sys.stderr)
    print(
        f"Indexed {report.files} files: {report.chunks} chunks ({report.added} new, "
        f"{report.unchanged} unchanged, {report.deleted} removed) in {report.seconds:.1f} s."
    )
    return EXIT_OK


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer one question."""
    answer = _build(settings).ask(args.question)
    print(answer.text)
    return EXIT_OK


def cmd_retrieve(args: argparse.Namespace, settings: Settings) -> int:
    """Show the chunks retrieved for a question."""
    retrieval = _build(settings).retrieve(args.question, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps([h.as_json() for h in retrieval.hits], ensure_ascii=False, indent=2))
        return EXIT_OK
    state = "covered" if retrieval.covered else "NOT covered"
    print(f"{state} (relevance {retrieval.relevance:.3f})")
    for hit in retrieval.hits:
        text = hit.chunk.body.replace("\n", " ")
        print(f"{hit.rank:>2}. {hit.score:.4f} [{hit.chunk.kind}] {hit.chunk.section_key}: {text[:100]}")
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Interactive question-and-answer loop."""
    coach = _build(settings)
    coach.index.require()
    print("Salgscoach – spør om salgsledelse. Tom linje eller «avslutt» avslutter.")
    while True:
        try:
            question = input("\nDu: ")
        except EOFError:
            print()
            return EXIT_OK
        if question.strip().lower() in _QUIT:
            return EXIT_OK
        try:
            print("\n" + coach.ask(question).text)
        except InputError as exc:
            print(f"coach: {exc}", file=sys.stderr)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run the offline retrieval eval and write the report."""
    from assistant.evaluation import evaluate, format_table, load_questions, write_report

    coach = _build(settings)
    questions = load_questions(Path(args.set))
    report = evaluate(questions, lambda q, mode: coach.retrieve(q, k=10, mode=mode), args.modes)
    print(f"{report.questions} questions ({report.answerable} answerable, {report.unanswerable} not covered)")
    print(format_table(report))
    md, js = write_report(report, Path(args.out))
    print(f"Report: {md} and {js}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``coach``."""
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Salgscoach: answers about sales leadership, grounded in the guidance, with sources.",
        epilog="Settings can also come from COACH_* environment variables (see README).",
    )
    parser.add_argument("--data-dir", type=Path, help="Where the index lives (default: $COACH_DATA_DIR "
                        "or $XDG_DATA_HOME/salgscoach).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="Index the bundled knowledge and your own files or folders.",
                       description="Index the bundled guidance plus PATHS (.md, .txt, .pdf, .docx). Added "
                       "paths are remembered; re-running only embeds what changed.")
    p.add_argument("paths", nargs="*", help="Files or folders to add.")
    p.add_argument("--rebuild", action="store_true", help="Drop the index and embed everything again.")
    p.add_argument("--forget", action="append", default=[], metavar="PATH",
                   help="Stop indexing a previously added path (repeatable).")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="Answer one question.")
    p.add_argument("question", help="The question, in Norwegian or English.")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="Ask questions interactively.")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("retrieve", help="Show the chunks found for a question.")
    p.add_argument("question")
    p.add_argument("--k", type=_positive_int, default=5, help="Number of chunks (default 5).")
    p.add_argument("--mode", choices=MODES, help="Retrieval mode (default: settings).")
    p.add_argument("--json", action="store_true", help="Print a JSON list of "
                   "{rank, id, score, source, section, section_key, kind, text}.")
    p.set_defaults(func=cmd_retrieve)

    p = sub.add_parser("eval", help="Run the offline retrieval eval (dense, BM25, hybrid side by side).")
    p.add_argument("--set", default=str(PROJECT_ROOT / "eval" / "questions.jsonl"), help="Eval set (JSONL).")
    p.add_argument("--out", default=str(PROJECT_ROOT / "eval" / "reports"), help="Report folder.")
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES, help="Modes to compare.")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    Args:
        argv: Arguments without the program name (``sys.argv[1:]`` by default).

    Returns:
        The exit code: 0 ok, 1 error, 2 bad input, 130 interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        overrides = {"data_dir": args.data_dir} if args.data_dir else {}
        settings = load_settings(**overrides)
        result: int = args.func(args, settings)
        return result
    except InputError as exc:
        print(f"coach: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CoachError as exc:
        print(f"coach: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"coach: invalid settings: {problems}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
