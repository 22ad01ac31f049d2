"""The local database: engine factory, ORM tables and the migration runner.

SQLite under the data dir by default; any SQLAlchemy URL (PostgreSQL for a shared server) through
``COACH_DATABASE__URL``.
"""

from assistant.store.db import Database, make_engine, sqlite_url
from assistant.store.migrations import HEAD, schema_version, upgrade

__all__ = ["HEAD", "Database", "make_engine", "schema_version", "sqlite_url", "upgrade"]
