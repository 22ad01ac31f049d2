"""Faults: a full disk while indexing, saving a note, backing up or restoring.

Expected every time: one clear line on stderr (exit 1), no traceback, the previously published index
generation still published and answering the same, no half-written generation left, and the database
intact (``PRAGMA integrity_check``, every earlier note still there); after space is freed the same
command succeeds.

Two ways to run out of space:

- ``tmpfs``: a real, small file system (``mount -t tmpfs -o size=…``), filled up to a chosen number
  of free bytes. Needs root and permission to mount; skipped with a note otherwise.
- ``fsize``: ``RLIMIT_FSIZE`` set in a child process (``resource.setrlimit``, SIGXFSZ ignored), so
  every write past the limit fails with EFBIG, as a full disk fails a write with ENOSPC. Runs anywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import build_coach
from assistant.cli import main
from assistant.config import PROJECT_ROOT
from tests.conftest import make_settings

QUESTION = "Hvordan gir jeg god tilbakemelding?"
EXTRA = "# Kundemøter\n\nKari hadde et godt kundemøte med Hansen AS om prisen. Hun fulgte opp samme dag.\n"
LONG_NOTE = "Kari forberedte kundemøtet grundig og fulgte opp tilbudet. " * 250  # ~15 KB: many new pages


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code: int, err: str) -> str:
    assert code == 1, err
    # Progress bars (tqdm, on stderr) aside, the error is one line.
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and "chunk" not in line]
    assert len(lines) == 1 and lines[0].startswith("coach: ") and "Traceback" not in err, err
    return lines[0]


def _integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def _generations(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "index").iterdir() if p.is_dir())


def _fill(disk: Path, leave: int) -> Path:
    """Write a filler file until at most ``leave`` bytes are free on the disk."""
    filler = disk / "filler"
    with filler.open("ab") as fh:
        while (free := shutil.disk_usage(disk).free) > leave:
            try:
                fh.write(b"\0" * min(64 * 1024, free - leave))
                fh.flush()
            except OSError:
                break
    return filler


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs mounted for the test (root only), unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; the fsize cases cover a full disk without it")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the fsize cases cover a full disk")
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.fixture
def data_on(_built_index: Path) -> Iterator[object]:
    """Copy the built index to a folder and save a note there: the state that must survive."""

    def make(root: Path, capsys: pytest.CaptureFixture[str]) -> Path:
        data_dir = root / "data"
        shutil.copytree(_built_index, data_dir)
        assert _run(capsys, "--data-dir", str(data_dir), "notes", "add", "Kari", "Første notat")[0] == 0
        return data_dir

    yield make


def _answers(data_dir: Path) -> list[str]:
    return [h.chunk.id for h in build_coach(make_settings(data_dir)).retrieve(QUESTION, k=5).hits]


def _assert_intact(
    data_dir: Path, published: str, answers: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (data_dir / "index" / "CURRENT").read_text().strip() == published
    assert _generations(data_dir) == [published]  # nothing half-written left behind
    assert _answers(data_dir) == answers
    assert _integrity(data_dir / "coach.db") == "ok"
    code, out, _ = _run(capsys, "--data-dir", str(data_dir), "notes", "list", "Kari")
    assert code == 0 and "Første notat" in out


def _extra(tmp_path: Path) -> Path:
    folder = tmp_path / "extra"
    folder.mkdir(exist_ok=True)
    (folder / "kunder.md").write_text(EXTRA, encoding="utf-8")
    return folder


# -- tmpfs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("share", [0.0, 0.25, 0.5, 0.75, 0.95])
def test_indexing_on_a_full_disk_keeps_the_published_index(
    share: float, tmpfs: Path, tmp_path: Path, data_on: object, capsys: pytest.CaptureFixture[str]
) -> None:
    # A new generation is about as big as the published one: leaving a share of that free makes the
    # sync fail at different writes (Chroma's database, its segments, the vector file, the manifest).
    data_dir = data_on(tmpfs, capsys)  # type: ignore[operator]
    published = (data_dir / "index" / "CURRENT").read_text().strip()
    size = sum(p.stat().st_size for p in (data_dir / "index" / published).rglob("*") if p.is_file())
    answers = _answers(data_dir)
    filler = _fill(tmpfs, int(share * size))

    code, _, err = _run(capsys, "--data-dir", str(data_dir), "index", str(_extra(tmp_path)))
    line = _one_line_error(code, err)
    assert "full" in line and str(data_dir) in line, line
    assert (data_dir / "index" / "CURRENT").read_text().strip() == published
    assert _generations(data_dir) == [published]  # the half-written generation is gone already
    filler.unlink()  # (checking the database needs a little space: SQLite's WAL index)
    _assert_intact(data_dir, published, answers, capsys)

    # Space again: the same command now works, in the same process (the failed open left nothing).
    code, out, err = _run(capsys, "--data-dir", str(data_dir), "index", str(_extra(tmp_path)))
    assert code == 0 and "1 new" in out, err
    assert (data_dir / "index" / "CURRENT").read_text().strip() != published


def test_saving_a_note_on_a_full_disk_keeps_the_database(
    tmpfs: Path, data_on: object, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = data_on(tmpfs, capsys)  # type: ignore[operator]
    published = (data_dir / "index" / "CURRENT").read_text().strip()
    answers = _answers(data_dir)
    filler = _fill(tmpfs, 0)
    code, _, err = _run(capsys, "--data-dir", str(data_dir), "notes", "add", "Kari", LONG_NOTE)
    line = _one_line_error(code, err)
    assert line.startswith("coach: error: database error:") and "is full" in line, line
    filler.unlink()
    _assert_intact(data_dir, published, answers, capsys)
    out = _run(capsys, "--data-dir", str(data_dir), "notes", "list", "Kari", "--json")[1]
    assert out.count('"id"') == 1  # the failed note was not half-saved
    assert _run(capsys, "--data-dir", str(data_dir), "notes", "add", "Kari", LONG_NOTE)[0] == 0


def test_backup_and_restore_on_a_full_disk_leave_nothing_behind(
    tmpfs: Path, tmp_path: Path, data_on: object, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = data_on(tmp_path, capsys)  # type: ignore[operator]  # the data is on a roomy disk
    filler = _fill(tmpfs, 16 * 1024)
    archive = tmpfs / "backup.tar.gz"
    line = _one_line_error(*_run(capsys, "--data-dir", str(data_dir), "backup", str(archive))[::2])
    assert line.startswith(f"coach: error: cannot write the backup {archive}: "), line
    assert "is full" in line and "the disk holding" not in line, line  # the data dir's disk is not full
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler"]  # no partial archive, no temp folder

    filler.unlink()
    good = tmp_path / "backup.tar.gz"
    assert _run(capsys, "--data-dir", str(data_dir), "backup", str(good))[0] == 0
    filler = _fill(tmpfs, 16 * 1024)
    target = tmpfs / "restored"
    line = _one_line_error(*_run(capsys, "--data-dir", str(target), "restore", str(good))[::2])
    assert "restoring needs" in line and "KB are free" in line, line
    assert list(target.iterdir()) == []  # the data dir is as empty as before


# -- RLIMIT_FSIZE -----------------------------------------------------------------------------------

_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from assistant.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _limited(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", _LIMITED, str(limit), *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=env, timeout=120)


def test_indexing_past_the_file_size_limit_keeps_the_published_index(
    tmp_path: Path, data_on: object, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = data_on(tmp_path, capsys)  # type: ignore[operator]
    published = (data_dir / "index" / "CURRENT").read_text().strip()
    answers = _answers(data_dir)
    done = _limited(64 * 1024, "--data-dir", str(data_dir), "index", str(_extra(tmp_path)))
    line = _one_line_error(done.returncode, done.stderr)
    # SQLite (inside Chroma) reports EFBIG as a disk I/O error.
    assert line.startswith("coach: error:") and ("full" in line or "disk I/O error" in line), line
    _assert_intact(data_dir, published, answers, capsys)


def test_saving_a_note_past_the_file_size_limit_keeps_the_database(
    tmp_path: Path, data_on: object, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = data_on(tmp_path, capsys)  # type: ignore[operator]
    published = (data_dir / "index" / "CURRENT").read_text().strip()
    answers = _answers(data_dir)
    done = _limited(8 * 1024, "--data-dir", str(data_dir), "notes", "add", "Kari", LONG_NOTE)
    line = _one_line_error(done.returncode, done.stderr)
    assert line.startswith("coach: error: database error:") and "disk" in line, line
    _assert_intact(data_dir, published, answers, capsys)
    out = _run(capsys, "--data-dir", str(data_dir), "notes", "list", "Kari", "--json")[1]
    assert out.count('"id"') == 1
