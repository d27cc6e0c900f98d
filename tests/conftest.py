"""Fixtures shared by every test room.

PostgreSQL: tests that need it are marked ``postgres``. When the server is unreachable they
skip, except under ``CI=true`` where they fail: CI must never pass by skipping the database.
``USERPOOL_TEST_PG_URL`` overrides the admin URL (default: local trust-auth ``postgres``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    """URL of a database on the test server from which databases can be created and dropped."""
    return os.environ.get("USERPOOL_TEST_PG_URL") or DEFAULT_PG_ADMIN_URL


def require_postgres() -> str:
    """The admin URL if PostgreSQL answers; otherwise skip the test (fail it under CI=true)."""
    url = postgres_admin_url()
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        message = f"PostgreSQL not reachable at {url}: {error}".strip()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@contextmanager
def postgres_databases() -> Iterator[Callable[[], str]]:
    """Factory of fresh, empty databases (``postgresql://`` URLs), dropped on exit."""
    created: list[str] = []

    def create() -> str:
        admin = require_postgres()
        name = f"userpool_test_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        if created:
            with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
                for name in created:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgres_database() -> Iterator[Callable[[], str]]:
    """Per test: ``postgres_database()`` creates a fresh database and returns its URL."""
    with postgres_databases() as create:
        yield create


@pytest.fixture(scope="module")
def module_postgres_database() -> Iterator[Callable[[], str]]:
    """Like ``postgres_database``, but the databases live until the module's tests are done."""
    with postgres_databases() as create:
        yield create


# A user's project, run by tests/testing/test_sample_project.py in a pytest of its own.
collect_ignore = ["sample_project"]
