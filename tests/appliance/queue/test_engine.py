"""The queue engine's actions one by one: issuing, quotas, refusals and their codes, listeners."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from appliance.queue import events
from appliance.queue.errors import Conflict, Invalid, NotFound, QueueError, Refused
from appliance.queue.transaction import Change
from appliance.storage.database import connected
from appliance.storage.models import (
    CALLED,
    CANCELLED,
    DONE,
    SERVING,
    WAITING,
    Call,
    Counter,
    Ticket,
)
from tests.support.engine_fixtures import EngineSite, make_site


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return make_site(tmp_path / "a.db")


def last_seq(site: EngineSite) -> int:
    found = site.events()
    return found[-1].seq if found else 0


def refused(site: EngineSite, action: object, *args: object, **kwargs: object) -> QueueError:
    """Run a refused action; check it left no trace (no event, no seq used)."""
    before = last_seq(site)
    tickets_before = [(t.id, t.state, t.service_id) for t in site.tickets()]
    assert callable(action)
    with pytest.raises(QueueError) as caught:
        action(*args, **kwargs)
    assert last_seq(site) == before
    assert [(t.id, t.state, t.service_id) for t in site.tickets()] == tickets_before
    return caught.value


# -- issuing ------------------------------------------------------------------------------


def test_numbers_run_per_prefix_shared_by_services(site: EngineSite) -> None:
    issued = [site.engine.issue(code).number for code in ("INFO", "ADUAN", "KTP", "INFO", "KK")]
    assert issued == ["I-001", "I-002", "A-001", "I-003", "A-002"]


def test_issued_ticket_snapshot(site: EngineSite) -> None:
    info = site.engine.issue("KTP", source="kiosk")
    assert info.state == WAITING
    assert (info.prefix, info.sequence, info.number) == ("A", 1, "A-001")
    assert (info.service, info.service_name) == ("KTP", "Layanan KTP")
    assert (info.agency, info.agency_name) == ("DUKCAPIL", "Instansi DUKCAPIL")
    assert info.source == "kiosk" and not info.priority and info.priority_reason is None
    assert info.issued_at == site.clock.now()
    assert info.people_ahead == 0 and info.estimated_wait_minutes == 0
    assert len(info.status_token) >= 16  # token_urlsafe(16): 128 bits, SPEC asks >= 96
    assert site.engine.track(info.status_token) == info
    assert site.engine.ticket(info.id) == info
    event = site.events()[-1]
    assert event.type == events.TICKET_ISSUED
    assert event.data["ticket_id"] == info.id and event.data["number"] == "A-001"
    assert event.data["status_token"] == info.status_token


def test_status_tokens_are_distinct(site: EngineSite) -> None:
    tokens = {site.engine.issue("INFO").status_token for _ in range(30)}
    assert len(tokens) == 30


@pytest.mark.parametrize("reason", [None, "", "sakit jantung", "LANSIA"])
def test_priority_needs_a_category_of_need(site: EngineSite, reason: str | None) -> None:
    error = refused(site, site.engine.issue, "KTP", priority=True, priority_reason=reason)
    assert isinstance(error, Invalid) and error.status == 400
    assert error.code == "invalid_priority_reason"
    assert site.engine.issue("KTP").number == "A-001"  # the refusal used no number


@pytest.mark.parametrize("reason", ["lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana"])
def test_priority_with_each_category(site: EngineSite, reason: str) -> None:
    info = site.engine.issue("KTP", priority=True, priority_reason=reason)
    assert info.priority and info.priority_reason == reason
    assert site.events()[-1].data["priority_reason"] == reason


def test_a_general_ticket_drops_a_stray_reason(site: EngineSite) -> None:
    info = site.engine.issue("KTP", priority=False, priority_reason="lansia")
    assert not info.priority and info.priority_reason is None


def test_unknown_source_is_refused(site: EngineSite) -> None:
    error = refused(site, site.engine.issue, "KTP", source="telepati")
    assert error.code == "invalid_source" and error.status == 400


@pytest.mark.parametrize("code", ["NOPE", "LAMA", "ktp", ""])
def test_unknown_or_inactive_service_is_refused(site: EngineSite, code: str) -> None:
    error = refused(site, site.engine.issue, code)
    assert isinstance(error, NotFound) and error.status == 404
    assert error.code == "unknown_service"


def test_daily_quota_refuses_with_a_reason_and_resets_next_day(site: EngineSite) -> None:
    assert [site.engine.issue("SIM").number for _ in range(3)] == ["B-001", "B-002", "B-003"]
    error = refused(site, site.engine.issue, "SIM")
    assert isinstance(error, Refused) and error.status == 422
    assert error.code == "quota_reached"
    assert "Kuota" in error.message and "3" in error.message
    # Other services are not affected; the next day starts a fresh quota.
    assert site.engine.issue("KTP").number == "A-001"
    site.clock.advance(timedelta(days=1))
    assert site.engine.issue("SIM").number == "B-001"


def test_quota_counts_priority_tickets_too(site: EngineSite) -> None:
    site.engine.issue("SIM", priority=True, priority_reason="lansia")
    site.engine.issue("SIM")
    site.engine.issue("SIM", priority=True, priority_reason="anak")
    assert refused(site, site.engine.issue, "SIM").code == "quota_reached"


# -- counter actions ------------------------------------------------------------------------


def test_a_ticket_through_its_life(site: EngineSite) -> None:
    engine, clock = site.engine, site.clock
    ticket = engine.issue("KTP")
    called = engine.call_next("L02", officer_id=None)
    assert (called.id, called.state, called.counter, called.counter_name) == (
        ticket.id,
        CALLED,
        "L02",
        "Loket 2",
    )
    assert called.called_at == clock.now()
    clock.advance(timedelta(minutes=1))
    recalled = engine.recall("L02")
    assert recalled.recalls == 1 and recalled.state == CALLED
    clock.advance(timedelta(minutes=1))
    started = engine.start("L02")
    assert started.state == SERVING and started.started_at == clock.now()
    clock.advance(timedelta(minutes=7))
    done = engine.done("L02")
    assert done.state == DONE and done.finished_at == clock.now()
    assert [e.type for e in site.events()] == [
        events.TICKET_ISSUED,
        events.TICKET_CALLED,
        events.TICKET_RECALLED,
        events.TICKET_STARTED,
        events.TICKET_DONE,
    ]
    assert site.events()[-1].data["handling_seconds"] == 420.0  # from start, not from call
    with connected(site.db):
        calls = list(Call.select().order_by(Call.seq))
        assert [(c.ticket_id, c.recall, c.counter_id) for c in calls] == [
            (ticket.id, False, "L02"),
            (ticket.id, True, "L02"),
        ]
        assert [c.seq for c in calls] == [2, 3]  # a call's seq is its event's seq
        assert Counter.get_by_id("L02").current_ticket_id is None


def test_call_next_finishes_the_ticket_being_served(site: EngineSite) -> None:
    first, second = site.engine.issue("KTP"), site.engine.issue("KTP")
    site.engine.call_next("L02")
    site.engine.start("L02")
    changes: list[Change] = []
    site.engine.subscribe(changes.append)
    assert site.engine.call_next("L02").id == second.id
    assert site.engine.ticket(first.id).state == DONE
    assert changes[0].events == (events.TICKET_DONE, events.TICKET_CALLED)


def test_call_next_on_an_empty_queue_keeps_the_served_ticket(site: EngineSite) -> None:
    ticket = site.engine.issue("KTP")
    site.engine.call_next("L02")
    site.engine.start("L02")
    assert refused(site, site.engine.call_next, "L02").code == "queue_empty"
    assert site.engine.ticket(ticket.id).state == SERVING
    assert site.engine.done("L02").state == DONE


def test_no_show_then_restore(site: EngineSite) -> None:
    ticket = site.engine.issue("KTP")
    site.engine.call_next("L02")
    assert site.engine.no_show("L02").state == "no_show"
    restored = site.engine.restore(ticket.id)
    assert restored.state == WAITING and restored.counter is None and restored.called_at is None
    assert site.engine.call_next("L03").id == ticket.id


def test_cancel_a_called_ticket_frees_its_counter(site: EngineSite) -> None:
    ticket = site.engine.issue("KTP")
    site.engine.issue("KTP")
    site.engine.call_next("L02")
    assert site.engine.cancel(ticket.id).state == CANCELLED
    assert refused(site, site.engine.done, "L02").code == "no_current_ticket"
    assert site.engine.call_next("L02").state == CALLED


def test_transfer_from_a_counter_frees_it_and_keeps_the_number(site: EngineSite) -> None:
    ticket = site.engine.issue("INFO")
    site.engine.call_next("L01")
    moved = site.engine.transfer("L01", "KTP")
    assert (moved.number, moved.status_token) == (ticket.number, ticket.status_token)
    assert (moved.service, moved.transferred_from, moved.state) == ("KTP", "INFO", WAITING)
    assert moved.counter is None and moved.called_at is None
    event = site.events()[-1]
    assert (event.type, event.data["from_service"], event.data["to_service"]) == (
        events.TICKET_TRANSFERRED,
        "INFO",
        "KTP",
    )
    assert refused(site, site.engine.recall, "L01").code == "no_current_ticket"
    assert site.engine.call_next("L03").id == ticket.id


def test_pause_and_resume(site: EngineSite) -> None:
    site.engine.issue("KTP")
    site.engine.pause("L03")
    assert refused(site, site.engine.call_next, "L03").code == "counter_paused"
    assert refused(site, site.engine.pause, "L03").code == "already_paused"
    site.engine.resume("L03")
    assert refused(site, site.engine.resume, "L03").code == "not_paused"
    assert site.engine.call_next("L03").state == CALLED
    assert [e.type for e in site.events()][1:3] == [events.COUNTER_PAUSED, events.COUNTER_RESUMED]


# -- refusals carry codes ---------------------------------------------------------------------


def test_error_codes(site: EngineSite) -> None:
    engine = site.engine
    expect = {
        "queue_empty": (NotFound, lambda: engine.call_next("L04")),
        "unknown_counter": (NotFound, lambda: engine.call_next("L42")),
        "no_current_ticket": (Conflict, lambda: engine.done("L02")),
        "ticket_not_found": (NotFound, lambda: engine.ticket(9999)),
    }
    for code, (kind, action) in expect.items():
        error = refused(site, action)
        assert (error.code, type(error)) == (code, kind)
        assert error.message

    ticket = engine.issue("KTP")
    engine.call_next("L02")
    assert refused(site, engine.call_next, "L02").code == "counter_busy"
    assert refused(site, engine.restore, ticket.id).code == "wrong_state"
    assert refused(site, engine.transfer_ticket, ticket.id, "KK").code == "wrong_state"
    assert refused(site, engine.transfer, "L02", "KTP").code == "same_service"
    assert refused(site, engine.transfer, "L02", "NOPE").code == "unknown_service"
    engine.start("L02")
    assert refused(site, engine.start, "L02").code == "wrong_state"
    assert refused(site, engine.no_show, "L02").code == "wrong_state"
    assert refused(site, engine.recall, "L02").code == "wrong_state"
    engine.done("L02")
    assert refused(site, engine.cancel, ticket.id).code == "wrong_state"
    assert refused(site, engine.restore, ticket.id).code == "wrong_state"
    engine.pause("L03")
    assert refused(site, engine.call_next, "L03").code == "counter_paused"
    assert refused(site, engine.call_next, "L99").code == "unknown_counter"  # inactive
    assert refused(site, engine.pause, "L99").code == "unknown_counter"
    with pytest.raises(NotFound) as missing:
        engine.track("not-a-token")
    assert missing.value.code == "ticket_not_found" and missing.value.status == 404


def test_error_statuses() -> None:
    assert (NotFound.status, Conflict.status, Refused.status, Invalid.status) == (
        404,
        409,
        422,
        400,
    )


# -- listeners ------------------------------------------------------------------------------


def test_listeners_hear_only_committed_changes(site: EngineSite) -> None:
    seen: list[tuple[str, int, int]] = []

    def listener(change: Change) -> None:
        # A separate connection must already see the change: it was committed before.
        conn = sqlite3.connect(site.path)
        try:
            (stored,) = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE seq = ?", (change.version,)
            ).fetchone()
        finally:
            conn.close()
        seen.append((change.action, change.version, stored))

    site.engine.subscribe(listener)
    site.engine.issue("KTP")
    with pytest.raises(QueueError):
        site.engine.call_next("L04")  # refused: nobody hears about it
    site.engine.call_next("L02")
    assert seen == [("issue", 1, 1), ("call", 2, 1)]


def test_a_failing_listener_does_not_undo_the_action(
    site: EngineSite, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(change: Change) -> None:
        raise RuntimeError("printer on fire")

    later: list[Change] = []
    site.engine.subscribe(broken)
    site.engine.subscribe(later.append)
    with caplog.at_level(logging.ERROR, logger="appliance.queue.transaction"):
        info = site.engine.issue("KTP")
    assert site.engine.ticket(info.id).state == WAITING
    assert [c.action for c in later] == ["issue"]  # the next listener still runs
    assert "listener failed" in caplog.text


def test_change_describes_the_call(site: EngineSite) -> None:
    changes: list[Change] = []
    site.engine.subscribe(changes.append)
    ticket = site.engine.issue("KTP")
    site.engine.call_next("L02")
    call = changes[-1]
    assert (call.action, call.counter, call.events) == ("call", "L02", (events.TICKET_CALLED,))
    assert call.ticket is not None and call.ticket.id == ticket.id
    with connected(site.db):
        assert Call.get_by_id(call.call_id).seq == call.version
        assert Ticket.get_by_id(ticket.id).state == CALLED
