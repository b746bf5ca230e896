"""The outbox: one event per state change, in the action's transaction, seq without gaps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from appliance.queue import events, outbox
from appliance.queue.errors import QueueError
from appliance.queue.transaction import Change
from appliance.storage.database import connected
from tests.support.engine_fixtures import EngineSite, assert_gap_free, make_site


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return make_site(tmp_path / "a.db")


# -- the module -------------------------------------------------------------------------------


def append(site: EngineSite, kind: str = events.PRINTER_FAULT) -> int:
    with connected(site.db), site.db.atomic():
        return outbox.append(site.db, kind, {"why": "test"}, at=site.clock.now(), clock_synced=True)


def test_append_only_inside_a_transaction(site: EngineSite) -> None:
    with connected(site.db), pytest.raises(RuntimeError):
        outbox.append(site.db, events.PRINTER_FAULT, {}, at=site.clock.now(), clock_synced=True)


def test_unknown_event_type_is_refused(site: EngineSite) -> None:
    with pytest.raises(ValueError):
        append(site, "ticket.teleported")


def test_rolled_back_event_gives_its_seq_back(site: EngineSite) -> None:
    assert append(site) == 1
    with connected(site.db), pytest.raises(KeyError), site.db.atomic():
        outbox.append(site.db, events.PRINTER_FAULT, {}, at=site.clock.now(), clock_synced=True)
        raise KeyError("the action failed after writing its event")
    assert append(site) == 2
    assert [e.seq for e in site.events()] == [1, 2]


def test_acks_forget_events_but_seq_is_never_reused(site: EngineSite) -> None:
    for _ in range(5):
        append(site)
    with connected(site.db):
        assert outbox.backlog() == 5
        assert outbox.record_ack(site.db, 3) == 3
        assert [e.seq for e in outbox.pending(0, 100)] == [4, 5]
        assert outbox.record_ack(site.db, 2) == 3  # never backwards
        assert outbox.record_ack(site.db, 99) == 5  # never past what exists
        assert outbox.pending(0, 100) == [] and outbox.backlog() == 0
    assert append(site) == 6
    with connected(site.db):
        assert outbox.last_seq() == 6 and outbox.acked_through() == 5


def test_pending_and_ranges(site: EngineSite) -> None:
    for _ in range(6):
        append(site)
    with connected(site.db):
        assert [e.seq for e in outbox.pending(2, 3)] == [3, 4, 5]
        assert [e.seq for e in outbox.events_between(2, 4)] == [2, 3, 4]
        wire = outbox.pending(0, 1)[0].to_wire()
    assert set(wire) == {"seq", "id", "type", "at", "clock_synced", "data"}
    assert wire["data"] == {"why": "test"}


# -- every state change of the engine --------------------------------------------------------


def test_mixed_workload_writes_exactly_one_event_per_change(site: EngineSite) -> None:
    engine, clock = site.engine, site.clock
    changes: list[Change] = []
    engine.subscribe(changes.append)
    expected: list[tuple[str, int | None]] = []  # (event type, ticket id) in order
    ids: dict[str, int] = {}

    def ok(result: Any, *kinds: tuple[str, str | int | None]) -> Any:
        for kind, who in kinds:
            expected.append((kind, ids[who] if isinstance(who, str) else who))
        return result

    def no(action: Callable[[], object], code: str) -> None:
        before = len(changes)
        with pytest.raises(QueueError) as refused:
            action()
        assert refused.value.code == code
        assert len(changes) == before

    ids["t1"] = engine.issue("KTP").id
    ok(None, (events.TICKET_ISSUED, "t1"))
    ids["t2"] = engine.issue("KTP", priority=True, priority_reason="lansia").id
    ok(None, (events.TICKET_ISSUED, "t2"))
    ids["t3"] = engine.issue("INFO", source="button").id
    ok(None, (events.TICKET_ISSUED, "t3"))
    assert ok(engine.call_next("L02"), (events.TICKET_CALLED, "t2")).id == ids["t2"]
    ok(engine.recall("L02"), (events.TICKET_RECALLED, "t2"))
    clock.advance(timedelta(minutes=2))
    ok(engine.start("L02"), (events.TICKET_STARTED, "t2"))
    clock.advance(timedelta(minutes=9))
    ok(engine.call_next("L02"), (events.TICKET_DONE, "t2"), (events.TICKET_CALLED, "t1"))
    ok(engine.no_show("L02"), (events.TICKET_NO_SHOW, "t1"))
    ok(engine.restore(ids["t1"]), (events.TICKET_RESTORED, "t1"))
    no(lambda: engine.call_next("L04"), "queue_empty")
    no(lambda: engine.start("L02"), "no_current_ticket")
    ok(engine.call_next("L01"), (events.TICKET_CALLED, "t3"))
    ok(engine.transfer("L01", "KTP"), (events.TICKET_TRANSFERRED, "t3"))
    ok(engine.transfer_ticket(ids["t1"], "KK"), (events.TICKET_TRANSFERRED, "t1"))
    ok(engine.cancel(ids["t3"]), (events.TICKET_CANCELLED, "t3"))
    no(lambda: engine.cancel(ids["t3"]), "wrong_state")
    engine.pause("L05")
    ok(None, (events.COUNTER_PAUSED, None))
    engine.resume("L05")
    ok(None, (events.COUNTER_RESUMED, None))
    no(lambda: engine.issue("SIM", priority=True), "invalid_priority_reason")
    for n in range(3):
        ids[f"sim{n}"] = engine.issue("SIM").id
        ok(None, (events.TICKET_ISSUED, f"sim{n}"))
    no(lambda: engine.issue("SIM"), "quota_reached")
    ids["t4"] = engine.issue("KK").id
    ok(None, (events.TICKET_ISSUED, "t4"))
    ok(engine.call_next("L02"), (events.TICKET_CALLED, "t1"))  # t1 kept its place at KK

    # Next morning: the first action expires yesterday's waiting and called tickets.
    clock.advance(timedelta(days=1))
    ids["d2"] = engine.issue("INFO").id
    ok(
        None,
        (events.TICKET_EXPIRED, "t1"),
        (events.TICKET_EXPIRED, "sim0"),
        (events.TICKET_EXPIRED, "sim1"),
        (events.TICKET_EXPIRED, "sim2"),
        (events.TICKET_EXPIRED, "t4"),
        (events.TICKET_ISSUED, "d2"),
    )
    assert engine.close_day() == 0

    written = site.events()
    assert_gap_free((e.seq for e in written), "outbox seq")
    assert [(e.type, e.data.get("ticket_id")) for e in written] == expected
    assert len({e.id for e in written}) == len(written)
    assert all("business_date" in e.data for e in written)
    assert all(e.clock_synced for e in written)

    # Each change carries its own events, and its version is the seq of its last event.
    assert [kind for c in changes for kind in c.events] == [kind for kind, _ in expected]
    last_seqs = []
    position = 0
    for change in changes:
        position += len(change.events)
        last_seqs.append(written[position - 1].seq)
    assert [c.version for c in changes] == last_seqs


def test_event_time_is_the_clocks(site: EngineSite) -> None:
    site.engine.issue("KTP")
    (event,) = site.events()
    assert event.at == site.clock.now().isoformat(timespec="milliseconds")
