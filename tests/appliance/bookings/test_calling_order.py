"""The calling order with bookings (SPEC §8), on the real engine and a real SQLite file: a ticket
checked in inside its slot window is called before the walk-ins of its counter's services, a
ticket checked in outside it queues as a walk-in, priority tickets keep their rule (first, with
the streak limit), and the console's listed queue is the order *call next* takes."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.bookings.checkin import check_in
from appliance.bookings.token import new_key_pair
from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.clock import ManualClock
from appliance.queue import views
from appliance.queue.engine import QueueEngine
from appliance.queue.errors import NotFound
from appliance.queue.transaction import QueueSettings
from appliance.storage.database import open_database
from tests.appliance.bookings.conftest import KTP, BookingSite, bookable_document
from tests.support.catalogue_fixtures import WEEKDAY_MORNING

COUNTER = "L02"  # serves DUKCAPIL-KTP and DUKCAPIL-KK
KK = "DUKCAPIL-KK"
WALK_IN, BOOKED, EARLY, PRIORITY = "walk_in", "booked", "early", "priority"


@dataclass(frozen=True)
class Arrival:
    kind: str
    service: str


def arrive(site: BookingSite, arrival: Arrival) -> int:
    engine = site.engine
    if arrival.kind == WALK_IN:
        return engine.issue(arrival.service, source="kiosk").id
    if arrival.kind == PRIORITY:
        return engine.issue(
            arrival.service, priority=True, priority_reason="lansia", source="desk"
        ).id
    slot = ("09:00", "10:00") if arrival.kind == BOOKED else ("11:00", "12:00")  # 11:00: early
    _, token = site.token(service=arrival.service, slot=slot)
    done = check_in(engine, token=token)
    assert done.in_window is (arrival.kind == BOOKED)
    return done.ticket.id


def listed(site: BookingSite) -> list[int]:
    engine = site.engine
    page = views.counter_queue(
        site.db,
        COUNTER,
        engine.current_day().date,
        streak_limit=engine.settings.priority_streak_limit,
        limit=5000,
        window=20,
    )
    return [t.id for t in page.items]


def called_until_empty(site: BookingSite) -> list[int]:
    order = []
    while True:
        try:
            order.append(site.engine.call_next(COUNTER).id)
        except NotFound as empty:
            assert empty.code == "queue_empty"
            return order
        site.engine.done(COUNTER)


def expected_order(arrivals: list[tuple[int, str]], limit: int) -> list[int]:
    """The rule written out plainly: the priority line (issue order), and the other line with
    the in-window bookings first (issue order), then walk-ins and out-of-window bookings (issue
    order); after `limit` priority calls in a row, one from the other line."""
    priority = [i for i, kind in arrivals if kind == PRIORITY]
    others = [i for i, kind in arrivals if kind == BOOKED]
    others += [i for i, kind in arrivals if kind in (WALK_IN, EARLY)]
    order, streak = [], 0
    while priority or others:
        if priority and (streak < limit or not others):
            order.append(priority.pop(0))
            streak += 1
        else:
            order.append(others.pop(0))
            streak = 0
    return order


def test_a_booked_ticket_in_its_window_goes_before_the_walk_ins(
    booking_site: BookingSite,
) -> None:
    first = arrive(booking_site, Arrival(WALK_IN, KTP))
    second = arrive(booking_site, Arrival(WALK_IN, KK))
    early = arrive(booking_site, Arrival(EARLY, KTP))  # booked for 11:00: a walk-in now
    booking_site.clock.advance(timedelta(minutes=5))
    booked = arrive(booking_site, Arrival(BOOKED, KK))
    elder = arrive(booking_site, Arrival(PRIORITY, KTP))

    assert listed(booking_site) == [elder, booked, first, second, early]
    assert called_until_empty(booking_site) == [elder, booked, first, second, early]


def test_places_ahead_count_the_booked_line(booking_site: BookingSite) -> None:
    walk_in = booking_site.engine.issue(KTP, source="kiosk")
    _, token = booking_site.token()
    booked = check_in(booking_site.engine, token=token).ticket
    assert booked.people_ahead == 0
    assert booking_site.engine.ticket(walk_in.id).people_ahead == 1


def test_an_in_window_ticket_keeps_its_place_after_the_window_ends(
    booking_site: BookingSite,
) -> None:
    """The window is judged when the citizen checks in: one who came on time and waited in the
    queue past the slot's end is still ahead of the walk-ins."""
    walk_in = arrive(booking_site, Arrival(WALK_IN, KTP))
    booked = arrive(booking_site, Arrival(BOOKED, KTP))
    booking_site.clock.advance(timedelta(hours=2))
    assert called_until_empty(booking_site) == [booked, walk_in]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(
        st.tuples(st.sampled_from([WALK_IN, BOOKED, EARLY, PRIORITY]), st.sampled_from([KTP, KK])),
        min_size=1,
        max_size=14,
    ),
    limit=st.integers(min_value=1, max_value=3),
)
def test_call_next_follows_the_rule_and_the_listed_queue(
    kinds: list[tuple[str, str]], limit: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "appliance.db")
        clock = ManualClock(WEEKDAY_MORNING)
        seed, public = new_key_pair()
        apply_catalogue(db, validate_catalogue(bookable_document(public)), clock=clock)
        engine = QueueEngine(db, clock, QueueSettings(priority_streak_limit=limit))
        site = BookingSite(db, clock, engine, seed)
        try:
            arrivals = [(arrive(site, Arrival(kind, service)), kind) for kind, service in kinds]
            expected = expected_order(arrivals, limit)
            assert listed(site) == expected
            assert called_until_empty(site) == expected
        finally:
            db.close()
