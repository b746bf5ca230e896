"""The board snapshot, built once per version and shared by every board asking for it.

A hall may have several TVs, all ringing at the same moment; building the snapshot once per
change keeps a burst of calls from turning into boards × calls database reads.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from appliance import outbox
from appliance.models import Call, Service, Site, Ticket
from appliance.storage import connected
from appliance.tickets import waiting_counts

if TYPE_CHECKING:
    from web.context import WebContext

RECENT = 10


class BoardCache:
    """The last board snapshot, rebuilt after a change but at most every `max_age_s`.

    Counting a long queue costs milliseconds; with 40 counters calling, every board asking after
    every change would spend the server's whole time counting. So during a burst the snapshot
    (current call, recent calls, waiting counts) may lag by up to `max_age_s`; the calls to
    announce are never cached (the `since` query), and the doorbell rings once more
    `max_age_s` after a burst (`SETTLE_S` in web.api.board) so boards end on the final state.
    """

    def __init__(self, max_age_s: float = 0.25, clock: Any = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._rings = -1
        self._built_at = float("-inf")
        self._snapshot: dict[str, Any] = {}

    def get(self, context: WebContext) -> dict[str, Any]:
        with self._lock:
            rings = context.doorbell.rings  # every ring may change what the board shows
            now = self._clock()
            if rings != self._rings and now - self._built_at >= self.max_age_s:
                self._snapshot = _build(context)
                self._rings, self._built_at = rings, now
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


_CALLS_SINCE = (
    "SELECT seq, id, number, counter_code, counter_name, service_name, recall, at FROM call "
    "WHERE seq > ? ORDER BY seq LIMIT ?"
)


def calls_since(db: Any, after: int, limit: int) -> list[dict[str, Any]]:
    """The calls after outbox seq `after`, as `call_body` gives them — in plain SQL because
    every board asks this on every ring of the doorbell."""
    with connected(db):
        rows = db.execute_sql(_CALLS_SINCE, (after, limit)).fetchall()
    return [
        {
            "seq": seq,
            "call_id": call_id,
            "number": number,
            "counter": counter,
            "counter_name": counter_name,
            "service_name": service_name,
            "recall": bool(recall),
            "at": at,
            "audio_url": f"/api/v1/announcements/{call_id}.wav",
        }
        for seq, call_id, number, counter, counter_name, service_name, recall, at in rows
    ]


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
