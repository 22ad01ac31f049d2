"""``coach backup FILE`` and ``coach restore FILE``: the whole data dir as one checked tar.gz.

What goes in (paths inside the archive mirror the data dir):

- ``salgscoach-backup.json``, always the first member: format, version, when, where from, and the
  size and SHA-256 of every other member;
- ``index/CURRENT`` and ``index/gNNNNNN/…``: the *published* generation only, read while holding the
  index writer's lock, so no sync can publish or prune under the copy (``index/check.json`` too);
- ``coach.db``: the notebook, conversations and feedback log, copied with SQLite's online backup API
  (a consistent snapshot even while another process writes; WAL content included). SQLite files
  inside the generation (Chroma's) are copied the same way;
- ``uploads/…``: documents uploaded in the web app (the index's added folders may point there).

Restore refuses anything that is not exactly such an archive: not a tar.gz, no manifest or another
format, a member not listed, a size or checksum that differs, a link, a device, an absolute path or
``..``. It writes only inside the target data dir, which must be empty: members go to a staging
folder inside it and are moved into place once every check has passed. Added folders that lived in
the old data dir are pointed at the new one.

An archive holds everything the data dir holds (notes about people included) and is written readable
by its owner only. Restore trusts a well-formed archive's contents as much as the data dir itself
(Chroma's files are loaded as they are): restore only archives you made.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from assistant.config import Settings
from assistant.errors import BackupError, InputError
from assistant.generations import Generations, write_atomically
from assistant.writer_lock import WriterLock

FORMAT = "salgscoach-backup"
VERSION = 1
MANIFEST = "salgscoach-backup.json"
_MANIFEST_MAX = 16 * 1024 * 1024
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
# Top-level names a backup may hold; everything else in an archive is refused.
_ALLOWED = re.compile(
    r"^(salgscoach-backup\.json|coach\.db|index/(CURRENT|check\.json|g\d{6}/.+)|uploads/.+)$"
)
_CHUNK = 1024 * 1024


@dataclass
class BackupReport:
    """What a backup or restore covered."""

    archive: Path
    data_dir: Path
    files: int = 0
    bytes: int = 0
    generation: str | None = None
    database: bool = False
    uploads: int = 0
    notes: list[str] = field(default_factory=list)


# -- backup -----------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def _sqlite_snapshot(source: Path, target: Path) -> None:
    """Copy a SQLite database with the online backup API (never the file itself while in use)."""
    src = sqlite3.connect(str(source), timeout=30)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _files_under(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(_SQLITE_SIDECARS):
            yield path


def _sqlite_database(settings: Settings) -> Path | None:
    url = settings.database.resolve_url(settings.data_dir)
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def _collect(settings: Settings, staging: Path, report: BackupReport) -> dict[str, Path]:
    """Map archive names to files to pack (SQLite files snapshotted into staging first)."""
    data_dir = settings.data_dir
    members: dict[str, Path] = {}

    def add(name: str, path: Path, *, mutable: bool = False) -> None:
        snapshot = staging / f"{len(members)}.member"
        if _is_sqlite(path):
            _sqlite_snapshot(path, snapshot)
            path = snapshot
        elif mutable:
            # Files that can change while we pack (outside the index lock): pack a copy, so the
            # manifest's checksum is the checksum of what is packed.
            shutil.copyfile(path, snapshot)
            path = snapshot
        members[name] = path

    if settings.vectorstore.mode != "chroma":
        report.notes.append("the index is on the Chroma server: back it up there (or rebuild it)")
    else:
        current = Generations(data_dir / "index").current()
        if current is None:
            report.notes.append("there is no published index yet")
        else:
            report.generation = current.name
            staged_pointer = staging / "CURRENT.member"
            staged_pointer.write_text(current.name + "\n", encoding="utf-8")
            members["index/CURRENT"] = staged_pointer
            check = data_dir / "index" / "check.json"
            if check.is_file():
                add("index/check.json", check, mutable=True)
            for path in _files_under(current.path):
                add(f"index/{current.name}/{path.relative_to(current.path).as_posix()}", path)
    database = _sqlite_database(settings)
    if database is None:
        report.notes.append("the database is a server (COACH_DATABASE__URL): back it up with its own tools")
    elif database.is_file():
        add("coach.db", database)
        report.database = True
    uploads = data_dir / "uploads"
    if uploads.is_dir():
        for path in _files_under(uploads):
            add(f"uploads/{path.relative_to(uploads).as_posix()}", path, mutable=True)
            report.uploads += 1
    return members


def backup(settings: Settings, archive: Path) -> BackupReport:
    """Write the data dir to ``archive`` (a tar.gz readable by its owner only).

    Raises:
        InputError: The archive exists already, or its folder does not.
        IndexLockedError: A ``coach index`` is writing the index (the copy waits up to 5 s).
        BackupError: The archive could not be written (a full disk, say); nothing is left behind.
    """
    archive = archive.expanduser().absolute()
    if archive.exists():
        raise InputError(f"{archive} exists already; choose a new file name")
    if not archive.parent.is_dir():
        raise InputError(f"No such folder: {archive.parent}")
    report = BackupReport(archive=archive, data_dir=settings.data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (
        WriterLock(settings.data_dir / "index.lock", timeout=5, activity="`coach index`"),
        tempfile.TemporaryDirectory(prefix=".backup-", dir=archive.parent) as tmp,
    ):
        staging = Path(tmp)
        try:
            members = _collect(settings, staging, report)
            manifest = _manifest(settings, report, members)
            partial = staging / "archive.tar.gz"
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
                for name, path in members.items():
                    tar.add(str(path), arcname=name, recursive=False, filter=_plain)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, archive)
        except (OSError, sqlite3.Error, tarfile.TarError) as exc:
            raise BackupError(f"cannot write the backup {archive}: {_reason(exc)}") from exc
    report.files = len(members)
    report.bytes = archive.stat().st_size
    return report


def _manifest(settings: Settings, report: BackupReport, members: dict[str, Path]) -> dict[str, Any]:
    from assistant import __version__

    return {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "coach_version": __version__,
        "data_dir": str(settings.data_dir.resolve()),
        "generation": report.generation,
        "database": report.database,
        "notes": report.notes,
        "files": {
            name: {"size": path.stat().st_size, "sha256": _sha256(path)} for name, path in members.items()
        },
    }


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Who owned the files on this machine is nobody's business on the next one.
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- restore ----------------------------------------------------------------------------------------


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        not name or "\\" in name or "\x00" in name or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
        or not _ALLOWED.match(name)
    ):
        raise InputError(f"refusing the archive: unsafe or unexpected member {name!r}")
    return path


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isreg() or first.size > _MANIFEST_MAX:
        raise InputError(f"{archive} is not a Salgscoach backup (no manifest first)")
    handle = tar.extractfile(first)
    assert handle is not None
    try:
        manifest = json.loads(handle.read())
    except ValueError as exc:
        raise InputError(f"{archive} is not a Salgscoach backup (unreadable manifest)") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{archive} is not a Salgscoach backup (another format)")
    if manifest.get("version") != VERSION:
        raise InputError(f"{archive} is a backup of format version {manifest.get('version')!r}; "
                         f"this coach reads version {VERSION}")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("size"), int) and v["size"] >= 0
        and isinstance(v.get("sha256"), str) for v in files.values()
    ):
        raise InputError(f"{archive} has a damaged manifest")
    for name in files:
        _safe_name(name)
    return manifest


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo, expected: dict[str, Any], staging: Path) -> None:
    target = staging.joinpath(*PurePosixPath(info.name).parts)
    if not target.resolve().is_relative_to(staging.resolve()):
        raise InputError(f"refusing the archive: {info.name!r} would be written outside the data dir")
    if info.size != expected["size"]:
        raise InputError(f"refusing the archive: {info.name} has the wrong size (damaged)")
    source = tar.extractfile(info)
    assert source is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while block := source.read(_CHUNK):
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != expected["sha256"]:
        raise InputError(f"refusing the archive: {info.name} does not match its checksum (damaged)")


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            manifest = _read_manifest(tar, archive)
            files: dict[str, Any] = manifest["files"]
            declared = sum(int(v["size"]) for v in files.values())
            free = shutil.disk_usage(staging).free
            if declared > free:
                raise BackupError(
                    f"restoring needs {declared // 1024} KB but only {free // 1024} KB are free"
                )
            seen: set[str] = set()
            for info in tar:
                if info.offset == 0:
                    continue  # the manifest, read above (iteration starts over at the first member)
                name = str(_safe_name(info.name))
                if not info.isreg():
                    raise InputError(f"refusing the archive: {info.name!r} is not a plain file")
                if name not in files or name in seen:
                    raise InputError(f"refusing the archive: {info.name!r} is not in its manifest")
                seen.add(name)
                _extract(tar, info, files[name], staging)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, InputError | BackupError):
            raise
        raise InputError(f"{archive} is not a readable Salgscoach backup ({_reason(exc)})") from exc
    missing = sorted(set(files) - seen)
    if missing:
        raise InputError(f"refusing the archive: {len(missing)} files are missing (e.g. {missing[0]})")
    return manifest


def _repoint_roots(data_dir: Path, manifest: dict[str, Any]) -> None:
    """Added folders that lived in the old data dir (uploads) now live in the new one."""
    generation = manifest.get("generation")
    old = manifest.get("data_dir")
    if not generation or not isinstance(old, str):
        return
    path = data_dir / "index" / str(generation) / "manifest.json"
    if not path.is_file():
        return
    index_manifest = json.loads(path.read_text(encoding="utf-8"))
    roots = []
    for root in index_manifest.get("roots", []):
        inside = Path(root).is_relative_to(old)
        roots.append(str(data_dir.resolve() / Path(root).relative_to(old)) if inside else root)
    if roots != index_manifest.get("roots", []):
        index_manifest["roots"] = roots
        write_atomically(path, json.dumps(index_manifest, ensure_ascii=False))


def restore(archive: Path, data_dir: Path) -> BackupReport:
    """Restore a backup into an empty (or new) data dir.

    Raises:
        InputError: The file is missing, not a Salgscoach backup, damaged or unsafe, or the data dir
            is not empty.
        BackupError: The data dir cannot be written (a full disk, say); it is left as it was.
    """
    archive = archive.expanduser().absolute()
    if not archive.is_file():
        raise InputError(f"No such file: {archive}")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise InputError(f"{data_dir} is not empty: restore into a new data dir (--data-dir), or move "
                         "the current one away first")
    data_dir.mkdir(parents=True, exist_ok=True)
    report = BackupReport(archive=archive, data_dir=data_dir)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        try:
            manifest = _unpack(archive, staging)
            for entry in sorted(staging.iterdir()):
                os.replace(entry, data_dir / entry.name)
            _repoint_roots(data_dir, manifest)
        except OSError as exc:
            raise BackupError(f"cannot restore into {data_dir}: {_reason(exc)}") from exc
    except BaseException:
        # Nothing half-restored stays behind: the data dir is as empty as it was.
        for entry in list(data_dir.iterdir()):
            if entry != staging:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = manifest["files"]
    report.files = len(files)
    report.bytes = sum(int(v["size"]) for v in files.values())
    report.generation = manifest.get("generation")
    report.database = bool(manifest.get("database"))
    report.uploads = sum(1 for name in files if name.startswith("uploads/"))
    report.notes = [str(n) for n in manifest.get("notes", [])]
    return report
