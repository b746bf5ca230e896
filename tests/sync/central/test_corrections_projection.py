"""Central rebuilds a counter's corrections from the appliance's real events: an undone done and
an undone transfer (`ticket.undone`), an undone no-show and a missed citizen called by number
(`ticket.restored` then `ticket.called`), and a pause's reason kept in its event."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.queue import outbox
from appliance.storage.database import connected
from sync import protocol
from sync.central.ingest import Ingest
from sync.central.store import EventRow, TicketRow, open_central_database
from tests.support.engine_fixtures import make_site

SITE = "9999-MPP"


@pytest.fixture(params=["sqlite", "postgresql"])
def ingest(request: pytest.FixtureRequest, tmp_path: Path) -> Ingest:
    if request.param == "sqlite":
        return Ingest(open_central_database(f"sqlite:///{tmp_path}/central.db"))
    return Ingest(open_central_database(request.getfixturevalue("postgres_url")))


def test_central_follows_undo_and_call_by_number(ingest: Ingest, tmp_path: Path) -> None:
    site = make_site(tmp_path / "edge.db")
    e = site.engine
    served = e.issue("KTP")
    moved = e.issue("INFO")
    missed = e.issue("KK")
    e.call_next("L02")
    e.start("L02")
    e.done("L02")
    e.undo("L02")  # served: back to serving at L02
    e.call_next("L01")
    e.transfer("L01", "KTP")
    e.undo("L01")  # moved: back at L01, called, INFO
    e.done("L01")
    e.done("L02")
    e.call_next("L02")
    e.no_show("L02")
    e.undo("L02")  # missed: waiting again
    e.call_number("L02", missed.number)
    e.pause("L03", reason="sholat")
    with connected(site.db):
        events = [x.to_wire() for x in outbox.pending(0, 1000)]
    assert "ticket.undone" in {x["type"] for x in events}
    topic = protocol.topic(SITE, protocol.EVENTS)
    reply = ingest.handle(topic, protocol.encode_batch(protocol.make_batch(SITE, events)))
    assert reply is not None and reply.ack.acked_through == len(events)
    with ingest.db.connection_context():
        rows = {t.ticket_id: t for t in TicketRow.select()}
        paused = EventRow.get(EventRow.type == "counter.paused")
    edge = {t.id: t for t in site.tickets()}
    for ticket in (served, moved, missed):
        row, mine = rows[ticket.id], edge[ticket.id]
        assert (row.state, row.service, row.counter) == (
            mine.state,
            mine.service_id,
            mine.counter_id,
        )
    assert (rows[missed.id].state, rows[missed.id].counter) == ("called", "L02")
    assert rows[moved.id].service == "INFO" and rows[moved.id].state == "done"
    assert rows[served.id].state == "done" and rows[served.id].finished_at is not None
    assert '"sholat"' in str(paused.data)
