"""The order rules of *call next* (SPEC §3 Calling), against a reference model.

The model keeps its own notion of a ticket's place (the order in which tickets were issued) and
its own bookkeeping of priority calls; random action sequences run on the engine and the model
side by side, and every call is checked twice: against the rules stated directly (priority first,
the anti-starvation limit, oldest first, transfer and restore keep the place) and against the
model's exact choice. Refusals must match too, and a refused action must change nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from appliance.queue.errors import QueueError
from appliance.queue.transaction import QueueSettings
from appliance.storage.database import connected
from appliance.storage.models import (
    CALLED,
    CANCELLED,
    DONE,
    NO_SHOW,
    SERVING,
    WAITING,
    Counter,
    Ticket,
)
from tests.support.engine_fixtures import CounterSpec, EngineSite, ServiceSpec, SiteSpec, make_site

SERVICES = ("KTP", "KK", "SIM")
COUNTERS: dict[str, frozenset[str]] = {
    "L01": frozenset({"KTP", "KK"}),
    "L02": frozenset({"KTP"}),
    "L03": frozenset({"KK", "SIM"}),
}
ORDER_SITE = SiteSpec(
    agencies=("DUKCAPIL", "POLRES"),
    services=(
        ServiceSpec("KTP", "DUKCAPIL", "A", 15),
        ServiceSpec("KK", "DUKCAPIL", "A", 20),
        ServiceSpec("SIM", "POLRES", "B", 10),
    ),
    counters=tuple(
        CounterSpec(code, "DUKCAPIL", tuple(sorted(services)))
        for code, services in COUNTERS.items()
    ),
)


@dataclass
class ModelTicket:
    place: int  # the order of issue: the only thing "oldest first" may depend on
    service: str
    priority: bool
    state: str = WAITING
    waiting_since: int = 0  # step at which it last started waiting in its current service


@dataclass
class ModelCounter:
    services: frozenset[str]
    paused: bool = False
    current: int | None = None
    last_general_call: int = -1
    priority_calls: list[int] = field(default_factory=list)  # steps, since the last general call


class Model:
    """What the engine should do, written as plainly as the rules are stated."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.tickets: dict[int, ModelTicket] = {}
        self.counters = {code: ModelCounter(services) for code, services in COUNTERS.items()}
        self.step = 0

    def candidates(self, code: str) -> list[int]:
        wanted = self.counters[code].services
        return [
            tid for tid, t in self.tickets.items() if t.state == WAITING and t.service in wanted
        ]

    def choose(self, code: str) -> int:
        """Priority first unless the counter already made `limit` priority calls in a row and a
        general ticket waits; oldest (by place) within the chosen class."""
        pool = self.candidates(code)
        general = [tid for tid in pool if not self.tickets[tid].priority]
        priority = [tid for tid in pool if self.tickets[tid].priority]
        starving = len(self.counters[code].priority_calls) >= self.limit
        group = general if (starving and general) or not priority else priority
        return min(group, key=lambda tid: self.tickets[tid].place)

    def check_call_rules(self, code: str, chosen: int) -> None:
        """The rules as the issue states them, independent of `choose`."""
        counter = self.counters[code]
        pool = self.candidates(code)
        assert chosen in pool, "called a ticket this counter does not serve or that is not waiting"
        ticket = self.tickets[chosen]
        same_class = [tid for tid in pool if self.tickets[tid].priority == ticket.priority]
        assert ticket.place == min(self.tickets[tid].place for tid in same_class), (
            "not the oldest of its class (transfer/restore must keep the original place)"
        )
        waiting_priority = any(self.tickets[tid].priority for tid in pool)
        if not ticket.priority and waiting_priority:
            assert len(counter.priority_calls) >= self.limit, "general called before priority"
        if ticket.priority:
            for tid in pool:
                general = self.tickets[tid]
                if general.priority:
                    continue
                since = max(general.waiting_since, counter.last_general_call)
                in_a_row = [s for s in counter.priority_calls if s > since] + [self.step]
                assert len(in_a_row) <= self.limit, (
                    f"{len(in_a_row)} priority calls in a row while a general ticket waited "
                    f"(limit {self.limit})"
                )

    # Each method returns the refusal code expected, or None and applies the change.

    def issue(self, ticket_id: int, service: str, priority: bool) -> None:
        self.tickets[ticket_id] = ModelTicket(
            len(self.tickets), service, priority, waiting_since=self.step
        )

    def call(self, code: str) -> str | None:
        counter = self.counters[code]
        if counter.paused:
            return "counter_paused"
        current = self.tickets[counter.current] if counter.current is not None else None
        if current is not None and current.state == CALLED:
            return "counter_busy"
        if not self.candidates(code):
            return "queue_empty"  # and the serving ticket is not finished either (rolled back)
        if current is not None:
            current.state = DONE
            counter.current = None
        return None

    def called(self, code: str, chosen: int) -> None:
        counter = self.counters[code]
        ticket = self.tickets[chosen]
        ticket.state = CALLED
        counter.current = chosen
        if ticket.priority:
            counter.priority_calls.append(self.step)
        else:
            counter.priority_calls.clear()
            counter.last_general_call = self.step

    def _current(self, code: str, allowed: tuple[str, ...]) -> tuple[str | None, int | None]:
        tid = self.counters[code].current
        if tid is None:
            return "no_current_ticket", None
        if self.tickets[tid].state not in allowed:
            return "wrong_state", None
        return None, tid

    def counter_step(self, action: str, code: str) -> str | None:
        allowed = {
            "start": (CALLED,),
            "done": (CALLED, SERVING),
            "no_show": (CALLED,),
            "recall": (CALLED,),
        }[action]
        refusal, tid = self._current(code, allowed)
        if refusal is not None or tid is None:
            return refusal
        target = {"start": SERVING, "done": DONE, "no_show": NO_SHOW, "recall": CALLED}[action]
        self.tickets[tid].state = target
        if target in (DONE, NO_SHOW):
            self.counters[code].current = None
        return None

    def _move(self, tid: int, service: str) -> str | None:
        ticket = self.tickets[tid]
        if ticket.service == service:
            return "same_service"
        ticket.service = service
        ticket.state = WAITING
        ticket.waiting_since = self.step
        return None

    def transfer(self, code: str, service: str) -> str | None:
        refusal, tid = self._current(code, (CALLED, SERVING))
        if refusal is not None or tid is None:
            return refusal
        refusal = self._move(tid, service)
        if refusal is None:
            self.counters[code].current = None
        return refusal

    def transfer_ticket(self, tid: int, service: str) -> str | None:
        if self.tickets[tid].state != WAITING:
            return "wrong_state"
        return self._move(tid, service)

    def restore(self, tid: int) -> str | None:
        ticket = self.tickets[tid]
        if ticket.state != NO_SHOW:
            return "wrong_state"
        ticket.state = WAITING
        ticket.waiting_since = self.step
        return None

    def cancel(self, tid: int) -> str | None:
        ticket = self.tickets[tid]
        if ticket.state not in (WAITING, CALLED, SERVING):
            return "wrong_state"
        ticket.state = CANCELLED
        for counter in self.counters.values():
            if counter.current == tid:
                counter.current = None
        return None

    def set_paused(self, code: str, paused: bool) -> str | None:
        counter = self.counters[code]
        if counter.paused == paused:
            return "already_paused" if paused else "not_paused"
        counter.paused = paused
        return None


# "next" is what an officer mostly does: finish the called ticket if any, then call next.
# Restores and transfers are weighted up: what they must keep (the place) shows only later.
KINDS = (
    ["issue"] * 8
    + ["next"] * 8
    + ["restore"] * 3
    + ["transfer"] * 2
    + ["transfer_ticket"] * 2
    + ["call", "done", "start", "no_show", "recall", "cancel", "pause", "resume"]
)
ACTIONS = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 50),
    st.integers(0, 50),
    st.booleans(),
)


@contextmanager
def fresh_site(limit: int) -> Iterator[EngineSite]:
    with tempfile.TemporaryDirectory() as folder:
        site = make_site(
            Path(folder) / "a.db",
            ORDER_SITE,
            settings=QueueSettings(priority_streak_limit=limit, recalls_before_no_show=0),
        )
        # Hold one connection for the example, as a request thread does: faster, same engine.
        with site.db.connection_context():
            yield site


def run(site: EngineSite, model: Model, action: tuple[str, int, int, bool]) -> bool:
    """Apply one action to both; True when it was a successful call."""
    kind, a, b, flag = action
    engine = site.engine
    service = SERVICES[b % len(SERVICES)]
    ids = sorted(model.tickets)
    anything = flag and b % 4 == 0  # now and then aim anywhere, to meet the refusals
    # Mostly aim at a counter the action applies to, so that calls, no-shows and restores chain.
    counters = sorted(COUNTERS)
    busy = [c for c in counters if model.counters[c].current is not None]
    fitting_counters = {
        "next": [c for c in counters if model.candidates(c) and not model.counters[c].paused],
        "pause": [c for c in counters if not model.counters[c].paused],
        "resume": [c for c in counters if model.counters[c].paused],
    }.get(kind, busy if kind in ("start", "done", "no_show", "recall", "transfer") else [])
    choices = fitting_counters if fitting_counters and not anything else counters
    code = choices[a % len(choices)]
    if kind == "issue":
        info = engine.issue(
            SERVICES[a % len(SERVICES)], priority=flag, priority_reason="lansia" if flag else None
        )
        model.issue(info.id, info.service, flag)
        return False
    if kind in ("transfer_ticket", "restore", "cancel") and not ids:
        return False
    fitting = {
        "restore": [t for t in ids if model.tickets[t].state == NO_SHOW],
        "cancel": [t for t in ids if model.tickets[t].state in (WAITING, CALLED, SERVING)],
        "transfer_ticket": [t for t in ids if model.tickets[t].state == WAITING],
    }.get(kind, [])
    pool = fitting if fitting and not anything else ids
    tid = pool[a % len(pool)] if pool else 0
    expected: str | None
    if kind == "next":  # the called citizen came (done) or not (no-show), then call next
        current = model.counters[code].current
        if current is not None and model.tickets[current].state == CALLED:
            finish = "no_show" if flag else "done"
            assert model.counter_step(finish, code) is None
            getattr(engine, finish)(code)
        kind = "call"
    if kind == "call":
        expected = model.call(code)
        if expected is None:
            info = engine.call_next(code)
            model.check_call_rules(code, info.id)
            assert info.id == model.choose(code)
            model.called(code, info.id)
            return True
        do: Callable[[], object] = partial(engine.call_next, code)
    elif kind in ("start", "done", "no_show", "recall"):
        expected = model.counter_step(kind, code)
        do = partial(getattr(engine, kind), code)
    elif kind == "transfer":
        expected = model.transfer(code, service)
        do = partial(engine.transfer, code, service)
    elif kind == "transfer_ticket":
        expected = model.transfer_ticket(tid, service)
        do = partial(engine.transfer_ticket, tid, service)
    elif kind == "restore":
        expected = model.restore(tid)
        do = partial(engine.restore, tid)
    elif kind == "cancel":
        expected = model.cancel(tid)
        do = partial(engine.cancel, tid)
    else:
        expected = model.set_paused(code, kind == "pause")
        do = partial(getattr(engine, kind), code)
    if expected is None:
        do()
    else:
        with pytest.raises(QueueError) as refused:
            do()
        assert refused.value.code == expected
    return False


def assert_same_state(model: Model) -> None:
    stored = {
        t.id: (t.state, t.service_id)
        for t in Ticket.select(Ticket.id, Ticket.state, Ticket.service)
    }
    assert stored == {tid: (t.state, t.service) for tid, t in model.tickets.items()}
    for counter in Counter.select():
        expected = model.counters[counter.code]
        assert counter.current_ticket_id == expected.current
        assert bool(counter.paused) == expected.paused


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(limit=st.integers(0, 3), actions=st.lists(ACTIONS, min_size=10, max_size=40))
def test_call_order_follows_the_rules(
    limit: int, actions: list[tuple[str, int, int, bool]]
) -> None:
    model = Model(limit)
    calls = 0
    with fresh_site(limit) as site:
        for step, action in enumerate(actions):
            model.step = step
            calls += run(site, model, action)
            with connected(site.db):
                assert_same_state(model)
    target(float(calls), label="successful calls")


def one_counter_order(steps: list[bool | None], limit: int) -> list[int]:
    """Reference for one counter serving one service: the places called, in order.

    `steps`: True/False issue a priority/general ticket, None is *call next* (when any waits).
    """
    waiting: list[tuple[int, bool]] = []
    order: list[int] = []
    streak = 0
    for place, step in enumerate(steps):
        if step is not None:
            waiting.append((place, step))
            continue
        if not waiting:
            continue
        general = [w for w in waiting if not w[1]]
        priority = [w for w in waiting if w[1]]
        pick = general[0] if (streak >= limit and general) or not priority else priority[0]
        streak = streak + 1 if pick[1] else 0
        waiting.remove(pick)
        order.append(pick[0])
    return order


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limit=st.integers(1, 4),
    steps=st.lists(st.one_of(st.booleans(), st.booleans(), st.none()), min_size=1, max_size=30),
)
def test_priority_streak_never_exceeds_the_limit_while_a_general_ticket_waits(
    limit: int, steps: list[bool | None]
) -> None:
    """One counter, tickets arriving between calls: priority first, but never more than `limit`
    priority calls in a row while a general ticket waits; oldest first within each class."""
    place_of: dict[int, int] = {}
    called: list[tuple[int, bool, int]] = []  # (place, priority, step of the call)
    general_waiting: set[int] = set()
    with fresh_site(limit) as site:
        for step_no, step in enumerate(steps):
            if step is not None:
                reason = "lansia" if step else None
                info = site.engine.issue("KTP", priority=step, priority_reason=reason)
                place_of[info.id] = step_no
                if not step:
                    general_waiting.add(step_no)
                continue
            if len(called) == len(place_of):
                continue  # nothing waits: the reference skips this call too
            info = site.engine.call_next("L02")
            site.engine.done("L02")
            called.append((place_of[info.id], info.priority, step_no))
            general_waiting.discard(place_of[info.id])
            if info.priority and general_waiting:
                # The rule as stated: the priority calls in a row made while the oldest general
                # ticket was waiting.
                oldest = min(general_waiting)
                in_a_row = 0
                for _, was_priority, at in reversed(called):
                    if not was_priority or at < oldest:
                        break
                    in_a_row += 1
                assert in_a_row <= limit
    assert [p for p, _, _ in called] == one_counter_order(steps, limit)


# -- the same rules as plain examples, for people reading the tests ------------------------


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return make_site(tmp_path / "a.db", ORDER_SITE)


def issue(site: EngineSite, service: str, priority: bool = False) -> int:
    return site.engine.issue(
        service, priority=priority, priority_reason="disabilitas" if priority else None
    ).id


def call(site: EngineSite, counter: str) -> int:
    info = site.engine.call_next(counter)
    site.engine.done(counter)
    return info.id


def test_oldest_first_then_priority_first(site: EngineSite) -> None:
    a1, a2 = issue(site, "KTP"), issue(site, "KTP")
    p1 = issue(site, "KTP", priority=True)
    assert [call(site, "L02") for _ in range(3)] == [p1, a1, a2]


def test_default_limit_is_three_priority_calls_in_a_row(site: EngineSite) -> None:
    general = issue(site, "KTP")
    priority = [issue(site, "KTP", priority=True) for _ in range(5)]
    order = [call(site, "L02") for _ in range(6)]
    assert order == [*priority[:3], general, *priority[3:]]


def test_transfer_keeps_the_original_place(site: EngineSite) -> None:
    moved = issue(site, "KTP")  # issued first, at KTP
    later_kk = [issue(site, "KK") for _ in range(2)]
    site.engine.call_next("L02")  # L02 (KTP) calls it, then sends it to KK
    site.engine.transfer("L02", "KK")
    assert [call(site, "L03") for _ in range(3)] == [moved, *later_kk]


def test_greeter_transfer_keeps_the_original_place(site: EngineSite) -> None:
    moved = issue(site, "SIM")
    later = issue(site, "KTP")
    info = site.engine.transfer_ticket(moved, "KTP")
    assert info.transferred_from == "SIM" and info.state == WAITING
    assert info.people_ahead == 0
    assert [call(site, "L02"), call(site, "L02")] == [moved, later]


def test_restore_goes_back_to_the_original_place(site: EngineSite) -> None:
    first, second, third = issue(site, "KTP"), issue(site, "KTP"), issue(site, "KTP")
    assert site.engine.call_next("L02").id == first
    site.engine.no_show("L02")
    assert call(site, "L02") == second
    restored = site.engine.restore(first)
    assert restored.state == WAITING and restored.people_ahead == 0
    assert [call(site, "L02"), call(site, "L02")] == [first, third]


def test_paused_counter_is_offered_nothing_and_others_still_call(site: EngineSite) -> None:
    ticket = issue(site, "KTP")
    site.engine.pause("L02")
    with pytest.raises(QueueError) as refused:
        site.engine.call_next("L02")
    assert refused.value.code == "counter_paused"
    assert site.engine.call_next("L01").id == ticket
