"""Central HTTP on a real SQLite file: every endpoint, role and refusal, with the figures checked
against a real appliance's events shipped through `Ingest` (batches built with sync.protocol)."""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from appliance.queue import outbox
from appliance.queue.transaction import QueueSettings
from appliance.skm.arithmetic import compute
from appliance.skm.questionnaire import load_questionnaire
from appliance.skm.surveys import submit_survey
from appliance.storage.database import connected
from sync import protocol
from sync.central.accounts import add_user, create_token
from sync.central.http import CentralWebSettings, create_central_app
from sync.central.http.openapi import DOCS
from sync.central.ingest import Ingest
from sync.central.store import CatalogueRow, OutgoingRow, open_central_database
from sync.protocol import Hello
from tests.support.catalogue_fixtures import small_document
from tests.support.engine_fixtures import EngineSite, make_site

SITE = "9999-MPP"
PASSWORD = "rahasia-pusat-1"
DAY = "2025-03-12"
GOOD = {f"U{n}": 4 for n in range(1, 10)}
MIXED = {**{f"U{n}": 3 for n in range(1, 10)}, "U4": 2, "U9": 1}


@dataclass
class World:
    site: EngineSite
    ingest: Ingest
    app: Flask
    admin_token: str
    supervisor_token: str
    tickets: dict[str, Any]

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str, token: str | None = None) -> Any:
        return self.client().get(path, headers=self.bearer(token or self.supervisor_token))

    def staff(self, username: str = "pusat") -> tuple[FlaskClient, str]:
        client = self.client()
        r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.json
        return client, r.json["csrf_token"]


def ship(site: EngineSite, ingest: Ingest, after: int = 0) -> int:
    """Send the outbox after `after` to central as one batch; returns the last seq."""
    with connected(site.db):
        events = [e.to_wire() for e in outbox.pending(after, 100_000)]
    batch = protocol.make_batch(SITE, events)
    reply = ingest.handle(protocol.topic(SITE, protocol.EVENTS), protocol.encode_batch(batch))
    assert reply is not None and reply.ack.acked_through == batch.last_seq
    return batch.last_seq


@pytest.fixture
def world(tmp_path: Path) -> World:
    site = make_site(tmp_path / "edge.db", settings=QueueSettings(enforce_hours=False))
    engine, clock = site.engine, site.clock
    t1 = engine.issue("KTP")
    t2 = engine.issue("KTP")
    t3 = engine.issue("KK")
    t4 = engine.issue("INFO")
    t5 = engine.issue("KTP")
    clock.advance(timedelta(minutes=5))
    engine.call_next("L02")  # t1
    clock.advance(timedelta(minutes=1))
    engine.start("L02")
    clock.advance(timedelta(minutes=7))
    engine.done("L02")
    engine.call_next("L03")  # t2, 13 minutes after issue
    engine.recall("L03")
    clock.advance(timedelta(minutes=2))
    engine.start("L03")
    clock.advance(timedelta(minutes=10))
    engine.done("L03")
    engine.call_next("L01")  # t4, still called
    q = load_questionnaire()
    submit_survey(site.db, clock, q, t1.status_token, GOOD, {})
    submit_survey(site.db, clock, q, t2.status_token, MIXED, {})

    db = open_central_database(f"sqlite:///{tmp_path}/central.db")
    ingest = Ingest(db)
    ship(site, ingest)
    ingest.handle(protocol.topic(SITE, protocol.STATUS), protocol.ONLINE)
    add_user(db, "pusat", PASSWORD, "admin")
    add_user(db, "kepala", PASSWORD, "supervisor")
    settings = CentralWebSettings(secret_key="k" * 40, now=lambda: clock.now())
    app = create_central_app(db, settings)
    return World(
        site,
        ingest,
        app,
        create_token(db, "robot", "admin"),
        create_token(db, "layar", "supervisor"),
        {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5},
    )


def minutes(a: str | None, b: str | None) -> float | None:
    if a is None or b is None:
        return None
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 60


# -- the sites list -----------------------------------------------------------------------------


def test_sites_show_sync_health_and_todays_figures_from_the_events(world: World) -> None:
    with connected(world.site.db):
        last = outbox.last_seq()
    r = world.get("/api/v1/central/sites")
    assert r.status_code == 200
    assert r.json["total"] == 1
    s = r.json["items"][0]
    for key in (
        "site",
        "name",
        "online",
        "last_contact",
        "stored_through",
        "events_stored",
        "duplicates_ignored",
        "conflicts",
        "backlog_reported",
    ):
        assert key in s
    assert s["site"] == SITE and s["online"] is True and s["last_contact"]
    assert s["stored_through"] == last and s["events_stored"] == last
    assert s["duplicates_ignored"] == 0 and s["conflicts"] == 0
    tickets = world.site.tickets()
    waits = [m for t in tickets if (m := minutes(t.issued_at, t.called_at)) is not None]
    handling = [
        minutes(t.started_at or t.called_at, t.finished_at) for t in tickets if t.state == "done"
    ]
    today = s["today"]
    assert today["date"] == DAY
    assert today["issued"] == 5 == len(tickets)
    assert today["served"] == 2 and today["waiting"] == 2 and today["in_service"] == 1
    assert today["waiting_p50_minutes"] == round(statistics.median(waits), 1)
    assert today["handling_p50_minutes"] == round(statistics.median(handling), 1)  # type: ignore[type-var]
    expected = compute([GOOD, MIXED], 2)
    assert today["ikm"] == float(expected.ikm) and today["respondents"] == 2
    assert s["ikm_30_days"]["ikm"] == float(expected.ikm)
    # a resend of the same batch is counted, not stored again
    ship(world.site, world.ingest)
    again = world.get(f"/api/v1/central/sites/{SITE}").json
    assert again["duplicates_ignored"] == last and again["events_stored"] == last


def test_hello_reports_backlog_and_offline_status_shows(world: World) -> None:
    hello = Hello(SITE, 10, 40, 31, 0, True, "2025-03-12T02:00:00+00:00", "0.1.0")
    world.ingest.handle(protocol.topic(SITE, protocol.HELLO), protocol.encode_hello(hello))
    world.ingest.handle(protocol.topic(SITE, protocol.STATUS), protocol.OFFLINE)
    s = world.get(f"/api/v1/central/sites/{SITE}").json
    assert s["backlog_reported"] == 31 and s["online"] is False and s["edge_last_seq"] == 40


# -- tickets ------------------------------------------------------------------------------------


def test_day_tickets_are_rebuilt_from_events(world: World) -> None:
    r = world.get(f"/api/v1/central/sites/{SITE}/tickets")
    assert r.status_code == 200 and r.json["date"] == DAY
    got = {t["number"]: t for t in r.json["items"]}
    for t in world.site.tickets():
        mine = got[t.number]
        assert (mine["state"], mine["service"], mine["status_token"], mine["counter"]) == (
            t.state,
            t.service_id,
            t.status_token,
            t.counter_id if t.state != "waiting" else None,
        )
        assert mine["issued_at"] == t.issued_at and mine["called_at"] == t.called_at
    assert got[world.tickets["t2"].number]["recalls"] == 1
    assert world.get(f"/api/v1/central/sites/{SITE}/tickets?date=2025-03-11").json["total"] == 0
    bad = world.get(f"/api/v1/central/sites/{SITE}/tickets?date=12-03-2025")
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_date"
    missing = world.get("/api/v1/central/sites/NOPE/tickets")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "unknown_site"


# -- SKM ----------------------------------------------------------------------------------------


def test_skm_is_appliance_compute_over_synced_answers(world: World) -> None:
    r = world.get(f"/api/v1/central/sites/{SITE}/reports/skm?from={DAY}&to={DAY}")
    assert r.status_code == 200
    expected = compute([GOOD, MIXED], 2)  # population: the two done tickets
    body = r.json
    assert body["respondents"] == 2 and body["population"] == 2
    assert body["ikm"] == str(expected.ikm)  # the appliance report's shape: Decimal strings
    assert body["category"]["letter"] == expected.category.letter  # type: ignore[union-attr]
    assert body["minimum_sample"] == expected.minimum_sample
    assert [e["nrr"] for e in body["elements"]] == [str(e.nrr) for e in expected.elements]
    assert body["invalid_responses"] == 0
    only_kk = world.get(f"/api/v1/central/sites/{SITE}/reports/skm?service=KK").json
    assert only_kk["respondents"] == 0 and only_kk["ikm"] is None and only_kk["population"] == 0
    by_agency = world.get(f"/api/v1/central/sites/{SITE}/reports/skm?agency=DUKCAPIL").json
    assert by_agency["respondents"] == 2
    earlier = world.get(f"/api/v1/central/sites/{SITE}/reports/skm?from=2025-01-01&to=2025-01-31")
    assert earlier.json["respondents"] == 0 and earlier.json["category"] is None
    for query in ("from=2025-03-13&to=2025-03-12", "from=2020-01-01&to=2025-03-12", "to=x"):
        bad = world.get(f"/api/v1/central/sites/{SITE}/reports/skm?{query}")
        assert bad.status_code == 400, query


# -- public status ------------------------------------------------------------------------------


def test_track_json_is_public_and_matches_the_appliance(world: World) -> None:
    t5 = world.tickets["t5"]
    r = world.client().get(f"/api/v1/central/track/{SITE}/{t5.status_token}")
    assert r.status_code == 200
    body = r.json
    assert body["number"] == t5.number and body["state"] == "waiting"
    assert body["people_ahead"] == world.site.engine.track(t5.status_token).people_ahead
    assert not {"id", "status_token", "source", "last_seq"} & set(body)
    assert body["synced_at"]
    for path in (
        f"/api/v1/central/track/{SITE}/unknown-token-123",
        f"/api/v1/central/track/OTHER/{t5.status_token}",
        f"/api/v1/central/track/{SITE}/x",
    ):
        miss = world.client().get(path)
        assert miss.status_code == 404 and miss.json["error"]["code"] == "ticket_not_found"


def test_status_page_renders_the_ticket_in_indonesian_with_local_assets(world: World) -> None:
    t4 = world.tickets["t4"]
    r = world.client().get(f"/t/{SITE}/{t4.status_token}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert t4.number in html and "Dipanggil" in html and "Silakan menuju L01" in html
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert '<meta http-equiv="refresh"' in html  # not final yet
    done = world.client().get(f"/t/{SITE}/{world.tickets['t1'].status_token}")
    assert "Selesai" in done.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' not in done.get_data(as_text=True)
    unknown = world.client().get(f"/t/{SITE}/tidak-ada-tiket-123")
    assert unknown.status_code == 404 and "Tiket tidak ditemukan" in unknown.get_data(True)
    assert world.client().get("/t/bad%20site/abcdefghij").status_code == 404


# -- auth ---------------------------------------------------------------------------------------


def test_api_needs_a_staff_caller(world: World) -> None:
    client = world.client()
    for path in (
        "/api/v1/central/sites",
        f"/api/v1/central/sites/{SITE}",
        f"/api/v1/central/sites/{SITE}/tickets",
        f"/api/v1/central/sites/{SITE}/reports/skm",
        f"/api/v1/central/sites/{SITE}/catalogue",
        "/api/v1/auth/me",
    ):
        r = client.get(path)
        assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized", path
    wrong = client.get("/api/v1/central/sites", headers={"Authorization": "Bearer mppc_nope"})
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "invalid_token"
    basic = client.get("/api/v1/central/sites", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    put = client.put(f"/api/v1/central/sites/{SITE}/catalogue", json=small_document())
    assert put.status_code == 401


def test_supervisor_reads_but_may_not_push(world: World) -> None:
    doc = small_document()
    r = world.client().put(
        f"/api/v1/central/sites/{SITE}/catalogue",
        json=doc,
        headers=world.bearer(world.supervisor_token),
    )
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    client, csrf = world.staff("kepala")
    assert client.get("/api/v1/auth/me").json["role"] == "supervisor"
    r = client.put(
        f"/api/v1/central/sites/{SITE}/catalogue", json=doc, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 403


def test_session_login_csrf_and_logout(world: World) -> None:
    client, csrf = world.staff()
    me = client.get("/api/v1/auth/me").json
    assert me["username"] == "pusat" and me["role"] == "admin" and me["csrf_token"] == csrf
    assert client.get("/api/v1/central/sites").status_code == 200
    url = f"/api/v1/central/sites/{SITE}/catalogue"
    no_csrf = client.put(url, json=small_document())
    assert no_csrf.status_code == 403 and no_csrf.json["error"]["code"] == "csrf_failed"
    wrong = client.put(url, json=small_document(), headers={"X-CSRF-Token": "x" + csrf})
    assert wrong.status_code == 403
    ok = client.put(url, json=small_document(), headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 202
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/v1/central/sites").status_code == 401


def test_login_refusals_and_throttling(world: World) -> None:
    client = world.client()
    assert client.post("/api/v1/auth/login", json={"username": "pusat"}).status_code == 400
    assert client.post("/api/v1/auth/login", data="x", content_type="text/plain").status_code == 415
    bad_json = client.post("/api/v1/auth/login", data="{", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json["error"]["code"] == "invalid_json"
    assert client.post("/api/v1/auth/login", json=[1]).status_code == 400
    for _ in range(5):
        r = client.post("/api/v1/auth/login", json={"username": "pusat", "password": "salah"})
        assert r.status_code == 401 and r.json["error"]["code"] == "login_failed"
    r = client.post("/api/v1/auth/login", json={"username": "pusat", "password": PASSWORD})
    assert (
        r.status_code == 429
    )  # even the right password waits after 5 failures and int(r.headers["Retry-After"]) >= 1
    assert r.json["error"]["code"] == "login_throttled"
    other = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert other.status_code == 429  # the same address is slowed too


# -- catalogue push -----------------------------------------------------------------------------


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


# -- pages, health, OpenAPI, no 5xx -------------------------------------------------------------


def test_dashboard_needs_a_session_and_shows_every_site(world: World) -> None:
    r = world.client().get("/dashboard")
    assert r.status_code == 302 and "/login?next=/dashboard" in r.headers["Location"]
    assert world.client().get("/").status_code == 302
    login = world.client().get("/login?next=//evil.example")
    assert login.status_code == 200 and 'data-next="/dashboard"' in login.get_data(True)
    client, csrf = world.staff("kepala")
    page = client.get("/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dasbor pusat" in html and f'data-site="{SITE}"' in html
    assert "Daring" in html and f'data-csrf="{csrf}"' in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script>" not in html  # no inline script: the CSP would block it
    for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', html):
        with client.get(asset) as served:
            assert served.status_code == 200, asset
    with client.get("/assets/dashboard.js") as served:
        js = served.get_data(as_text=True)
    assert "/api/v1/central/sites" in js and "innerHTML" not in js


def test_healthz_openapi_and_json_errors(world: World) -> None:
    client = world.client()
    assert client.get("/healthz").json == {"ok": True}
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert paths["/api/v1/central/sites/{site}/catalogue"]["put"]["x-required-role"] == "admin"
    assert paths["/api/v1/central/sites"]["get"]["x-required-role"] == "supervisor"
    assert paths["/api/v1/central/track/{site}/{status_token}"]["get"]["security"] == []
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "openapi":
            assert rule.endpoint in DOCS, rule.endpoint
    r = client.get("/api/v1/central/nothing")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.delete("/api/v1/central/sites", headers=world.bearer(world.admin_token))
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/central/sites/%00/tickets",
        "/api/v1/central/sites/" + "A" * 300 + "/tickets",
        f"/api/v1/central/sites/{SITE}/tickets?date=9999-99-99",
        f"/api/v1/central/sites/{SITE}/reports/skm?from=0001-01-01&to=0001-01-02",
        f"/api/v1/central/sites/{SITE}/reports/skm?to=0001-01-05",
        f"/api/v1/central/sites/{SITE}/reports/skm?from=9999-12-31",
        f"/api/v1/central/sites/{SITE}/reports/skm?service=" + "x" * 500,
        "/api/v1/central/track/%0A/%0A",
        f"/api/v1/central/track/{SITE}/" + "a" * 5000,
        "/t/%FF/%FF",
        f"/t/{SITE}/" + "%27%3Cscript%3E" * 3,
        "/api/v1/central/sites/..%2F..%2Fetc/catalogue",
    ],
)
def test_odd_inputs_never_give_a_5xx(world: World, path: str) -> None:
    r = world.get(path, world.admin_token)
    assert 200 <= r.status_code < 500, (path, r.status_code)


def test_stored_junk_answers_are_counted_not_fatal(world: World) -> None:
    """A forged survey event with bad answers is stored (events are the truth) and skipped."""
    with connected(world.site.db):
        last = outbox.last_seq()
    junk = {
        "seq": last + 1,
        "id": "junk-1",
        "type": "survey.submitted",
        "at": "2025-03-12T03:00:00.000+00:00",
        "clock_synced": True,
        "data": {"service": "KTP", "business_date": DAY, "answers": {"U1": 9}},
    }
    batch = protocol.make_batch(SITE, [junk])
    world.ingest.handle(protocol.topic(SITE, protocol.EVENTS), protocol.encode_batch(batch))
    body = world.get(f"/api/v1/central/sites/{SITE}/reports/skm").json
    assert body["respondents"] == 2 and body["invalid_responses"] == 1
    assert json.dumps(body)  # plain JSON


def test_stop_server_ends_a_running_server_with_a_keep_alive_connection_open(
    tmp_path: Path,
) -> None:
    """`stop_server` from another thread: the loop thread closes every socket itself and ends,
    even while a client holds a keep-alive connection (closing only the listening socket left
    the loop selecting on that connection, and racing it could raise EBADF in the thread)."""
    import http.client
    import threading

    from sync.central.http.serve import make_server, stop_server

    db = open_central_database(f"sqlite:///{tmp_path / 'central.db'}")
    server = make_server(db, CentralWebSettings(secret_key="s" * 40), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    client = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=5)
    try:
        client.request("GET", "/healthz")
        assert client.getresponse().read() is not None  # the connection stays open (keep-alive)
        stop_server(server)
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        client.close()
