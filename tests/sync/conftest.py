"""Sync suite setup: a PostgreSQL server for the central store where Debian's postgresql
package is installed (the broker, proxy and processes are in tests/support)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL on a free loopback port, run as the `postgres` system user (the
    server refuses root; pytest's own temporary folders are closed to other users, hence a
    folder of its own); stopped and removed at the end of the session."""
    if not PG_BIN or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    bin_dir = PG_BIN[-1]
    folder = Path(tempfile.mkdtemp(prefix="mpp-postgres-"))
    data = folder / "data"
    shutil.chown(folder, "postgres", "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-U", "mpp", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            *as_postgres, str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
            "-p", str(port), "-k", str(folder), "-c", "fsync=on",
            # a commit does not wait for its WAL flush (a server crash could lose the last
            # commits, which no test makes): central's tests on PostgreSQL took three times
            # SQLite's time, most of it waiting on the disk
            "-c", "synchronous_commit=off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("PostgreSQL did not start")
        yield f"postgresql://mpp@127.0.0.1:{port}"
    finally:
        # a fast shutdown: a smart one (SIGTERM, through runuser) waits for every client, and a
        # test's database left open held the end of the session for most of a minute
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "stop", "-m", "fast"],
            capture_output=True,
            timeout=60,
        )
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


_numbers = count(1)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    import psycopg

    name = f"central_{next(_numbers)}"
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"
