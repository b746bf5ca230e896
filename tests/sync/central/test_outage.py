"""Central during a PostgreSQL outage, with a real Mosquitto: the publisher keeps its broker
session and waits for the database with a back-off (it used to reconnect to the broker twice a
second, a traceback each time), and a site's `offline` that arrives during the outage is stored
once the database is back (it used to be lost, the site shown online for good).

The outage is real: the test's database stops accepting connections and its sessions are ended
(`ALLOW_CONNECTIONS false`, `pg_terminate_backend`), the server itself keeps running for the
other tests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from paho.mqtt import publish

from sync import protocol
from sync.central.catalogue import push_catalogue
from sync.central.ingest import Ingest
from sync.central.publisher import CentralPublisher
from sync.central.store import OutgoingRow, SiteRow, open_central_database
from sync.mqtt import BrokerSettings
from tests.support.broker import Mosquitto
from tests.support.catalogue_fixtures import small_document
from tests.support.sync_harness import SITE, Central, wait_for

pytestmark = pytest.mark.timeout(60)


@contextmanager
def outage(postgres_server: str, url: str) -> Iterator[None]:
    """The database at `url` refuses connections and loses its open ones, until the end."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            yield
        finally:
            admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")


def test_the_publisher_waits_out_a_database_outage_on_one_broker_session(
    broker: Mosquitto, postgres_server: str, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sync")
    db = open_central_database(postgres_url)
    stop = threading.Event()
    publisher = CentralPublisher(
        db,
        BrokerSettings(url=broker.url, client_id="test-publisher"),
        stop=stop,
        poll_s=0.2,
        connect_timeout_s=2.0,
    )
    thread = threading.Thread(target=publisher.run, daemon=True)
    try:
        with outage(postgres_server, postgres_url):
            thread.start()
            wait_for(lambda: "as test-publisher" in broker.log.read_text(), 10, "connected")
            time.sleep(2.5)
            assert publisher.sessions == 1, "the broker session was dropped for the database"
            assert not [r for r in caplog.records if r.exc_info], "a traceback per attempt"
            assert "database unreachable" in caplog.text
        doc = small_document()
        doc["version"] = 4
        push = push_catalogue(db, SITE, doc)

        def published() -> bool:
            with db.connection_context():
                return OutgoingRow.get_by_id(push.outgoing_id).published_at is not None

        wait_for(published, 15, "the push published once the database is back")
        assert publisher.sessions == 1
    finally:
        stop.set()
        thread.join(timeout=10)
        db.close()


def test_an_offline_status_during_a_database_outage_is_stored_afterwards(
    broker: Mosquitto, postgres_server: str, postgres_url: str
) -> None:
    db = open_central_database(postgres_url)
    Ingest(db).handle(protocol.topic(SITE, protocol.STATUS), protocol.ONLINE)
    central = Central(postgres_url, broker.url).start()
    try:
        wait_for(lambda: "as test-central" in broker.log.read_text(), 10, "central connected")
        with outage(postgres_server, postgres_url):
            publish.single(
                protocol.topic(SITE, protocol.STATUS),
                protocol.OFFLINE,
                qos=1,
                hostname="127.0.0.1",
                port=broker.port,
            )
            time.sleep(1.0)  # delivered to the worker, which cannot store it now

        def offline() -> bool:
            with db.connection_context():
                return SiteRow.get_by_id(SITE).online is False

        wait_for(offline, 15, "the offline status stored once the database is back")
    finally:
        central.stop()
        central.db.close()
        db.close()
