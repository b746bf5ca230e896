"""A throwaway PostgreSQL server (Debian's `postgresql` package) on a free loopback port in a
temporary folder: the sync suite's fixture and the B12 benchmark both start it here.

Run as the `postgres` system user (the server refuses root); pytest's own temporary folders are
closed to other users, hence a folder of its own. Stopped with a fast shutdown and removed at the
end. Plain module, no pytest.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
AS_POSTGRES = ["runuser", "-u", "postgres", "--"]


def available() -> bool:
    return bool(PG_BIN) and shutil.which("runuser") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def postgres_server(*settings: str) -> Iterator[str]:
    """The server's URL (`postgresql://mpp@127.0.0.1:PORT`, trust auth) while the block runs;
    `settings` are extra `name=value` server settings (`-c`)."""
    if not available():
        raise RuntimeError("PostgreSQL server not installed (apt-get install postgresql)")
    bin_dir = PG_BIN[-1]
    folder = Path(tempfile.mkdtemp(prefix="mpp-postgres-"))
    data = folder / "data"
    shutil.chown(folder, "postgres", "postgres")
    subprocess.run(
        [*AS_POSTGRES, str(bin_dir / "initdb"), "-D", str(data), "-U", "mpp", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    extra = [arg for setting in settings for arg in ("-c", setting)]
    server = subprocess.Popen(
        [
            *AS_POSTGRES, str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
            "-p", str(port), "-k", str(folder), "-c", "fsync=on", *extra,
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
            [*AS_POSTGRES, str(bin_dir / "pg_ctl"), "-D", str(data), "stop", "-m", "fast"],
            capture_output=True,
            timeout=60,
        )
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    with psycopg.connect(server_url + "/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"
