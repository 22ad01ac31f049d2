"""Faults: a second index writer is refused with a message naming the holder (real processes)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import PROJECT_ROOT
from assistant.errors import IndexLockedError
from assistant.writer_lock import WriterLock, holder_path, read_holder

# Holds the real index lock the way `coach index` takes it, then waits to be killed.
_HOLDER = """
import sys, time
from pathlib import Path
from assistant.writer_lock import WriterLock
with WriterLock(Path(sys.argv[1]) / "index.lock", timeout=5):
    print("held", flush=True)
    time.sleep(120)
"""


def _hold(data_dir: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(data_dir)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_a_second_coach_index_is_refused_naming_the_holder(
    tmp_path: Path, _built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(_built_index, data_dir)
    holder = _hold(data_dir)
    try:
        started = time.monotonic()
        code = main(["--data-dir", str(data_dir), "index"])
        waited = time.monotonic() - started
        err = capsys.readouterr().err.strip()
    finally:
        _kill(holder)
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"pid {holder.pid} on {socket.gethostname()}, since " in err
    assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", err)
    assert "is writing the index; wait for it to finish" in err
    assert 4.5 < waited < 15  # it waited for the lock (5 s), then gave up

    # The holder was killed (SIGKILL, no cleanup): the kernel freed the lock, the stale note is
    # overwritten, and the next writer goes ahead.
    assert holder_path(data_dir / "index.lock").exists()
    assert main(["--data-dir", str(data_dir), "index"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert not holder_path(data_dir / "index.lock").exists()  # removed on release


def test_the_holder_note_is_written_on_entry_and_removed_on_exit(tmp_path: Path) -> None:
    lock = tmp_path / "index.lock"
    with WriterLock(lock, timeout=0.1):
        holder = read_holder(lock)
        assert holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname()
        # Another handle on the same lock (as another process would have) is refused and names us.
        with pytest.raises(IndexLockedError, match=rf"pid {os.getpid()} on "), WriterLock(lock, timeout=0.1):
            pass
    assert read_holder(lock) is None
    # An unreadable note does not break the refusal; it just cannot name anyone.
    holder_path(lock).write_text("{broken", encoding="utf-8")
    assert "another `coach index` is writing" in WriterLock(lock, timeout=0.1).refusal()
