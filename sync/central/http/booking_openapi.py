"""The OpenAPI entries of the booking routes (SPEC §8), merged into central's DOCS."""

from __future__ import annotations

from typing import Any

NEW_BOOKING: dict[str, Any] = {
    "type": "object",
    "required": ["site", "service", "date", "slot_start"],
    "properties": {
        "site": {"type": "string"},
        "service": {"type": "string", "description": "a service with a booking_quota"},
        "date": {"type": "string", "format": "date", "description": "the site's business day"},
        "slot_start": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
    },
    "additionalProperties": False,
}

BOOKING_DOCS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "central_bookings.public_services": (
        "Public, rate-limited: the site's bookable services with requirements, fee, hours, "
        "booking settings and the first/last bookable date (404 unknown_site)",
        None,
    ),
    "central_bookings.public_slots": (
        "Public, rate-limited: {items: [{start, end, remaining}]} of ?service=&date= "
        "(slots already begun are left out)",
        None,
    ),
    "central_bookings.public_book": (
        "Public, rate-limited: book a slot → 201 {code, code_display, token, site, service, "
        "date, slot_start, slot_end, status}; 409 slot_full; 422 bad_date/unknown_slot/"
        "slot_past; 404 unknown_site/unknown_service; 429 + Retry-After",
        NEW_BOOKING,
    ),
    "central_bookings.public_status": (
        "Public, rate-limited: a booking by its token: status booked|checked_in (with the "
        "ticket's number and status_url)|cancelled|expired",
        None,
    ),
    "central_bookings.public_cancel": (
        "Public, rate-limited: cancel (frees the place; twice answers the same); 409 "
        "already_checked_in/expired",
        None,
    ),
    "central_bookings.site_booking_keys": (
        "Admin: the site's valid booking public keys (kid, public_key, active, valid_until); "
        "never a private key",
        None,
    ),
    "central_bookings.rotate_booking_key": (
        "Admin: a new signing key; the old stays published horizon_days+1 days; the site's "
        "newest catalogue is pushed again with the key list (202)",
        None,
    ),
    "central_bookings.booking_figures": (
        "Supervisor: bookings made, checked in, no-shows, cancelled (and checked in after a "
        "cancellation) per site, service and day (?from=&to=&site=)",
        None,
    ),
}
