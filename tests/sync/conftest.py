"""Sync suite setup: a PostgreSQL server for the central store where Debian's postgresql
package is installed (the broker, proxy and processes are in tests/support)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

import pytest

from tests.support import postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL on a free loopback port (tests/support/postgres.py), stopped and
    removed at the end of the session."""
    if not postgres.available():
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    # a commit does not wait for its WAL flush (a server crash could lose the last commits,
    # which no test makes): central's tests on PostgreSQL took three times SQLite's time, most
    # of it waiting on the disk
    with postgres.postgres_server("synchronous_commit=off") as url:
        yield url


_numbers = count(1)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    return postgres.create_database(postgres_server, f"central_{next(_numbers)}")
