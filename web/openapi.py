"""The OpenAPI 3 document of the appliance's `/api/v1`: what its routes are for.

The document is built from the app's own URL map by `web.kit.openapi` (so it cannot list an
endpoint that does not exist or miss one that does); summaries and request bodies come from
`DOCS` below (a test fails when a route has no entry there).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from appliance import __version__
from appliance.queue.counter_actions import PAUSE_REASONS
from appliance.storage.models import PRIORITY_REASONS
from web.kit import openapi
from web.kit.openapi import EMPTY, login_docs

SERVICE_BODY = {
    "type": "object",
    "required": ["service"],
    "properties": {"service": {"type": "string", "minLength": 1, "maxLength": 64}},
}
ISSUE = {
    "type": "object",
    "required": ["service"],
    "properties": {
        "service": {"type": "string", "minLength": 1, "maxLength": 64},
        "priority": {"type": "boolean"},
        "priority_reason": {"type": ["string", "null"], "enum": [*PRIORITY_REASONS, None]},
    },
}
SURVEY = {
    "type": "object",
    "required": ["status_token", "answers"],
    "properties": {
        "status_token": {"type": "string"},
        "answers": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 4},
        },
        "respondent": {"type": "object"},
    },
}
ANY_OBJECT = {"type": "object", "additionalProperties": True}
PAUSE_BODY = {
    "type": "object",
    "properties": {"reason": {"type": ["string", "null"], "enum": [*PAUSE_REASONS, None]}},
}
NUMBER_BODY = {
    "type": "object",
    "required": ["number"],
    "properties": {"number": {"type": "string", "minLength": 1, "maxLength": 16}},
}

CHECK_IN = {
    "type": "object",
    "description": "Exactly one of `code` (typed; case, spaces and dashes ignored) or `token` "
    "(what the booking's QR code carries, typed by a USB scanner)",
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 32},
        "token": {"type": "string", "minLength": 1, "maxLength": 1024},
    },
}

# endpoint -> (summary, request body schema or None)
DOCS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "api_status.healthz": ("200 when the appliance can serve (database open)", None),
    "api_status.status": ("Printer, buttons, speaker, sync backlog, clock, disk, version", None),
    "api_status.confirm_clock": (
        "Confirm the real date and time (admin)",
        {"type": "object", "required": ["now"], "properties": {"now": {"type": "string"}}},
    ),
    **login_docs("auth"),
    "api_services.list_services": (
        "Services with waiting counts, estimated wait (null: no counter open), open state, the"
        " site's opening now and the catalogue's kiosk words",
        None,
    ),
    "api_tickets.issue": ("Issue a ticket", ISSUE),
    "api_bookings.check_in": (
        "Check in a booking (kiosk+): 201 ticket with source 'booking', `in_window`, the "
        "`booking` (code, service, date, slot) and `note` (why it queues as a walk-in outside "
        "its window); 404 unknown_booking, 403 bad_signature, 409 already_checked_in, 422 "
        "wrong_site, wrong_day, cancelled, bad_code",
        CHECK_IN,
    ),
    "api_bookings.booking_keys": (
        "The public keys booking tokens are checked with: kid, public_key, origin (config from "
        "central or admin by hand), since",
        None,
    ),
    "api_tickets.list_tickets": ("Tickets of a day (today by default)", None),
    "api_tickets.get_ticket": ("One ticket", None),
    "api_tickets.track": ("Public status of one ticket (no personal data)", None),
    "api_tickets.reprint": ("Print the ticket again", EMPTY),
    "api_tickets.restore": ("Put a no-show ticket back in the queue", EMPTY),
    "api_tickets.cancel": ("Cancel a ticket", EMPTY),
    "api_tickets.transfer": ("Move a waiting ticket to another service (greeter)", SERVICE_BODY),
    "api_counters.list_counters": ("Counters with state and current ticket", None),
    "api_counters.counter_queue": (
        "The tickets waiting for this counter, in the order its `next` will call them "
        "(priority first up to the streak limit, then issue order); `limit`, `offset`",
        None,
    ),
    "api_counters.counter_next": ("Call the next ticket (404 queue_empty when none)", EMPTY),
    "api_counters.counter_recall": ("Announce the current ticket again", EMPTY),
    "api_counters.counter_start": ("The citizen arrived: serving", EMPTY),
    "api_counters.counter_done": ("Finish the current ticket", EMPTY),
    "api_counters.counter_no_show": ("Mark the current ticket no-show", EMPTY),
    "api_counters.counter_transfer": ("Move the current ticket to another service", SERVICE_BODY),
    "api_counters.counter_pause": (
        "Stop being offered tickets; optional `reason`: " + ", ".join(PAUSE_REASONS),
        PAUSE_BODY,
    ),
    "api_counters.counter_resume": ("Be offered tickets again", EMPTY),
    "api_counters.counter_undo": (
        "Undo this officer's last no-show, done or transfer at the counter within 30 s "
        "(409 nothing_to_undo, undo_not_yours, undo_expired, undo_stale)",
        EMPTY,
    ),
    "api_counters.counter_call": (
        "Call a given number of today (waiting, or a no-show who came back), out of turn",
        NUMBER_BODY,
    ),
    "api_board.board": ("Board state; with `since`, the calls after it to announce", None),
    "api_board.stream": ("Server-Sent Events: a `version` doorbell, heartbeat every 15 s", None),
    "api_board.announcement": ("The spoken announcement of one call (WAV)", None),
    "api_board.spoken_number": ("A number just issued, as the kiosk says it (WAV)", None),
    "api_board.put_message": (
        'Set the running text under every board ("" removes it; one line, at most 300)',
        {
            "type": "object",
            "required": ["text"],
            "properties": {"text": {"type": "string", "maxLength": 2000}},
        },
    ),
    "api_surveys.submit": ("Submit the SKM survey for a done ticket", SURVEY),
    "api_surveys.awaiting": (
        "Counter tablet: the ticket just finished at `counter`, unrated, to offer the survey for",
        None,
    ),
    "api_reports.daily": (
        "One day (`date`): per service, counter and officer: issued, served, no-show, expired, "
        "waiting/handling p50/p90, arrivals per hour; `format=csv`",
        None,
    ),
    "api_reports.operations": (
        "Operations over `from`..`to` for the site, an `agency` or a `service`; `format=csv`",
        None,
    ),
    "api_reports.skm": (
        "SKM over `from`..`to` (site, `agency` or `service`): NRR per element, IKM, category, "
        "respondents, population, minimum sample, profile; `format=csv`",
        None,
    ),
    "api_reports.skm_pdf": ("The printable SKM report (PDF) of the same query", None),
    "api_admin.get_catalogue": ("The applied catalogue (mpp-catalogue/1)", None),
    "api_admin.put_catalogue": ("Replace the whole catalogue (mpp-catalogue/1)", ANY_OBJECT),
    "api_admin.list_officers": ("Staff accounts", None),
    "api_admin.create_officer": ("Add a staff account", ANY_OBJECT),
    "api_admin.update_officer": (
        "Change password, counters or active state (a new password or disabling ends the "
        "officer's sessions)",
        ANY_OBJECT,
    ),
    "api_admin.logout_officer_everywhere": (
        "End every session of an officer; returns sessions_ended (404 unknown officer)",
        None,
    ),
    "api_admin.list_tokens": ("Machine tokens (never the token itself)", None),
    "api_admin.create_token": ("Create a machine token (shown once)", ANY_OBJECT),
    "api_admin.revoke_token": ("Revoke a machine token", None),
}
for _section in ("agencies", "services", "counters"):
    DOCS[f"api_admin.{_section}_list"] = (f"Catalogue {_section}", None)
    DOCS[f"api_admin.{_section}_create"] = (
        f"Add one of the {_section} (new catalogue version)",
        ANY_OBJECT,
    )
    DOCS[f"api_admin.{_section}_update"] = (f"Change one of the {_section}", ANY_OBJECT)
    DOCS[f"api_admin.{_section}_delete"] = (f"Remove one of the {_section}", None)

EXTRA_DOCS_KEY = "MPP_OPENAPI_DOCS"  # blueprints added later register their docs here


def all_docs(app: Flask) -> dict[str, tuple[str, dict[str, Any] | None]]:
    return {**DOCS, **app.config.get(EXTRA_DOCS_KEY, {})}


def build_openapi(app: Flask) -> dict[str, Any]:
    return openapi.build_openapi(
        app,
        title="MPP queue appliance API",
        version=__version__,
        docs=all_docs(app),
        answers={"200": "OK", "201": "Created"},
    )
