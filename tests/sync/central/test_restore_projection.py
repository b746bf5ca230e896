"""Central's view of a day with a restore from backup in the middle (issue 15 item 9).

The box restored from last night's copy numbers its tickets from the copy's ids again, so the
afternoon's tickets reuse ids the lost card already sent that morning. Every ticket of the day
must be in central's ticket view and day figures once, the morning's as the lost card left them
and the afternoon's as the restored box keeps them: the real engine writes the events on both
backends (`central_url`), the edge's own renumbering (`outbox.continue_after`) moves them past
what central holds, central's ingest stores and projects them.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from appliance.queue import outbox
from appliance.storage.backup import backup
from appliance.storage.database import connected
from appliance.storage.state import set_state
from sync import protocol
from sync.central import reports
from sync.central.ingest import Ingest
from sync.central.store import open_central_database
from tests.support.engine_fixtures import EngineSite, make_site, open_site

SITE = "9999-MPP"


def send(ingest: Ingest, site: EngineSite, after: int) -> int:
    """Every event of the box past `after`, in one batch; returns central's ack."""
    with connected(site.db):
        events = [e.to_wire() for e in outbox.events_between(after + 1, 10**9)]
    topic = protocol.topic(SITE, protocol.EVENTS)
    reply = ingest.handle(topic, protocol.encode_batch(protocol.make_batch(SITE, events)))
    assert reply is not None
    return reply.ack.acked_through


def test_the_days_tickets_count_once_after_a_mid_day_restore(
    central_url: str, tmp_path: Path
) -> None:
    ingest = Ingest(open_central_database(central_url))
    lost = make_site(tmp_path / "lost.db")
    yesterday = [lost.engine.issue("KTP"), lost.engine.issue("KK")]  # in last night's copy
    backup(lost.path, tmp_path / "night.db")
    with connected(lost.db):
        night = outbox.last_seq()
    lost.clock.advance(timedelta(days=1))
    morning = [lost.engine.issue(s) for s in ("KTP", "KK", "INFO", "KTP", "PBB")]
    lost.engine.call_next("L01")
    lost.engine.start("L01")
    lost.engine.done("L01")
    lost.engine.call_next("L02")  # the card dies while this one is called
    held = send(ingest, lost, 0)
    as_lost = {t.status_token: t for t in lost.tickets()}
    lost.db.close()

    restored = open_site(tmp_path / "night.db", start=lost.clock.now())
    with restored.db.write():
        set_state(outbox.RESTORED_FROM, str(night))
    afternoon = [restored.engine.issue(s) for s in ("KK", "KTP", "INFO")]
    assert {t.id for t in afternoon} <= {t.id for t in morning}, "the ids are issued again"
    restored.engine.call_next("L01")
    restored.engine.done("L01")
    restored.engine.call_next("L03")
    with connected(restored.db):
        assert outbox.continue_after(restored.db, night, held) > 0
        total = outbox.last_seq()
    assert send(ingest, restored, held) == total
    row_conflicts = ingest.db.execute_sql("SELECT conflicts FROM sites").fetchone()[0]
    assert row_conflicts == 0

    day = lost.clock.now().date()
    with ingest.db.connection_context():
        view = reports.day_tickets(SITE, day)
        figures = reports.day_figures(SITE, day)
    tokens = Counter(t["status_token"] for t in view)
    everyone = morning + afternoon
    assert set(tokens) == {t.status_token for t in everyone}
    assert set(tokens.values()) == {1}, "a ticket counted twice"
    assert figures["issued"] == len(everyone) == len(view)
    by_token = {t["status_token"]: t for t in view}
    as_restored = {t.status_token: t for t in restored.tickets()}
    for tickets, kept, epoch in ((morning, as_lost, 0), (afternoon, as_restored, 1)):
        for ticket in tickets:  # each as the box that issued it left it, in its id's epoch
            seen, mine = by_token[ticket.status_token], kept[ticket.status_token]
            assert (seen["id"], seen["state"], seen["counter"], seen["epoch"]) == (
                mine.id,
                mine.state,
                mine.counter_id,
                epoch,
            )
    assert figures["served"] == 2  # one in the morning, one in the afternoon
    with ingest.db.connection_context():
        before = reports.day_tickets(SITE, day - timedelta(days=1))
    assert [t["status_token"] for t in before] == [t.status_token for t in yesterday]
    ingest.db.close()
