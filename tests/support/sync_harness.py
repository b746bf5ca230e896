"""Pieces for the sync fault tests: an appliance site file, the edge worker as a killable
subprocess, central ingest workers in this process, and the checks every scenario ends with."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from peewee import Database

from appliance.queue import outbox
from appliance.queue.transaction import QueueSettings
from appliance.storage.database import connected
from appliance.storage.state import get_state
from sync import protocol
from sync.central.ingest import Ingest
from sync.central.store import EventRow, SiteRow, open_central_database
from sync.central.worker import CentralWorker
from sync.mqtt import BrokerSettings, Will
from tests.support.engine_fixtures import EngineSite, make_site

ROOT = Path(__file__).resolve().parents[2]
SITE = "9999-MPP"
FAST = QueueSettings(enforce_hours=False, recalls_before_no_show=0)


def edge_site(path: Path) -> EngineSite:
    return make_site(path, settings=FAST)


def issue_many(site: EngineSite, count: int, *, per_day: int = 400) -> None:
    """`count` tickets over several simulated business days (ManualClock)."""
    services = ("KTP", "KK", "INFO", "PBB")
    for n in range(count):
        if n and n % per_day == 0:
            site.clock.advance(timedelta(days=1))
        site.engine.issue(services[n % len(services)])
        site.clock.advance(timedelta(seconds=7))


def wait_for(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    describe: Callable[[], str] | None = None,
) -> None:
    """Poll until `predicate` holds; on timeout, say what was awaited and (with `describe`) the
    state it was stuck in, so a failure in CI can be read without running it again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    state = f"; state: {describe()}" if describe is not None else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{state}")


class EdgeProcess:
    """`python -m sync.cli --config … sync` on the site file, killable by pid."""

    def __init__(
        self,
        workdir: Path,
        db_path: Path,
        broker_url: str,
        *,
        site: str = SITE,
        batch_size: int = 200,
        window: int = 4,
        compress_over_bytes: int = 2048,
        username: str = "",
        password: str = "",
        extra_args: tuple[str, ...] = (),
        extra_config: tuple[str, ...] = (),
    ) -> None:
        self.config = workdir / "edge.toml"
        lines = [
            "[storage]",
            f'database = "{db_path}"',
            "[sync]",
            f'broker = "{broker_url}"',
            f'site = "{site}"',
            f"batch_size = {batch_size}",
            f"window = {window}",
            "keepalive_s = 2",
            f"compress_over_bytes = {compress_over_bytes}",
        ]
        if username:
            lines.append(f'username = "{username}"')
        if password:
            lines.append(f'password = "{password}"')
        lines.extend(extra_config)  # more [sync] keys, e.g. ca_file for TLS
        self.config.write_text("\n".join(lines) + "\n")
        self.log = workdir / "edge.log"
        self.args = (
            "--ack-timeout",
            "2",
            "--stall",
            "8",
            "--connect-timeout",
            "3",
            "--backoff-cap",
            "1",
            *extra_args,
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> EdgeProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sync.cli",
                    "--config",
                    str(self.config),
                    "sync",
                    *self.args,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
            )
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> int:
        code = 0
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            code = self.process.wait(timeout=15)
        self.process = None
        return code


class Central:
    """Ingest workers on threads of this process, on a SQLite central database."""

    def __init__(
        self,
        db_url: str,
        broker_url: str,
        *,
        workers: int = 1,
        username: str = "",
        password: str = "",
        ingest: Callable[[Database], Ingest] = Ingest,
        tls: dict[str, str] | None = None,
    ) -> None:
        self.tls = tls or {}  # ca_file, cert_file, key_file for an mqtts:// broker
        self.db_url = db_url
        self.db = open_central_database(db_url)
        self.username, self.password = username, password
        self.make_ingest = ingest
        self.broker_url = broker_url
        self.count = workers
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.workers: list[CentralWorker] = []

    def start(self) -> Central:
        self.stop_event = threading.Event()
        self.workers = [
            CentralWorker(
                BrokerSettings(
                    url=self.broker_url,
                    client_id=f"test-central-{os.getpid()}-{id(self)}-{n}-{time.monotonic_ns()}",
                    username=self.username,
                    password=self.password,
                    keepalive_s=5,
                    will=Will(protocol.CENTRAL_STATUS, protocol.OFFLINE) if n == 0 else None,
                    **self.tls,
                ),
                self.make_ingest(self.db),
                announces_status=n == 0,
                stop=self.stop_event,
                connect_timeout_s=3,
            )
            for n in range(self.count)
        ]
        self.threads = [threading.Thread(target=w.run, daemon=True) for w in self.workers]
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=10)
        self.threads = []

    def reopen(self) -> None:
        """Open the database again (after its file was replaced)."""
        self.db.close()
        self.db = open_central_database(self.db_url)

    def seqs(self, site: str = SITE) -> list[int]:
        with self.db.connection_context():
            query = (
                EventRow.select(EventRow.seq).where(EventRow.site == site).order_by(EventRow.seq)
            )
            return [s for (s,) in query.tuples()]

    def site(self, site: str = SITE) -> SiteRow | None:
        with self.db.connection_context():
            return SiteRow.get_or_none(SiteRow.code == site)

    def stored_through(self, site: str = SITE) -> int:
        row = self.site(site)
        return int(row.stored_through) if row is not None else 0


def edge_marks(site: EngineSite) -> tuple[int, int]:
    """(last_seq, acked_through) of the edge outbox."""
    with connected(site.db):
        return outbox.last_seq(), outbox.acked_through()


def edge_state(site: EngineSite, key: str) -> str | None:
    with connected(site.db):
        return get_state(key)


def assert_exact(central: Central, site: EngineSite) -> None:
    """Central holds exactly seq 1..last once each, and the edge forgot exactly those."""
    last, acked = edge_marks(site)
    assert central.seqs() == list(range(1, last + 1))
    assert acked == last
    row = central.site()
    assert row is not None and row.stored_through == last and row.events_stored == last
    assert row.conflicts == 0


def make_password_file(path: Path, users: dict[str, str]) -> Path:
    """A mosquitto password file made by mosquitto_passwd itself."""
    path.unlink(missing_ok=True)
    for n, (user, password) in enumerate(users.items()):
        flags = ["-c"] if n == 0 else []
        subprocess.run(
            ["/usr/bin/mosquitto_passwd", *flags, "-b", str(path), user, password], check=True
        )
    path.chmod(0o600)
    return path
