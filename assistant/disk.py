"""Storage failures (a full disk above all) told apart from bugs, and said in one clear line.

Writers fail in many voices when the disk fills up: ``OSError`` ENOSPC from numpy or a plain write,
SQLite's "database or disk is full" or "disk I/O error" (wrapped by SQLAlchemy or Chroma), Chroma's
Rust core with "Error in compaction". These helpers recognise them so the service can raise the
project's own error and the edge can add what the user needs to know: the disk is full.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from assistant.errors import cause_chain

#: Below this many free bytes the disk holding the data dir counts as full.
LOW_SPACE_BYTES = 1024 * 1024

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_FULL_WORDS = ("disk is full", "no space left", "file too large", "quota exceeded")


def is_disk_full(exc: BaseException) -> bool:
    """Whether an exception (or one it wraps) says the disk or the file size limit is exhausted."""
    for item in cause_chain(exc):
        if isinstance(item, OSError) and item.errno in _FULL_ERRNOS:
            return True
        if isinstance(item, sqlite3.Error) and getattr(item, "sqlite_errorname", "") == "SQLITE_FULL":
            return True
        if any(word in str(item).lower() for word in _FULL_WORDS):
            return True
    return False


def is_storage_failure(exc: BaseException) -> bool:
    """Whether an exception comes from writing to storage (a file, SQLite, Chroma), not from a bug."""
    for item in cause_chain(exc):
        if isinstance(item, OSError | sqlite3.Error):
            return True
        if type(item).__module__.split(".")[0] == "chromadb":
            return True
    return False


def free_bytes(path: Path) -> int | None:
    """Free bytes on the file system holding path (or its nearest existing parent); None if unknown."""
    for candidate in [path, *path.parents]:
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None


def _full_path(exc: BaseException) -> Path | None:
    for item in cause_chain(exc):
        if isinstance(item, OSError) and item.errno in _FULL_ERRNOS and item.filename:
            return Path(str(item.filename)).parent
    return None


def disk_hint(exc: BaseException, data_dir: Path) -> str:
    """A suffix for an error message when a disk is (nearly) full, else an empty string.

    Names the disk that is full when it can tell: the data dir's when little space is left there,
    the failed file's folder when the error names one.
    """
    free = free_bytes(data_dir)
    if free is not None and free < LOW_SPACE_BYTES:
        left = f"{free // 1024} KB free"
        return f" (the disk holding {data_dir} is full, {left}: free some space and try again)"
    if is_disk_full(exc):
        where = _full_path(exc)
        disk = f"the disk holding {where}" if where is not None else "the disk"
        return f" ({disk} is full or a file size limit was reached: free some space and try again)"
    return ""


def describe(exc: BaseException) -> str:
    """The most useful one-line reason of a storage failure (an OS error's text and file name)."""
    for item in cause_chain(exc):
        if isinstance(item, OSError) and item.strerror:
            return f"{item.strerror}: {item.filename}" if item.filename else item.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
