"""Booking figures in the appliance's period report and its CSV (SPEC §8): made, cancelled,
checked in (and how many on time), no-shows once the window has closed — per service and day,
from real check-ins on a real SQLite file."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from appliance.bookings import codes
from appliance.bookings.checkin import check_in
from appliance.bookings.received import store_changes
from appliance.queue.engine import QueueEngine
from appliance.reports.scope import Scope, build_operations_report
from appliance.storage.database import connected
from tests.appliance.bookings.conftest import KTP, SKCK, TODAY, BookingSite
from tests.support.appliance_bookings import bookable_site
from web.report_csv import operations_csv


@pytest.fixture
def booking_site(tmp_path: Path) -> BookingSite:
    db, clock, seed = bookable_site(tmp_path / "appliance.db")
    return BookingSite(db, clock, QueueEngine(db, clock), seed)


def received(site: BookingSite, seq: int, code: str, service: str, slot: str, kind: str) -> None:
    start, end = slot.split("-")
    change = SimpleNamespace(
        seq=seq,
        kind=kind,
        code=code,
        service=service,
        date=TODAY,
        slot_start=start,
        slot_end=end,
        token="",
    )
    with connected(site.db), site.db.atomic():
        store_changes([change], "2025-03-11T10:00:00+07:00")


def test_bookings_made_checked_in_and_no_shows_per_service(booking_site: BookingSite) -> None:
    site = booking_site
    on_time, late, cancelled, missed, later, skck = (codes.new_code() for _ in range(6))
    received(site, 1, on_time, KTP, "09:00-10:00", "booked")
    received(site, 2, cancelled, KTP, "09:00-10:00", "booked")
    received(site, 3, cancelled, KTP, "09:00-10:00", "cancelled")
    received(site, 4, missed, KTP, "08:00-09:00", "booked")  # never came
    received(site, 5, later, KTP, "13:00-14:00", "booked")  # window still ahead at 10:30
    check_in(site.engine, code=on_time)
    site.clock.advance(timedelta(minutes=20))  # 09:20
    _, token = site.token(code=late, slot=("08:00", "09:00"))  # 09:20 > 09:15: outside
    check_in(site.engine, token=token)  # never received: came as a QR code
    _, token = site.token(code=skck, service=SKCK)
    check_in(site.engine, token=token)

    now = site.clock.now() + timedelta(minutes=70)  # 10:30
    day = site.engine.current_day().date
    report = build_operations_report(site.db, Scope(day, day), now=now)

    figures = report["bookings"]
    assert figures["totals"] == {
        "made": 6,
        "cancelled": 1,
        "checked_in": 3,
        "in_window": 2,
        "no_show": 1,
    }
    ktp = next(d for d in figures["days"] if d["service"] == KTP)
    assert (ktp["date"], ktp["service_name"]) == (TODAY, "KTP-el")
    assert [ktp[f] for f in ("made", "cancelled", "checked_in", "in_window", "no_show")] == [
        5,
        1,
        2,
        1,
        1,
    ]

    only_skck = build_operations_report(site.db, Scope(day, day, service=SKCK), now=now)
    assert only_skck["bookings"]["totals"]["made"] == 1

    tables = operations_csv(report).lstrip("\ufeff").split("\r\n\r\n")
    rows = list(csv.reader(io.StringIO(tables[-1])))
    assert rows[0][:4] == ["Tanggal", "Kode", "Layanan", "Booking"]
    assert rows[-1][3:] == ["6", "1", "3", "2", "1"]
