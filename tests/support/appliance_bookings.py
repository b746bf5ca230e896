"""An appliance site that takes bookings, for the appliance's and the edge's booking tests: the
small catalogue with booking quotas, its window settings and the site's public key, and central's
side of the key pair to sign tokens with. Plain functions and data, no pytest, so helper
processes can import it too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from appliance.bookings import codes
from appliance.bookings.token import BookingClaim, key_id, new_key_pair, sign
from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.clock import ManualClock
from appliance.storage.database import open_database
from tests.support.catalogue_fixtures import WEEKDAY_MORNING, small_document

SITE = "9999-MPP"
TODAY = "2025-03-12"  # WEEKDAY_MORNING's business day
KTP, SKCK = "DUKCAPIL-KTP", "POLRES-SKCK"


def bookable_document(public_key: str, *, version: int | None = None) -> dict[str, Any]:
    """The small catalogue, every service bookable (8 a day), 60-minute slots, a window from
    30 minutes early to 15 late, and `public_key` as the site's booking key."""
    doc = small_document()
    doc["site"]["booking"] = {"slot_minutes": 60, "early_minutes": 30, "late_minutes": 15}
    for service in doc["services"]:
        service["booking_quota"] = 8
    doc["booking_keys"] = [{"kid": key_id(public_key), "public_key": public_key}]
    if version is not None:
        doc["version"] = version
    return doc


def bookable_site(path: Path) -> tuple[SqliteDatabase, ManualClock, str]:
    """A migrated appliance database with the bookable catalogue applied: (db, clock, seed)."""
    db = open_database(path)
    clock = ManualClock(WEEKDAY_MORNING)
    seed, public = new_key_pair()
    apply_catalogue(db, validate_catalogue(bookable_document(public)), clock=clock)
    return db, clock, seed


def signed_booking(
    seed: str,
    *,
    code: str | None = None,
    service: str = KTP,
    date: str = TODAY,
    slot: tuple[str, str] = ("09:00", "10:00"),
    site: str = SITE,
) -> tuple[str, str]:
    """(code, token) of a booking as central signs it."""
    code = code or codes.new_code()
    return code, sign(BookingClaim(site, code, service, date, slot[0], slot[1]), seed)
