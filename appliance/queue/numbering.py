"""Business day and ticket numbers (pure).

Numbers restart every business day per prefix. The business day is the site's local date, except
that it never moves backwards: a Pi that boots with an old clock keeps using the last business
date it used, so numbers of an earlier day are never issued twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessDay:
    """The date numbering uses, and whether the clock disagreed with it."""

    date: date
    clock_behind: bool  # the wall clock shows an earlier date than the one kept


def local_date(now: datetime, tz: ZoneInfo) -> date:
    """The calendar date at the site."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    return now.astimezone(tz).date()


def business_day(now: datetime, tz: ZoneInfo, last_used: date | None) -> BusinessDay:
    """The business date for `now`, never earlier than `last_used`."""
    today = local_date(now, tz)
    if last_used is not None and today < last_used:
        return BusinessDay(last_used, clock_behind=True)
    return BusinessDay(today, clock_behind=False)


def format_number(prefix: str, sequence: int) -> str:
    """`A-001`: at least three digits, more when a busy day needs them."""
    return f"{prefix}-{sequence:03d}"


def parse_number(number: str) -> tuple[str, int]:
    """Inverse of `format_number`; ValueError if it is not a ticket number."""
    prefix, sep, digits = number.partition("-")
    if not sep or not prefix.isalpha() or not prefix.isupper() or not digits.isdigit():
        raise ValueError(f"not a ticket number: {number!r}")
    return prefix, int(digits)
