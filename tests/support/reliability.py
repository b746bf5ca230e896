"""The reliability suite's plain helpers: how long a run is, and what must hold in an appliance
database after anything (kills, faults, a soak).

CI runs a bounded form; `MPP_RELIABILITY=long` runs the long one (more kills, a full simulated
day).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from appliance.storage.backup import integrity_check


def long_mode() -> bool:
    return os.environ.get("MPP_RELIABILITY", "").lower() == "long"


def rows(db_path: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        return list(conn.execute(sql, args))
    finally:
        conn.close()


def database_problems(db_path: Path) -> list[str]:
    """Integrity, gap-free unique numbers per day and prefix, gap-free outbox seq."""
    problems = list(integrity_check(db_path))
    for day, prefix, n, distinct, lo, hi in rows(
        db_path,
        "SELECT business_date, prefix, COUNT(*), COUNT(DISTINCT sequence), MIN(sequence), "
        "MAX(sequence) FROM ticket GROUP BY business_date, prefix",
    ):
        if not (n == distinct == hi and lo == 1):
            problems.append(f"numbers of {prefix} on {day}: {n} tickets, sequences {lo}..{hi}")
    for (number,) in rows(
        db_path, "SELECT number FROM ticket GROUP BY business_date, number HAVING COUNT(*) > 1"
    ):
        problems.append(f"number {number} given twice")
    count, lo, hi = rows(db_path, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM outbox")[0]
    if count and hi - lo + 1 != count:
        problems.append(f"outbox seq not gap-free: {count} events, seq {lo}..{hi}")
    state = dict(rows(db_path, "SELECT key, value FROM state"))
    if count and int(state.get("outbox.last_seq", hi)) != hi:
        problems.append(f"outbox.last_seq {state.get('outbox.last_seq')} but max seq {hi}")
    for (ticket_id,) in rows(
        db_path,
        "SELECT ticket_id FROM call WHERE recall = 0 GROUP BY ticket_id HAVING COUNT(*) > 1",
    ):
        problems.append(f"ticket {ticket_id} called twice")
    return problems
