"""A counter's queue as its console lists it (`appliance.queue.views.counter_queue`) is the order
its *call next* takes: listed first, then called one by one until the queue is empty, the two
orders are the same — priority tickets, the streak limit (from whatever streak the counter has),
several services, and other services' tickets left out.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.queue import views
from appliance.queue.errors import NotFound
from appliance.queue.tickets import TicketInfo
from appliance.queue.transaction import QueueSettings
from tests.support.engine_fixtures import EngineSite, make_site

COUNTER = "L02"  # serves KTP and KK in the default site; INFO is L01's


def listed(site: EngineSite, counter: str = COUNTER, **page: int) -> views.TicketPage:
    return views.counter_queue(
        site.db,
        counter,
        site.engine.current_day().date,
        streak_limit=site.engine.settings.priority_streak_limit,
        limit=page.get("limit", 5000),
        offset=page.get("offset", 0),
        window=20,
    )


def call(site: EngineSite) -> TicketInfo | None:
    """*Call next* and finish the ticket; None when the queue is empty."""
    try:
        info = site.engine.call_next(COUNTER)
    except NotFound as refused:
        assert refused.code == "queue_empty"
        return None
    site.engine.done(COUNTER)
    return info


def called_until_empty(site: EngineSite) -> list[int]:
    order = []
    while (info := call(site)) is not None:
        order.append(info.id)
    return order


def issue(site: EngineSite, service: str, priority: bool = False) -> int:
    reason = "lansia" if priority else None
    return site.engine.issue(service, priority=priority, priority_reason=reason).id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limit=st.integers(1, 3),
    tickets=st.lists(
        st.tuples(st.sampled_from(("KTP", "KK", "INFO")), st.booleans()), min_size=3, max_size=25
    ),
    called_before=st.integers(0, 6),
)
def test_the_listed_queue_is_the_order_call_next_takes(
    limit: int, tickets: list[tuple[str, bool]], called_before: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = make_site(Path(folder) / "a.db", settings=QueueSettings(priority_streak_limit=limit))
        for service, priority in tickets:
            issue(site, service, priority)
        for _ in range(called_before):  # calls before listing leave a priority streak behind
            call(site)

        page = listed(site)
        order = called_until_empty(site)

        assert [t.id for t in page.items] == order
        assert page.total == len(order)
        assert all(t.state == "waiting" and t.service in ("KTP", "KK") for t in page.items)


def test_priority_first_up_to_the_limit_over_both_services(tmp_path: Path) -> None:
    site = make_site(tmp_path / "a.db")  # the default limit: three priority calls in a row
    first_general = issue(site, "KTP")
    priority = [issue(site, service, True) for service in ("KK", "KTP", "KK", "KTP", "KK")]
    issue(site, "INFO", True)  # another counter's service
    second_general = issue(site, "KK")

    expected = [*priority[:3], first_general, *priority[3:], second_general]
    assert [t.id for t in listed(site).items] == expected
    page = listed(site, limit=2, offset=3)
    assert ([t.id for t in page.items], page.total) == (expected[3:5], 7)
    assert called_until_empty(site) == expected


def test_the_list_starts_from_the_counters_streak(tmp_path: Path) -> None:
    site = make_site(tmp_path / "a.db", settings=QueueSettings(priority_streak_limit=2))
    priority = [issue(site, "KTP", True) for _ in range(4)]
    general = issue(site, "KK")
    assert call(site) is not None and call(site) is not None  # two priority calls in a row
    assert [t.id for t in listed(site).items] == [general, *priority[2:]]


def test_an_unknown_counter_is_refused_as_call_next_refuses_it(tmp_path: Path) -> None:
    site = make_site(tmp_path / "a.db")
    with pytest.raises(NotFound) as refused:
        listed(site, "L42")
    assert refused.value.code == "unknown_counter"
