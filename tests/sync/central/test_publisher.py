"""Central's publisher on `sync.mqtt.Link`: a push whose PUBACK never comes (a link that went
silent after connecting) is not marked published; the publisher drops that connection, and once
the link passes bytes again the push goes out on a new one and is marked, once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from sync.central.catalogue import push_catalogue
from sync.central.publisher import CentralPublisher
from sync.central.store import OutgoingRow, open_central_database
from sync.mqtt import BrokerSettings
from tests.support.broker import Mosquitto
from tests.support.catalogue_fixtures import small_document
from tests.support.proxy import FaultProxy
from tests.support.sync_harness import SITE, wait_for

pytestmark = pytest.mark.timeout(60)


def test_a_push_without_puback_goes_out_again_on_a_new_connection(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sync")
    db = open_central_database(f"sqlite:///{tmp_path}/central.db")
    broker = Mosquitto(tmp_path / "broker").start()
    proxy = FaultProxy(broker.port)
    stop = threading.Event()
    publisher = CentralPublisher(
        db,
        BrokerSettings(url=f"mqtt://127.0.0.1:{proxy.port}", client_id="test-publisher"),
        stop=stop,
        poll_s=0.2,
        puback_timeout_s=1.0,
        connect_timeout_s=1.0,
    )
    thread = threading.Thread(target=publisher.run, daemon=True)
    thread.start()
    try:

        def connected() -> bool:
            return "as test-publisher" in broker.log.read_text()

        wait_for(connected, 10, "the publisher connected")
        proxy.blackhole()  # connected, then silence: the PUBLISH is lost and so is its PUBACK
        doc = small_document()
        doc["version"] = 4
        push = push_catalogue(db, SITE, doc)

        def published() -> bool:
            with db.connection_context():
                return OutgoingRow.get_by_id(push.outgoing_id).published_at is not None

        wait_for(lambda: "no PUBACK in time" in caplog.text, 10, "the PUBACK given up")
        assert not published() and publisher.published == 0
        proxy.heal()
        wait_for(published, 20, "published on a new connection")
        assert publisher.published == 1 and publisher.sessions >= 2
    finally:
        stop.set()
        thread.join(timeout=10)
        proxy.close()
        broker.kill()
    assert not thread.is_alive()
