"""A central that offers bookings: a catalogue with booking quotas pushed to the test site, and a
fixed moment to book from (shared by central's booking tests and their helper processes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Database

from sync.central.catalogue import push_catalogue
from tests.support.catalogue_fixtures import small_document
from tests.support.sync_harness import SITE

JAKARTA = ZoneInfo("Asia/Jakarta")
# Wednesday 12 March 2025, 09:00 WIB; Thursday's slots: 08, 09, 10, 11, 13, 14, 15 (12-13 a break).
NOW = datetime(2025, 3, 12, 9, 0, tzinfo=JAKARTA)
THURSDAY = "2025-03-13"
KTP, SKCK = "DUKCAPIL-KTP", "POLRES-SKCK"
KTP_QUOTA = 10  # Thursday: 2, 2, 2, 1, 1, 1, 1 places


def bookable_document() -> dict[str, Any]:
    doc = small_document()
    doc.pop("version", None)
    doc["site"]["booking"] = {"slot_minutes": 60, "horizon_days": 14, "late_minutes": 15}
    for service in doc["services"]:
        if service["code"] == KTP:
            service["booking_quota"] = KTP_QUOTA
        if service["code"] == SKCK:
            service["booking_quota"] = 3
    return doc


def offer_bookings(db: Database) -> int:
    """Push the bookable catalogue to SITE; its version."""
    return push_catalogue(db, SITE, bookable_document(), keys_at=NOW).version
