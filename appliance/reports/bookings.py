"""Booking figures per service and day (pure): made, cancelled, checked in, no-shows (SPEC §8).

A booking dict carries `date`, `service`, `status` (booked | cancelled), `checked_in` (bool),
`in_window` (bool or None) and `window_closed` (bool: its slot's end + late_minutes has passed on
the site's clock). Made counts every booking the site holds for the day (received from central or
first seen as a QR code at the kiosk); a checked-in booking counts as checked in even if central
cancelled it after (the site could not know); a no-show is a booking neither cancelled nor checked
in whose window has closed — one still inside its window is not yet anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FIGURES = ("made", "cancelled", "checked_in", "in_window", "no_show")
# The CSV's headings, in the report's language (Indonesian first, as the other tables).
HEADINGS = (
    "Tanggal",
    "Kode",
    "Layanan",
    "Booking",
    "Batal",
    "Check-in",
    "Tepat waktu",
    "Tidak hadir",
)


def booking_figures(
    bookings: Iterable[Mapping[str, Any]], service_names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """{"totals": figures, "days": [{date, service, service_name, **figures}]} (date, service)."""
    names = service_names or {}
    totals = dict.fromkeys(FIGURES, 0)
    days: dict[tuple[str, str], dict[str, int]] = {}
    for booking in bookings:
        key = (str(booking["date"]), str(booking["service"]))
        row = days.setdefault(key, dict.fromkeys(FIGURES, 0))
        for figure in _counted(booking):
            row[figure] += 1
            totals[figure] += 1
    return {
        "totals": totals,
        "days": [
            {"date": day, "service": code, "service_name": names.get(code, code), **days[day, code]}
            for day, code in sorted(days)
        ],
    }


def _counted(booking: Mapping[str, Any]) -> list[str]:
    figures = ["made"]
    if booking.get("checked_in"):
        figures.append("checked_in")
        if booking.get("in_window"):
            figures.append("in_window")
    elif booking.get("status") == "cancelled":
        figures.append("cancelled")
    elif booking.get("window_closed"):
        figures.append("no_show")
    return figures


def booking_table(report: Mapping[str, Any]) -> list[list[object]]:
    """The CSV table of an operations report's `bookings` (headings, then one row a day and
    service, then the total); empty when the report has none."""
    figures = report.get("bookings")
    if not figures or not figures.get("days"):
        return []
    rows: list[list[object]] = [list(HEADINGS)]
    for day in figures["days"]:
        rows.append([day["date"], day["service"], day["service_name"], *(day[f] for f in FIGURES)])
    rows.append(["total", "", "", *(figures["totals"][f] for f in FIGURES)])
    return rows
