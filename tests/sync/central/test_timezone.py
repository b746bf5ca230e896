"""A WITA site's "today" on central without any catalogue push: central learns the site's zone from
the site's own `config.applied` event and from its hello (fields added compatibly: an older hello
without them still decodes, and a bad zone is refused, never stored)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.clock import ManualClock
from appliance.queue import outbox
from appliance.queue.engine import QueueEngine
from appliance.queue.transaction import QueueSettings
from appliance.storage.database import connected, open_database
from sync import protocol
from sync.central.accounts import create_token
from sync.central.http import CentralWebSettings, create_central_app
from sync.central.ingest import Ingest
from sync.central.store import SiteRow, open_central_database
from sync.protocol import Hello, ProtocolError
from tests.support.catalogue_fixtures import small_document

SITE = "7371-MPP"  # Makassar
# 16:30 UTC = 23:30 WIB on the 12th = 00:30 WITA on the 13th: the two zones name different days.
NOW = datetime(2025, 3, 12, 16, 30, tzinfo=UTC)
WITA_DAY = "2025-03-13"


def wita_site(path: Path) -> tuple[Any, ManualClock, QueueEngine]:
    doc = small_document()
    doc["site"].update(code=SITE, name="MPP Kota Makassar", timezone="Asia/Makassar")
    db = open_database(path)
    clock = ManualClock(NOW)
    apply_catalogue(db, validate_catalogue(doc), clock=clock)
    return db, clock, QueueEngine(db, clock, QueueSettings(enforce_hours=False))


def central(url: str) -> tuple[Ingest, Flask, str]:
    db = open_central_database(url)
    app = create_central_app(db, CentralWebSettings(secret_key="k" * 40, now=lambda: NOW))
    return Ingest(db), app, create_token(db, "layar", "supervisor")


def site_view(app: Flask, token: str) -> Any:
    r = app.test_client().get(
        f"/api/v1/central/sites/{SITE}", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.json
    return r.json


def test_config_applied_event_tells_central_the_zone(tmp_path: Path, central_url: str) -> None:
    db, _clock, engine = wita_site(tmp_path / "edge.db")
    for _ in range(3):
        engine.issue("DUKCAPIL-KTP")
    with connected(db):
        events = [e.to_wire() for e in outbox.pending(0, 1000)]
    applied = next(e for e in events if e["type"] == "config.applied")
    assert applied["data"]["timezone"] == "Asia/Makassar"
    assert applied["data"]["site_name"] == "MPP Kota Makassar"
    assert {e["data"]["business_date"] for e in events if e["type"] == "ticket.issued"} == {
        WITA_DAY
    }
    ingest, app, token = central(central_url)
    batch = protocol.make_batch(SITE, events)
    ingest.handle(protocol.topic(SITE, protocol.EVENTS), protocol.encode_batch(batch))
    s = site_view(app, token)
    assert s["timezone"] == "Asia/Makassar" and s["name"] == "MPP Kota Makassar"
    assert s["today"]["date"] == WITA_DAY and s["today"]["issued"] == 3


def test_events_without_the_zone_fall_back_to_jakarta(tmp_path: Path, central_url: str) -> None:
    """What an older edge sends: central keeps its configured zone (so WIB's date)."""
    db, _clock, engine = wita_site(tmp_path / "edge.db")
    engine.issue("DUKCAPIL-KTP")
    with connected(db):
        events = [e.to_wire() for e in outbox.pending(0, 1000)]
    for e in events:
        if e["type"] == "config.applied":
            e["data"] = {k: v for k, v in e["data"].items() if k not in ("timezone", "site_name")}
    ingest, app, token = central(central_url)
    ingest.handle(
        protocol.topic(SITE, protocol.EVENTS),
        protocol.encode_batch(protocol.make_batch(SITE, events)),
    )
    s = site_view(app, token)
    assert s["timezone"] == "Asia/Jakarta" and s["today"]["date"] == "2025-03-12"
    assert s["today"]["issued"] == 0  # the site's tickets are dated the 13th (WITA)
    # ... until the site's hello says where it is
    hello = Hello(SITE, 1, 0, 0, 1, True, NOW.isoformat(), "0.2.0", "Asia/Makassar", "MPP Mks")
    ingest.handle(protocol.topic(SITE, protocol.HELLO), protocol.encode_hello(hello))
    s = site_view(app, token)
    assert s["timezone"] == "Asia/Makassar" and s["today"]["date"] == WITA_DAY
    assert s["today"]["issued"] == 1 and s["name"] == "MPP Mks"


def test_hello_fields_are_optional_and_checked() -> None:
    old = Hello(SITE, 1, 5, 4, 2, True, NOW.isoformat(), "0.1.0")
    doc = json.loads(protocol.encode_hello(old))
    assert "timezone" not in doc and "site_name" not in doc  # an old central sees what it knew
    assert protocol.decode_hello(protocol.encode_hello(old)) == old
    new = Hello(SITE, 1, 5, 4, 2, True, NOW.isoformat(), "0.2.0", "Asia/Jayapura", "MPP Jayapura")
    assert protocol.decode_hello(protocol.encode_hello(new)) == new
    for bad in ({"timezone": "Mars/Olympus"}, {"timezone": 7}, {"timezone": "../etc/passwd"}):
        payload = json.dumps({**doc, **bad}).encode()
        with pytest.raises(ProtocolError) as caught:
            protocol.decode_hello(payload)
        assert caught.value.code == "bad_hello"
    with pytest.raises(ProtocolError):
        protocol.decode_hello(json.dumps({**doc, "site_name": "x" * 201}).encode())


def test_a_refused_hello_changes_nothing(central_url: str) -> None:
    ingest, _app, _token = central(central_url)
    good = Hello(SITE, 1, 0, 0, 1, True, NOW.isoformat(), "0.2.0", "Asia/Makassar")
    ingest.handle(protocol.topic(SITE, protocol.HELLO), protocol.encode_hello(good))
    doc = {**json.loads(protocol.encode_hello(good)), "timezone": "Nowhere/Land"}
    reply = ingest.handle(protocol.topic(SITE, protocol.HELLO), json.dumps(doc).encode())
    assert reply is not None and reply.ack.error
    with ingest.db.connection_context():
        row = SiteRow.get_by_id(SITE)
        assert row.timezone == "Asia/Makassar" and row.rejected_batches == 1


def test_an_older_central_database_gets_the_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    db = open_central_database(url)
    with db.connection_context():
        db.execute_sql("ALTER TABLE sites DROP COLUMN timezone")
        SiteRow.insert(code="OLD-1", name="Lama").execute()
    db.close()
    db = open_central_database(url)
    with db.connection_context():
        assert SiteRow.get_by_id("OLD-1").timezone is None
