"""The board snapshot, built once per version and shared by every board asking for it.

A hall may have several TVs, all ringing at the same moment; building the snapshot once per
change keeps a burst of calls from turning into boards × calls database reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from appliance.queue import board as boards
from appliance.queue.board import BoardView, CallView
from appliance.queue.hours import opening_at
from appliance.queue.issuing import parsed_hours
from appliance.site import DEFAULT_ZONE, zone

RECENT = 10
# Opening and closing happen without a ring: the snapshot is also rebuilt when the site's clock
# enters a new minute, so a board (which fetches every 30 s) shows the closed state within a
# minute of closing time.


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        *,
        now: Callable[[], datetime] = _utc_now,
        streak_limit: int = 3,
        enforce_hours: bool = True,
    ) -> None:
        self.db = db
        self.business_date = business_date
        self.rings = rings
        self.max_age_s = max_age_s
        self.now = now
        self.streak_limit = streak_limit
        self.enforce_hours = enforce_hours
        self._clock = clock
        self._lock = threading.Lock()
        self._rings = -1
        self._minute: datetime | None = None
        self._built_at = float("-inf")
        self._snapshot: dict[str, Any] = {}

    def get(self) -> dict[str, Any]:
        with self._lock:
            rings = self.rings()
            now = self._clock()
            wall = self.now()
            minute = wall.replace(second=0, microsecond=0)
            stale = rings != self._rings or minute != self._minute
            if stale and now - self._built_at >= self.max_age_s:
                self._snapshot = _build(
                    self.db,
                    self.business_date(),
                    wall,
                    streak_limit=self.streak_limit,
                    enforce_hours=self.enforce_hours,
                )
                self._rings, self._built_at, self._minute = rings, now, minute
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
    return [_call_body(call) for call in boards.calls_since(db, after, limit)]


def _build(
    db: Any, day: date, now: datetime, *, streak_limit: int, enforce_hours: bool
) -> dict[str, Any]:
    board = boards.board(db, day, recent=RECENT, streak_limit=streak_limit)
    recent = [_call_body(call) for call in board.recent]
    opening = _opening(board, now, enforce_hours)
    busy = any(loket.serving for loket in board.lokets) or any(w.waiting for w in board.waiting)
    return {
        "version": board.version,
        "business_date": board.business_date.isoformat(),
        "site_name": board.site_name,
        "zone": board.zone or DEFAULT_ZONE,
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
        "lokets": [
            {
                "code": loket.code,
                "name": loket.name,
                "agency_name": loket.agency_name,
                "paused": loket.paused,
                "serving": loket.serving,
                "serving_state": loket.serving_state,
                "next": loket.next,
            }
            for loket in board.lokets
        ],
        "message": board.message,
        "opening": opening,
        # Outside the hours with nobody waiting and nobody at a counter: the board says the
        # site is closed instead of showing the day's last call as if it were being called now.
        "closed": not opening["open"] and not busy,
    }


def _opening(board: BoardView, now: datetime, enforce_hours: bool) -> dict[str, Any]:
    """Whether the site is open by its hours now, with the hours to show when it is not."""
    if not enforce_hours or board.hours is None:
        return {"open": True, "reason": "open", "opens": None, "closes": None}
    local = now.astimezone(zone(board.zone or DEFAULT_ZONE))
    opening = opening_at(parsed_hours(board.hours), local)
    return {
        "open": opening.open,
        "reason": opening.reason,
        "opens": f"{opening.opens:%H:%M}" if opening.opens else None,
        "closes": f"{opening.closes:%H:%M}" if opening.closes else None,
    }
