"""Event types written to the outbox and synced to central (SPEC §6)."""

from __future__ import annotations

TICKET_ISSUED = "ticket.issued"
TICKET_CALLED = "ticket.called"
TICKET_RECALLED = "ticket.recalled"
TICKET_STARTED = "ticket.started"
TICKET_DONE = "ticket.done"
TICKET_NO_SHOW = "ticket.no_show"
TICKET_RESTORED = "ticket.restored"
TICKET_TRANSFERRED = "ticket.transferred"
TICKET_CANCELLED = "ticket.cancelled"
TICKET_EXPIRED = "ticket.expired"
# An officer undid their own done or transfer moments after (appliance/queue/corrections.py):
# the ticket is back at their counter in `state`, in `service`.
TICKET_UNDONE = "ticket.undone"
COUNTER_PAUSED = "counter.paused"
COUNTER_RESUMED = "counter.resumed"
SURVEY_SUBMITTED = "survey.submitted"
PRINTER_FAULT = "printer.fault"
PRINTER_RECOVERED = "printer.recovered"
CONFIG_APPLIED = "config.applied"
# A citizen who booked on central checked in here (SPEC §8), in the transaction of the ticket's
# `ticket.issued`: {code, ticket_id, number, service, date, slot_start, slot_end, in_window, via,
# checked_in_at}.
BOOKING_CHECKED_IN = "booking.checked_in"

EVENT_TYPES = frozenset(
    {
        TICKET_ISSUED,
        TICKET_CALLED,
        TICKET_RECALLED,
        TICKET_STARTED,
        TICKET_DONE,
        TICKET_NO_SHOW,
        TICKET_RESTORED,
        TICKET_TRANSFERRED,
        TICKET_CANCELLED,
        TICKET_EXPIRED,
        TICKET_UNDONE,
        COUNTER_PAUSED,
        COUNTER_RESUMED,
        SURVEY_SUBMITTED,
        PRINTER_FAULT,
        PRINTER_RECOVERED,
        CONFIG_APPLIED,
        BOOKING_CHECKED_IN,
    }
)
