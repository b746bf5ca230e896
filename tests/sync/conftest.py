"""Sync suite setup: a PostgreSQL server for the central store where Debian's postgresql
package is installed, and a Mosquitto per test (the proxy and processes are in tests/support)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from tests.support import postgres
from tests.support.broker import Mosquitto


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


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto of this test's own on a free loopback port, killed at its end (a test that
    needs another broker, with an ACL say, defines its own `broker`)."""
    b = Mosquitto(tmp_path / "broker").start()
    yield b
    b.kill()
