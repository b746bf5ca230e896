"""Quiet periods (issue 15 item 10): a lunch break must not cost the link, and a catalogue the
site applied on its own must not be "pushed" again under the same version.

The limits are the worker's settings, so the tests idle a couple of seconds past a 1.5 s stall
limit instead of a minute past the real one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.clock import Clock
from appliance.storage.database import connected
from appliance.storage.models import Site
from sync.central.catalogue import push_catalogue
from sync.central.ingest import Ingest, Reply
from sync.central.store import OutgoingRow
from sync.edge import EdgeSettings, EdgeWorker
from sync.mqtt import BrokerSettings
from tests.support.broker import Mosquitto
from tests.support.catalogue_fixtures import small_document
from tests.support.engine_fixtures import EngineSite
from tests.support.sync_harness import SITE, Central, edge_marks, edge_site, wait_for

pytestmark = pytest.mark.timeout(90)

STALL_S = 1.5


class SlowIngest(Ingest):
    """Central that takes a moment over each batch, so the edge's loop turns while it waits
    (as it does at a real site, where the ack comes back over a slow link)."""

    def handle(self, topic: str, payload: bytes) -> Reply | None:
        if topic.endswith("/up/events"):
            time.sleep(0.4)
        return super().handle(topic, payload)


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return edge_site(tmp_path / "edge.db")


class RunningEdge:
    """The real edge worker on a thread of the test, so its session count can be read."""

    def __init__(self, site: EngineSite, broker: Mosquitto, clock: Clock) -> None:
        settings = EdgeSettings(
            site=SITE, batch_size=50, window=2, ack_timeout_s=10.0, stall_s=STALL_S
        )
        self.stop = threading.Event()
        self.worker = EdgeWorker(
            site.db,
            BrokerSettings(url=broker.url, client_id=f"quiet-edge-{id(self)}", keepalive_s=5),
            settings,
            clock,
            stop=self.stop,
        )
        self.thread = threading.Thread(target=self.worker.run, daemon=True)

    def __enter__(self) -> EdgeWorker:
        self.thread.start()
        return self.worker

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def listening(central: Central) -> None:
    """Central's workers connected and subscribed, so the edge's hello is not missed."""
    wait_for(lambda: all(w.sessions for w in central.workers), 10, "central connected")
    time.sleep(0.5)  # its SUBSCRIBE goes out right after CONNACK


def reported_version(central: Central) -> int | None:
    row = central.site()
    return None if row is None or row.config_version is None else int(row.config_version)


def drained(site: EngineSite) -> bool:
    last, acked = edge_marks(site)
    return last > 0 and acked == last


def test_first_batch_after_a_quiet_period_keeps_the_session(
    tmp_path: Path, site: EngineSite, broker: Mosquitto
) -> None:
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url, ingest=SlowIngest).start()
    try:
        with RunningEdge(site, broker, site.clock) as worker:
            site.engine.issue("KTP")
            wait_for(lambda: drained(site), 20, "first ticket synced")
            assert worker.sessions == 1
            time.sleep(STALL_S + 1.0)  # the lunch break: longer than the stall limit
            for _ in range(3):
                site.engine.issue("KK")
            wait_for(lambda: drained(site), 20, "tickets after the break synced")
            time.sleep(0.3)
            assert worker.sessions == 1, "the quiet period was taken for a stalled central"
        assert central.seqs() == list(range(1, 5))
    finally:
        central.stop()


def test_automatic_push_version_is_above_a_catalogue_the_site_applied_itself(
    tmp_path: Path, site: EngineSite, broker: Mosquitto
) -> None:
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url).start()
    try:
        listening(central)
        with RunningEdge(site, broker, site.clock):
            wait_for(lambda: reported_version(central) is not None, 10, "the hello stored")
            hello_version = reported_version(central) or 0
            # While connected the admin edits the catalogue on the appliance: version + 1,
            # reported to central only by its config.applied event.
            local = small_document()
            local["version"] = hello_version + 1
            with site.db.write():
                apply_catalogue(site.db, validate_catalogue(local), clock=site.clock)
            wait_for(lambda: drained(site), 20, "config.applied synced")
            pushed = small_document()
            pushed.pop("version", None)
            push = push_catalogue(central.db, SITE, pushed)
            assert push.version == hello_version + 2
            with central.db.connection_context():
                payload = bytes(OutgoingRow.get_by_id(push.outgoing_id).payload)
            from tests.sync.test_scenarios import publish_retained

            publish_retained(broker.url, f"mpp/v1/sites/{SITE}/down/config", payload)

            def applied() -> bool:
                with connected(site.db):
                    return int(Site.get().catalogue_version) == push.version

            wait_for(applied, 20, "the pushed catalogue applied")
    finally:
        central.stop()
