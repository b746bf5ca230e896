"""Bookings end to end with real processes (issue 18, SPEC §8): a real Mosquitto, `mpp central`
(ingest workers, publisher and its HTTP server in one subprocess), `mpp run` and `mpp sync` on one
appliance database file.

1. A citizen books on central while the site is offline; the site comes back; the booking
   arrives exactly once (and the site's keys with the config); the citizen checks in with the
   QR's token at the kiosk API; the ticket is called before the walk-ins who came first; central
   shows the booking checked in with its number.
2. The site never receives the booking (it has not reached central since): the admin trusts the
   site's public key by hand, the QR is accepted offline, and central reconciles when the
   site comes back and its events arrive; the booking that then comes down is stored once
   beside the check-in.

The site's time zone is picked so that its clock reads about 10:00 when the test runs (a fixed
UTC offset, `Etc/GMT±N`), so a slot later today exists and its window holds now, whatever the
hour of the run; nothing is faked — every process reads the real clock.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sync.central.accounts import create_token
from sync.central.catalogue import push_catalogue
from sync.central.store import open_central_database
from tests.support.broker import Mosquitto
from tests.support.catalogue_fixtures import small_document
from tests.support.live_appliance import Client, LiveAppliance, Prepared, child_env, prepare
from tests.support.sync_harness import ROOT, SITE, EdgeProcess, wait_for
from tests.sync.central.test_e2e import CentralProcess

pytestmark = pytest.mark.timeout(240)

KTP = "DUKCAPIL-KTP"
PUBLIC = "/api/v1/central/public"
MPP = (sys.executable, "-m", "appliance.cli")


def site_zone_now() -> tuple[str, datetime]:
    """A fixed-offset zone where it is about 10:00 now, and now in it."""
    now = datetime.now(UTC)
    offset = 10 - now.hour
    if offset < -12:
        offset += 24
    if offset > 14:
        offset -= 24
    name = f"Etc/GMT{-offset:+d}"  # POSIX sign: Etc/GMT-7 is UTC+7
    return name, now.astimezone(ZoneInfo(name))


def catalogue(zone: str, *, version: int | None = None) -> dict[str, Any]:
    doc = small_document()
    doc["site"]["timezone"] = zone
    day = ["06:00", "20:00"]
    doc["hours"] = {"weekly": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), day)}
    doc["hours"]["breaks"] = []
    doc["site"]["booking"] = {"slot_minutes": 60, "early_minutes": 240, "late_minutes": 240}
    for service in doc["services"]:
        if service["code"] == KTP:
            service["booking_quota"] = 100
    if version is not None:
        doc["version"] = version
    return doc


class World:
    """Central with the site's catalogue pushed (version 2, the site holds version 1), and the
    appliance prepared; nothing of the appliance runs yet."""

    def __init__(self, tmp_path: Path, broker: Mosquitto) -> None:
        zone, self.local_now = site_zone_now()
        self.today = self.local_now.date().isoformat()
        self.slot = f"{self.local_now.hour + 1:02d}:00"
        (tmp_path / "central").mkdir()
        self.central = CentralProcess(tmp_path / "central", broker.url)
        db = open_central_database(self.central.db_url)
        self.admin = create_token(db, "e2e", "admin")
        push_catalogue(db, SITE, catalogue(zone, version=2))
        db.close()
        self.prepared: Prepared = prepare(
            tmp_path / "site",
            catalogue(zone),
            tokens=(("kiosk", "kiosk", ()), ("loket2", "officer", ("L02",))),
        )
        self.appliance = LiveAppliance(self.prepared)
        self.edge = EdgeProcess(tmp_path / "site", self.prepared.db_path, broker.url)

    def book(self) -> dict[str, Any]:
        """A citizen books the next hour's KTP slot on central's public API."""
        status, body, text = self.central.call(
            "POST",
            f"{PUBLIC}/bookings",
            body={"site": SITE, "service": KTP, "date": self.today, "slot_start": self.slot},
        )
        assert status == 201, text
        return dict(body)

    def booking_status(self, token: str) -> dict[str, Any]:
        status, body, text = self.central.call("GET", f"{PUBLIC}/bookings/{token}")
        assert status == 200, text
        return dict(body)

    def site_rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.prepared.db_path, timeout=10) as conn:
            return list(conn.execute(sql))

    def stop(self) -> None:
        self.edge.kill()
        self.appliance.stop()
        self.central.kill()


@pytest.fixture
def world(tmp_path: Path, broker: Mosquitto) -> Iterator[World]:
    w = World(tmp_path, broker)
    w.central.start()
    yield w
    w.stop()


def kiosk(world: World) -> Client:
    return Client(world.prepared.port, world.prepared.tokens["kiosk"])


def test_booked_offline_arrives_once_is_called_first_and_central_sees_it(world: World) -> None:
    made = world.book()  # the site has never connected: central only queues it
    assert made["status"] == "booked" and made["slot_start"] == world.slot

    world.appliance.start()
    world.edge.start()  # the site comes back

    def received() -> bool:
        rows = world.site_rows("SELECT code, seq, origin FROM booking")
        keys = world.site_rows("SELECT origin FROM booking_key")
        return rows == [(made["code"], 1, "sync")] and keys == [("config",)]

    wait_for(received, 60, "the booking and the site's key on the appliance")
    world.edge.stop()  # a reconnect: central resends from the last ack, which is all of it
    world.edge.start()
    later = world.book()  # made while the site is online: it comes down at once

    def both_once() -> bool:
        rows = world.site_rows("SELECT code, seq FROM booking ORDER BY seq")
        return rows == [(made["code"], 1), (later["code"], 2)]

    wait_for(both_once, 60, "the second booking beside the first, each once")
    assert world.site_rows("SELECT value FROM state WHERE key = 'bookings.through'") == [("2",)]

    client = kiosk(world)
    walk_ins = [client.request("POST", "/api/v1/tickets", {"service": KTP})[1] for _ in range(2)]
    status, checked, _ = client.request(
        "POST", "/api/v1/bookings/check-in", {"token": made["token"]}
    )
    assert status == 201, checked
    assert checked["source"] == "booking" and checked["in_window"] is True
    assert checked["booking"]["code"] == made["code"]

    officer = Client(world.prepared.port, world.prepared.tokens["loket2"])
    status, called, _ = officer.request("POST", "/api/v1/counters/L02/next")
    officer.close()
    client.close()
    assert status == 200, called
    assert called["number"] == checked["number"]  # before the two walk-ins who came first
    assert all(w["number"] != called["number"] for w in walk_ins)

    def central_sees_it() -> bool:
        return world.booking_status(made["token"])["status"] == "checked_in"

    wait_for(central_sees_it, 60, "central showing the booking checked in")
    seen = world.booking_status(made["token"])["checked_in"]
    assert seen["number"] == checked["number"] and seen["in_window"] is True
    assert seen["after_cancel"] is False


def test_a_booking_never_received_is_accepted_offline_and_reconciled(world: World) -> None:
    made = world.book()
    status, keys, text = world.central.call(
        "GET", f"/api/v1/central/sites/{SITE}/booking-keys", world.admin
    )
    assert status == 200, text
    public = keys["items"][0]["public_key"]
    trusted = subprocess.run(
        [*MPP, "--config", str(world.prepared.config_path), "bookings", "trust-key", "--", public],
        env=child_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert trusted.returncode == 0, trusted.stderr

    world.appliance.start()  # no `mpp sync`: the site is offline
    client = kiosk(world)
    status, checked, _ = client.request(
        "POST", "/api/v1/bookings/check-in", {"token": made["token"]}
    )
    client.close()
    assert status == 201, checked
    assert checked["in_window"] is True and checked["booking"]["via"] == "token"
    assert world.site_rows("SELECT code, seq, origin FROM booking") == [
        (made["code"], None, "token")
    ]
    assert world.booking_status(made["token"])["status"] == "booked"  # central cannot know yet

    world.edge.start()  # the site comes back: its events go up, the booking comes down

    def reconciled() -> bool:
        return world.booking_status(made["token"])["status"] == "checked_in"

    wait_for(reconciled, 60, "central reconciling the check-in")
    assert world.booking_status(made["token"])["checked_in"]["number"] == checked["number"]
    wait_for(
        lambda: world.site_rows("SELECT seq FROM booking") == [(1,)],
        30,
        "the booking that came down stored beside the check-in",
    )
    assert world.site_rows("SELECT count(*) FROM booking_check_in") == [(1,)]
