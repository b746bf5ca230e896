"""Applying and exporting catalogues (`apply_catalogue`, `export_catalogue`): re-applying
deactivates (not deletes) what a new document drops, keeps issued tickets readable and counter
state, refuses rollbacks and foreign sites, writes one outbox event per apply; export gives back
the last document applied."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from peewee import SqliteDatabase

from appliance.catalogue.store import (
    ApplyResult,
    Catalogue,
    CatalogueError,
    apply_catalogue,
    export_catalogue,
    load_catalogue,
    validate_catalogue,
)
from appliance.clock import ManualClock
from appliance.queue import events, outbox
from appliance.queue.errors import NotFound
from appliance.queue.tickets import ticket_info
from appliance.storage.database import connected, open_database
from appliance.storage.models import Agency, Counter, Service, Site, Ticket
from tests.appliance.catalogue.applied import counts, engine
from tests.support.catalogue_fixtures import (
    WEEKDAY_MORNING,
    shared_catalogue,
    small_document,
)


def config_events(db: SqliteDatabase) -> list[outbox.Event]:
    with connected(db):
        return [e for e in outbox.pending(0, 10**6) if e.type == events.CONFIG_APPLIED]


def test_removed_service_is_deactivated_and_its_tickets_still_read(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    queue = engine(db, clock)
    kk = queue.issue("DUKCAPIL-KK")
    skck = queue.issue("POLRES-SKCK")

    doc = small_document()
    doc["services"] = doc["services"][:2]  # without DUKCAPIL-KK and POLRES-SKCK
    doc["counters"] = doc["counters"][:2]  # without L03 (POLRES)
    doc["counters"][1]["services"] = ["DUKCAPIL-KTP"]
    doc["agencies"] = doc["agencies"][:2]  # without POLRES
    result = apply_catalogue(db, validate_catalogue(doc), clock=clock)

    assert result == ApplyResult(
        version=2,
        added=counts(0, 0, 0),
        updated=counts(0, 0, 1),  # L02 lost a service
        deactivated=counts(1, 2, 1),
    )
    with connected(db):
        assert not Service.get_by_id("DUKCAPIL-KK").active
        assert not Agency.get_by_id("POLRES").active
        assert not Counter.get_by_id("L03").active
        assert Service.select().count() == 4  # nothing deleted
        for issued, service_name, agency_name in (
            (kk, "Kartu Keluarga", "Dinas Kependudukan"),
            (skck, "SKCK", "Kepolisian Resor"),
        ):
            info = ticket_info(Ticket.get_by_id(issued.id))
            assert (info.number, info.service_name, info.agency_name) == (
                issued.number,
                service_name,
                agency_name,
            )
    assert queue.ticket(kk.id).state == "waiting"
    with pytest.raises(NotFound):
        queue.issue("DUKCAPIL-KK")
    exported = export_catalogue(db)
    assert [s["code"] for s in exported["services"]] == ["MPP-INFORMASI", "DUKCAPIL-KTP"]
    assert [c["code"] for c in exported["counters"]] == ["L01", "L02"]

    comeback = apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    assert comeback.updated == counts(1, 2, 2)  # reactivated (L02 also got its service back)
    assert comeback.added == counts(0, 0, 0)
    assert queue.issue("DUKCAPIL-KK").number == "A-002"  # same prefix, same day: numbering goes on
    assert export_catalogue(db)["services"] == small_document()["services"]


def test_changes_are_counted_and_order_follows_the_document(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    doc = small_document()
    doc["services"].reverse()
    doc["services"][0]["name"] = "SKCK Baru"
    doc["services"][0]["requirements"] = ["KTP-el", "Pas foto 4x6"]
    doc["counters"][1]["services"].reverse()
    doc["counters"].append(
        {"code": "L04", "name": "Loket 4", "agency": "POLRES", "services": ["POLRES-SKCK"]}
    )

    result = apply_catalogue(db, validate_catalogue(doc), clock=clock)

    assert result.added == counts(0, 0, 1)
    assert result.updated == counts(0, 4, 1)  # every service moved; L02's order changed
    assert result.deactivated == counts(0, 0, 0)
    exported = export_catalogue(db)
    assert exported.pop("version") == 2
    assert exported == doc
    with connected(db):
        assert [s.code for s in Service.select().order_by(Service.position)] == [
            s["code"] for s in doc["services"]
        ]


def test_counter_state_survives_a_new_catalogue(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    queue = engine(db, clock)
    queue.issue("DUKCAPIL-KTP")
    called = queue.call_next("L02")
    queue.pause("L01")
    doc = small_document()
    doc["counters"][1]["name"] = "Loket 2 (Dukcapil)"

    apply_catalogue(db, validate_catalogue(doc), clock=clock)

    with connected(db):
        assert Counter.get_by_id("L01").paused
        l02 = Counter.get_by_id("L02")
        assert (l02.name, l02.current_ticket_id) == ("Loket 2 (Dukcapil)", called.id)
    assert queue.ticket(called.id).counter_name == "Loket 2 (Dukcapil)"


def test_versions_never_go_backwards(catalogue_db: SqliteDatabase, clock: ManualClock) -> None:
    db = catalogue_db
    doc = small_document()
    assert apply_catalogue(db, validate_catalogue({**doc, "version": 5}), clock=clock).version == 5
    before = len(config_events(db))

    with pytest.raises(CatalogueError, match="older than applied version 5"):
        apply_catalogue(db, validate_catalogue({**doc, "version": 3}), clock=clock)

    assert len(config_events(db)) == before
    with connected(db):
        assert Site.get().catalogue_version == 5
    assert export_catalogue(db)["version"] == 5
    assert apply_catalogue(db, validate_catalogue(doc), clock=clock).version == 6
    assert apply_catalogue(db, validate_catalogue({**doc, "version": 6}), clock=clock).version == 6
    assert apply_catalogue(db, validate_catalogue({**doc, "version": 9}), clock=clock).version == 9


def test_another_site_is_refused_unless_replaced(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue({**small_document(), "version": 7}), clock=clock)
    langsa = load_catalogue(shared_catalogue("kota-langsa"))

    with pytest.raises(CatalogueError, match=r"'9999-MPP'.*'1174-MPP'"):
        apply_catalogue(db, langsa, clock=clock)
    with connected(db):
        assert [s.code for s in Site.select()] == ["9999-MPP"]
        assert Agency.select().count() == 3
    assert len(config_events(db)) == 1

    result = apply_catalogue(db, langsa, clock=clock, replace_site=True)

    assert result.version == 1  # versions count per site
    # Langsa has MPP, DUKCAPIL, MPP-INFORMASI, DUKCAPIL-KK and L01-L14 too.
    assert result.deactivated == counts(1, 2, 0)
    with connected(db):
        assert [s.code for s in Site.select()] == ["1174-MPP"]
    exported = export_catalogue(db)
    exported.pop("version")
    assert exported == langsa.doc


def test_one_outbox_event_per_apply(catalogue_db: SqliteDatabase, clock: ManualClock) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    clock.advance(timedelta(minutes=5))
    clock.set_synchronised(False)
    metro = load_catalogue(shared_catalogue("kota-metro"))
    apply_catalogue(db, metro, clock=clock, replace_site=True)

    with connected(db):
        every = outbox.pending(0, 100)
    assert [e.type for e in every] == [events.CONFIG_APPLIED] * 2
    first, second = every
    assert first.data == {
        "version": 1,
        "site": "9999-MPP",
        "timezone": "Asia/Jakarta",
        "site_name": "Mal Pelayanan Publik Uji",
        "agencies": 3,
        "services": 4,
        "counters": 3,
    }
    assert first.clock_synced
    assert second.data == {
        "version": 1,
        "site": "1872-MPP",
        "timezone": "Asia/Jakarta",
        "site_name": "Mal Pelayanan Publik Kota Metro",
        "agencies": 32,
        "services": 246,
        "counters": 58,
    }
    assert not second.clock_synced
    assert datetime.fromisoformat(second.at) == WEEKDAY_MORNING + timedelta(minutes=5)


def test_site_row_carries_hours_and_zone(catalogue_db: SqliteDatabase, clock: ManualClock) -> None:
    doc = small_document()
    doc["site"]["timezone"] = "WIB"
    apply_catalogue(catalogue_db, validate_catalogue(doc), clock=clock)
    with connected(catalogue_db):
        site = Site.get()
    assert site.timezone == "Asia/Jakarta"
    assert json.loads(site.hours) == small_document()["hours"]
    assert export_catalogue(catalogue_db)["site"]["timezone"] == "Asia/Jakarta"


def test_export_needs_an_applied_catalogue(catalogue_db: SqliteDatabase) -> None:
    with pytest.raises(CatalogueError, match="no catalogue has been applied"):
        export_catalogue(catalogue_db)


@settings(max_examples=25, deadline=None)
@given(
    keep=st.lists(st.booleans(), min_size=4, max_size=4),
    shuffle=st.randoms(use_true_random=False),
)
def test_export_gives_back_the_last_document_applied(keep: list[bool], shuffle: Any) -> None:
    """After any smaller, reordered document replaces the first, export gives back exactly it."""
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "a.db")
        _apply_subset(db, keep, shuffle)


def _apply_subset(db: SqliteDatabase, keep: list[bool], shuffle: Any) -> None:
    clock = ManualClock(WEEKDAY_MORNING)
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    doc = small_document()
    kept = [s for s, k in zip(doc["services"], keep, strict=True) if k] or doc["services"][:1]
    codes = {s["code"] for s in kept}
    doc["services"] = kept
    doc["counters"] = [
        {**c, "services": [s for s in c["services"] if s in codes]}
        for c in doc["counters"]
        if any(s in codes for s in c["services"])
    ]
    used = {s["agency"] for s in kept}
    doc["agencies"] = [a for a in doc["agencies"] if a["code"] in used]
    shuffle.shuffle(doc["services"])
    shuffle.shuffle(doc["counters"])

    catalogue: Catalogue = validate_catalogue(doc)
    apply_catalogue(db, catalogue, clock=clock)

    exported = export_catalogue(db)
    assert exported.pop("version") == 2
    assert exported == catalogue.doc
