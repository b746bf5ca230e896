"""What central shows of a site, rebuilt from its events: the sites list with sync health and
today's figures, a day's tickets, SKM computed as the appliance does (junk answers counted, not
fatal)."""

from __future__ import annotations

import json
import statistics
from datetime import datetime

from appliance.queue import outbox
from appliance.skm.arithmetic import compute
from appliance.storage.database import connected
from sync import protocol
from sync.protocol import Hello
from tests.sync.central.http.world import DAY, GOOD, MIXED, SITE, World, ship


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
