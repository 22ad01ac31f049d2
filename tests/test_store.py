"""The database layer: engine settings, migrations, concurrency across processes, error messages."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import ConfigError, StoreError
from assistant.notebook import Notebook
from assistant.prompts import PromptLibrary
from assistant.store import HEAD, make_engine, schema_version, sqlite_url, upgrade
from assistant.store.models import Base

PROMPTS = PromptLibrary(PROJECT_ROOT / "prompts")


def _schema(engine: Engine) -> dict[str, Any]:
    """Tables with their columns (compiled type, nullability), indexes, uniques, FKs and checks."""
    inspector = inspect(engine)
    schema: dict[str, Any] = {}
    for table in inspector.get_table_names():
        if table == "coach_schema":
            continue
        schema[table] = {
            "columns": {
                c["name"]: (c["type"].compile(dialect=engine.dialect), c["nullable"])
                for c in inspector.get_columns(table)
            },
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
                for f in inspector.get_foreign_keys(table)
            ),
            "checks": sorted(c["name"] for c in inspector.get_check_constraints(table)),
        }
    return schema


def test_engine_uses_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "sub" / "coach.db"), busy_timeout_s=7.5)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7500
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    assert (tmp_path / "sub" / "coach.db").is_file()


def test_migrating_an_empty_database_gives_exactly_the_model_schema(tmp_path: Path) -> None:
    migrated = make_engine(sqlite_url(tmp_path / "migrated.db"))
    assert schema_version(migrated) == HEAD
    reference = make_engine(sqlite_url(tmp_path / "reference.db"), migrate=False)
    Base.metadata.create_all(reference)
    expected = _schema(reference)
    assert set(expected) == {
        "people", "notes", "feedback_drafts", "meetings", "actions", "conversations", "messages",
        "feedback_log",
    }
    assert _schema(migrated) == expected


def test_upgrade_from_the_previous_version_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = make_engine(sqlite_url(path), migrate=False)
    assert upgrade(old, target=HEAD - 1) == HEAD - 1
    assert "conversations" not in inspect(old).get_table_names()
    with old.begin() as conn:
        stamp = {"t": "2024-01-02 03:04:05"}
        conn.execute(text("INSERT INTO people (name, key, created) VALUES ('Kari', 'kari', :t)"), stamp)
        conn.execute(
            text("INSERT INTO notes (person_id, text, created) VALUES (1, 'Gammel notat', :t)"), stamp
        )
    old.dispose()

    notebook = Notebook(make_engine(sqlite_url(path)), prompts=PROMPTS)
    assert schema_version(notebook.db.engine) == HEAD
    [note] = notebook.list_notes("kari")
    assert (note.person, note.text, note.created.year, note.created.tzinfo is not None) == (
        "Kari", "Gammel notat", 2024, True
    )
    conversation = notebook.conversations.create()
    notebook.conversations.append(conversation.id, "user", "Hvordan gir jeg tilbakemelding?")
    assert notebook.conversations.list()[0].title == "Hvordan gir jeg tilbakemelding?"


def test_opening_again_changes_nothing_and_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "coach.db")
    engine = make_engine(url)
    assert upgrade(engine) == HEAD
    with engine.begin() as conn:
        conn.execute(text("UPDATE coach_schema SET version = :v"), {"v": HEAD + 1})
    with pytest.raises(StoreError, match="newer than this Salgscoach"):
        make_engine(url)


def test_bad_urls_are_config_errors_without_the_password() -> None:
    with pytest.raises(ConfigError) as caught:
        make_engine("nosuchdb://user:s3cret@host/db")
    assert "s3cret" not in str(caught.value)
    with pytest.raises(ConfigError):
        make_engine("not a url")


def test_settings_resolve_the_default_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database.resolve_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'coach.db'}"
    assert settings.notebook.retention_days is None
    custom = Settings(data_dir=tmp_path, database={"url": "sqlite:////x/y.db"})  # type: ignore[arg-type]
    assert custom.database.resolve_url(tmp_path) == "sqlite:////x/y.db"


def test_a_locked_database_gives_a_store_error_that_hides_the_text(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    notebook = Notebook(make_engine(sqlite_url(path), busy_timeout_s=0.3), prompts=PROMPTS)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    start = time.perf_counter()
    with pytest.raises(StoreError) as caught:
        notebook.add_note("Kari", "Hemmelig notat om lønn")
    waited = time.perf_counter() - start
    blocker.execute("ROLLBACK")
    blocker.close()
    assert "database is locked" in str(caught.value)
    assert "Hemmelig" not in str(caught.value) and "INSERT" not in str(caught.value)
    assert waited >= 0.25  # it waited for the busy timeout instead of failing at once


def test_a_waiting_writer_succeeds_when_the_lock_is_released(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    notebook = Notebook(make_engine(sqlite_url(path), busy_timeout_s=10), prompts=PROMPTS)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.3, lambda: blocker.execute("COMMIT"))
    timer.start()
    notebook.add_note("Kari", "Venter på låsen")
    timer.join()
    blocker.close()
    assert [n.text for n in notebook.list_notes("Kari")] == ["Venter på låsen"]


_WRITER = """
import pathlib, sys, time
from assistant.config import PROJECT_ROOT
from assistant.notebook import Notebook
from assistant.prompts import PromptLibrary
from assistant.store import make_engine, sqlite_url
db, ready, go, tag = sys.argv[1:5]
pathlib.Path(ready).touch()
while not pathlib.Path(go).exists():
    time.sleep(0.002)
engine = make_engine(sqlite_url(pathlib.Path(db)))
notebook = Notebook(engine, prompts=PromptLibrary(PROJECT_ROOT / "prompts"))
for i in range(200):
    notebook.add_note("Kari Nordmann" if i % 2 else "kari  nordmann", f"{tag} {i}")
"""


def test_two_processes_adding_200_notes_each_to_a_new_file_lose_nothing(tmp_path: Path) -> None:
    db, go = tmp_path / "coach.db", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(db), str(tmp_path / f"ready-{tag}"), str(go), tag],
            cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE, text=True,
        )
        for tag in ("A", "B")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{tag}").exists() for tag in ("A", "B")):
        assert time.monotonic() < deadline, "writers did not start"
        time.sleep(0.01)
    go.touch()  # both open the missing database (and migrate it) and write at the same moment
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    notebook = Notebook(make_engine(sqlite_url(db)), prompts=PROMPTS)
    notes = notebook.list_notes("KARI NORDMANN")
    assert len(notes) == 400
    assert {n.text for n in notes} == {f"{tag} {i}" for tag in "AB" for i in range(200)}
    assert len(notebook.list_people()) == 1
