"""Central's booking outbox down a real wire, exactly once: central's ingest workers and publisher,
a real Mosquitto, a real `mpp sync` on an appliance database behind the fault proxy.

On SQLite and PostgreSQL (`central_url`). Bookings are made on central's database by this
process (as a second central process would: the publisher finds their `outgoing` rows in the
database). Each scenario ends with the same check: the site stored every change 1..N once (each
booking once, the cancelled ones cancelled) and central's mark of the site's ack is N.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from peewee import Database

from appliance.bookings.received import stored_through
from appliance.storage.database import connected
from appliance.storage.models import Booking
from sync import booking_wire, protocol
from sync.central.booking_models import BookingRow
from sync.central.bookings import outbox
from sync.central.bookings.book import Request, book, cancel
from sync.central.bookings.offer import site_offer
from sync.central.catalogue import push_catalogue
from sync.central.publisher import CentralPublisher
from sync.central.store import OutgoingRow
from sync.mqtt import BrokerSettings
from tests.support.appliance_bookings import bookable_site
from tests.support.booking_fixtures import KTP, bookable_document
from tests.support.broker import Listener, Mosquitto
from tests.support.proxy import FaultProxy
from tests.support.sync_harness import ROOT, SITE, Central, EdgeProcess, wait_for

pytestmark = pytest.mark.timeout(180)
JAKARTA = ZoneInfo("Asia/Jakarta")


class World:
    def __init__(self, tmp_path: Path, central_url: str) -> None:
        self.broker = Mosquitto(tmp_path / "broker").start()
        self.proxy = FaultProxy(self.broker.port)
        self.central = Central(central_url, self.broker.url)
        self.db: Database = self.central.db
        doc = bookable_document()
        doc["version"] = 100  # above the appliance's own catalogue
        for service in doc["services"]:
            if service["code"] == KTP:
                service["booking_quota"] = 2000
        push_catalogue(self.db, SITE, doc)
        self.edge_db, _clock, _seed = bookable_site(tmp_path / "edge.db")
        self.edge = EdgeProcess(
            tmp_path, tmp_path / "edge.db", f"mqtt://127.0.0.1:{self.proxy.port}"
        )
        self.publisher_stop = threading.Event()
        self.publisher: threading.Thread | None = None
        self.slots = self._slots()
        self.made: list[BookingRow] = []

    def start_central(self) -> None:
        self.central.start()
        self.publisher_stop = threading.Event()
        publisher = CentralPublisher(
            self.db,
            BrokerSettings(url=self.broker.url, client_id=f"test-publisher-{time.monotonic_ns()}"),
            stop=self.publisher_stop,
            poll_s=0.2,
            connect_timeout_s=3,
        )
        self.publisher = threading.Thread(target=publisher.run, daemon=True)
        self.publisher.start()

    def stop_central(self) -> None:
        self.central.stop()
        self.publisher_stop.set()
        if self.publisher is not None:
            self.publisher.join(timeout=10)

    def _slots(self) -> list[tuple[str, str]]:
        """(date, start) of every bookable slot of the next open days (real time)."""
        with self.db.connection_context():
            offer = site_offer(SITE, JAKARTA)
        assert offer is not None
        today = datetime.now(UTC).astimezone(JAKARTA).date()
        return [
            (day.isoformat(), slot.start_text)
            for day in (today + timedelta(days=n) for n in range(1, 8))
            for slot in offer.slots(day)
        ]

    def book(self, count: int) -> None:
        for n in range(count):
            day, start = self.slots[(len(self.made) + n) % len(self.slots)]
            with self.db.connection_context():
                self.made.append(
                    book(self.db, Request(SITE, KTP, day, start), datetime.now(UTC), JAKARTA)
                )

    def cancel(self, count: int) -> None:
        for row in self.made[:count]:
            with self.db.connection_context():
                cancel(self.db, str(row.token), datetime.now(UTC), JAKARTA)

    def marks(self) -> dict[str, Any]:
        with self.db.connection_context():
            return outbox.marks(SITE)

    def edge_through(self) -> int:
        with connected(self.edge_db):
            return stored_through()

    def drained(self) -> bool:
        marks = self.marks()
        return marks["acked_through"] == marks["last_seq"] == self.edge_through()

    def describe(self) -> str:
        """The marks on both ends and the end of the site's sync log, for a failure message."""
        log = self.edge.log.read_text(errors="replace") if self.edge.log.exists() else ""
        tail = "\n".join(log.splitlines()[-40:])
        return f"central {self.marks()}, site stored through {self.edge_through()}\n{tail}"

    def wait_drained(self, timeout: float, what: str) -> None:
        wait_for(self.drained, timeout, what, self.describe)

    def assert_exact(self, cancelled: int = 0) -> None:
        marks = self.marks()
        assert marks["last_seq"] == len(self.made) + cancelled
        assert self.edge_through() == marks["last_seq"] == marks["acked_through"]
        with connected(self.edge_db):
            stored = {b.code: b.status for b in Booking.select()}
        assert set(stored) == {str(r.code) for r in self.made}  # each once (code is the key)
        statuses = sorted(stored[str(r.code)] for r in self.made[:cancelled])
        assert statuses == ["cancelled"] * cancelled
        assert list(stored.values()).count("cancelled") == cancelled

    def close(self) -> None:
        self.edge.kill()
        self.stop_central()
        self.proxy.close()
        self.broker.kill()
        self.db.close()
        self.edge_db.close()


@pytest.fixture
def world(tmp_path: Path, central_url: str) -> Iterator[World]:
    w = World(tmp_path, central_url)
    yield w
    w.close()


def test_bookings_made_while_the_site_is_away_arrive_once(world: World) -> None:
    world.start_central()
    world.book(30)
    world.cancel(5)
    world.edge.start()
    world.wait_drained(60, "the site stores every change")
    world.book(10)
    world.wait_drained(60, "a booking made while connected arrives")
    world.assert_exact(cancelled=5)


def test_broker_down_then_back(world: World) -> None:
    world.start_central()
    world.edge.start()
    world.book(5)
    world.wait_drained(60, "first bookings")
    world.broker.kill()
    world.book(40)
    world.cancel(3)
    time.sleep(2)
    world.broker.start()
    world.wait_drained(90, "the rest once the broker is back")
    world.assert_exact(cancelled=3)


def test_a_hello_said_before_central_listens_is_said_again(world: World) -> None:
    """The CI failure of 2026-12-03 made certain: the site reconnects while central's ingest is
    not subscribed, so its hello and its booking ack are lost; it has no events to send, so no
    event ack would ever make it speak again. Bookings arrive live meanwhile and are stored;
    once central listens, it must learn that within the hello's retry."""
    world.start_central()
    world.edge.start()
    world.book(5)
    world.wait_drained(60, "first bookings")
    world.central.stop()  # ingest gone; the publisher goes on
    hellos = world.edge.log.read_text().count("sync: connected;")
    world.edge.kill()
    world.edge.start()
    wait_for(
        lambda: world.edge.log.read_text().count("sync: connected;") > hellos,
        30,
        "the site's hello to a central that does not listen",
    )
    ack_topic = protocol.topic(SITE, protocol.BOOKINGS_ACK)
    with Listener(world.broker.url, ack_topic) as acks:
        world.book(3)
        wait_for(lambda: world.edge_through() == 8, 30, "live bookings stored by the site")
        said = acks.wait_for(lambda payload: booking_wire.decode_ack(payload) == 8, 30)
        assert said is not None, "the site acked 8 through the broker"  # routed to no central
    assert world.marks()["acked_through"] == 5
    world.central.start()
    world.wait_drained(30, "central hears where the site stands")
    world.assert_exact()
    assert "saying hello again" in world.edge.log.read_text()


def test_lost_acks_and_a_cut_link(world: World) -> None:
    world.start_central()
    world.edge.start()
    world.book(5)
    world.wait_drained(60, "first bookings")
    world.proxy.blackhole()  # what the site sends (its acks among them) is lost
    world.book(20)
    time.sleep(3)
    world.proxy.heal()
    world.proxy.cut()  # the site reconnects and says hello
    world.wait_drained(90, "resent from the last ack")
    world.assert_exact()


class CentralProcess:
    """`mpp central --no-web` (its ingest workers and publisher) as a process of its own, on the
    world's database and broker, killed with SIGKILL by its pid."""

    def __init__(self, world: World, workdir: Path) -> None:
        self.config = workdir / "central.toml"
        self.config.write_text(
            f'[storage]\ndatabase = "{workdir}/unused-edge.db"\n'
            f'[central]\ndatabase = "{world.central.db_url}"\nbroker = "{world.broker.url}"\n'
            "workers = 2\n"
        )
        self.log = workdir / "central-process.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CentralProcess:
        """Started, and past opening the database: a process creating its tables takes share
        locks on them, and on PostgreSQL a booking made meanwhile could deadlock with it (seen
        once: PostgreSQL cancels one of the two; docs/bookings.md)."""
        started = self._starts()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sync.cli", "--config", str(self.config), "central",
                 "--no-web"],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                cwd=ROOT,
            )  # fmt: skip
        wait_for(lambda: self._starts() > started, 60, "mpp central past opening its database")
        return self

    def _starts(self) -> int:
        return self.log.read_text().count("mpp central: ") if self.log.exists() else 0

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def published(world: World) -> int:
    with world.db.connection_context():
        return int(OutgoingRow.select().where(OutgoingRow.published_at.is_null(False)).count())


def test_central_process_sigkilled_mid_stream(world: World, tmp_path: Path) -> None:
    world.book(150)  # queued before central starts, so its publisher is mid-stream below
    process = CentralProcess(world, tmp_path).start()
    try:
        world.edge.start()
        wait_for(lambda: published(world) >= 40, 60, "central publishing")
        process.kill()  # mid-stream: rows sent and not marked, acks not recorded
        world.book(20)
        world.cancel(4)
        process.start()
        world.wait_drained(120, "everything once central is back")
        process.kill()
        process.start()  # and once more, with nothing left to send
        world.book(3)
        world.wait_drained(60, "after the second restart")
        world.assert_exact(cancelled=4)
    finally:
        process.kill()


def test_central_stopped_mid_stream_and_restarted(world: World) -> None:
    world.start_central()
    world.edge.start()
    world.book(120)
    world.stop_central()  # mid-stream: some outgoing rows unpublished, acks unrecorded
    world.book(20)
    world.start_central()
    world.edge.kill()
    world.edge.start()
    world.wait_drained(90, "everything once central is back")
    world.assert_exact()
