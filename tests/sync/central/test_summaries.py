"""The sites list (`sync.central.summaries`, behind GET /api/v1/central/sites and /dashboard) is
`reports.site_summary` of every site, read with a few grouped queries: the same figures on both
backends for sites in several zones (so several "todays"), tickets in every state, junk survey
answers, catalogues good and unreadable; what it keeps is read again when a site stores events;
and the number of queries a poll makes does not grow with the number of sites (B12: one query
per figure per site was over 2,000 round trips per poll at 500 sites)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from peewee import Database

from sync import protocol
from sync.central import reports
from sync.central.accounts import add_user, create_token
from sync.central.brokerlink import link_state
from sync.central.http import CentralWebSettings, create_central_app
from sync.central.ingest import Ingest
from sync.central.store import CatalogueRow, SiteRow, open_central_database
from sync.central.summaries import SiteSummaries

# 16:30 UTC: the 12th in Jakarta (23:30 WIB), the 13th in Makassar and Jayapura.
NOW = datetime(2025, 3, 12, 16, 30, tzinfo=UTC)
JAKARTA = ZoneInfo("Asia/Jakarta")
PASSWORD = "rahasia-pusat-1"
GOOD = {f"U{n}": 4 for n in range(1, 10)}
MIXED = {**{f"U{n}": 3 for n in range(1, 10)}, "U4": 2, "U9": 1}
LOW = {f"U{n}": 2 for n in range(1, 10)}


class Site:
    """A simulated appliance: wire events numbered from 1, sent to central as batches."""

    def __init__(self, code: str, ingest: Ingest) -> None:
        self.code, self.ingest = code, ingest
        self.events: list[dict[str, Any]] = []
        self.sent = 0
        self.tickets = 0

    def event(self, kind: str, at: str, data: dict[str, Any]) -> None:
        seq = len(self.events) + 1
        self.events.append(
            {
                "seq": seq,
                "id": uuid.uuid4().hex,
                "type": kind,
                "at": at,
                "clock_synced": True,
                "data": data,
            }
        )

    def ticket(self, day: str, times: list[str], end: str = "ticket.done") -> int:
        """A ticket issued at times[0] and taken through called, started, `end` at the next."""
        self.tickets += 1
        tid = self.tickets
        self.event(
            "ticket.issued",
            times[0],
            {
                "ticket_id": tid,
                "business_date": day,
                "number": f"A-{tid:03d}",
                "service": "KTP",
                "agency": "DUKCAPIL",
                "status_token": uuid.uuid4().hex[:22],
            },
        )
        steps = ["ticket.called", "ticket.started", end]
        for kind, at in zip(steps, times[1:], strict=False):
            self.event(kind, at, {"ticket_id": tid, "counter": "L01"})
        return tid

    def survey(self, day: str, answers: Any) -> None:
        self.event(
            "survey.submitted",
            f"{day}T09:00:00.000+07:00",
            {"service": "KTP", "business_date": day, "answers": answers, "respondent": {}},
        )

    def ship(self) -> None:
        batch = protocol.make_batch(self.code, self.events[self.sent :])
        reply = self.ingest.handle(
            protocol.topic(self.code, protocol.EVENTS), protocol.encode_batch(batch)
        )
        assert reply is not None and reply.ack.acked_through == batch.last_seq
        self.sent = len(self.events)


def a_day(site: Site, day: str, offset: str, k: int, odd: str = "") -> None:
    """Tickets in every state, times with milliseconds, a handling time from `called` when the
    ticket was never started, surveys good, mixed and junk; `k` varies the figures. `odd`
    adds a ticket with "broken" times (not a time) or "naive" ones (no offset, which Python
    reads)."""
    t = f"{day}T08:%02d:%02d.%03d{offset}"
    for n in range(3 + k):  # done, with odd seconds and milliseconds
        site.ticket(
            day, [t % (n, 0, 0), t % (n + 7, 13 + k, 250), t % (n + 9, 1, 0), t % (n + 20, 7, 5)]
        )
    site.ticket(day, [t % (1, 0, 0)])  # waiting
    site.ticket(day, [t % (2, 0, 0), t % (3, 30, 0)])  # called
    site.ticket(day, [t % (2, 0, 0), t % (4, 0, 0), t % (5, 0, 0)])  # serving
    no_show = site.ticket(day, [t % (2, 0, 0), t % (14, 0, 0)])
    site.event("ticket.no_show", t % (15, 0, 0), {"ticket_id": no_show})
    tid = site.ticket(day, [t % (3, 0, 0), t % (6, 0, 0)])  # done straight from called
    site.event("ticket.done", t % (16 + k, 0, 500), {"ticket_id": tid})
    site.ticket(day, [t % (30, 0, 0), t % (20, 0, 0)])  # called "before" issue: no wait
    # other ways of writing a moment: Z, one to six decimals, crossing midnight UTC
    site.ticket(day, [f"{day}T00:59:59.5Z", f"{day}T01:03:07.250001Z", f"{day}T01:04:00Z"])
    site.ticket(day, [f"{day}T07:00:00-01:00", f"{day}T08:00:00.1+00:00"])
    if odd == "broken":
        site.ticket(day, [t % (31, 0, 0), "not a time"])  # no wait
    elif odd == "naive":
        site.ticket(day, [f"{day}T08:40:00", f"{day}T08:47:30"])  # 7.5 minutes to Python
    for answers in [GOOD, MIXED, LOW][: 1 + k % 3] + [GOOD] * k:
        site.survey(day, answers)
    site.survey(day, {"U1": 4})  # incomplete: counted as junk, never used
    site.survey(day, "rubbish")


def document(zone: str, name: str) -> str:
    return json.dumps(
        {
            "site": {"code": "X", "name": name, "timezone": zone},
            "services": [{"code": "KTP", "name": "KTP-el"}],
            "agencies": [{"code": "DUKCAPIL", "name": "Dukcapil"}],
            "counters": [{"code": "L01", "name": "Loket 1"}],
        }
    )


def push(site: str, version: int, doc: str) -> None:
    CatalogueRow.create(
        site=site, version=version, document=doc, pushed_at="2025-03-01T00:00:00+00:00"
    )


def build(db: Database, ingest: Ingest, first: int, count: int) -> list[Site]:
    """`count` sites: by turns WIB without a catalogue, WITA from its catalogue, WIT reported by
    the site itself over an older WIB catalogue, and an unreadable catalogue."""
    sites = []
    with db.connection_context():
        for n in range(first, first + count):
            site = Site(f"{9000 + n}-MPP", ingest)
            kind = n % 4
            if kind == 1:
                push(site.code, 1, document("Asia/Jakarta", "lama"))
                push(site.code, 2, document("Asia/Makassar", f"MPP {n}"))
                a_day(site, "2025-03-13", "+08:00", n % 3)
                a_day(site, "2025-03-12", "+08:00", 1)  # yesterday there
            elif kind == 2:
                push(site.code, 1, document("Asia/Jakarta", f"MPP {n}"))
                site.event(
                    "config.applied",
                    "2025-03-12T07:00:00.000+09:00",
                    {"version": 1, "timezone": "Asia/Jayapura", "site_name": ""},
                )
                a_day(site, "2025-03-13", "+09:00", n % 3)
            elif kind == 3:
                push(site.code, 1, "{not json")
                a_day(site, "2025-03-12", "+07:00", n % 3, odd="broken")
            else:
                a_day(site, "2025-03-12", "+07:00", n % 3, odd="naive")
                a_day(site, "2025-02-20", "+07:00", 2)  # within the 30 days
                a_day(site, "2025-02-01", "+07:00", 1)  # before them
            sites.append(site)
    for site in sites:
        site.ship()
    return sites


def one_by_one(db: Database) -> list[dict[str, Any]]:
    """The straightforward list: `site_summary` of each site, each with its own queries."""
    with db.connection_context():
        link = link_state()
        rows = SiteRow.select().order_by(SiteRow.code)
        return [reports.site_summary(row, JAKARTA, NOW, link) for row in rows]


def grouped(db: Database, summaries: SiteSummaries) -> list[dict[str, Any]]:
    with db.connection_context():
        return summaries.site_summaries(JAKARTA, NOW, link_state())


@pytest.fixture
def central(central_url: str) -> tuple[Database, Ingest]:
    db = open_central_database(central_url)
    return db, Ingest(db)


def test_the_grouped_list_equals_site_summary_of_each_site(
    central: tuple[Database, Ingest],
) -> None:
    db, ingest = central
    sites = build(db, ingest, 0, 8)
    expected = one_by_one(db)
    # the world is what it should be: several todays, every state, medians, IKM, junk left out
    assert {s["today"]["date"] for s in expected} == {"2025-03-12", "2025-03-13"}
    assert {s["timezone"] for s in expected} == {
        "Asia/Jakarta",
        "Asia/Makassar",
        "Asia/Jayapura",
    }
    assert all(s["today"]["issued"] >= 10 for s in expected)
    assert all(s["today"]["waiting_p50_minutes"] is not None for s in expected)
    assert all(s["today"]["handling_p50_minutes"] is not None for s in expected)
    assert all(s["today"]["no_show"] == 1 == s["today"]["waiting"] for s in expected)
    assert {s["ikm_30_days"]["ikm"] for s in expected} >= {100.0}
    assert len({s["ikm_30_days"]["ikm"] for s in expected}) >= 3
    assert {s["name"] for s in expected} >= {"MPP 1", "MPP 2", "9003-MPP"}

    summaries = SiteSummaries()
    assert grouped(db, summaries) == expected  # read
    assert grouped(db, summaries) == expected  # kept

    # one site stores more events: its figures are read again, the others' kept ones still hold
    changed = sites[0]
    a_day(changed, "2025-03-12", "+07:00", 2)
    changed.ship()
    after = one_by_one(db)
    assert after != expected
    assert grouped(db, summaries) == after

    # a newer catalogue moves a site's zone, name and so its today
    with db.connection_context():
        push(sites[3].code, 2, document("Asia/Makassar", "MPP baru"))
    after = one_by_one(db)
    assert after[3]["name"] == "MPP baru" and after[3]["today"]["date"] == "2025-03-13"
    assert grouped(db, summaries) == after
    assert grouped(db, SiteSummaries()) == after


def test_kept_figures_are_read_again_when_old(central: tuple[Database, Ingest]) -> None:
    """Only a site's stored events change its figures; anything else (a database restored
    under a running central) is seen after MAX_AGE_S at the latest."""
    db, ingest = central
    build(db, ingest, 0, 2)
    clock = [0.0]
    summaries = SiteSummaries(clock=lambda: clock[0])
    before = grouped(db, summaries)
    with db.connection_context():
        db.execute_sql("DELETE FROM survey_responses")
    assert grouped(db, summaries) == before  # kept: no events stored
    clock[0] += 301
    assert grouped(db, summaries) == one_by_one(db) != before


@contextmanager
def counting(db: Database) -> Iterator[Callable[[], int]]:
    """Counts the statements run through `db` (every peewee query goes through execute_sql)."""
    seen: list[str] = []
    real = db.execute_sql

    def execute_sql(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        seen.append(sql)
        return real(sql, params, *args, **kwargs)

    db.execute_sql = execute_sql
    try:
        yield lambda: len(seen)
    finally:
        del db.execute_sql


def polls(db: Database) -> tuple[int, int, int]:
    """Statements of one sites API poll and one dashboard load by a fresh central app (nothing
    kept yet), and of the API poll again (everything kept)."""
    app: Flask = create_central_app(db, CentralWebSettings(secret_key="k" * 40, now=lambda: NOW))
    api = app.test_client()
    token = {
        "Authorization": f"Bearer {create_token(db, f'robot-{uuid.uuid4().hex[:8]}', 'admin')}"
    }
    with counting(db) as api_cold:
        assert api.get("/api/v1/central/sites", headers=token).status_code == 200
    pages = app.test_client()
    login = {"username": "pusat", "password": PASSWORD}
    assert pages.post("/api/v1/auth/login", json=login).status_code == 200
    with counting(db) as dashboard_warm:
        assert pages.get("/dashboard").status_code == 200
    with counting(db) as api_warm:
        assert api.get("/api/v1/central/sites", headers=token).status_code == 200
    return api_cold(), dashboard_warm(), api_warm()


def test_a_poll_makes_as_many_queries_for_9_sites_as_for_3(
    central: tuple[Database, Ingest],
) -> None:
    """Fails if the sites list goes back to reading each site on its own."""
    db, ingest = central
    add_user(db, "pusat", PASSWORD, "admin")
    build(db, ingest, 0, 3)
    few = polls(db)
    build(db, ingest, 3, 6)
    many = polls(db)
    assert many == few
    api_cold, _dashboard, api_warm = many
    # nothing kept: the catalogues (1), and per "today" (2 here) the tickets and answers (2)
    assert api_cold == api_warm + 1 + 2 * 2
