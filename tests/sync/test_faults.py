"""Edge → Mosquitto → central with real processes and a fault proxy on the edge's link.

Every scenario ends with the same exact check: central holds seq 1..N once each, its
`stored_through` is N, and the edge outbox is acked through N (nothing lost, nothing twice).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.edge import CENTRAL_ACKED, CONNECTED, LAST_CONTACT
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import EngineSite
from tests.support.proxy import FaultProxy
from tests.support.sync_harness import (
    Central,
    EdgeProcess,
    assert_exact,
    edge_marks,
    edge_site,
    edge_state,
    issue_many,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def proxy(broker: Mosquitto) -> Iterator[FaultProxy]:
    p = FaultProxy(broker.port)
    yield p
    p.close()


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return edge_site(tmp_path / "edge.db")


@pytest.fixture
def central(tmp_path: Path, broker: Mosquitto) -> Iterator[Central]:
    c = Central(f"sqlite:///{tmp_path}/central.db", broker.url).start()
    yield c
    c.stop()


@pytest.fixture
def edge(tmp_path: Path, site: EngineSite, proxy: FaultProxy) -> Iterator[EdgeProcess]:
    e = EdgeProcess(tmp_path, site.path, f"mqtt://127.0.0.1:{proxy.port}")
    yield e
    e.kill()


def drained(site: EngineSite) -> bool:
    last, acked = edge_marks(site)
    return acked == last


def test_happy_path(site: EngineSite, central: Central, edge: EdgeProcess) -> None:
    issue_many(site, 300)
    edge.start()
    wait_for(lambda: drained(site), 30, "the outbox to drain")
    assert_exact(central, site)
    issue_many(site, 20)  # live events after the backlog
    wait_for(lambda: drained(site), 30, "live events")
    assert_exact(central, site)
    assert edge_state(site, CONNECTED) == "1"
    assert edge_state(site, CENTRAL_ACKED) == str(edge_marks(site)[0])
    assert edge_state(site, LAST_CONTACT)
    row = central.site()
    assert row is not None and row.online and row.duplicates_ignored == 0
    assert edge.stop() == 0
    wait_for(lambda: bool(central.site() and not central.site().online), 10, "offline status")
    assert edge_state(site, CONNECTED) == "0"


def test_broker_down_while_tickets_issued(
    tmp_path: Path, site: EngineSite, broker: Mosquitto, central: Central, edge: EdgeProcess
) -> None:
    broker.kill()
    edge.start()
    issue_many(site, 2000)  # several simulated business days
    time.sleep(1)
    assert edge_state(site, CONNECTED) == "0"
    assert edge_marks(site)[1] == 0
    broker.start()
    wait_for(lambda: drained(site), 60, "the backlog to drain after the broker came back")
    assert_exact(central, site)


def test_broker_killed_mid_stream(
    site: EngineSite, broker: Mosquitto, central: Central, edge: EdgeProcess
) -> None:
    issue_many(site, 1500)
    edge.start()
    for _ in range(3):
        wait_for(lambda: edge_marks(site)[1] > 0 or central.stored_through() > 0, 30, "progress")
        time.sleep(0.3)
        broker.kill()
        time.sleep(0.5)
        broker.start()
        issue_many(site, 50)
    wait_for(lambda: drained(site), 60, "drain after broker restarts")
    assert_exact(central, site)


def test_blackholed_link_recovers(
    site: EngineSite, proxy: FaultProxy, central: Central, edge: EdgeProcess
) -> None:
    issue_many(site, 200)
    edge.start()
    wait_for(lambda: drained(site), 30, "first drain")
    proxy.blackhole()
    issue_many(site, 300)
    time.sleep(4)  # keepalive 2 s: the edge must notice the dead link by itself
    assert not drained(site)
    proxy.mode = "pass"  # the link comes back; stale connections stay dead
    wait_for(lambda: drained(site), 45, "drain after the blackhole")
    assert_exact(central, site)


def test_flapping_link(
    site: EngineSite, proxy: FaultProxy, central: Central, edge: EdgeProcess
) -> None:
    issue_many(site, 1200)
    edge.start()
    rng = random.Random(5)
    for _ in range(8):
        time.sleep(rng.uniform(0.2, 0.8))
        proxy.cut()
    wait_for(lambda: drained(site), 60, "drain after flapping")
    assert_exact(central, site)


def test_sync_worker_sigkilled_at_random_points(
    site: EngineSite, central: Central, edge: EdgeProcess
) -> None:
    issue_many(site, 1500)
    rng = random.Random(7)
    for _ in range(5):
        edge.start()
        time.sleep(rng.uniform(0.5, 1.5))
        edge.kill()
        issue_many(site, 30)
    edge.start()
    wait_for(lambda: drained(site), 60, "drain after kills")
    assert_exact(central, site)


def test_central_down_while_broker_up(
    site: EngineSite, central: Central, edge: EdgeProcess
) -> None:
    central.stop()
    issue_many(site, 400)
    edge.start()
    time.sleep(3)
    assert edge_marks(site)[1] == 0  # the broker's PUBACK forgets nothing
    central.start()
    wait_for(lambda: drained(site), 60, "drain once central is back")
    assert_exact(central, site)
