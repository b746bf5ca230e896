"""Estimated wait (SPEC §3): people ahead for the service, shared among the open counters serving
it, times the service's recent average handling time (the catalogue's figure until there is one).
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.queue.transaction import QueueSettings
from appliance.queue.waiting import average_handling_minutes, estimated_wait_minutes
from tests.support.engine_fixtures import EngineSite, make_site

# -- pure ---------------------------------------------------------------------------------


def test_nobody_ahead_means_no_wait() -> None:
    assert estimated_wait_minutes(0, 3, 12.0) == 0


def test_people_shared_among_counters_rounded_up() -> None:
    assert estimated_wait_minutes(4, 2, 15.0) == 30
    assert estimated_wait_minutes(3, 2, 15.0) == 23  # 22.5 rounds up
    assert estimated_wait_minutes(1, 4, 10.0) == 3  # 2.5 rounds up


def test_no_open_counter_counts_as_one() -> None:
    assert estimated_wait_minutes(2, 0, 10.0) == 20


def test_average_falls_back_to_the_catalogue() -> None:
    assert average_handling_minutes([], 12) == 12.0
    assert average_handling_minutes([0.0, -5.0], 12) == 12.0  # a clock jump is no measurement
    assert average_handling_minutes([300.0, 180.0], 12) == 4.0


@given(
    ahead=st.integers(0, 500),
    counters=st.integers(0, 20),
    minutes=st.floats(0.1, 120, allow_nan=False),
)
def test_estimate_is_the_formula(ahead: int, counters: int, minutes: float) -> None:
    estimate = estimated_wait_minutes(ahead, counters, minutes)
    exact = ahead / max(counters, 1) * minutes
    assert estimate == (0 if ahead == 0 else math.ceil(exact))
    assert estimated_wait_minutes(ahead + 1, counters, minutes) >= estimate
    assert estimated_wait_minutes(ahead, counters + 1, minutes) <= estimate


# -- on tickets -----------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    # KTP: catalogue average 15 minutes, served by L02 and L03.
    return make_site(tmp_path / "a.db", settings=QueueSettings(recent_handling_window=2))


def test_estimate_uses_the_catalogue_average_before_any_ticket_is_done(site: EngineSite) -> None:
    infos = [site.engine.issue("KTP") for _ in range(5)]
    assert [i.people_ahead for i in infos] == [0, 1, 2, 3, 4]
    assert infos[-1].estimated_wait_minutes == math.ceil(4 / 2 * 15)
    assert infos[3].estimated_wait_minutes == math.ceil(3 / 2 * 15)


def test_a_paused_counter_is_not_open(site: EngineSite) -> None:
    last = [site.engine.issue("KTP") for _ in range(5)][-1]
    site.engine.pause("L03")
    assert site.engine.ticket(last.id).estimated_wait_minutes == 4 * 15
    site.engine.pause("L02")  # none open: counted as one
    assert site.engine.ticket(last.id).estimated_wait_minutes == 4 * 15


def test_only_the_same_service_is_ahead(site: EngineSite) -> None:
    site.engine.issue("KK")  # L02 serves KK too, but it is another service's queue
    site.engine.issue("INFO")
    assert site.engine.issue("KTP").people_ahead == 0


def test_priority_tickets_are_ahead_of_general_ones(site: EngineSite) -> None:
    general = site.engine.issue("KTP")
    priority = site.engine.issue("KTP", priority=True, priority_reason="ibu_hamil")
    assert priority.people_ahead == 0
    assert site.engine.ticket(general.id).people_ahead == 1


def test_recent_handling_replaces_the_catalogue_figure(site: EngineSite) -> None:
    engine, clock = site.engine, site.clock
    for _ in range(3):
        engine.issue("KTP")
    # Handled: 10 min (called -> done), then 3 min (started -> done), then 5 min.
    engine.call_next("L02")
    clock.advance(timedelta(minutes=10))
    engine.done("L02")
    engine.call_next("L02")
    clock.advance(timedelta(minutes=1))
    engine.start("L02")
    clock.advance(timedelta(minutes=3))
    engine.done("L02")
    waiting = [engine.issue("KTP") for _ in range(3)]
    # The window is 2: the mean of 10 and 3 minutes.
    assert waiting[-1].people_ahead == 3
    assert waiting[-1].estimated_wait_minutes == math.ceil(3 / 2 * 6.5)
    engine.call_next("L02")
    clock.advance(timedelta(minutes=5))
    engine.done("L02")
    # Now the last two are 3 and 5 minutes; the 10-minute one left the window.
    assert engine.ticket(waiting[-1].id).estimated_wait_minutes == math.ceil(2 / 2 * 4)


def test_handling_of_another_service_does_not_count(site: EngineSite) -> None:
    site.engine.issue("KK")
    site.engine.call_next("L02")
    site.clock.advance(timedelta(minutes=1))
    site.engine.done("L02")
    infos = [site.engine.issue("KTP") for _ in range(3)]
    assert infos[-1].estimated_wait_minutes == math.ceil(2 / 2 * 15)


def test_called_and_finished_tickets_have_no_estimate(site: EngineSite) -> None:
    site.engine.issue("KTP")
    called = site.engine.call_next("L02")
    assert called.people_ahead is None and called.estimated_wait_minutes is None
