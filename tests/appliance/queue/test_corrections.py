"""The counter's rules and corrections: no-show only after the configured recalls, undo of the
last no-show, done or transfer (same officer, short window, one event), calling a given number,
and a pause's reason."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from appliance.queue import events
from appliance.queue.corrections import UNDO_WINDOW_S
from appliance.queue.errors import QueueError
from appliance.queue.transaction import QueueSettings
from appliance.storage.database import connected
from appliance.storage.models import CALLED, DONE, NO_SHOW, SERVING, WAITING, Counter, Officer
from appliance.storage.state import get_state
from tests.support.engine_fixtures import EngineSite, make_site

SARI, BUDI = 7, 8  # officer ids as the web passes them


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    site = make_site(tmp_path / "a.db", settings=QueueSettings(recalls_before_no_show=2))
    with connected(site.db), site.db.atomic():
        for officer_id, name in ((SARI, "sari"), (BUDI, "budi")):
            Officer.create(
                id=officer_id, username=name, password_hash="-", role="officer", created_at="-"
            )
    return site


def refused(site: EngineSite, action: object, *args: object, **kwargs: object) -> QueueError:
    """A refused action leaves no event and no changed ticket."""
    before = [e.seq for e in site.events()]
    tickets = [(t.id, t.state, t.service_id, t.counter_id) for t in site.tickets()]
    assert callable(action)
    with pytest.raises(QueueError) as caught:
        action(*args, **kwargs)
    assert [e.seq for e in site.events()] == before
    assert [(t.id, t.state, t.service_id, t.counter_id) for t in site.tickets()] == tickets
    return caught.value


def current(site: EngineSite, counter: str) -> int | None:
    with connected(site.db):
        found: int | None = Counter.get_by_id(counter).current_ticket_id
        return found


# -- recalls before a no-show ----------------------------------------------------------------


def test_no_show_is_offered_only_after_the_configured_recalls(site: EngineSite) -> None:
    engine = site.engine
    ticket = engine.issue("KTP")
    engine.call_next("L02")
    error = refused(site, engine.no_show, "L02")
    assert (error.code, error.status, error.params["recalls"]) == ("recall_first", 409, 0)
    engine.recall("L02")
    assert refused(site, engine.no_show, "L02").params["recalls"] == 1
    engine.recall("L02")
    assert engine.no_show("L02").state == NO_SHOW
    assert engine.ticket(ticket.id).recalls == 2


def test_zero_recalls_allows_a_no_show_at_once(tmp_path: Path) -> None:
    site = make_site(tmp_path / "a.db", settings=QueueSettings(recalls_before_no_show=0))
    site.engine.issue("KTP")
    site.engine.call_next("L02")
    assert site.engine.no_show("L02").state == NO_SHOW


def test_recall_is_for_a_called_ticket_only(site: EngineSite) -> None:
    site.engine.issue("KTP")
    site.engine.call_next("L02")
    site.engine.start("L02")
    assert refused(site, site.engine.recall, "L02").code == "wrong_state"


# -- undo --------------------------------------------------------------------------------------


def test_undo_a_no_show_restores_the_ticket_at_its_place(site: EngineSite) -> None:
    engine = site.engine
    first, second = engine.issue("KTP"), engine.issue("KTP")
    engine.call_next("L02", officer_id=SARI)
    engine.recall("L02", officer_id=SARI)
    engine.recall("L02", officer_id=SARI)
    engine.no_show("L02", officer_id=SARI)
    undone = engine.undo("L02", officer_id=SARI)
    assert (undone.id, undone.state, undone.counter) == (first.id, WAITING, None)
    event = site.events()[-1]
    assert (event.type, event.data["undo"], event.data["counter"]) == (
        events.TICKET_RESTORED,
        True,
        "L02",
    )
    assert engine.call_next("L02").id == first.id  # back at its place, before the second
    assert second.id != first.id
    assert refused(site, engine.undo, "L02", officer_id=SARI).code == "nothing_to_undo"


def test_undo_done_puts_the_ticket_back_being_served(site: EngineSite) -> None:
    engine = site.engine
    ticket = engine.issue("KTP")
    engine.call_next("L02", officer_id=SARI)
    started = engine.start("L02", officer_id=SARI)
    engine.done("L02", officer_id=SARI)
    site.clock.advance(timedelta(seconds=5))
    undone = engine.undo("L02", officer_id=SARI)
    assert (undone.state, undone.counter, undone.finished_at) == (SERVING, "L02", None)
    assert undone.started_at == started.started_at
    assert current(site, "L02") == ticket.id
    event = site.events()[-1]
    assert event.type == events.TICKET_UNDONE
    assert (event.data["undid"], event.data["state"], event.data["service"]) == (
        events.TICKET_DONE,
        SERVING,
        "KTP",
    )
    assert engine.done("L02", officer_id=SARI).state == DONE  # and it can be finished again


def test_undo_transfer_brings_the_ticket_back_to_the_counter(site: EngineSite) -> None:
    engine = site.engine
    ticket = engine.issue("INFO")
    called = engine.call_next("L01", officer_id=SARI)
    engine.transfer("L01", "KTP", officer_id=SARI)
    undone = engine.undo("L01", officer_id=SARI)
    assert (undone.service, undone.state, undone.counter) == ("INFO", CALLED, "L01")
    assert undone.transferred_from is None and undone.called_at == called.called_at
    assert current(site, "L01") == ticket.id
    assert site.events()[-1].data["from_service"] == "KTP"
    assert refused(site, engine.call_next, "L03").code == "queue_empty"  # gone from KTP's line
    # its day's quota counts it as issued once again (transferred_from back to NULL)
    assert engine.issue("INFO").number == "I-002"


def test_undo_is_the_same_officers_within_the_window(site: EngineSite) -> None:
    engine = site.engine
    engine.issue("KTP")
    engine.call_next("L02", officer_id=SARI)
    engine.done("L02", officer_id=SARI)
    assert refused(site, engine.undo, "L02", officer_id=BUDI).code == "undo_not_yours"
    assert refused(site, engine.undo, "L03", officer_id=SARI).code == "nothing_to_undo"
    site.clock.advance(timedelta(seconds=UNDO_WINDOW_S + 1))
    error = refused(site, engine.undo, "L02", officer_id=SARI)
    assert (error.code, error.status) == ("undo_expired", 409)


def test_undo_refuses_once_the_counter_moved_on(site: EngineSite) -> None:
    engine = site.engine
    engine.issue("KTP")
    engine.issue("KTP")
    engine.call_next("L02", officer_id=SARI)
    engine.done("L02", officer_id=SARI)
    engine.call_next("L02", officer_id=SARI)
    assert refused(site, engine.undo, "L02", officer_id=SARI).code == "undo_stale"

    moved = engine.issue("INFO")
    engine.call_next("L01", officer_id=SARI)
    engine.transfer("L01", "KTP", officer_id=SARI)
    engine.call_next("L03")  # somebody already called it at its new service
    assert engine.ticket(moved.id).counter == "L03"
    assert refused(site, engine.undo, "L01", officer_id=SARI).code == "undo_stale"


def test_undo_done_refuses_after_the_citizen_rated(site: EngineSite) -> None:
    engine = site.engine
    ticket = engine.issue("KTP")
    engine.call_next("L02")
    engine.done("L02")
    with connected(site.db), site.db.atomic():
        site.db.execute_sql("UPDATE ticket SET surveyed = 1 WHERE id = ?", (ticket.id,))
    assert refused(site, engine.undo, "L02").code == "undo_stale"


# -- calling a given number --------------------------------------------------------------------


def test_call_a_given_number_out_of_turn(site: EngineSite) -> None:
    engine = site.engine
    engine.issue("KTP")
    later = engine.issue("KK")
    called = engine.call_number("L02", "a2", officer_id=SARI)
    assert (called.id, called.state, called.counter) == (later.id, CALLED, "L02")
    assert site.events()[-1].type == events.TICKET_CALLED
    with connected(site.db):
        calls = site.db.execute_sql("SELECT number, counter_code FROM call").fetchall()
    assert calls == [(later.number, "L02")]  # announced like any call


def test_call_a_missed_citizen_who_came_back(site: EngineSite) -> None:
    engine = site.engine
    missed = engine.issue("KTP")
    engine.issue("KTP")
    engine.call_next("L02")
    engine.recall("L02")
    engine.recall("L02")
    engine.no_show("L02")
    called = engine.call_number("L03", missed.number)
    assert (called.id, called.state, called.counter) == (missed.id, CALLED, "L03")
    assert [e.type for e in site.events()[-2:]] == [events.TICKET_RESTORED, events.TICKET_CALLED]


def test_call_number_refusals(site: EngineSite) -> None:
    engine = site.engine
    sim = engine.issue("SIM")
    ktp = engine.issue("KTP")
    assert refused(site, engine.call_number, "L02", "A 9").code == "ticket_not_found"
    assert refused(site, engine.call_number, "L02", "12-A").code == "invalid_number"
    assert refused(site, engine.call_number, "L02", sim.number).code == "not_this_counter"
    engine.call_number("L02", ktp.number)
    assert refused(site, engine.call_number, "L03", ktp.number).code == "wrong_state"
    other = engine.issue("KTP")
    assert refused(site, engine.call_number, "L02", other.number).code == "counter_busy"
    engine.pause("L03")
    assert refused(site, engine.call_number, "L03", other.number).code == "counter_paused"


# -- pause reasons -------------------------------------------------------------------------------


def test_pause_keeps_its_reason_until_resumed(site: EngineSite) -> None:
    engine = site.engine
    assert refused(site, engine.pause, "L02", reason="tidur").code == "invalid_pause_reason"
    engine.pause("L02", reason="sholat")
    assert site.events()[-1].data["reason"] == "sholat"
    with connected(site.db):
        kept = json.loads(get_state("counter.pause.L02") or "{}")
    assert kept["reason"] == "sholat" and kept["since"]
    engine.resume("L02")
    with connected(site.db):
        assert get_state("counter.pause.L02") is None
