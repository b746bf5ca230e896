"""Ticket numbers and the business day (pure): the day is local and never moves backwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.queue.numbering import business_day, format_number, local_date, parse_number
from appliance.site import TIME_ZONES, zone
from tests.support.engine_fixtures import WIB, WIT, WITA

PREFIXES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2)
MOMENTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@pytest.mark.parametrize(
    ("prefix", "sequence", "number"),
    [("A", 1, "A-001"), ("A", 12, "A-012"), ("I", 999, "I-999"), ("AB", 1000, "AB-1000")],
)
def test_format_number(prefix: str, sequence: int, number: str) -> None:
    assert format_number(prefix, sequence) == number
    assert parse_number(number) == (prefix, sequence)


@given(prefix=PREFIXES, sequence=st.integers(1, 99_999))
def test_parse_is_the_inverse_of_format(prefix: str, sequence: int) -> None:
    assert parse_number(format_number(prefix, sequence)) == (prefix, sequence)


@given(a=st.integers(1, 5000), b=st.integers(1, 5000), prefix=PREFIXES)
def test_numbers_of_one_prefix_are_distinct(a: int, b: int, prefix: str) -> None:
    assert (format_number(prefix, a) == format_number(prefix, b)) == (a == b)


@pytest.mark.parametrize("text", ["A001", "a-001", "-001", "A-", "A-1x", "1-001", "A-B-001", ""])
def test_parse_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_zones_by_abbreviation_and_name() -> None:
    assert set(TIME_ZONES) == {"WIB", "WITA", "WIT"}
    assert zone("WIB") == WIB and zone("wita") == WITA and zone("WIT") == WIT
    assert zone("Asia/Makassar") == WITA
    noon_utc = datetime(2025, 3, 12, 12, tzinfo=UTC)
    offsets = [noon_utc.astimezone(zone(z)).utcoffset() for z in ("WIB", "WITA", "WIT")]
    assert offsets == [timedelta(hours=7), timedelta(hours=8), timedelta(hours=9)]


def test_local_date_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        local_date(datetime(2025, 3, 12, 9, 0), WIB)


@pytest.mark.parametrize(("tz", "utc_hour_of_local_midnight"), [(WIB, 17), (WITA, 16), (WIT, 15)])
def test_local_midnight(tz: ZoneInfo, utc_hour_of_local_midnight: int) -> None:
    before = datetime(2025, 3, 12, utc_hour_of_local_midnight, tzinfo=UTC) - timedelta(minutes=1)
    assert local_date(before, tz) == date(2025, 3, 12)
    assert local_date(before + timedelta(minutes=1), tz) == date(2025, 3, 13)


@given(now=MOMENTS, last=st.none() | st.dates(date(2024, 1, 1), date(2030, 12, 31)))
def test_business_day_never_moves_backwards(now: datetime, last: date | None) -> None:
    day = business_day(now, WITA, last)
    today = local_date(now, WITA)
    if last is None:
        assert day.date == today and not day.clock_behind
    else:
        assert day.date == max(today, last)
        assert day.clock_behind == (today < last)


@given(moments=st.lists(MOMENTS, min_size=1, max_size=30))
def test_business_days_along_any_clock_never_decrease(moments: list[datetime]) -> None:
    """Whatever the clock does (jumps back and forth), the kept date only goes forward."""
    last: date | None = None
    for now in moments:
        day = business_day(now, WIB, last)
        assert last is None or day.date >= last
        last = day.date
    assert last == max(local_date(m, WIB) for m in moments)
