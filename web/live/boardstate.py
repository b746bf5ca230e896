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

from appliance.queue import views
from appliance.queue.views import CallView

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


def _call_body(call: CallView) -> dict[str, Any]:
    """One call as boards receive it."""
    return {
        "seq": call.seq,
        "call_id": call.call_id,
        "number": call.number,
        "counter": call.counter,
        "counter_name": call.counter_name,
        "service_name": call.service_name,
        "recall": call.recall,
        "at": call.at,
        "audio_url": f"/api/v1/announcements/{call.call_id}.wav",
    }


def calls_since(db: Any, after: int, limit: int) -> list[dict[str, Any]]:
    """The calls after outbox seq `after`, in order, as boards receive them."""
    return [_call_body(call) for call in views.calls_since(db, after, limit)]


def _build(db: Any, day: date) -> dict[str, Any]:
    board = views.board(db, day, recent=RECENT)
    recent = [_call_body(call) for call in board.recent]
    return {
        "version": board.version,
        "business_date": board.business_date.isoformat(),
        "site_name": board.site_name,
        "current": recent[0] if recent else None,
        "recent": recent,
        "waiting": [
            {
                "service": row.service,
                "service_name": row.service_name,
                "prefix": row.prefix,
                "waiting": row.waiting,
            }
            for row in board.waiting
        ],
    }
