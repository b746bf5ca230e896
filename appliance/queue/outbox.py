"""The outbox: every state change appends its event here inside the same transaction.

The sequence number comes from one counter row bumped by an UPSERT, so it is gap-free (a rolled
back action rolls its number back too) and never reused, even after acked rows are deleted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import SqliteDatabase

from appliance.queue.events import EVENT_TYPES
from appliance.storage.models import Outbox
from appliance.storage.state import delete_state, get_state, set_state

LAST_SEQ = "outbox.last_seq"
ACKED_THROUGH = "outbox.acked_through"
# Written by firmware-scripts/restore-usb.sh: the last seq of the backup just restored. Central
# may hold this site's events past it (sent after the backup was made, before the card died), so
# events written since the restore must not be sent under those numbers (`continue_after`).
RESTORED_FROM = "outbox.restored_from"


@dataclass(frozen=True)
class Event:
    seq: int
    id: str
    type: str
    at: str
    clock_synced: bool
    data: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        """The event as it travels to central (SPEC §6)."""
        return {
            "seq": self.seq,
            "id": self.id,
            "type": self.type,
            "at": self.at,
            "clock_synced": self.clock_synced,
            "data": self.data,
        }


def append(
    db: SqliteDatabase,
    event_type: str,
    data: Mapping[str, Any],
    *,
    at: datetime,
    clock_synced: bool,
) -> int:
    """Append one event; must run inside the caller's write transaction. Returns its seq."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    if db.transaction_depth() == 0:
        raise RuntimeError("outbox.append must run inside the action's transaction")
    row = db.execute_sql(
        "INSERT INTO state (key, value) VALUES (?, '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 "
        "RETURNING value",
        (LAST_SEQ,),
    ).fetchone()
    seq = int(row[0])
    db.execute_sql(
        "INSERT INTO outbox (seq, event_id, type, at, clock_synced, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            seq,
            uuid.uuid4().hex,
            event_type,
            at.isoformat(timespec="milliseconds"),
            1 if clock_synced else 0,
            json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True),
        ),
    )
    return seq


def last_seq() -> int:
    """The seq of the newest event ever written (0 when none)."""
    return int(get_state(LAST_SEQ, "0") or 0)


def acked_through() -> int:
    """Everything up to this seq is stored at central."""
    return int(get_state(ACKED_THROUGH, "0") or 0)


def pending(after: int, limit: int) -> list[Event]:
    """Up to `limit` events with seq > after, in order."""
    rows = Outbox.select().where(Outbox.seq > after).order_by(Outbox.seq).limit(limit)
    return [
        Event(r.seq, r.event_id, r.type, r.at, bool(r.clock_synced), json.loads(r.data))
        for r in rows
    ]


def events_between(first: int, last: int) -> list[Event]:
    """Events with first <= seq <= last, in order (for resending `missing` ranges)."""
    rows = Outbox.select().where(Outbox.seq.between(first, last)).order_by(Outbox.seq)
    return [
        Event(r.seq, r.event_id, r.type, r.at, bool(r.clock_synced), json.loads(r.data))
        for r in rows
    ]


def record_ack(db: SqliteDatabase, through: int, *, keep: int = 0) -> int:
    """Forget events central has committed; never moves backwards. Returns the new mark.

    `keep` retains the newest `keep` acknowledged events, so a central database restored from an
    older backup can be sent them again (the sync worker keeps some; 0 deletes all acked).
    """
    with db.atomic():
        current = acked_through()
        through = min(through, last_seq())
        if through <= current:
            return current
        set_state(ACKED_THROUGH, str(through))
        Outbox.delete().where(Outbox.seq <= through - max(keep, 0)).execute()
        return through


def backlog() -> int:
    """Events not yet confirmed by central."""
    return max(last_seq() - acked_through(), 0)


def restored_from() -> int | None:
    """The restore mark (the backup's last seq), or None when the outbox is not waiting to learn
    where central stands after a restore."""
    raw = get_state(RESTORED_FROM)
    return int(raw) if raw is not None and raw.strip().isdigit() else None


def continue_after(db: SqliteDatabase, mark: int, central_highest: int) -> int:
    """After a restore: move the events written since it (seq > mark) past the highest seq central
    holds, so they are new to central rather than conflicts with the events the lost card sent
    under those numbers; the calls of the boards move with them. Clears the mark. Returns how
    far they moved (0 when central holds nothing past the mark)."""
    with db.atomic():
        delta = max(central_highest - mark, 0)
        if delta:
            for table in ("outbox", "call"):  # through negative numbers: seq is unique
                db.execute_sql(
                    f"UPDATE {table} SET seq = -(seq + ?) WHERE seq > ?",  # noqa: S608 constants
                    (delta, mark),
                )
                db.execute_sql(f"UPDATE {table} SET seq = -seq WHERE seq < 0")  # noqa: S608
            set_state(LAST_SEQ, str(max(last_seq(), mark) + delta))
        delete_state(RESTORED_FROM)
        return delta
