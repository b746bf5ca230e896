"""Bookings down the wire under faults (issue 18: "exactly once, tested with the same fault proxy
and kills as the event sync"), from the edge's side: a real Mosquitto, `mpp central` as a
subprocess, `mpp sync` reaching the broker through the fault proxy. The edge is SIGKILLed while
batches stream in, the link drops every byte for a while (acks lost both ways), central is
SIGKILLed and started again, and the link turns slow; every booking still arrives exactly once,
in order, and central's ack mark ends at the last change."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from peewee import Database

from sync.central.bookings import book as booking
from sync.central.bookings import outbox
from sync.central.catalogue import push_catalogue
from sync.central.store import open_central_database
from tests.support.appliance_bookings import bookable_site
from tests.support.broker import Mosquitto
from tests.support.proxy import FaultProxy
from tests.support.sync_harness import SITE, EdgeProcess, wait_for
from tests.sync.central.test_e2e import CentralProcess
from tests.sync.test_bookings_e2e import KTP, catalogue

pytestmark = pytest.mark.timeout(300)

JAKARTA = ZoneInfo("Asia/Jakarta")


def make_bookings(db: Database, count: int) -> list[str]:
    """`count` bookings of tomorrow's 10:00 KTP slot, made on central; their codes."""
    now = datetime.now(JAKARTA)
    day = (now + timedelta(days=1)).date().isoformat()
    made = []
    with db.connection_context():
        for _ in range(count):
            row = booking.book(db, booking.Request(SITE, KTP, day, "10:00"), now, JAKARTA)
            made.append(str(row.code))
    return made


def central_acked(db: Database) -> int:
    with db.connection_context():
        return int(outbox.marks(SITE)["acked_through"])


def connections(edge: EdgeProcess) -> int:
    """How many times `mpp sync` has said hello (its log says so at each connect)."""
    try:
        return edge.log.read_text(encoding="utf-8", errors="replace").count("sync: connected")
    except FileNotFoundError:
        return 0


def edge_bookings(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path, timeout=10) as conn:
        return list(conn.execute("SELECT seq, code FROM booking ORDER BY seq"))


def test_every_booking_arrives_once_through_kills_a_dead_link_and_a_slow_one(
    tmp_path: Path, broker: Mosquitto
) -> None:
    site_db = tmp_path / "site" / "edge.db"
    site_db.parent.mkdir()
    bookable_site(site_db)[0].close()
    (tmp_path / "central").mkdir()
    central = CentralProcess(tmp_path / "central", broker.url)
    db = open_central_database(central.db_url)
    doc = catalogue("Asia/Jakarta", version=2)
    doc["services"][1]["booking_quota"] = 10_000  # DUKCAPIL-KTP: places enough for every run
    assert doc["services"][1]["code"] == KTP
    push_catalogue(db, SITE, doc)
    proxy = FaultProxy(broker.port)
    edge = EdgeProcess(tmp_path / "site", site_db, f"mqtt://127.0.0.1:{proxy.port}")
    codes: list[str] = []
    try:
        central.start()
        codes += make_bookings(db, 150)  # while the site is offline

        for delay in (0.0, 0.15, 0.5):  # killed just after its hello: the resend in flight
            seen = connections(edge)
            edge.start()
            wait_for(lambda seen=seen: connections(edge) > seen, 30, "the edge connected")
            time.sleep(delay)
            edge.kill()
        edge.start()
        wait_for(lambda: len(edge_bookings(site_db)) == len(codes), 60, "the first 150")

        proxy.blackhole()  # every byte dropped: batches and acks lost
        codes += make_bookings(db, 30)
        time.sleep(3)
        central.kill()  # central dies with changes unacked
        proxy.heal()
        central.start()
        codes += make_bookings(db, 10)
        proxy.rate = 20_000  # a slow link (bytes/s each way)
        codes += make_bookings(db, 20)
        wait_for(lambda: len(edge_bookings(site_db)) == len(codes), 120, "all of them")
        wait_for(lambda: central_acked(db) == len(codes), 60, "central's ack mark at the end")
    finally:
        edge.kill()
        central.kill()
        proxy.close()
        db.close()

    stored = edge_bookings(site_db)
    assert [seq for seq, _ in stored] == list(range(1, len(codes) + 1))  # each once, in order
    assert [code for _, code in stored] == codes
    with sqlite3.connect(site_db) as conn:
        (through,) = conn.execute(
            "SELECT value FROM state WHERE key = 'bookings.through'"
        ).fetchone()
    assert through == str(len(codes))
