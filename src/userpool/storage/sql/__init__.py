"""One SQL implementation of the store ports for SQLite and PostgreSQL (SQLAlchemy Core)."""

from userpool.storage.sql.migrations import LATEST_VERSION, SchemaTooNew, migrate
from userpool.storage.sql.store import SqlStore, open_store

__all__ = ["LATEST_VERSION", "SchemaTooNew", "SqlStore", "migrate", "open_store"]
