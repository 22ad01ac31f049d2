"""The ``coach`` command line: index, ask, chat, retrieve, eval.

This is an edge: library errors become one-line messages and exit codes here, never tracebacks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from assistant.config import PROJECT_ROOT, Settings, load_settings
from assistant.errors import CoachError, InputError
from assistant.evaluation import MODES

if TYPE_CHECKING:
    from assistant.app import Coach

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _build(settings: Settings) -> Coach:
    from assistant.app import build_coach

    return build_coach(settings)


_PHASES = {"embed": "Embedding", "write": "Writing"}


def _progress_bar() -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """Progress bars (tqdm) on stderr, one per indexing phase, shown only when there is work in that phase."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}  # type: ignore[type-arg]

    def update(phase: str, done: int, total: int) -> None:
        if total == 0:
            return
        if phase not in bars:
            for bar in bars.values():
                bar.close()
            bars[phase] = tqdm(total=total, unit="chunk", desc=_PHASES.get(phase, phase), file=sys.stderr)
        bars[phase].update(done - bars[phase].n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Index the knowledge base plus any given files and folders, or check the index."""
    coach = _build(settings)
    if args.check:
        return _check_index(coach)
    update, close = _progress_bar()
    try:
        report = coach.sync_index(
            [Path(p) for p in args.paths], rebuild=args.rebuild,
            forget=[Path(p) for p in args.forget], progress=update,
        )
    except KeyboardInterrupt:
        close()
        print("coach: interrupted; the index is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        close()
    for skipped in report.skipped:
        print(f"coach: skipped {skipped}", file=sys.stderr)
    state = f"generation {report.generation}" if report.published else "nothing changed"
    checked = ""
    if report.check:
        checked = f", check {'ok' if report.check['ok'] else 'FAILED'}"
    print(
        f"Indexed {report.files} files: {report.chunks} chunks ({report.added} new, "
        f"{report.unchanged} unchanged, {report.deleted} removed) in {report.seconds:.1f} s "
        f"({state}{checked})."
    )
    return EXIT_OK


def _check_index(coach: Coach) -> int:
    from assistant.evaluation import load_questions
    from assistant.index_check import full_check, save_check

    questions = [q.question for q in load_questions(PROJECT_ROOT / "eval" / "questions.jsonl")][:20]
    result = full_check(coach.index, questions)
    save_check(coach.settings.data_dir, result)
    for problem in result.problems:
        print(f"coach: check: {problem}", file=sys.stderr)
    stats = ", ".join(f"{k} {v}" for k, v in result.stats.items())
    print(f"Index check {'passed' if result.ok else 'FAILED'} ({result.generation}: {stats}).")
    return EXIT_OK if result.ok else EXIT_ERROR


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Show the index, its sources and the last check."""
    status = _build(settings).status()
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return EXIT_OK
    for key, value in status.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value)) or "-"
        print(f"{key:>14}: {value}")
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


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run the offline retrieval eval and write the report."""
    from assistant.evaluation import evaluate, format_table, load_questions, write_report

    if args.feedback:  # the feedback lint eval needs no index
        from assistant.feedback.commands import cmd_feedback_eval

        return cmd_feedback_eval(args, settings)
    coach = _build(settings)
    if args.coverage:
        return _eval_coverage(coach, args)
    if args.answers:
        return _eval_answers(coach, args)
    if args.dialogues:
        return _eval_dialogues(coach, args)
    questions = load_questions(Path(args.set))
    for split in ("dev", "test") if args.split == "all" else (args.split,):
        chosen = [q for q in questions if q.split == split]
        report = evaluate(chosen, lambda q, mode: coach.retrieve(q, k=10, mode=mode), args.modes)
        print(f"\n{split}: {report.questions} questions ({report.answerable} answerable, "
              f"{report.unanswerable} not covered; abstention here is the relevance floor alone)")
        print(format_table(report))
        md, js = write_report(report, Path(args.out), name=f"eval-{split}")
        print(f"Report: {md} and {js}")
    return EXIT_OK


def _eval_coverage(coach: Coach, args: argparse.Namespace) -> int:
    from assistant.coverage_eval import (
        Decision,
        evaluate_coverage,
        format_coverage,
        load_coverage_questions,
        write_coverage_report,
    )

    coach.index.require()
    judge = coach.chain_steps.coverage  # the judge the chain uses, built by the composition root
    k = coach.settings.retrieval.k  # the chain's k: the hits the judge sees in use

    def decide(question: str) -> Decision:
        return judge.decide(question, coach.retrieve(question, k=k))

    for split in ["dev", "test"] if args.split == "all" else [args.split]:
        report = evaluate_coverage(load_coverage_questions(Path(args.set), split), decide, split)
        print(format_coverage(report))
        md, js = write_coverage_report(report, Path(args.out))
        print(f"Report: {md} and {js}\n")
    return EXIT_OK


def _eval_answers(coach: Coach, args: argparse.Namespace) -> int:
    from assistant.answer_eval import (
        evaluate_answers,
        format_answer_table,
        load_answer_questions,
        write_answer_report,
    )

    coach.index.require()
    report = evaluate_answers(load_answer_questions(Path(args.set)), lambda q: coach.ask(q), args.split)
    print(format_answer_table(report))
    md, js = write_answer_report(report, Path(args.out), engine=coach.settings.answer.engine)
    print(f"Report: {md} and {js}")
    return EXIT_OK


def _eval_dialogues(coach: Coach, args: argparse.Namespace) -> int:
    from assistant.dialogue_eval import evaluate_dialogues, format_dialogue_report, load_dialogues

    dialogues = load_dialogues(PROJECT_ROOT / "eval" / "dialogues.jsonl")
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    print(format_dialogue_report([evaluate_dialogues(coach, dialogues, s) for s in splits]))
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
    p.add_argument("--check", action="store_true", help="Verify the index instead of syncing it: store, "
                   "vector file, sources and model agree, and exact search finds every chunk.")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("status", help="Show the index, its sources, the model and the last check.")
    p.add_argument("--json", action="store_true", help="Print the status as JSON.")
    p.set_defaults(func=cmd_status)

    from assistant.chat_cli import add_commands as add_chat_commands

    add_chat_commands(sub)  # ask, chat

    p = sub.add_parser("retrieve", help="Show the chunks found for a question.")
    p.add_argument("question")
    p.add_argument("--k", type=_positive_int, default=5, help="Number of chunks (default 5).")
    p.add_argument("--mode", choices=MODES, help="Retrieval mode (default: settings).")
    p.add_argument("--json", action="store_true", help="Print a JSON list of "
                   "{rank, id, score, source, section, section_key, kind, text}.")
    p.set_defaults(func=cmd_retrieve)

    p = sub.add_parser("eval", help="Run the offline evals: retrieval (dense, BM25, hybrid) on dev and test, "
                       "or --answers, --coverage, --dialogues, --feedback.")
    p.add_argument("--set", default=str(PROJECT_ROOT / "eval" / "questions.jsonl"), help="Eval set (JSONL).")
    p.add_argument("--out", default=str(PROJECT_ROOT / "eval" / "reports"), help="Report folder.")
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES, help="Modes to compare.")
    p.add_argument("--dialogues", action="store_true",
                   help="Follow-up eval (eval/dialogues.jsonl): recall@3 with and without the conversation.")
    p.add_argument("--answers", action="store_true",
                   help="Answer eval: key-content rate, citation precision, abstention per kind, latency.")
    p.add_argument("--feedback", action="store_true",
                   help="Feedback lint eval (eval/feedback.jsonl): per-part and per-rule precision/recall.")
    p.add_argument("--coverage", action="store_true",
                   help="Coverage eval: abstention recall per kind (near-domain, off-topic, injection), "
                   "precision, answerable questions abstained.")
    p.add_argument("--split", choices=("dev", "test", "all"), default="all",
                   help="Which split of the set to score (default: dev and test side by side).")
    p.set_defaults(func=cmd_eval)

    from assistant.notebook.commands import register as register_notebook

    register_notebook(sub)  # notes, actions, meeting, prep, export, forget, purge

    from assistant.feedback.commands import register as register_feedback

    register_feedback(sub)  # feedback lint, feedback draft
    from assistant.web.commands import add_commands as add_web_commands

    add_web_commands(sub)  # web, web-password
    from assistant.backup_commands import register as register_backup

    register_backup(sub)  # backup, restore
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    Args:
        argv: Arguments without the program name (``sys.argv[1:]`` by default).

    Returns:
        The exit code: 0 ok, 1 error, 2 bad input, 130 interrupted, 141 output pipe closed.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    data_dir: Path | None = args.data_dir  # for the full-disk hint in error messages
    try:
        overrides = {"data_dir": args.data_dir} if args.data_dir else {}
        settings = load_settings(**overrides)
        data_dir = settings.data_dir
        result: int = args.func(args, settings)
        return result
    except InputError as exc:
        print(f"coach: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CoachError as exc:
        print(f"coach: error: {exc}{_disk_hint(exc, data_dir)}", file=sys.stderr)
        return EXIT_ERROR
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"coach: invalid settings: {problems}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`coach ask … | head -1`): stop quietly, and keep Python's exit-time
        # flush of stdout from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a file the command writes or reads: one line, never a traceback
        from assistant.disk import describe

        print(f"coach: error: {describe(exc)}{_disk_hint(exc, data_dir)}", file=sys.stderr)
        return EXIT_ERROR


def _disk_hint(exc: BaseException, data_dir: Path | None) -> str:
    from assistant.disk import disk_hint

    return disk_hint(exc, data_dir) if data_dir is not None else ""
