"""Catalogue documents and databases for tests.

Plain functions and data, no pytest, so helper scripts started as subprocesses can import this
module too (they run with the checkout on PYTHONPATH), like `engine_fixtures`.
"""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from peewee import SqliteDatabase

from appliance.catalogue.store import apply_catalogue, load_catalogue, packaged_catalogue
from appliance.clock import ManualClock
from appliance.storage.database import open_database

# ../shared beside the project root, as in CI
SHARED_CATALOGUES = Path(__file__).resolve().parents[3] / "shared" / "data" / "catalogues"
REPO_CATALOGUES = Path(__file__).resolve().parents[2] / "appliance" / "data" / "catalogues"

# (file stem, agencies, services, counters) of the three real-world-shaped catalogues.
REAL_CATALOGUES = (
    ("kota-metro", 32, 246, 58),
    ("lampung-timur", 17, 56, 15),
    ("kota-langsa", 11, 52, 14),
)

# Wednesday 12 March 2025, 09:00 WIB: counters open.
WEEKDAY_MORNING = datetime(2025, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))

_SMALL: dict[str, Any] = {
    "format": "mpp-catalogue/1",
    "site": {
        "code": "9999-MPP",
        "name": "Mal Pelayanan Publik Uji",
        "region_code": "99.99",
        "timezone": "Asia/Jakarta",
        "address": "Jalan Uji 1",
    },
    "hours": {
        "weekly": {
            "mon": ["08:00", "16:00"],
            "tue": ["08:00", "16:00"],
            "wed": ["08:00", "16:00"],
            "thu": ["08:00", "16:00"],
            "fri": ["08:00", "16:30"],
            "sat": None,
            "sun": None,
        },
        "breaks": [
            {"days": ["mon", "tue", "wed", "thu"], "from": "12:00", "to": "13:00", "label": "Ist"},
            {"days": ["fri"], "from": "11:30", "to": "13:30", "label": "Sholat Jumat"},
        ],
    },
    "agencies": [
        {"code": "MPP", "name": "Front Office", "kind": "opd"},
        {"code": "DUKCAPIL", "name": "Dinas Kependudukan", "kind": "opd"},
        {"code": "POLRES", "name": "Kepolisian Resor", "kind": "vertikal"},
    ],
    "services": [
        {
            "code": "MPP-INFORMASI",
            "agency": "MPP",
            "name": "Informasi dan Pendaftaran",
            "prefix": "I",
            "avg_service_minutes": 5,
            "daily_quota": None,
            "requirements": [],
            "fee": "Gratis",
        },
        {
            "code": "DUKCAPIL-KTP",
            "agency": "DUKCAPIL",
            "name": "KTP-el",
            "prefix": "A",
            "avg_service_minutes": 15,
            "daily_quota": 100,
            "requirements": ["Kartu Keluarga", "Surat pengantar"],
            "fee": "Gratis",
        },
        {
            "code": "DUKCAPIL-KK",
            "agency": "DUKCAPIL",
            "name": "Kartu Keluarga",
            "prefix": "A",
            "avg_service_minutes": 20,
            "daily_quota": None,
            "requirements": ["KK lama"],
            "fee": "Gratis",
        },
        {
            "code": "POLRES-SKCK",
            "agency": "POLRES",
            "name": "SKCK",
            "prefix": "K",
            "avg_service_minutes": 10,
            "daily_quota": 50,
            "requirements": ["KTP-el"],
            "fee": "Rp30.000 (PNBP)",
        },
    ],
    "counters": [
        {"code": "L01", "name": "Loket 1", "agency": "MPP", "services": ["MPP-INFORMASI"]},
        {
            "code": "L02",
            "name": "Loket 2",
            "agency": "DUKCAPIL",
            "services": ["DUKCAPIL-KTP", "DUKCAPIL-KK"],
        },
        {"code": "L03", "name": "Loket 3", "agency": "POLRES", "services": ["POLRES-SKCK"]},
    ],
}


def small_document() -> dict[str, Any]:
    """A valid, already normalised catalogue: 3 agencies, 4 services, 3 counters (a fresh copy)."""
    return copy.deepcopy(_SMALL)


def shared_catalogue(name: str) -> Path:
    return SHARED_CATALOGUES / f"{name}.json"


def site_with_catalogue(
    path: Path, name: str = "kota-metro", *, start: datetime = WEEKDAY_MORNING
) -> tuple[SqliteDatabase, ManualClock]:
    """A database file with a packaged catalogue applied, and a clock standing at `start`."""
    db = open_database(path)
    clock = ManualClock(start)
    apply_catalogue(db, load_catalogue(packaged_catalogue(name)), clock=clock)
    return db, clock
