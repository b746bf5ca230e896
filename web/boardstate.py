"""The board snapshot, built once per version and shared by every board asking for it.

A hall may have several TVs, all ringing at the same moment; building the snapshot once per
change keeps a burst of calls from turning into boards × calls database reads.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from appliance import outbox
from appliance.models import Call, Service, Site, Ticket
from appliance.storage import connected
from appliance.tickets import waiting_counts

if TYPE_CHECKING:
    from web.context import WebContext

RECENT = 10


class BoardCache:
    """The last board snapshot and the version it was built for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._snapshot: dict[str, Any] = {}

    def get(self, context: WebContext) -> dict[str, Any]:
        with self._lock:
            version = context.doorbell.rings  # every ring may change what the board shows
            if version != self._version:
                self._snapshot = _build(context)
                self._version = version
            return self._snapshot


def call_body(call: Call) -> dict[str, Any]:
    return {
        "seq": call.seq,
        "call_id": call.id,
        "number": call.number,
        "counter": call.counter_id,
        "counter_name": call.counter_name,
        "service_name": call.service_name,
        "recall": bool(call.recall),
        "at": call.at,
        "audio_url": f"/api/v1/announcements/{call.id}.wav",
    }


def _todays_calls(day: object) -> Any:
    return Call.select(Call).join(Ticket).where(Ticket.business_date == day)


def _build(context: WebContext) -> dict[str, Any]:
    core = context.core
    day = core.engine.current_day().date
    with connected(core.db):
        site = Site.select().first()
        recent = list(_todays_calls(day).order_by(Call.seq.desc()).limit(RECENT))
        counts = waiting_counts(day)
        services = {
            s.code: s
            for s in Service.select(Service.code, Service.name, Service.prefix).where(
                Service.code.in_(list(counts))
            )
        }
        version = outbox.last_seq()
    waiting = [
        {
            "service": code,
            "service_name": services[code].name if code in services else code,
            "prefix": services[code].prefix if code in services else "",
            "waiting": n,
        }
        for code, n in sorted(counts.items())
    ]
    return {
        "version": version,
        "business_date": day.isoformat(),
        "site_name": site.name if site is not None else "",
        "current": call_body(recent[0]) if recent else None,
        "recent": [call_body(c) for c in recent],
        "waiting": waiting,
    }
