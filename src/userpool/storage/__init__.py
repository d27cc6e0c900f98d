"""Implements ``userpool.model.ports``; imports only ``userpool.model``.

``open_store(url, box)`` opens a SQLite file or a PostgreSQL database, applies migrations and
returns a ``SqlStore``.
"""

from userpool.storage.sql import SqlStore, open_store

__all__ = ["SqlStore", "open_store"]
