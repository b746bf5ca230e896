"""Rebuild tickets, survey responses and applied catalogues from a site's events.

Only a site's contiguous prefix is projected, in seq order, so a late-filled gap can never apply a
`ticket.called` before its `ticket.issued`. Order comes from seq, never from the `at` wall time
(an appliance's clock may jump).

A ticket is keyed by (site, ticket id, epoch). An appliance restored from last night's backup
numbers its tickets from the backup's ids again, so the afternoon's tickets reuse ids the lost
card already sent that morning (issue 15 item 9). A `ticket.issued` for an id central holds under
another status token is that id issued anew: it gets the next epoch of that id, and the events
after it (in seq order) change the newest epoch of their id, which is the ticket the box knows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sync.central.bookings.checkins import apply_checkins
from sync.central.store import CatalogueRow, SurveyRow, TicketRow, update_rows, write_rows

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
    "ticket.undone": "serving",  # the state it returns to is in its data (see `_change`)
}


def apply_event(site: str, event: Mapping[str, Any]) -> None:
    """Fold one event (wire form) into the projections; unknown types are kept only as events."""
    apply_events(site, [event])


def apply_events(site: str, events: Sequence[Mapping[str, Any]]) -> None:
    """Fold a run of a site's events, in the order given (seq order), into the projections.

    Same result as applying them one by one, with a few statements per run instead of a few per
    event: the tickets the run touches are read once, folded in memory in order, and written
    back at the end (new ones inserted, changed ones updated). Other kinds are rare and written
    as they come; they touch other tables, so their order against tickets does not matter.
    """
    ids = {
        e["data"]["ticket_id"]
        for e in events
        if (e["type"] == "ticket.issued" or e["type"] in _STATE_BY_EVENT)
        and isinstance(e["data"], Mapping)
        and isinstance(e["data"].get("ticket_id"), int)
    }
    known = _load_tickets(site, ids)  # ticket id -> its newest epoch's row
    new: dict[tuple[int, int], dict[str, Any]] = {}
    changed: dict[tuple[int, int], dict[str, Any]] = {}
    for event in events:
        kind, data, at, seq = event["type"], event["data"], event["at"], event["seq"]
        if kind == "ticket.issued":
            values = _issued(site, seq, at, data)
            if values is None:
                continue
            old = known.get(values["ticket_id"])
            if old is not None:
                if old["status_token"] == values["status_token"]:
                    continue  # the same ticket again: left as it is
                values["epoch"] = old["epoch"] + 1
                log.warning(
                    "site %s seq %s: ticket id %s issued again (restored from a backup?): "
                    "epoch %s", site, seq, values["ticket_id"], values["epoch"],
                )  # fmt: skip
            known[values["ticket_id"]] = values
            new[_key(values)] = values
        elif kind in _STATE_BY_EVENT:
            ticket_id = data.get("ticket_id")
            if not isinstance(ticket_id, int):
                continue
            row = known.get(ticket_id)
            if row is None:  # issued before central knew this site; the event itself is stored
                log.debug("site %s seq %s: %s for unknown ticket %s", site, seq, kind, ticket_id)
                continue
            _change(row, seq, kind, at, data)
            if _key(row) not in new:
                changed[_key(row)] = row
        elif kind == "survey.submitted":
            SurveyRow.insert(
                site=site,
                seq=seq,
                survey_id=data.get("survey_id"),
                service=str(data.get("service", "")),
                business_date=str(data.get("business_date", "")),
                answers=json.dumps(data.get("answers", {}), sort_keys=True),
                respondent=json.dumps(
                    data.get("respondent", {}), ensure_ascii=False, sort_keys=True
                ),
            ).on_conflict_ignore().execute()
        elif kind == "config.applied" and isinstance(data.get("version"), int):
            CatalogueRow.update(applied_at=at).where(
                (CatalogueRow.site == site) & (CatalogueRow.version == data["version"])
            ).execute()
    if new:
        _insert_tickets(site, list(new.values()))
    if changed:
        _update_tickets(site, [changed[key] for key in sorted(changed)])
    apply_checkins(site, events)  # booking.checked_in: sync.central.bookings.checkins


def _key(row: Mapping[str, Any]) -> tuple[int, int]:
    return int(row["ticket_id"]), int(row["epoch"])


_MUTABLE = ("state", "last_seq", "called_at", "started_at", "finished_at", "counter", "recalls",
            "service")  # fmt: skip
_ALL = ("ticket_id", "epoch", "business_date", "number", "service", "agency", "state", "priority",
        "status_token", "source", "issued_at", "called_at", "started_at", "finished_at",
        "counter", "recalls", "last_seq")  # fmt: skip


def _load_tickets(site: str, ids: set[int]) -> dict[int, dict[str, Any]]:
    """The newest epoch of each of these ticket ids, by id."""
    found: dict[int, dict[str, Any]] = {}
    wanted = sorted(ids)
    fields = [getattr(TicketRow, name) for name in _ALL]
    for start in range(0, len(wanted), 500):
        query = TicketRow.select(*fields).where(
            (TicketRow.site == site) & TicketRow.ticket_id.in_(wanted[start : start + 500])
        )
        for values in query.tuples():
            row = dict(zip(_ALL, values, strict=True))
            row["site"] = site
            held = found.get(row["ticket_id"])
            if held is None or row["epoch"] > held["epoch"]:
                found[row["ticket_id"]] = row
    return found


def _insert_tickets(site: str, rows: list[dict[str, Any]]) -> None:
    """Every new ticket in multi-row INSERTs; a ticket already stored is left as it is, like
    the one-event-at-a-time `on_conflict_ignore`."""
    write_rows(
        TicketRow,
        ("site", *_ALL),
        [(site, *(row[name] for name in _ALL)) for row in rows],
        "ON CONFLICT (site, ticket_id, epoch) DO NOTHING",
    )


def _update_tickets(site: str, rows: list[dict[str, Any]]) -> None:
    """Every changed ticket (read in this transaction, folded in memory) written back
    (`store.update_rows`: one statement on PostgreSQL)."""
    update_rows(
        TicketRow,
        ("site", "ticket_id", "epoch"),
        _MUTABLE,
        [(site, row["ticket_id"], row["epoch"], *(row[name] for name in _MUTABLE)) for row in rows],
    )


def _issued(site: str, seq: int, at: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        return {
            "site": site,
            "ticket_id": int(data["ticket_id"]),
            "epoch": 0,
            "business_date": str(data["business_date"]),
            "number": str(data["number"]),
            "service": str(data["service"]),
            "agency": data.get("agency"),
            "state": "waiting",
            "priority": bool(data.get("priority")),
            "status_token": str(data["status_token"]),
            "source": data.get("source"),
            "issued_at": at,
            "called_at": None,
            "started_at": None,
            "finished_at": None,
            "counter": None,
            "recalls": 0,
            "last_seq": seq,
        }
    except (KeyError, TypeError, ValueError):
        log.warning("site %s seq %s: ticket.issued without the ticket fields", site, seq)
        return None


def _change(row: dict[str, Any], seq: int, kind: str, at: str, data: Mapping[str, Any]) -> None:
    row["state"] = _STATE_BY_EVENT[kind]
    row["last_seq"] = seq
    if kind in ("ticket.called", "ticket.recalled"):
        if kind == "ticket.called":  # a recall keeps the first call time, as the appliance does
            row["called_at"] = at
        row["counter"] = data.get("counter", row["counter"])
        if kind == "ticket.recalled":
            row["recalls"] += 1
    elif kind == "ticket.started":
        row["started_at"] = at
    elif kind in ("ticket.done", "ticket.no_show", "ticket.cancelled", "ticket.expired"):
        row["finished_at"] = at
    elif kind == "ticket.transferred":
        row["service"] = str(data.get("to_service", row["service"]))
        row["counter"] = None
    elif kind == "ticket.restored":
        row["counter"] = None
    elif kind == "ticket.undone":  # the officer undid a done or a transfer: back at the counter
        if data.get("state") in ("called", "serving"):
            row["state"] = data["state"]
        row["service"] = str(data.get("service", row["service"]))
        row["counter"] = data.get("counter", row["counter"])
        row["finished_at"] = None
