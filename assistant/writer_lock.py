"""The index writer's lock, with a note of who holds it.

The lock itself is an OS file lock (``filelock``), released by the kernel when its holder exits or is
killed. Beside it, the holder writes ``<lock>.holder`` (process id, host, when it took the lock), so a
second writer that is refused can say who is writing instead of only "locked". The note is advisory:
a killed holder leaves it behind, and the next writer that gets the lock simply overwrites it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from assistant.errors import IndexLockedError


@dataclass(frozen=True)
class LockHolder:
    """Who holds the lock.

    Attributes:
        pid: Process id of the holder.
        host: Host name of the holder's machine.
        started: When it took the lock (UTC, ISO 8601, seconds).
    """

    pid: int
    host: str
    started: str

    def describe(self) -> str:
        """One phrase for a message, e.g. ``pid 4242 on laptop, since 2026-12-01 16:20:03 UTC``."""
        when = self.started.replace("T", " ").replace("+00:00", " UTC")
        return f"pid {self.pid} on {self.host}, since {when}"


def holder_path(lock_path: Path) -> Path:
    """The holder note that belongs to a lock file."""
    return lock_path.with_name(lock_path.name + ".holder")


def read_holder(lock_path: Path) -> LockHolder | None:
    """The holder recorded beside a lock, or None when there is no readable note."""
    try:
        raw = json.loads(holder_path(lock_path).read_text(encoding="utf-8"))
        return LockHolder(pid=int(raw["pid"]), host=str(raw["host"]), started=str(raw["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class WriterLock:
    """A context manager: take the file lock (waiting up to ``timeout`` seconds), note the holder.

    Args:
        path: The lock file.
        timeout: Seconds to wait for another writer to finish.
        activity: What the holder is doing, for the refusal message.

    Raises:
        IndexLockedError: On entry, when another process still holds the lock after ``timeout``;
            the message names that process (pid, host, start time) when its note is readable.
    """

    def __init__(self, path: Path, timeout: float = 5.0, activity: str = "`coach index`") -> None:
        self.path = path
        self.timeout = timeout
        self.activity = activity
        self._lock = FileLock(str(path), timeout=timeout)

    def __enter__(self) -> WriterLock:
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise IndexLockedError(self.refusal()) from exc
        self._note_holder()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(OSError):
            holder_path(self.path).unlink(missing_ok=True)
        self._lock.release()

    def refusal(self) -> str:
        """The message for a writer that did not get the lock."""
        holder = read_holder(self.path)
        who = f" ({holder.describe()})" if holder else ""
        return (
            f"another {self.activity}{who} is writing the index; wait for it to finish "
            f"(waited {self.timeout:g} s)"
        )

    def _note_holder(self) -> None:
        holder = LockHolder(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        note = holder_path(self.path)
        tmp = note.with_name(f".{note.name}.{os.getpid()}.tmp")
        # Best effort: a full disk must not stop the writer that holds the lock (its own writes will
        # report the real problem); a refused writer then just cannot name the holder.
        try:
            tmp.write_text(json.dumps(asdict(holder)), encoding="utf-8")
            os.replace(tmp, note)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
