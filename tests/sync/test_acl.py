"""The example ACL (sync/mosquitto/acl) on a real Mosquitto with a password file: a site cannot
write another site's topics, and a payload claiming another site is refused by central too."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync import protocol
from sync.mqtt import BrokerSettings, Connected, LinkEvent, Published, Session
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import EngineSite
from tests.support.sync_harness import (
    ROOT,
    SITE,
    Central,
    EdgeProcess,
    assert_exact,
    edge_marks,
    edge_site,
    issue_many,
    make_password_file,
    wait_for,
)

pytestmark = pytest.mark.timeout(60)
ACL = ROOT / "sync" / "mosquitto" / "acl"
USERS = {"central": "central-secret-1", SITE: "site-secret-01", "INTRUDER": "intruder-pass-1"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    passwd = make_password_file(tmp_path / "passwd", USERS)
    extra = f"allow_anonymous false\npassword_file {passwd}\nacl_file {ACL}\n"
    b = Mosquitto(tmp_path / "broker", extra=extra).start()
    yield b
    b.kill()


def publish_as(url: str, user: str, topic: str, payload: bytes) -> None:
    """Publish once with QoS 1 and wait for the broker's PUBACK (which an ACL denial also gets)."""
    inbox: queue.Queue[LinkEvent] = queue.Queue()
    settings = BrokerSettings(url=url, client_id=f"t-{user}", username=user, password=USERS[user])
    session = Session(settings, inbox, 1)
    session.start()
    try:
        assert isinstance(inbox.get(timeout=5), Connected)
        mid = session.publish(topic, payload)
        assert mid > 0
        while not (isinstance(e := inbox.get(timeout=5), Published) and e.mid == mid):
            pass
    finally:
        session.close()


def forged(first: int, site: str) -> bytes:
    event = {
        "seq": first,
        "id": "forged",
        "type": "ticket.cancelled",
        "at": "2025-03-12T09:00:00+07:00",
        "clock_synced": True,
        "data": {"ticket_id": 1},
    }
    return protocol.encode_batch(protocol.make_batch(site, [event]))


def test_example_acl_refuses_cross_site_writes(tmp_path: Path, broker: Mosquitto) -> None:
    site: EngineSite = edge_site(tmp_path / "edge.db")
    central = Central(
        f"sqlite:///{tmp_path}/c.db",
        broker.url,
        username="central",
        password=USERS["central"],
    ).start()
    edge = EdgeProcess(tmp_path, site.path, broker.url, password=USERS[SITE])
    try:
        issue_many(site, 50)
        edge.start()
        wait_for(lambda: edge_marks(site)[1] == 50, 30, "the real site to sync")
        # 1. the intruder writes on the victim's topic: the broker drops it (ACL)
        publish_as(broker.url, "INTRUDER", protocol.topic(SITE, protocol.EVENTS), forged(51, SITE))
        # 2. the intruder writes on its own topic claiming to be the victim: central refuses it
        publish_as(
            broker.url, "INTRUDER", protocol.topic("INTRUDER", protocol.EVENTS), forged(51, SITE)
        )
        wait_for(lambda: central.site("INTRUDER") is not None, 10, "central to see the intruder")
        time.sleep(0.5)
        intruder = central.site("INTRUDER")
        assert intruder is not None and intruder.rejected_batches == 1
        assert central.seqs("INTRUDER") == []
        assert central.seqs(SITE) == list(range(1, 51))  # nothing changed for the victim
        issue_many(site, 5)  # the real site's next events are seq 51..55, not the forged one
        wait_for(lambda: edge_marks(site)[1] == 55, 30, "more real events")
        assert_exact(central, site)
        row = central.site(SITE)
        assert row is not None and row.conflicts == 0
    finally:
        edge.kill()
        central.stop()
