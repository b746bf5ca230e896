"""Rebuild tickets, survey responses and applied catalogues from a site's events.

Only a site's contiguous prefix is projected, in seq order, so a late-filled gap can never apply a
`ticket.called` before its `ticket.issued`. Order comes from seq, never from the `at` wall time
(an appliance's clock may jump).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from sync.central.models import CatalogueRow, SurveyRow, TicketRow

log = logging.getLogger(__name__)

_STATE_BY_EVENT = {
    "ticket.called": "called",
    "ticket.recalled": "called",
    "ticket.started": "serving",
    "ticket.done": "done",
    "ticket.no_show": "no_show",
    "ticket.restored": "waiting",
    "ticket.transferred": "waiting",
    "ticket.cancelled": "cancelled",
    "ticket.expired": "expired",
}


def apply_event(site: str, event: Mapping[str, Any]) -> None:
    """Fold one event (wire form) into the projections; unknown types are kept only as events."""
    kind, data, at = event["type"], event["data"], event["at"]
    if kind == "ticket.issued":
        _issue(site, event["seq"], at, data)
    elif kind in _STATE_BY_EVENT:
        _ticket_change(site, event["seq"], kind, at, data)
    elif kind == "survey.submitted":
        SurveyRow.insert(
            site=site,
            seq=event["seq"],
            survey_id=data.get("survey_id"),
            service=str(data.get("service", "")),
            business_date=str(data.get("business_date", "")),
            answers=json.dumps(data.get("answers", {}), sort_keys=True),
            respondent=json.dumps(data.get("respondent", {}), ensure_ascii=False, sort_keys=True),
        ).on_conflict_ignore().execute()
    elif kind == "config.applied" and isinstance(data.get("version"), int):
        CatalogueRow.update(applied_at=at).where(
            (CatalogueRow.site == site) & (CatalogueRow.version == data["version"])
        ).execute()


def _issue(site: str, seq: int, at: str, data: Mapping[str, Any]) -> None:
    try:
        values = {
            "site": site,
            "ticket_id": int(data["ticket_id"]),
            "business_date": str(data["business_date"]),
            "number": str(data["number"]),
            "service": str(data["service"]),
            "agency": data.get("agency"),
            "state": "waiting",
            "priority": bool(data.get("priority")),
            "status_token": str(data["status_token"]),
            "source": data.get("source"),
            "issued_at": at,
            "last_seq": seq,
        }
    except (KeyError, TypeError, ValueError):
        log.warning("site %s seq %s: ticket.issued without the ticket fields", site, seq)
        return
    TicketRow.insert(**values).on_conflict_ignore().execute()


def _ticket_change(site: str, seq: int, kind: str, at: str, data: Mapping[str, Any]) -> None:
    ticket_id = data.get("ticket_id")
    if not isinstance(ticket_id, int):
        return
    row = TicketRow.get_or_none((TicketRow.site == site) & (TicketRow.ticket_id == ticket_id))
    if row is None:  # issued before central knew this site; the event itself is stored
        log.debug("site %s seq %s: %s for unknown ticket %s", site, seq, kind, ticket_id)
        return
    row.state = _STATE_BY_EVENT[kind]
    row.last_seq = seq
    if kind in ("ticket.called", "ticket.recalled"):
        if kind == "ticket.called":  # a recall keeps the first call time, as the appliance does
            row.called_at = at
        row.counter = data.get("counter", row.counter)
        if kind == "ticket.recalled":
            row.recalls += 1
    elif kind == "ticket.started":
        row.started_at = at
    elif kind in ("ticket.done", "ticket.no_show", "ticket.cancelled", "ticket.expired"):
        row.finished_at = at
    elif kind == "ticket.transferred":
        row.service = str(data.get("to_service", row.service))
        row.counter = None
    elif kind == "ticket.restored":
        row.counter = None
    row.save()
