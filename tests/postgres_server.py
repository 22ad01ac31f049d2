"""A throwaway PostgreSQL cluster for the server-database tests (Debian's ``postgresql`` package).

``postgres_server`` runs ``initdb`` and ``pg_ctl start`` once per test session: a fresh cluster in a
temporary folder, on a free loopback port, with its socket in that folder, trust authentication for
the loopback only, and fsync off (a throwaway cluster needs no durability). PostgreSQL refuses to run
as root, so as root the cluster belongs to the ``postgres`` system user (``runuser``). At the end the
cluster is stopped and its folder deleted. ``PostgresServer.new_database`` gives each test its own
database. Skipped with a note when PostgreSQL is not installed (`make test` installs it as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm_server import free_port

USER = "coach"


def postgres_bin() -> Path | None:
    """The folder of ``initdb``/``pg_ctl`` (the newest Debian version), or None."""
    found = Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
    versions = sorted(found, key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PostgresServer:
    """One running cluster.

    Attributes:
        port: Its TCP port on 127.0.0.1.
        root: Its folder (data, socket, log).
    """

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.log_path = root / "server.log"
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    def start(self) -> None:
        """initdb and start; fails the session with PostgreSQL's own message when it cannot."""
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        done = self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "--no-sync",
                         "--encoding=UTF8", "--locale=C")
        if done.returncode != 0:
            pytest.fail(f"initdb failed: {done.stderr[-2000:]}", pytrace=False)
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w",
                         "-t", "60", "start")
        if done.returncode != 0:
            log = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            pytest.fail(f"pg_ctl start failed: {done.stderr[-1000:]} {log}", pytrace=False)

    def stop(self) -> None:
        """Stop the cluster at once (its data is thrown away)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of a database (psycopg 3)."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg

        name = f"coach_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster for the whole test session."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (`make test` installs Debian's postgresql as root)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[dev]')")
    root = Path(tempfile.mkdtemp(prefix="coach-pg-"))
    os.chmod(root, 0o755)  # the postgres user must reach its data folder
    server = PostgresServer(bin_dir, root)
    started = time.monotonic()
    server.start()
    server.started_s = time.monotonic() - started  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
