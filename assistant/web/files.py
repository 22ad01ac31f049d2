"""File names and folders of the web app: safe names for uploads, short-lived files for downloads."""

from __future__ import annotations

import contextlib
import re
import secrets
import time
import unicodedata
from pathlib import Path

from assistant.errors import InputError

#: Longest file name kept (the suffix is always kept).
NAME_MAX = 120
_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(name: str, default: str = "dokument") -> str:
    """A file name that is safe to create in our own folder.

    Folders are dropped (``../../x`` → ``x``), anything but letters (æøå too), digits, ``.``, ``-`` and
    ``_`` becomes ``_``, leading dots go (no hidden files, no ``..``), and the name is cut to
    :data:`NAME_MAX` characters with its suffix kept.
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/")).split("/")[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._-")
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        stem, suffix = cleaned, ""
    suffix = suffix.lower()[:10]
    stem = stem.strip("._-")[: NAME_MAX - len(suffix) - 1] or default
    return f"{stem}.{suffix}" if suffix else stem


def inside(root: Path, name: str) -> Path:
    """The path of ``name`` directly inside ``root``.

    Raises:
        InputError: The name would leave the folder (never true for a :func:`safe_name`).
    """
    target = (root / name).resolve()
    if target.parent != root.resolve():
        raise InputError(f"{name!r} is not a plain file name")
    return target


def prune(root: Path, max_age_s: float) -> int:
    """Delete files under root older than max_age_s, and the folders left empty; returns files deleted."""
    if not root.is_dir():
        return 0
    cutoff = time.time() - max_age_s
    deleted = 0
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # gone already, or in use by another process: next time
            if path.is_file() and path.lstat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return deleted


class TempFiles:
    """Files the browser downloads (drafts, exports), each in its own unguessable folder.

    Gradio serves them from its temporary folder, which the app points under the data dir; files older
    than ``max_age_s`` are deleted at each new download (and at start-up), so exported notes about
    people do not linger.

    Args:
        root: The folder (inside Gradio's temporary folder).
        max_age_s: How long a download stays.
    """

    def __init__(self, root: Path, max_age_s: float = 900.0) -> None:
        self.root = root
        self.max_age_s = max_age_s

    def write(self, name: str, text: str) -> Path:
        """Write a text file for download; returns its path."""
        prune(self.root, self.max_age_s)
        folder = self.root / secrets.token_hex(16)
        folder.mkdir(parents=True, exist_ok=True)
        path = inside(folder, safe_name(name, default="fil"))
        path.write_text(text, encoding="utf-8")
        return path
