"""Pushing a catalogue to a site through central: a version is recorded and queued for the
site's retained config topic; refusals; the version must beat what the site reports."""

from __future__ import annotations

from sync import protocol
from sync.central.store import CatalogueRow, OutgoingRow
from sync.protocol import Hello
from tests.support.catalogue_fixtures import small_document
from tests.sync.central.http.world import SITE, World


def test_catalogue_push_records_a_version_and_queues_it(world: World) -> None:
    url = f"/api/v1/central/sites/{SITE}/catalogue"
    admin = world.bearer(world.admin_token)
    doc = small_document()
    doc.pop("version", None)
    first = world.client().put(url, json=doc, headers=admin)
    assert first.status_code == 202 and first.json == {
        "site": SITE,
        "version": 1,
        "state": "queued",
    }
    doc["version"] = 7
    assert world.client().put(url, json=doc, headers=admin).json["version"] == 7
    stale = world.client().put(url, json=doc, headers=admin)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "version_not_newer"
    doc.pop("version")
    assert world.client().put(url, json=doc, headers=admin).json["version"] == 8
    with world.app.extensions["mpp_central"].db.connection_context():
        rows = list(OutgoingRow.select().order_by(OutgoingRow.id))
        assert [r.version for r in rows] == [1, 7, 8]
        assert all(r.topic == f"mpp/v1/sites/{SITE}/down/config" and r.retain for r in rows)
        version, sent = protocol.decode_config(bytes(rows[-1].payload))
        assert version == 8 and sent["site"]["code"] == SITE
        assert CatalogueRow.select().count() == 3
    listed = world.get(url).json
    assert [i["version"] for i in listed["items"]] == [8, 7, 1]
    assert listed["items"][0]["published_at"] is None and listed["items"][0]["applied_at"] is None


def test_catalogue_push_refusals(world: World) -> None:
    url = f"/api/v1/central/sites/{SITE}/catalogue"
    admin = world.bearer(world.admin_token)
    broken = small_document()
    broken["services"][0]["prefix"] = "lower"
    broken["format"] = "other"
    r = world.client().put(url, json=broken, headers=admin)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_catalogue"
    assert len(r.json["error"]["details"]) >= 2
    other = small_document()
    other["site"]["code"] = "1234-MPP"
    r = world.client().put(url, json=other, headers=admin)
    assert r.status_code == 422 and r.json["error"]["code"] == "site_mismatch"
    assert world.client().put(url, json=[1, 2], headers=admin).status_code == 400
    assert (
        world.client()
        .put(url, data="{", headers=admin, content_type="application/json")
        .status_code
        == 400
    )
    r = world.client().put("/api/v1/central/sites/bad site/catalogue", json={}, headers=admin)
    assert r.status_code == 400
    huge = world.client().put(
        url,
        data=b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}',
        headers=admin,
        content_type="application/json",
    )
    assert huge.status_code == 413 and huge.json["error"]["code"] == "too_large"
    with world.app.extensions["mpp_central"].db.connection_context():
        assert OutgoingRow.select().count() == 0


def test_catalogue_version_must_beat_what_the_site_reports(world: World) -> None:
    hello = Hello(SITE, 1, 1, 0, 12, True, "2025-03-12T02:00:00+00:00", "0.1.0")
    world.ingest.handle(protocol.topic(SITE, protocol.HELLO), protocol.encode_hello(hello))
    url = f"/api/v1/central/sites/{SITE}/catalogue"
    doc = small_document()
    doc["version"] = 12
    r = world.client().put(url, json=doc, headers=world.bearer(world.admin_token))
    assert r.status_code == 409
    doc.pop("version")
    r = world.client().put(url, json=doc, headers=world.bearer(world.admin_token))
    assert r.json["version"] == 13
