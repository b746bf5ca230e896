"""The three real-world-shaped catalogues shipped with the appliance (`appliance.catalogue.store`):
they load, apply and come back out unchanged, the packaged copies are the shared files, and an
applied one issues within its opening hours."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from peewee import SqliteDatabase

from appliance.catalogue import kiosk
from appliance.catalogue.store import (
    ApplyResult,
    CatalogueError,
    apply_catalogue,
    export_catalogue,
    load_catalogue,
    packaged_catalogue,
    packaged_catalogues,
)
from appliance.clock import ManualClock
from appliance.queue.errors import Refused
from appliance.storage.database import connected
from appliance.storage.models import CounterService, Service
from tests.appliance.catalogue.applied import counts, engine
from tests.support.catalogue_fixtures import (
    REAL_CATALOGUES,
    shared_catalogue,
    site_with_catalogue,
)


@pytest.mark.parametrize(("name", "agencies", "services", "counters"), REAL_CATALOGUES)
def test_real_catalogue_loads_applies_and_round_trips(
    name: str,
    agencies: int,
    services: int,
    counters: int,
    catalogue_db: SqliteDatabase,
    clock: ManualClock,
) -> None:
    catalogue = load_catalogue(shared_catalogue(name))
    assert catalogue.counts == counts(agencies, services, counters)
    assert (catalogue.agency_count, catalogue.service_count, catalogue.counter_count) == (
        agencies,
        services,
        counters,
    )
    assert catalogue.version is None
    # Already normalised files: validation changes nothing.
    assert catalogue.doc == json.loads(shared_catalogue(name).read_text(encoding="utf-8"))

    result = apply_catalogue(catalogue_db, catalogue, clock=clock)

    assert result == ApplyResult(
        version=1,
        added=counts(agencies, services, counters),
        updated=counts(0, 0, 0),
        deactivated=counts(0, 0, 0),
    )
    exported = export_catalogue(catalogue_db)
    assert exported.pop("version") == 1
    assert exported == catalogue.doc
    # Same order everywhere, keys included.
    assert json.dumps(exported, ensure_ascii=False) == json.dumps(catalogue.doc, ensure_ascii=False)
    with connected(catalogue_db):
        assert Service.select().count() == services
        assert CounterService.select().count() == sum(
            len(c["services"]) for c in catalogue.doc["counters"]
        )


@pytest.mark.parametrize("name", [row[0] for row in REAL_CATALOGUES])
def test_packaged_catalogue_is_the_shared_file(name: str) -> None:
    """The shared file, plus at most the kiosk's optional words (short names, icons, groups,
    aliases: appliance/catalogue/kiosk.py), in the same layout."""
    path = packaged_catalogue(name)
    assert path.is_file()
    assert path.parent.parent.parent.name == "appliance"
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
    shared = json.loads(shared_catalogue(name).read_text("utf-8"))
    assert _without_kiosk_words(json.loads(text)) == shared
    assert packaged_catalogue(f"{name}.json") == path


def _without_kiosk_words(doc: dict[str, Any]) -> dict[str, Any]:
    for key in kiosk.SITE_KEYS:
        doc["site"].pop(key, None)
    for section, keys in (("agencies", kiosk.AGENCY_KEYS), ("services", kiosk.SERVICE_KEYS)):
        for item in doc[section]:
            for key in keys:
                item.pop(key, None)
    return doc


def test_packaged_catalogue_refuses_unknown_names() -> None:
    assert packaged_catalogues() == ["kota-langsa", "kota-metro", "lampung-timur"]
    for name in ("kota-metroo", "../models", "", "KOTA-METRO"):
        with pytest.raises(CatalogueError, match="known: kota-langsa, kota-metro"):
            packaged_catalogue(name)


def test_applied_real_catalogue_issues_within_its_hours(tmp_path: Path) -> None:
    db, clock = site_with_catalogue(tmp_path / "a.db", "kota-langsa")
    queue = engine(db, clock, enforce_hours=True)
    assert queue.issue("MPP-INFORMASI").number == "I-001"
    clock.jump_to(datetime(2025, 3, 15, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # Saturday
    with pytest.raises(Refused) as refused:
        queue.issue("MPP-INFORMASI")
    assert refused.value.code == "closed_today"
