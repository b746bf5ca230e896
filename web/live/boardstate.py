"""The board snapshot, built once per version and shared by every board asking for it.

A hall may have several TVs, all ringing at the same moment; building the snapshot once per
change keeps a burst of calls from turning into boards × calls database reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from appliance.queue import outbox
from appliance.queue.tickets import waiting_counts
from appliance.storage.database import connected
from appliance.storage.models import Service, Site

RECENT = 10


class BoardCache:
    """The last board snapshot, rebuilt after a change but at most every `max_age_s`.

    Counting a long queue costs milliseconds; with 40 counters calling, every board asking after
    every change would spend the server's whole time counting. So during a burst the snapshot
    (current call, recent calls, waiting counts) may lag by up to `max_age_s`; the calls to
    announce are never cached (the `since` query), and the doorbell rings once more
    `max_age_s` after a burst (`SETTLE_S` in web.api.board) so boards end on the final state.

    It needs only the database, today's business date and the doorbell's ring count (every ring
    may change what the board shows), not the whole app context.
    """

    def __init__(
        self,
        db: Any,
        business_date: Callable[[], date],
        rings: Callable[[], int],
        max_age_s: float = 0.25,
        clock: Any = time.monotonic,
    ) -> None:
        self.db = db
        self.business_date = business_date
        self.rings = rings
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._rings = -1
        self._built_at = float("-inf")
        self._snapshot: dict[str, Any] = {}

    def get(self) -> dict[str, Any]:
        with self._lock:
            rings = self.rings()
            now = self._clock()
            if rings != self._rings and now - self._built_at >= self.max_age_s:
                self._snapshot = _build(self.db, self.business_date())
                self._rings, self._built_at = rings, now
            return self._snapshot


_SELECT_CALLS = (
    "SELECT c.seq, c.id, c.number, c.counter_code, c.counter_name, c.service_name, c.recall, "
    "c.at FROM call AS c "
)
_CALLS_SINCE = _SELECT_CALLS + "WHERE c.seq > ? ORDER BY c.seq LIMIT ?"
_RECENT_CALLS = _SELECT_CALLS + (
    "JOIN ticket AS t ON t.id = c.ticket_id WHERE t.business_date = ? ORDER BY c.seq DESC LIMIT ?"
)


def _call_body(row: tuple[Any, ...]) -> dict[str, Any]:
    """One call as boards receive it, from a row of `_SELECT_CALLS`."""
    seq, call_id, number, counter, counter_name, service_name, recall, at = row
    return {
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


def calls_since(db: Any, after: int, limit: int) -> list[dict[str, Any]]:
    """The calls after outbox seq `after`, in order — plain SQL because every board asks this
    on every ring of the doorbell."""
    with connected(db):
        rows = db.execute_sql(_CALLS_SINCE, (after, limit)).fetchall()
    return [_call_body(row) for row in rows]


def _build(db: Any, day: date) -> dict[str, Any]:
    with connected(db):
        site = Site.select().first()
        recent = [
            _call_body(row)
            for row in db.execute_sql(_RECENT_CALLS, (day.isoformat(), RECENT)).fetchall()
        ]
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
        "current": recent[0] if recent else None,
        "recent": recent,
        "waiting": waiting,
    }
