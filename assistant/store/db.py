"""Engines and sessions: SQLite tuned for two processes writing at once, or any SQLAlchemy URL.

SQLite gets WAL (readers never wait for the writer), a busy timeout (a writer waits for another
process's write instead of failing), foreign keys, and ``secure_delete`` (deleted text is overwritten,
not just unlinked). Python's sqlite3 module is told to keep out of transaction control so that
SQLAlchemy emits ``BEGIN`` itself: reads use a deferred ``BEGIN``, writes ``BEGIN IMMEDIATE``. A write
transaction that starts as a read and upgrades later can fail at once with "database is locked" when
another process wrote in between (the busy timeout does not apply to a snapshot that went stale), and
taking the write lock up front is what makes two processes adding notes at once lose nothing.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import ConfigError, StoreError

#: Execution option that marks an engine's transactions as writes (``BEGIN IMMEDIATE`` on SQLite).
WRITE_OPTION = "coach_write"


def sqlite_url(path: Path) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path.resolve()}"


def make_engine(url: str, *, busy_timeout_s: float = 10.0, migrate: bool = True) -> Engine:
    """Create an engine for a database URL and bring its schema up to date.

    Args:
        url: A SQLAlchemy URL, e.g. ``sqlite:////home/me/coach.db`` or ``postgresql+psycopg://…``.
        busy_timeout_s: SQLite: how long a writer waits for another process's write.
        migrate: Run the schema migrations (the default); tests turn it off to build old versions.

    Returns:
        The engine. The SQLite file and its folder are created when missing.

    Raises:
        ConfigError: The URL is malformed or its driver is not installed.
        StoreError: The database cannot be opened or upgraded, or its schema is newer than this code.
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": busy_timeout_s})
            _configure_sqlite(engine, busy_timeout_s)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        # Never echo the URL itself: it may hold a password.
        raise ConfigError(f"database URL cannot be used: {type(exc).__name__}: {_first_line(exc)}") from exc
    except OSError as exc:
        raise StoreError(f"cannot create the database folder: {exc.strerror}") from exc
    if migrate:
        # Imported here: the migration runner uses this module's write helpers.
        from assistant.store.migrations import upgrade

        upgrade(engine)
    return engine


def _switch_to_wal(cursor: Any, busy_timeout_s: float) -> None:
    """Put the database file in WAL mode (once: the mode is stored in the file).

    Only a file not yet in WAL mode needs the switch, and the switch needs the file to itself: when
    two processes open a new database at the same moment, one of them can be refused at once
    ("database is locked") while the other creates it, so the switch is retried until the busy
    timeout has passed.
    """
    deadline = time.monotonic() + busy_timeout_s
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see module doc)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            _switch_to_wal(cursor, busy_timeout_s)
            # In WAL mode NORMAL survives a crashed process; only a power cut can lose the last commits.
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA secure_delete = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def writer(engine: Engine) -> Engine:
    """Return a view of the engine whose transactions take the write lock at once (SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn SQLAlchemy errors into :class:`StoreError` with a short message.

    Only the driver's first line is kept: SQLAlchemy's full message repeats the SQL statement and its
    parameters, which would put the text of notes about people into logs.
    """
    try:
        yield
    except DBAPIError as exc:
        reason = _first_line(exc.orig) if exc.orig is not None else type(exc).__name__
        raise StoreError(f"database error: {reason}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database error: {type(exc).__name__}") from exc


class Database:
    """Sessions over one engine: :meth:`reading` for queries, :meth:`writing` for changes.

    Args:
        engine: The engine, already migrated (see :func:`make_engine`).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(writer(engine), expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries; it is rolled back at the end."""
        with translate_errors(), self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in one write transaction, committed at the end unless an error escapes."""
        with translate_errors(), self._write.begin() as session:
            yield session

    def vacuum(self, *, full: bool = True) -> bool:
        """Rewrite the database so that deleted rows leave no bytes behind.

        SQLite: ``VACUUM`` (unless ``full`` is False) then a truncating WAL checkpoint: old page images
        also sit in the WAL file until it is truncated. With ``secure_delete`` on, the checkpoint alone
        already wipes deleted cells; ``VACUUM`` also rebuilds indexes and drops free pages.
        PostgreSQL: ``VACUUM`` of the whole database, best effort (freed space is reused, not wiped).

        Args:
            full: Run ``VACUUM`` (slower on a large file) and not only the checkpoint.

        Returns:
            True when the rewrite finished; False when another process kept the WAL busy, in which
            case the old pages go at the next checkpoint.
        """
        with translate_errors():
            if self.is_sqlite:
                raw = self.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    if full:
                        cursor.execute("VACUUM")
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    row = cursor.fetchone()
                    cursor.close()
                    return row is not None and row[0] == 0
                finally:
                    raw.close()
            if full and self.engine.dialect.name == "postgresql":
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM")
            return True
