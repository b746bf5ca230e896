"""More sync stories: lost acks, central restored from an old backup, a catalogue pushed while the
site was offline, a clock jump on the edge. Same exact end check as the fault tests."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from appliance.storage.database import connected
from appliance.storage.models import Service, Site
from sync.central.catalogue import record_push
from sync.central.ingest import Ingest, Reply
from sync.central.store import CatalogueRow, EventRow, TicketRow
from sync.mqtt import BrokerSettings, Connected, LinkEvent, Published, Session
from tests.support.broker import Mosquitto
from tests.support.catalogue_fixtures import small_document
from tests.support.engine_fixtures import EngineSite
from tests.support.sync_harness import (
    SITE,
    Central,
    EdgeProcess,
    assert_exact,
    edge_marks,
    edge_site,
    issue_many,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return edge_site(tmp_path / "edge.db")


@pytest.fixture
def edge(tmp_path: Path, site: EngineSite, broker: Mosquitto) -> Iterator[EdgeProcess]:
    e = EdgeProcess(tmp_path, site.path, broker.url)
    yield e
    e.kill()


def drained(site: EngineSite) -> bool:
    last, acked = edge_marks(site)
    return acked == last


class LosesAcks(Ingest):
    """Commits every batch but 'loses' the ack of the first few (as a dropped link would)."""

    lost = 0

    def handle(self, topic: str, payload: bytes) -> Reply | None:
        reply = super().handle(topic, payload)
        if topic.endswith("/up/events") and LosesAcks.lost < 4:
            LosesAcks.lost += 1
            return None
        return reply


def test_lost_acks_resent_and_deduplicated(
    tmp_path: Path, site: EngineSite, broker: Mosquitto, edge: EdgeProcess
) -> None:
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url, ingest=LosesAcks).start()
    try:
        issue_many(site, 600)
        edge.start()
        wait_for(lambda: drained(site), 60, "drain despite lost acks")
        assert_exact(central, site)
        row = central.site()
        assert LosesAcks.lost == 4
        assert row is not None and row.duplicates_ignored > 0  # resent, stored once
    finally:
        central.stop()


def copy_sqlite(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def test_central_restored_to_older_copy_gets_the_gap_again(
    tmp_path: Path, site: EngineSite, broker: Mosquitto, edge: EdgeProcess
) -> None:
    db_file = tmp_path / "c.db"
    central = Central(f"sqlite:///{db_file}", broker.url).start()
    try:
        issue_many(site, 300)
        edge.start()
        wait_for(lambda: drained(site), 30, "first drain")
        central.stop()
        copy_sqlite(db_file, tmp_path / "old.db")  # last night's backup: seq 1..300
        central.start()
        issue_many(site, 400)
        wait_for(lambda: drained(site), 30, "second drain")
        assert edge_marks(site) == (700, 700)
        # central's disk dies; the old backup is restored
        central.stop()
        central.db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(tmp_path / "old.db", db_file)
        central.reopen()
        assert central.stored_through() == 300
        edge.kill()  # the edge reconnects (as after central's outage) and says hello
        central.start()
        edge.start()
        issue_many(site, 10)
        wait_for(lambda: central.stored_through() == 710, 30, "the gap 301..700 sent again")
        wait_for(lambda: drained(site), 30, "the last ack")
        assert_exact(central, site)
    finally:
        central.stop()


def publish_retained(broker_url: str, topic: str, payload: bytes) -> None:
    import queue

    inbox: queue.Queue[LinkEvent] = queue.Queue()
    session = Session(BrokerSettings(url=broker_url, client_id="test-pusher"), inbox, 1)
    session.start()
    try:
        event = inbox.get(timeout=5)
        assert isinstance(event, Connected)
        mid = session.publish(topic, payload, retain=True)
        assert mid > 0
        while True:
            event = inbox.get(timeout=5)
            if isinstance(event, Published) and event.mid == mid:
                return
    finally:
        session.close()


def test_catalogue_pushed_while_site_offline_applied_on_reconnect(
    tmp_path: Path, site: EngineSite, broker: Mosquitto, edge: EdgeProcess
) -> None:
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url).start()
    try:
        ticket = site.engine.issue("KTP")  # a service the new catalogue no longer has
        doc = small_document()
        doc["version"] = 5
        topic, payload = record_push(central.db, SITE, doc)
        publish_retained(broker.url, topic, payload)  # the site is offline: nobody listens
        edge.start()

        def applied() -> bool:
            with connected(site.db):
                return int(Site.get().catalogue_version) == 5

        wait_for(applied, 30, "catalogue version 5 applied")
        wait_for(lambda: drained(site), 30, "config.applied synced")
        assert_exact(central, site)
        with connected(site.db):
            assert not Service.get_by_id("KTP").active  # deactivated, not deleted
            assert Service.get_by_id("DUKCAPIL-KTP").active
        shown = site.engine.ticket(ticket.id)  # the issued ticket still renders
        assert shown.number == ticket.number and shown.service == "KTP"
        with central.db.connection_context():
            types = [e.type for e in EventRow.select().order_by(EventRow.seq)]
            assert types.count("config.applied") == 1
            assert CatalogueRow.get(CatalogueRow.version == 5).applied_at is not None
        # the retained push arrives again on every connect: applied once only
        edge.kill()
        edge.start()
        wait_for(lambda: (central.site() or central).online is True, 10, "reconnect")  # type: ignore[union-attr]
        site.engine.issue("DUKCAPIL-KTP")
        wait_for(lambda: drained(site), 30, "drain after restart")
        with central.db.connection_context():
            types = [e.type for e in EventRow.select().order_by(EventRow.seq)]
        assert types.count("config.applied") == 1
        assert types[-1] == "ticket.issued"
    finally:
        central.stop()


def test_clock_jump_on_edge_keeps_seq_order(
    tmp_path: Path, site: EngineSite, broker: Mosquitto, edge: EdgeProcess
) -> None:
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url).start()
    try:
        issue_many(site, 20)
        site.clock.jump_to(site.clock.now() - timedelta(hours=5))  # NTP step backwards
        site.clock.set_synchronised(False)
        issue_many(site, 20)
        edge.start()
        wait_for(lambda: drained(site), 30, "drain")
        assert_exact(central, site)
        with central.db.connection_context():
            rows = list(EventRow.select().order_by(EventRow.seq))
            tickets = list(TicketRow.select().order_by(TicketRow.ticket_id))
        ats = [r.at for r in rows]
        assert ats != sorted(ats)  # wall time went backwards...
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))  # ...order is by seq
        assert [r.clock_synced for r in rows][-1] is False
        assert len(tickets) == 40 and all(t.state == "waiting" for t in tickets)
    finally:
        central.stop()
