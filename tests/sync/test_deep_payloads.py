"""A deeply nested MQTT payload is refused with a reason on both ends, through a real Mosquitto
(issue 15, item 2).

Before: `json.loads` raised RecursionError, which neither end expected. Central only logged
the batch (no quarantine row, `rejected_batches` unchanged), and a retained `down/config`
message broke the edge's session on every delivery until someone cleared it by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.storage.database import connected
from appliance.storage.state import get_state
from sync import protocol
from sync.central.store import QuarantineRow, SiteRow
from sync.edge import LAST_ERROR
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import EngineSite
from tests.support.sync_harness import (
    SITE,
    Central,
    EdgeProcess,
    assert_exact,
    edge_marks,
    edge_site,
    issue_many,
    wait_for,
)
from tests.sync.test_scenarios import publish_retained

pytestmark = pytest.mark.timeout(120)

DEEP = b'{"v":1,"site":"' + SITE.encode() + b'","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def test_central_quarantines_a_deep_batch_and_counts_it(tmp_path: Path, broker: Mosquitto) -> None:
    central = Central(f"sqlite:///{tmp_path}/central.db", broker.url).start()
    try:
        publish_retained(broker.url, protocol.topic(SITE, protocol.EVENTS), DEEP)

        def refused() -> bool:
            with central.db.connection_context():
                row = SiteRow.get_or_none(SiteRow.code == SITE)
                return row is not None and row.rejected_batches == 1

        wait_for(refused, 15, "the deep batch counted as rejected")
        with central.db.connection_context():
            reasons = [q.reason for q in QuarantineRow.select()]
        assert len(reasons) == 1 and reasons[0].startswith("too_deep:"), reasons
    finally:
        central.stop()


def test_a_deep_retained_config_does_not_stop_the_edge(tmp_path: Path, broker: Mosquitto) -> None:
    site: EngineSite = edge_site(tmp_path / "edge.db")
    publish_retained(broker.url, protocol.topic(SITE, protocol.CONFIG), DEEP)
    central = Central(f"sqlite:///{tmp_path}/central.db", broker.url).start()
    edge = EdgeProcess(tmp_path, site.path, broker.url).start()
    try:
        issue_many(site, 30)

        def drained() -> bool:
            last, acked = edge_marks(site)
            return acked == last

        wait_for(drained, 30, "the edge drained despite the retained message")
        assert_exact(central, site)
        with connected(site.db):
            error = get_state(LAST_ERROR)
        assert error is not None and "too_deep" in error, error
        log = edge.log.read_text(encoding="utf-8", errors="replace")
        assert "RecursionError" not in log and "Traceback" not in log, log[-2000:]
    finally:
        edge.kill()
        central.stop()
