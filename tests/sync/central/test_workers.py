"""Three central ingest workers on the shared subscription, four sites publishing at once through a
real Mosquitto (each edge a killable `mpp sync` subprocess): every site's events are stored exactly
once (no duplicate rows, no gap, no conflict), every worker took a share, the projections hold
every ticket, and the WITA/WIT sites' own hellos tell central their time zones.

The sites' files are built first and closed: the appliance's models are bound to one database per
process, so the edges' marks are read here with plain SQL on each file, never through the models.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from peewee import Database, fn

from sync.central.ingest import Ingest, Reply
from sync.central.store import EventRow, SiteRow, TicketRow
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import SiteSpec, make_site
from tests.support.sync_harness import FAST, Central, EdgeProcess, issue_many, wait_for

pytestmark = pytest.mark.timeout(60)

SITES = {
    "1101-MPP": "Asia/Jakarta",
    "3171-MPP": "Asia/Jakarta",
    "7371-MPP": "Asia/Makassar",
    "9471-MPP": "Asia/Jayapura",
}
TICKETS = 400  # tickets waiting in each site's outbox when the four edges start together


class CountingIngest(Ingest):
    """Ingest that counts the event batches it handled (one instance per worker)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.batches = 0

    def handle(self, topic: str, payload: bytes) -> Reply | None:
        if topic.endswith("/up/events"):
            self.batches += 1
        return super().handle(topic, payload)


def marks(path: Path) -> tuple[int, int, int]:
    """(last_seq, acked_through, tickets) of a site file, read without the appliance's models."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        state = dict(conn.execute("SELECT key, value FROM state").fetchall())
        tickets = conn.execute("SELECT COUNT(*) FROM ticket").fetchone()[0]
    conn.close()
    return int(state.get("outbox.last_seq", 0)), int(state.get("outbox.acked_through", 0)), tickets


def test_three_workers_many_sites_exactly_once(tmp_path: Path, broker: Mosquitto) -> None:
    ingests: list[CountingIngest] = []

    def make_ingest(db: Database) -> Ingest:
        ingests.append(CountingIngest(db))
        return ingests[-1]

    files: dict[str, Path] = {}
    edges: list[EdgeProcess] = []
    for code, zone in SITES.items():
        site = make_site(tmp_path / f"{code}.db", SiteSpec(timezone=zone), settings=FAST)
        issue_many(site, TICKETS)
        site.db.close()
        files[code] = site.path
        workdir = tmp_path / code
        workdir.mkdir()
        edges.append(EdgeProcess(workdir, site.path, broker.url, site=code, batch_size=20))
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url, workers=3, ingest=make_ingest)
    try:
        central.start()
        for edge in edges:
            edge.start()

        def all_acked() -> bool:
            return all(m[0] == m[1] for m in map(marks, files.values()))

        wait_for(all_acked, 30, "every site's outbox acked by central")
    finally:
        for edge in edges:
            edge.kill()
        central.stop()

    assert len(ingests) == 3
    shares = [i.batches for i in ingests]
    assert all(n > 0 for n in shares), shares  # the shared subscription spread the load
    print(f"\nbatches per worker: {shares}")
    total_events = 0
    for code, path in files.items():
        last, acked, tickets = marks(path)
        assert acked == last and tickets == TICKETS
        total_events += last
        assert central.seqs(code) == list(range(1, last + 1)), code
        with central.db.connection_context():
            per_seq = Counter(
                seq
                for (seq,) in EventRow.select(EventRow.seq).where(EventRow.site == code).tuples()
            )
            assert max(per_seq.values()) == 1
            row = SiteRow.get_by_id(code)
            assert row.stored_through == last and row.events_stored == last
            assert row.conflicts == 0 and row.rejected_batches == 0
            assert TicketRow.select().where(TicketRow.site == code).count() == TICKETS
            assert row.timezone == SITES[code]  # from the real edge's hello
    with central.db.connection_context():
        assert EventRow.select(fn.COUNT(EventRow.id)).scalar() == total_events
