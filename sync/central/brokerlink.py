"""Central's own broker link as its status-announcing worker last saw it, kept in central's
database (`central_state`) so the pages, served by other threads or processes, can read it.

Without it the dashboard kept showing a site "Daring" long after central itself lost the
broker: a site's `online` is only the last word central heard, and nothing is heard while the
link is down. The pages show a banner and mark every site's state unknown until it is back.
"""

from __future__ import annotations

import json
from typing import Any

from peewee import Database

from sync.central.store import CentralState

BROKER_LINK = "broker.link"


def record_link(db: Database, up: bool, at: str) -> None:
    """Store "up" or "down" and since when (ISO); the caller records only changes."""
    value = json.dumps({"up": up, "since": at})
    with db.connection_context(), db.atomic():
        CentralState.insert(key=BROKER_LINK, value=value).on_conflict(
            conflict_target=[CentralState.key], update={CentralState.value: value}
        ).execute()


def link_state() -> dict[str, Any] | None:
    """`{"up": bool, "since": iso}`, or None before any worker has said (call inside a
    connection); an unreadable value counts as down, since when is not known."""
    row = CentralState.get_or_none(CentralState.key == BROKER_LINK)
    if row is None:
        return None
    try:
        found = json.loads(str(row.value))
        return {"up": bool(found["up"]), "since": str(found["since"])}
    except (ValueError, KeyError, TypeError):
        return {"up": False, "since": None}
