"""The login throttle (appliance/throttle.py): per (username, address) and per address, with a
ceiling per username across addresses; pure, on a hand-driven clock."""

from __future__ import annotations

import logging

import pytest

from appliance.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def fail(throttle: LoginThrottle, clock: Clock, user: str, address: str) -> None:
    """One failed attempt, made as soon as the throttle allows it."""
    clock.t += throttle.retry_after(user, address)
    throttle.failed(user, address)


def test_one_address_slows_itself_not_the_name_elsewhere() -> None:
    clock = Clock()
    throttle = LoginThrottle(now=clock)
    for _ in range(30):
        fail(throttle, clock, "admin", "192.168.1.66")
    assert throttle.retry_after("admin", "192.168.1.66") > 0
    assert throttle.retry_after("ADMIN", "192.168.1.66") > 0  # names are not case-sensitive
    assert throttle.retry_after("budi", "192.168.1.66") > 0  # the address is slowed for all
    assert throttle.retry_after("admin", "192.168.1.10") == 0  # the owner on their own device


def test_a_success_clears_only_its_own_pair() -> None:
    clock = Clock()
    throttle = LoginThrottle(now=clock, free_attempts=2)
    for _ in range(2):
        throttle.failed("budi", "10.0.0.1")
    assert throttle.retry_after("budi", "10.0.0.1") > 0
    throttle.succeeded("budi", "10.0.0.2")
    assert throttle.retry_after("budi", "10.0.0.1") > 0
    clock.t += 10
    throttle.succeeded("budi", "10.0.0.1")
    assert throttle.retry_after("budi", "10.0.0.1") == 0


def test_many_addresses_guessing_one_name_reach_its_ceiling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    throttle = LoginThrottle(now=clock, ceiling=20, ceiling_window_s=600)
    with caplog.at_level(logging.WARNING, logger="appliance.throttle"):
        for n in range(20):
            throttle.failed("admin", f"10.0.1.{n}")  # one guess from each of 20 addresses
    wait = throttle.retry_after("admin", "10.0.9.9")
    assert 599 <= wait <= 600  # the name waits everywhere, even on a fresh address
    assert throttle.retry_after("budi", "10.0.9.9") == 0  # other names are not touched
    assert "ceiling" in caplog.text and "'admin'" in caplog.text
    clock.t += 601  # the oldest failures leave the window
    assert throttle.retry_after("admin", "10.0.9.9") == 0


def test_a_single_address_never_reaches_the_ceiling_by_itself() -> None:
    """One device, guessing as fast as it is allowed for a day, never locks the name out for
    everyone (the attack of issue 15, item 6)."""
    clock = Clock()
    throttle = LoginThrottle(now=clock)
    start = clock.t
    while clock.t - start < 24 * 3600:
        fail(throttle, clock, "admin", "192.168.1.66")
        assert throttle.retry_after("admin", "192.168.1.10") == 0


def test_slowing_is_logged_once_with_name_and_address(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = LoginThrottle(now=clock)
    with caplog.at_level(logging.WARNING, logger="appliance.throttle"):
        for _ in range(12):
            fail(throttle, clock, "admin", "192.168.1.66")
    slowed = [r.getMessage() for r in caplog.records]
    assert len(slowed) == 2  # the pair and the address, once each
    assert all("'admin'" in m and "192.168.1.66" in m for m in slowed)
