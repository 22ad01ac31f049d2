"""`coach backup` / `coach restore`: a round trip of the whole data dir, and every bad archive refused."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sqlite3
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.app import build_coach, build_notebook
from assistant.backup import MANIFEST
from assistant.cli import main
from tests.conftest import make_settings

QUESTIONS = ["Hvordan gir jeg god tilbakemelding?", "Hva sier notatet om kundemøtet med Fjordkraft?"]
UPLOAD = "# Kundemøte\n\nKari hadde et kundemøte med Fjordkraft om fornyelse av kontrakten i mars.\n"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _state(data_dir: Path) -> dict[str, Any]:
    """What a user would see: answers, retrieval, notes, conversations, ratings."""
    settings = make_settings(data_dir)
    coach = build_coach(settings)
    notebook = build_notebook(settings)
    answers = [(a.text, [(c.number, c.section_key) for c in a.citations]) for a in map(coach.ask, QUESTIONS)]
    chats = notebook.conversations
    return {
        "answers": answers,
        "retrieved": [[h.chunk.id for h in coach.retrieve(q, k=5).hits] for q in QUESTIONS],
        "kari": notebook.export("Kari"),
        "conversations": [
            (c.title, [(m.role, m.content) for m in chats.messages(c.id)]) for c in chats.list()
        ],
        "ratings": [(r.question, r.rating) for r in notebook.ratings.list()],
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, _built_index: Path) -> Path:
    """A data dir with an uploaded document in the index, notes, a meeting, a chat and a rating."""
    data_dir = tmp_path_factory.mktemp("source") / "data"
    shutil.copytree(_built_index, data_dir)
    uploads = data_dir / "uploads"  # where the web app keeps uploaded documents
    uploads.mkdir()
    (uploads / "kundemote.md").write_text(UPLOAD, encoding="utf-8")
    assert main(["--data-dir", str(data_dir), "index", str(uploads)]) == 0
    notebook = build_notebook(make_settings(data_dir))
    notebook.add_note("Kari", "Kari hadde en god uke")
    notebook.add_action("Kari", "Ring Hansen AS")
    notebook.save_meeting("Kari", notes="Snakket om mål", new_actions=["Oppdater CRM"])
    notebook.save_feedback_draft("Kari", "Utkast til tilbakemelding", {"problem": "sent"})
    chat = notebook.conversations.create()
    notebook.conversations.append(chat.id, "user", QUESTIONS[0])
    notebook.conversations.append(chat.id, "assistant", "Dette sier veiledningen: …", {"sources": ["x"]})
    notebook.ratings.add(QUESTIONS[0], "svar", 1, "extractive")
    notebook.add_note("Kari", "Siste notat, bare i WAL-filen")
    return data_dir


@pytest.fixture(scope="module")
def archive(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backups") / "coach.tar.gz"
    assert main(["--data-dir", str(source), "backup", str(path)]) == 0
    return path


def test_round_trip_restores_the_same_answers_notes_and_conversations(
    source: Path, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The last note is still only in the WAL file: copying coach.db alone would lose it.
    plain_copy = tmp_path / "plain.db"
    shutil.copyfile(source / "coach.db", plain_copy)
    with contextlib.closing(sqlite3.connect(plain_copy)) as conn:
        try:
            texts = [row[0] for row in conn.execute("SELECT text FROM notes")]
        except sqlite3.OperationalError:
            texts = []  # not even the tables: all of it is still in the WAL
    assert "Siste notat, bare i WAL-filen" not in texts

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == MANIFEST and "coach.db" in names and "uploads/kundemote.md" in names
    current = (source / "index" / "CURRENT").read_text().strip()
    assert {n.split("/")[1] for n in names if n.startswith("index/g")} == {current}  # published only

    restored = tmp_path / "restored"
    code, out, err = _run(capsys, "--data-dir", str(restored), "restore", str(archive))
    assert code == 0, err
    assert out.startswith(f"Restored {archive} into {restored} (index {current}, database, 1 uploaded files")
    assert _state(restored) == _state(source)
    kari = build_notebook(make_settings(restored)).export("Kari")
    assert "Siste notat, bare i WAL-filen" in [n["text"] for n in kari["notes"]]
    # The added folder moved with the data dir (its entry in the index now names the new place), so
    # indexing again keeps every bundled chunk and only re-embeds the upload at its new path (chunk
    # ids include the file's path); the answers stay the same and the full check passes.
    before = _state(restored)["answers"]
    code, out, _ = _run(capsys, "--data-dir", str(restored), "index")
    assert code == 0 and "(1 new, " in out and "1 removed" in out, out
    assert _state(restored)["answers"] == before
    assert _run(capsys, "--data-dir", str(restored), "index", "--check")[0] == 0


def test_backup_refuses_to_overwrite_and_restore_refuses_a_used_data_dir(
    source: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "--data-dir", str(source), "backup", str(archive))
    assert code == 2 and "exists already" in err
    code, _, err = _run(capsys, "--data-dir", str(source), "restore", str(archive))
    assert code == 2 and "is not empty" in err and len(err.strip().splitlines()) == 1


# -- bad archives -----------------------------------------------------------------------------------

Member = tuple[tarfile.TarInfo, bytes | None]
Edit = Callable[[list[Member], dict[str, Any]], list[Member]]


def _members(archive: Path) -> tuple[list[Member], dict[str, Any]]:
    members: list[Member] = []
    with tarfile.open(archive) as tar:
        for info in tar:
            handle = tar.extractfile(info)
            members.append((info, handle.read() if handle else None))
    manifest = json.loads(members[0][1] or b"")
    return members[1:], manifest


def _write(path: Path, members: list[Member], manifest: dict[str, Any] | None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        if manifest is not None:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _listed(manifest: dict[str, Any], name: str, data: bytes) -> None:
    import hashlib

    manifest["files"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _traversal(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    _listed(manifest, "uploads/../../evil.txt", b"pwned")
    return [*members, _file("uploads/../../evil.txt", b"pwned")]


def _absolute(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    return [*members, _file("/tmp/evil.txt", b"pwned")]


def _symlink(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    info = tarfile.TarInfo("uploads/passwd.md")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _listed(manifest, "uploads/passwd.md", b"")
    return [*members, (info, None)]


def _hardlink(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    info = tarfile.TarInfo("uploads/hard.md")
    info.type, info.linkname = tarfile.LNKTYPE, "coach.db"
    _listed(manifest, "uploads/hard.md", b"")
    return [*members, (info, None)]


def _tampered(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    out = []
    for info, data in members:
        if info.name == "uploads/kundemote.md":
            data = (data or b"").replace(b"Fjordkraft", b"Fjordkrafx")
        out.append((info, data))
    return out


def _unlisted(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    return [*members, _file("uploads/extra.md", b"# Ekstra\n")]


def _missing(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    return [m for m in members if m[0].name != "coach.db"]


def _foreign(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    manifest["format"] = "something-else"
    return members


def _newer(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    manifest["version"] = 99
    return members


def _outside_names(members: list[Member], manifest: dict[str, Any]) -> list[Member]:
    _listed(manifest, "etc/cron.d/job", b"* * * * * root true\n")
    return [*members, _file("etc/cron.d/job", b"* * * * * root true\n")]


EDITS: dict[str, Edit] = {
    "path traversal": _traversal, "absolute path": _absolute, "symlink": _symlink, "hard link": _hardlink,
    "tampered file": _tampered, "member not in the manifest": _unlisted, "member missing": _missing,
    "foreign format": _foreign, "newer version": _newer, "unexpected top-level name": _outside_names,
}


def _bad_archive(kind: str, good: Path, folder: Path) -> Path:
    path = folder / "bad.tar.gz"
    if kind == "not a tar.gz":
        path.write_text("hello, not an archive\n")
    elif kind == "truncated":
        data = good.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "tar.gz without a manifest":
        members, _ = _members(good)
        _write(path, members, None)
    else:
        members, manifest = _members(good)
        _write(path, EDITS[kind](members, manifest), manifest)
    return path


@pytest.mark.parametrize("kind", ["not a tar.gz", "truncated", "tar.gz without a manifest", *EDITS])
def test_restore_refuses_bad_and_foreign_archives_and_writes_nothing(
    kind: str, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _bad_archive(kind, archive, tmp_path)
    target = tmp_path / "box" / "data"
    code, out, err = _run(capsys, "--data-dir", str(target), "restore", str(bad))
    assert code == 2 and not out, (kind, out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert list(target.iterdir()) == []  # nothing restored, nothing staged
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bad.tar.gz", "box", "data"]
    assert not Path("/tmp/evil.txt").exists()
