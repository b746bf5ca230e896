"""Central's backlog figure stays true between hellos (issue 15 item 5): it falls while a backlog
drains, is 0 after a full drain, rises with a new backlog while the site stays connected, and
says how old it is. Real Mosquitto, the edge as a subprocess, central's ingest in this process."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sync import protocol
from sync.central.ingest import Ingest, Reply
from sync.central.reports import site_summary
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import EngineSite
from tests.support.sync_harness import (
    Central,
    EdgeProcess,
    edge_marks,
    edge_site,
    issue_many,
    wait_for,
)

pytestmark = pytest.mark.timeout(90)


class SlowIngest(Ingest):
    """A central that takes a moment per batch, so a backlog takes long enough to watch."""

    def handle(self, topic: str, payload: bytes) -> Reply | None:
        if topic.endswith("/up/events"):
            time.sleep(0.1)
        return super().handle(topic, payload)


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return edge_site(tmp_path / "edge.db")


def drained(site: EngineSite) -> bool:
    last, acked = edge_marks(site)
    return acked == last


def figure(central: Central) -> int | None:
    row = central.site()
    return None if row is None or row.backlog_reported is None else int(row.backlog_reported)


def watch_backlog(central: Central, site: EngineSite, timeout: float) -> list[int]:
    """Central's figure, sampled until the edge has drained."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while not drained(site):
        assert time.monotonic() < deadline, "backlog not drained"
        value = figure(central)
        if value is not None and (not seen or seen[-1] != value):
            seen.append(value)
        time.sleep(0.05)
    return seen


def test_backlog_figure_follows_the_drain_and_a_new_backlog(
    tmp_path: Path, site: EngineSite, broker: Mosquitto
) -> None:
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url, ingest=SlowIngest).start()
    edge = EdgeProcess(tmp_path, site.path, broker.url, batch_size=20, window=1)
    try:
        issue_many(site, 400)  # a morning offline
        wait_for(lambda: all(w.sessions for w in central.workers), 10, "central connected")
        time.sleep(0.5)
        edge.start()
        wait_for(lambda: figure(central) is not None, 20, "the hello")
        during = watch_backlog(central, site, 60)
        wait_for(lambda: figure(central) == 0, 10, "the figure after the drain")
        assert max(during) >= 350, during  # the hello's 400, or close
        assert any(0 < v < 200 for v in during), f"the figure did not fall while draining: {during}"

        # A new backlog while connected: 300 tickets at once; central must see them all coming,
        # not only the batch in flight.
        # (the edge starts sending while they are issued, so the true figure peaks below 300)
        issue_many(site, 300)
        during = watch_backlog(central, site, 60)
        assert max(during) >= 150, f"a new backlog was shown as a few: {during}"  # window 1 x 20
        wait_for(lambda: figure(central) == 0, 10, "the figure after the second drain")

        row = central.site()
        assert row is not None
        with central.db.connection_context():
            summary = site_summary(row, ZoneInfo("Asia/Jakarta"), datetime.now(UTC))
        assert summary["backlog_reported"] == 0
        as_of = datetime.fromisoformat(summary["backlog_as_of"])
        assert abs((datetime.now(UTC) - as_of).total_seconds()) < 30
    finally:
        edge.kill()
        central.stop()


def test_edge_last_seq_is_optional_both_ways() -> None:
    events = [
        {"seq": s, "id": f"e{s}", "type": "ticket.issued", "at": "2026-01-05T08:00:00+07:00",
         "clock_synced": True, "data": {}}
        for s in (3, 4)
    ]  # fmt: skip
    old = protocol.encode_batch(protocol.make_batch("S1", events))
    assert b"edge_last_seq" not in old  # an older central sees what it always saw
    assert protocol.decode_batch(old).edge_last_seq == 0  # an older edge still syncs
    new = protocol.encode_batch(protocol.make_batch("S1", events, edge_last_seq=9))
    assert protocol.decode_batch(new).edge_last_seq == 9
    doc = protocol.decode_document(new)
    doc["edge_last_seq"] = 2  # below the batch's own last seq: nonsense
    with pytest.raises(protocol.ProtocolError, match="bad_batch"):
        protocol.decode_batch(protocol.encode_document(doc))
