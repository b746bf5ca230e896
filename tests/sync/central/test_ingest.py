"""Central ingest on a real SQLite file, without a broker: exactly once, conflicts, gaps, poison."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from appliance.queue import outbox
from appliance.storage.database import connected
from sync import protocol
from sync.central.ingest import Ingest
from sync.central.store import (
    EventRow,
    QuarantineRow,
    SiteRow,
    SurveyRow,
    TicketRow,
    open_central_database,
)
from sync.protocol import Hello
from tests.support.engine_fixtures import make_site

SITE = "9999-MPP"


def event(seq: int, **over: Any) -> dict[str, Any]:
    base = {
        "seq": seq,
        "id": f"e{seq}",
        "type": "printer.fault",
        "at": "2025-03-12T09:00:00.000+00:00",
        "clock_synced": True,
        "data": {"n": seq},
    }
    return {**base, **over}


def batch(first: int, last: int, site: str = SITE, **over: Any) -> bytes:
    events = [event(s, **over) for s in range(first, last + 1)]
    return protocol.encode_batch(protocol.make_batch(site, events), compress_over=256)


def up(site: str = SITE) -> str:
    return protocol.topic(site, protocol.EVENTS)


@pytest.fixture(params=["sqlite", "postgresql"])
def ingest(request: pytest.FixtureRequest, tmp_path: Path) -> Ingest:
    """Every ingest test runs on SQLite (the default) and on PostgreSQL (production)."""
    if request.param == "sqlite":
        return Ingest(open_central_database(f"sqlite:///{tmp_path}/central.db"))
    return Ingest(open_central_database(request.getfixturevalue("postgres_url")))


def site_row(ingest: Ingest, site: str = SITE) -> SiteRow:
    with ingest.db.connection_context():
        return SiteRow.get_by_id(site)


def seqs(ingest: Ingest, site: str = SITE) -> list[int]:
    with ingest.db.connection_context():
        return [
            e.seq for e in EventRow.select().where(EventRow.site == site).order_by(EventRow.seq)
        ]


def test_batches_stored_once_and_acked(ingest: Ingest) -> None:
    reply = ingest.handle(up(), batch(1, 50))
    assert reply is not None and reply.topic == f"mpp/v1/sites/{SITE}/down/ack"
    assert json.loads(reply.payload) == {"acked_through": 50, "missing": []}
    again = ingest.handle(up(), batch(1, 50))  # a resend after a lost ack
    assert again is not None and again.ack.acked_through == 50
    assert seqs(ingest) == list(range(1, 51))
    row = site_row(ingest)
    assert (row.events_stored, row.duplicates_ignored, row.conflicts) == (50, 50, 0)


def test_gap_reported_then_filled(ingest: Ingest) -> None:
    ingest.handle(up(), batch(1, 10))
    reply = ingest.handle(up(), batch(21, 30))
    assert reply is not None
    assert reply.ack.acked_through == 10 and reply.ack.missing == ((11, 20),)
    reply = ingest.handle(up(), batch(11, 20))
    assert reply is not None and reply.ack.acked_through == 30 and reply.ack.missing == ()
    assert seqs(ingest) == list(range(1, 31))


def test_conflicting_duplicate_quarantined_not_overwritten(ingest: Ingest) -> None:
    ingest.handle(up(), batch(1, 5))
    reply = ingest.handle(up(), batch(4, 6, data={"other": True}))
    assert reply is not None and reply.ack.acked_through == 6
    with ingest.db.connection_context():
        stored = EventRow.get((EventRow.site == SITE) & (EventRow.seq == 4))
        assert json.loads(stored.data) == {"n": 4}
        quarantined = list(QuarantineRow.select().order_by(QuarantineRow.seq))
    assert [q.seq for q in quarantined] == [4, 5]
    assert all("conflict" in q.reason for q in quarantined)
    assert site_row(ingest).conflicts == 2


def test_a_conflict_inside_the_run_is_projected_as_stored_not_as_resent(ingest: Ingest) -> None:
    """The run a batch completes is projected from the batch itself only where the database
    holds what the batch says: a seq stored earlier (above a gap) that the batch contradicts
    keeps its stored content in the projection too."""
    ingest.handle(up(), batch(2, 2, data={"state": "no_paper"}))  # above the gap at 1
    assert site_row(ingest).printer_state is None  # not projected yet: 1 is missing
    reply = ingest.handle(up(), batch(1, 2, data={"state": "cover_open"}))
    assert reply is not None and reply.ack.acked_through == 2
    row = site_row(ingest)
    assert row.conflicts == 1
    assert row.printer_state == "no_paper"  # seq 2 as stored; the resend's content is quarantined


def test_poison_batch_reported_and_later_batches_continue(ingest: Ingest) -> None:
    ingest.handle(up(), batch(1, 3))
    reply = ingest.handle(up(), b"{this is not json")
    assert reply is not None and reply.ack.acked_through == 3
    assert reply.ack.error is not None and reply.ack.error.startswith("bad_json")
    reply = ingest.handle(up(), batch(4, 6))
    assert reply is not None and reply.ack.acked_through == 6
    with ingest.db.connection_context():
        assert [q.reason.split(":")[0] for q in QuarantineRow.select()] == ["bad_json"]
    assert site_row(ingest).rejected_batches == 1


def test_site_publishing_as_another_site_refused(ingest: Ingest) -> None:
    ingest.handle(up("OTHER"), batch(1, 3, site="OTHER"))
    reply = ingest.handle(up("INTRUDER"), batch(4, 6, site="OTHER"))
    assert reply is not None and reply.site == "INTRUDER"
    assert reply.ack.error is not None and "site_mismatch" in reply.ack.error
    assert seqs(ingest, "OTHER") == [1, 2, 3]
    assert seqs(ingest, "INTRUDER") == []
    assert site_row(ingest, "OTHER").stored_through == 3


def test_hello_after_restore_asks_for_everything_lost(ingest: Ingest) -> None:
    ingest.handle(up(), batch(1, 10))
    hello = Hello(SITE, 41, 60, 20, 2, True, "2025-03-12T09:00:00+07:00", "0.1.0")
    reply = ingest.handle(protocol.topic(SITE, protocol.HELLO), protocol.encode_hello(hello))
    assert reply is not None
    assert reply.ack.acked_through == 10 and reply.ack.missing == ((11, 60),)
    row = site_row(ingest)
    assert (row.backlog_reported, row.edge_last_seq, row.online) == (20, 60, True)


def test_status_and_foreign_topics(ingest: Ingest) -> None:
    assert ingest.handle(protocol.topic(SITE, protocol.STATUS), b"online") is None
    assert site_row(ingest).online is True
    ingest.handle(protocol.topic(SITE, protocol.STATUS), b"offline")
    assert site_row(ingest).online is False
    assert ingest.handle("mpp/v1/elsewhere", b"x") is None


def test_tickets_rebuilt_from_real_engine_events(ingest: Ingest, tmp_path: Path) -> None:
    site = make_site(tmp_path / "edge.db")
    a = site.engine.issue("KTP")
    b = site.engine.issue("KTP", priority=True, priority_reason="lansia")
    site.engine.call_next("L02")  # b first: priority
    site.engine.start("L02")
    site.engine.done("L02")
    site.engine.call_next("L02")
    site.engine.recall("L02")
    site.engine.no_show("L02")
    site.clock.advance(timedelta(days=1))
    c = site.engine.issue("INFO")
    with connected(site.db):
        events = [e.to_wire() for e in outbox.pending(0, 1000)]
    # out of order: the second half first, so projection must wait for the gap
    half = len(events) // 2
    reply = ingest.handle(up(), protocol.encode_batch(protocol.make_batch(SITE, events[half:])))
    assert reply is not None and reply.ack.acked_through == 0
    with ingest.db.connection_context():
        assert TicketRow.select().count() == 0
    reply = ingest.handle(up(), protocol.encode_batch(protocol.make_batch(SITE, events[:half])))
    assert reply is not None and reply.ack.acked_through == len(events)
    with ingest.db.connection_context():
        rows = {t.ticket_id: t for t in TicketRow.select()}
    assert rows[b.id].state == "done" and rows[b.id].priority
    assert rows[a.id].state == "no_show" and rows[a.id].recalls == 1
    assert rows[a.id].counter == "L02" and rows[a.id].status_token == a.status_token
    assert rows[c.id].business_date == c.business_date.isoformat()
    assert rows[c.id].state == "waiting" and rows[c.id].number == c.number


def test_a_whole_batch_projects_like_one_event_at_a_time(ingest: Ingest, tmp_path: Path) -> None:
    """apply_events folds a batch in memory; the tickets must equal event-by-event folding."""
    site = make_site(tmp_path / "edge.db")
    e = site.engine
    first = e.issue("KTP")
    e.issue("KK")
    e.issue("INFO")
    e.issue("KTP")
    waiting = e.issue("PBB")
    for step in (lambda: e.call_next("L02"), lambda: e.start("L02")):
        step()
        site.clock.advance(timedelta(minutes=2))
    e.transfer("L02", "KK")  # first: transferred, waiting again for KK
    e.call_next("L02")
    e.recall("L02")
    missed = e.no_show("L02")
    e.restore(missed.id)
    e.call_next("L03")
    e.done("L03")
    e.call_next("L01")
    e.start("L01")
    e.cancel(waiting.id)
    with connected(site.db):
        events = [x.to_wire() for x in outbox.pending(0, 1000)]
    assert {x["type"] for x in events} >= {
        "ticket.issued", "ticket.called", "ticket.started", "ticket.transferred",
        "ticket.recalled", "ticket.no_show", "ticket.restored", "ticket.done", "ticket.cancelled",
    }  # fmt: skip
    other = "9998-MPP"
    for x in events:
        ingest.handle(up(), protocol.encode_batch(protocol.make_batch(SITE, [x])))
    ingest.handle(up(other), protocol.encode_batch(protocol.make_batch(other, events)))

    def tickets(code: str) -> dict[int, dict[str, Any]]:
        with ingest.db.connection_context():
            rows = TicketRow.select().where(TicketRow.site == code).dicts()
            return {r["ticket_id"]: {k: v for k, v in r.items() if k not in ("id", "site")}
                    for r in rows}  # fmt: skip

    one_by_one, batched = tickets(SITE), tickets(other)
    assert len(one_by_one) == 5 and batched == one_by_one
    assert one_by_one[first.id]["service"] == "KK" and one_by_one[first.id]["started_at"]


def test_a_refused_compressed_batch_is_quarantined_on_every_backend(ingest: Ingest) -> None:
    """Compressed payloads carry NUL bytes, which a PostgreSQL text column refuses: the refusal
    must still be kept (readable, as base64), counted and answered, not raise DataError."""
    refused = batch(1, 50, site="OTHER")  # compressed (over 256 bytes), for another site
    assert b"\x00" in refused
    reply = ingest.handle(up(), refused)
    assert reply is not None and reply.ack.error is not None
    assert reply.ack.error.startswith("site_mismatch")
    reply = ingest.handle(up(), b"\x00\x01not a batch\x00")
    assert reply is not None and reply.ack.error is not None
    with ingest.db.connection_context():
        kept = [q.payload for q in QuarantineRow.select().order_by(QuarantineRow.id)]
    assert [base64.b64decode(p.removeprefix("base64:")) for p in kept] == [
        refused,
        b"\x00\x01not a batch\x00",
    ]
    assert site_row(ingest).rejected_batches == 2


def test_a_valid_batch_central_cannot_store_is_refused_not_retried_forever(
    ingest: Ingest,
) -> None:
    """A NUL inside an event's id passes the protocol's checks but not PostgreSQL's text type:
    refused, counted and answered (the edge hears why), and the next batches still go in."""
    reply = ingest.handle(up(), batch(1, 2, id="e\x00"))
    assert reply is not None
    if reply.ack.error is None:  # SQLite stores it as it is
        assert reply.ack.acked_through == 2 and seqs(ingest) == [1, 2]
    else:
        assert reply.ack.error.startswith("unstorable") and reply.ack.acked_through == 0
        assert site_row(ingest).rejected_batches == 1
    reply = ingest.handle(up(), batch(3, 4))
    assert reply is not None and reply.ack.error is None


def test_codes_longer_than_64_characters_are_stored(ingest: Ingest) -> None:
    """The catalogue puts no length limit on service, agency and counter codes; a ticket of a
    long code must be stored and projected, never freeze the site's sync on a varchar(64)."""
    long = "LAYANAN-" + "X" * 80
    issued = event(
        1,
        type="ticket.issued",
        data={
            "ticket_id": 1, "business_date": "2025-03-12", "number": "A" + "0" * 20,
            "service": long, "agency": long, "status_token": "t" * 100, "source": "kiosk-" * 5,
        },
    )  # fmt: skip
    called = event(2, type="ticket.called", data={"ticket_id": 1, "counter": "LOKET-" + "Y" * 70})
    survey = event(3, type="survey.submitted", data={"service": long, "business_date": "x" * 20})
    payload = protocol.encode_batch(protocol.make_batch(SITE, [issued, called, survey]))
    reply = ingest.handle(up(), payload)
    assert reply is not None and reply.ack.acked_through == 3 and reply.ack.error is None
    with ingest.db.connection_context():
        ticket = TicketRow.get()
        assert (ticket.service, ticket.agency) == (long, long)
        assert ticket.counter == "LOKET-" + "Y" * 70
        assert SurveyRow.get().service == long
