"""The bookings this site holds for a day, with their check-ins (for `mpp bookings list`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from appliance.bookings import codes
from appliance.bookings.received import rejected_batch, rejected_changes
from appliance.site import site_zone
from appliance.storage.models import Booking

_DAY = (
    "SELECT b.code, b.service_code, b.slot_start, b.slot_end, b.status, b.origin, c.at, t.number, "
    "c.in_window, c.via FROM booking b LEFT JOIN booking_check_in c ON c.code = b.code "
    "LEFT JOIN ticket t ON t.id = c.ticket_id WHERE b.business_date = ? "
    "ORDER BY b.slot_start, b.service_code, b.code"
)


@dataclass(frozen=True)
class DayBooking:
    code: str
    service: str
    slot_start: str
    slot_end: str
    status: str  # booked | cancelled
    origin: str  # sync | token
    checked_in_at: datetime | None  # site time
    number: str | None
    in_window: bool | None
    via: str | None


def day_bookings(day: date) -> tuple[list[DayBooking], list[dict[str, Any]]]:
    """(the day's bookings, the booking changes set aside) on the models' database."""
    db = Booking._meta.database
    zone = site_zone(db)
    rows = []
    for code, service, start, end, status, origin, at, number, in_window, via in db.execute_sql(
        _DAY, (day.isoformat(),)
    ):
        checked = datetime.fromisoformat(at).astimezone(zone) if at else None
        window = None if in_window is None else bool(in_window)
        rows.append(
            DayBooking(code, service, start, end, status, origin, checked, number, window, via)
        )
    rejected = rejected_changes()
    batch = rejected_batch()
    if batch is not None:
        rejected.append({"seq": "-", "code": "(whole batch)", **batch})
    return rows, rejected


def describe(rows: list[DayBooking], rejected: list[dict[str, Any]], day: date) -> Iterator[str]:
    """Lines for a terminal: one per booking, then the changes set aside."""
    if not rows:
        yield f"no bookings for {day.isoformat()}"
    for row in rows:
        head = f"{codes.display(row.code)}  {row.service:24} {row.slot_start}-{row.slot_end}"
        state = row.status + (" (from QR)" if row.origin == "token" else "")
        if row.checked_in_at is not None:
            window = "in window" if row.in_window else "outside window"
            state = f"checked in {row.checked_in_at:%H:%M} {row.number} via {row.via}, {window}"
        yield f"{head}  {state}"
    for item in rejected:
        yield (
            f"set aside at {item.get('at')}: seq {item.get('seq')} {item.get('code')}: "
            f"{item.get('reason')}"
        )
