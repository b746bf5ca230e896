"""Booking figures per site, service and day: made, checked in, no-shows, cancelled.

`made` counts every booking of the day (cancelled ones too); `no_show` is a booking still not
checked in once its slot end plus late_minutes has passed (`expired`); `checked_in_after_cancel`
counts the check-ins an offline site accepted after the citizen had cancelled (SPEC §8).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from appliance.bookings.settings import BookingSettings
from sync.central.booking_models import BookingRow
from sync.central.bookings.book import status_at
from sync.central.bookings.offer import site_offer

FIGURES = ("made", "checked_in", "no_show", "cancelled", "booked", "checked_in_after_cancel",
           "in_window")  # fmt: skip
_BY_STATUS = {"checked_in": "checked_in", "expired": "no_show", "cancelled": "cancelled",
              "booked": "booked"}  # fmt: skip


def booking_figures(
    start: date, end: date, site: str | None, now: datetime, default_zone: ZoneInfo
) -> list[dict[str, Any]]:
    where = BookingRow.business_date.between(start.isoformat(), end.isoformat())
    if site:
        where &= BookingRow.site == site
    counts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(FIGURES, 0)
    )
    sites: dict[str, tuple[ZoneInfo, BookingSettings]] = {}
    for row in BookingRow.select().where(where):
        if row.site not in sites:
            offer = site_offer(str(row.site), default_zone)
            sites[row.site] = (
                (offer.zone, offer.settings) if offer else (default_zone, BookingSettings())
            )
        figure = counts[(str(row.site), str(row.business_date), str(row.service))]
        figure["made"] += 1
        figure[_BY_STATUS[status_at(row, now, *sites[row.site])]] += 1
        figure["checked_in_after_cancel"] += int(bool(row.checked_in_after_cancel))
        figure["in_window"] += int(bool(row.in_window))
    return [
        {"site": key[0], "date": key[1], "service": key[2], **values}
        for key, values in sorted(counts.items())
    ]


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {name: sum(int(row[name]) for row in rows) for name in FIGURES}
