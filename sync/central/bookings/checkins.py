"""`booking.checked_in` events folded into central's bookings (the site is the authority).

A site that has not yet heard of a cancellation still accepts the booking (SPEC §8): central then
records the check-in anyway and flags `checked_in_after_cancel`, for the figures and for a person
to look at. A check-in of a booking central does not hold (a central restored from an older
backup) is recorded as a booking of its own, so the site's figures stay whole. The first check-in
of a code counts; a repeated event changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sync.central.booking_models import BookingRow

log = logging.getLogger(__name__)

EVENT = "booking.checked_in"


def apply_checkins(site: str, events: Sequence[Mapping[str, Any]]) -> None:
    """Fold the run's `booking.checked_in` events, in seq order (inside ingest's transaction)."""
    for event in events:
        data = event.get("data")
        if event.get("type") != EVENT or not isinstance(data, Mapping):
            continue
        code = data.get("code")
        if not isinstance(code, str) or not code:
            continue
        _check_in(site, code, data, str(event.get("at", "")))


def _check_in(site: str, code: str, data: Mapping[str, Any], at: str) -> None:
    row = BookingRow.get_or_none((BookingRow.site == site) & (BookingRow.code == code))
    values = {
        "status": "checked_in",
        "checked_in_at": _text(data.get("checked_in_at")) or at,
        "ticket_id": data.get("ticket_id") if isinstance(data.get("ticket_id"), int) else None,
        "ticket_number": _text(data.get("number")),
        "in_window": data.get("in_window") if isinstance(data.get("in_window"), bool) else None,
        "via": _text(data.get("via"))[:8] or None,
    }
    if row is None:
        log.warning("site %s: check-in of booking %s central does not hold", site, code)
        BookingRow.insert(
            site=site,
            code=code[:16],
            token_hash=hashlib.sha256(f"unknown:{site}:{code}".encode()).hexdigest(),
            token="",
            service=_text(data.get("service")),
            business_date=_text(data.get("date"))[:10],
            slot_start=_text(data.get("slot_start"))[:5],
            slot_end=_text(data.get("slot_end"))[:5],
            created_at=at,
            **values,
        ).on_conflict_ignore().execute()
        return
    # Conditional, so a cancellation committed between the read and this write is seen: the
    # check-in then counts as one after the cancellation, flagged.
    for status, flagged in (("booked", False), ("cancelled", True)):
        changed = (
            BookingRow.update(**values, checked_in_after_cancel=flagged)
            .where((BookingRow.id == row.id) & (BookingRow.status == status))
            .execute()
        )
        if changed:
            if flagged:
                log.warning("site %s: booking %s checked in after it was cancelled", site, code)
            return


def _text(value: object) -> str:
    return value[:200] if isinstance(value, str) else ""
