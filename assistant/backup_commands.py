"""``coach backup FILE`` and ``coach restore FILE``: thin handlers over :mod:`assistant.backup`.

Library errors propagate to ``assistant.cli.main``, which turns them into one-line messages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.backup import BackupReport
    from assistant.config import Settings


def _summary(report: BackupReport) -> str:
    parts = [f"index {report.generation}" if report.generation else "no index"]
    parts.append("database" if report.database else "no database")
    parts.append(f"{report.uploads} uploaded files")
    return f"{', '.join(parts)}; {report.files} files, {report.bytes / 1024:.0f} KB"


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Write the data dir to a tar.gz."""
    from assistant.backup import backup

    report = backup(settings, Path(args.file))
    for note in report.notes:
        print(f"coach: note: {note}", file=sys.stderr)
    print(f"Backed up {report.data_dir} to {report.archive} ({_summary(report)}).")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Restore a backup into an empty data dir."""
    from assistant.backup import restore

    report = restore(Path(args.file), settings.data_dir)
    for note in report.notes:
        print(f"coach: note: {note}", file=sys.stderr)
    print(f"Restored {report.archive} into {report.data_dir} ({_summary(report)}).")
    return 0


def register(sub: Any) -> None:
    """Add ``backup`` and ``restore`` to the CLI's subparsers."""
    p = sub.add_parser("backup", help="Save the whole data dir (index, notebook, uploads) to a tar.gz.",
                       description="Writes FILE (readable by you only): the published index generation, "
                       "the database (a consistent copy even while the coach runs), uploaded documents "
                       "and a manifest with a checksum per file. FILE must not exist yet.")
    p.add_argument("file", metavar="FILE", help="The archive to write, e.g. salgscoach-2026-12-01.tar.gz.")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="Restore a backup into an empty data dir.",
                       description="Checks every file of FILE against its manifest (refusing other "
                       "archives, damaged files, links and paths outside the data dir) and restores "
                       "it into the data dir, which must be empty or new (use --data-dir).")
    p.add_argument("file", metavar="FILE", help="An archive written by `coach backup`.")
    p.set_defaults(func=cmd_restore)
