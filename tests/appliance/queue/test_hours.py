"""Opening hours and breaks: the pure rules, and the engine refusing tickets with the reason."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.queue.errors import QueueError, Refused
from appliance.queue.hours import WEEKDAYS, hours_from_catalogue, opening_at, parse_hhmm
from appliance.queue.transaction import QueueSettings
from tests.support.engine_fixtures import HOURS, WIB, WIT, SiteSpec, make_site

# 10-16 March 2025 is Monday to Sunday.
MONDAY = datetime(2025, 3, 10, tzinfo=WIB)


def at(day: int, hhmm: str) -> datetime:
    """Local WIB time `day` days after Monday 10 March 2025."""
    clock = parse_hhmm(hhmm)
    return MONDAY + timedelta(days=day, hours=clock.hour, minutes=clock.minute)


HOURS_PARSED = hours_from_catalogue(HOURS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8, 0)),
        ("16:30", time(16, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["8:00", "0800", "24:00", "12:60", "", "ab:cd", "08:00:00"])
def test_parse_hhmm_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)


def test_catalogue_hours_are_read_per_weekday() -> None:
    assert HOURS_PARSED.weekly["mon"] == (time(8), time(16))
    assert HOURS_PARSED.weekly["fri"] == (time(8), time(16, 30))
    assert HOURS_PARSED.weekly["sat"] is None and HOURS_PARSED.weekly["sun"] is None
    assert set(HOURS_PARSED.weekly) == set(WEEKDAYS)
    friday = [b for b in HOURS_PARSED.breaks if "fri" in b.days]
    assert friday[0].start == time(12) and friday[0].end == time(14, 30)
    assert friday[0].label == "Istirahat dan Sholat Jumat"


def test_a_weekday_missing_from_the_catalogue_is_closed() -> None:
    hours = hours_from_catalogue({"weekly": {"mon": ["08:00", "12:00"]}, "breaks": []})
    assert hours.weekly["tue"] is None
    assert opening_at(hours, at(1, "09:00")).reason == "closed_today"


@pytest.mark.parametrize(
    ("day", "hhmm", "is_open", "reason"),
    [
        (2, "07:59", False, "before_opening"),
        (2, "08:00", True, "open"),
        (2, "12:29", True, "open"),
        (2, "12:30", True, "break"),
        (2, "13:59", True, "break"),
        (2, "14:00", True, "open"),
        (2, "15:59", True, "open"),
        (2, "16:00", False, "after_closing"),
        (2, "23:59", False, "after_closing"),
        (2, "00:00", False, "before_opening"),
        (4, "11:59", True, "open"),
        (4, "12:00", True, "break"),  # Friday prayer break is longer
        (4, "14:29", True, "break"),
        (4, "14:30", True, "open"),
        (4, "16:15", True, "open"),  # Friday closes later
        (4, "16:30", False, "after_closing"),
        (5, "10:00", False, "closed_today"),
        (6, "10:00", False, "closed_today"),
    ],
)
def test_opening_at(day: int, hhmm: str, is_open: bool, reason: str) -> None:
    opening = opening_at(HOURS_PARSED, at(day, hhmm))
    assert (opening.open, opening.reason) == (is_open, reason)
    assert opening.message


def test_break_says_until_when() -> None:
    opening = opening_at(HOURS_PARSED, at(4, "13:00"))
    assert opening.break_label == "Istirahat dan Sholat Jumat"
    assert "14:30" in opening.message


@given(minute=st.integers(0, 7 * 24 * 60 - 1))
def test_open_exactly_within_the_weekly_span(minute: int) -> None:
    local = MONDAY + timedelta(minutes=minute)
    span = HOURS_PARSED.weekly[WEEKDAYS[local.weekday()]]
    now = local.time()
    opening = opening_at(HOURS_PARSED, local)
    assert opening.open == (span is not None and span[0] <= now < span[1])
    if opening.reason == "break":
        assert opening.open


# -- the engine refuses with the reason -----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hhmm", "reason", "words"),
    [
        (2, "07:30", "before_opening", "08:00"),
        (2, "16:00", "after_closing", "16:00"),
        (5, "09:00", "closed_today", "tutup"),
    ],
)
def test_engine_refuses_outside_hours(
    tmp_path: Path, day: int, hhmm: str, reason: str, words: str
) -> None:
    site = make_site(tmp_path / "a.db", start=at(day, hhmm))
    with pytest.raises(Refused) as refused:
        site.engine.issue("KTP")
    assert refused.value.code == reason and refused.value.status == 422
    assert words in refused.value.message
    assert site.events() == [] and site.tickets() == []


@pytest.mark.parametrize(("day", "hhmm"), [(2, "13:00"), (4, "12:15")])
def test_engine_issues_during_a_break(tmp_path: Path, day: int, hhmm: str) -> None:
    site = make_site(tmp_path / "a.db", start=at(day, hhmm))
    assert site.engine.issue("KTP").number == "A-001"


def test_hours_are_the_sites_local_time(tmp_path: Path) -> None:
    """08:30 in Jayapura is 06:30 in Jakarta: a WIT site is open."""
    site = make_site(
        tmp_path / "a.db",
        SiteSpec(timezone="Asia/Jayapura"),
        start=datetime(2025, 3, 12, 8, 30, tzinfo=WIT),
    )
    assert site.engine.issue("KTP").number == "A-001"
    site.clock.jump_to(datetime(2025, 3, 12, 7, 30, tzinfo=WIT))
    with pytest.raises(QueueError) as refused:
        site.engine.issue("KTP")
    assert refused.value.code == "before_opening"


def test_hours_enforcement_can_be_switched_off(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "a.db", start=at(6, "22:00"), settings=QueueSettings(enforce_hours=False)
    )
    assert site.engine.issue("KTP").number == "A-001"


def test_counters_keep_calling_after_closing(tmp_path: Path) -> None:
    """Closing stops issuing, not serving the people already waiting."""
    site = make_site(tmp_path / "a.db", start=at(2, "15:59"))
    ticket = site.engine.issue("KTP")
    site.clock.advance(timedelta(minutes=30))
    assert site.engine.call_next("L02").id == ticket.id
