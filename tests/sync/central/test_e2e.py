"""End to end on a real Mosquitto: appliance outbox → `mpp sync` → `mpp central` (ingest workers,
publisher and waitress, one subprocess) → the central API and status page; and a catalogue PUT
to central's HTTP reaches the edge, which applies it and reports it applied."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from appliance.storage.database import connected
from appliance.storage.models import Service, Site
from sync.central.accounts import create_token
from sync.central.catalogue import push_catalogue
from sync.central.publisher import CentralPublisher
from sync.central.store import OutgoingRow, open_central_database
from sync.mqtt import BrokerSettings, Connected, LinkEvent, Message, Session
from sync.protocol import decode_config
from tests.support.broker import Mosquitto
from tests.support.catalogue_fixtures import small_document
from tests.support.engine_fixtures import EngineSite
from tests.support.proxy import free_port
from tests.support.sync_harness import ROOT, SITE, EdgeProcess, edge_marks, edge_site, wait_for

pytestmark = pytest.mark.timeout(120)


class CentralProcess:
    """`python -m sync.cli --config … central` on a free HTTP port, stopped by its pid;
    `central` adds lines to the `[central]` table (`workers = 2` unless it sets it)."""

    def __init__(
        self, workdir: Path, broker_url: str, db_url: str = "", central: str = "workers = 2\n"
    ) -> None:
        self.port = free_port()
        self.db_url = db_url or f"sqlite:///{workdir}/central.db"
        self.config = workdir / "central.toml"
        self.config.write_text(
            f'[storage]\ndatabase = "{workdir}/unused-edge.db"\n'
            f'[central]\ndatabase = "{self.db_url}"\nbroker = "{broker_url}"\n{central}'
            f'[central.web]\nhost = "127.0.0.1"\nport = {self.port}\n'
        )
        self.log = workdir / "central.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CentralProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sync.cli", "--config", str(self.config), "central"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                cwd=ROOT,
            )
        wait_for(self.healthy, 20, "central HTTP up")
        return self

    def healthy(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()
        try:
            return self.call("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def call(
        self, method: str, path: str, token: str = "", body: Any = None
    ) -> tuple[int, Any, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                text = response.read().decode()
                status = response.status
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            text, status, kind = exc.read().decode(), exc.code, exc.headers.get("Content-Type", "")
            exc.close()
        return status, json.loads(text) if "json" in kind else None, text

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.process = None
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return edge_site(tmp_path / "edge.db")


def test_appliance_to_central_dashboard_and_catalogue_back(
    tmp_path: Path, site: EngineSite, broker: Mosquitto
) -> None:
    central = CentralProcess(tmp_path, broker.url)
    token = create_token(open_central_database(central.db_url), "e2e", "admin")
    edge = EdgeProcess(tmp_path, site.path, broker.url)
    try:
        central.start()
        tickets = [site.engine.issue(s) for s in ("KTP", "KTP", "KK", "INFO")]
        site.engine.call_next("L02")
        edge.start()
        last, _ = edge_marks(site)

        def synced() -> bool:
            status, body, _ = central.call("GET", f"/api/v1/central/sites/{SITE}", token)
            return status == 200 and body["online"] and body["stored_through"] == last

        wait_for(synced, 30, f"central shows the site online with stored_through {last}")
        status, listing, _ = central.call("GET", "/api/v1/central/sites", token)
        assert status == 200 and listing["items"][0]["site"] == SITE
        assert listing["items"][0]["events_stored"] == last
        day = tickets[0].business_date  # the edge runs on a manual clock in 2025
        status, day_tickets, _ = central.call(
            "GET", f"/api/v1/central/sites/{SITE}/tickets?date={day}", token
        )
        assert [t["number"] for t in day_tickets["items"]] == [t.number for t in tickets]
        status, _, page = central.call("GET", f"/t/{SITE}/{tickets[0].status_token}")
        assert status == 200 and tickets[0].number in page and "Dipanggil" in page
        status, _, page = central.call("GET", f"/t/{SITE}/{tickets[3].status_token}")
        assert status == 200 and tickets[3].number in page and "Menunggu" in page

        # the catalogue PUT goes out through the publisher and the broker to the edge
        doc = small_document()
        doc.pop("version", None)
        status, pushed, _ = central.call(
            "PUT", f"/api/v1/central/sites/{SITE}/catalogue", token, doc
        )
        assert status == 202, pushed
        version = pushed["version"]

        def applied() -> bool:
            with connected(site.db):
                return int(Site.get().catalogue_version) == version

        wait_for(applied, 30, f"catalogue version {version} applied on the edge")
        with connected(site.db):
            assert Service.get_by_id("DUKCAPIL-KTP").active

        def reported() -> bool:
            _, body, _ = central.call("GET", f"/api/v1/central/sites/{SITE}/catalogue", token)
            top = body["items"][0]
            return bool(top["version"] == version and top["published_at"] and top["applied_at"])

        wait_for(reported, 30, "central sees the push published and applied")
        assert central.terminate() == 0  # SIGTERM: workers, publisher and HTTP stop cleanly
    finally:
        edge.kill()
        central.kill()


def test_push_made_while_broker_is_down_is_published_when_it_returns(tmp_path: Path) -> None:
    db = open_central_database(f"sqlite:///{tmp_path}/central.db")
    doc = small_document()
    doc["version"] = 3
    push = push_catalogue(db, SITE, doc)  # what the PUT does: commit, answer, publish later
    port = free_port()
    stop = threading.Event()
    publisher = CentralPublisher(
        db,
        BrokerSettings(url=f"mqtt://127.0.0.1:{port}", client_id="test-publisher"),
        stop=stop,
        poll_s=0.2,
        connect_timeout_s=1,
    )
    thread = threading.Thread(target=publisher.run, daemon=True)
    thread.start()
    broker = Mosquitto(tmp_path / "broker", port=port)
    try:

        def published() -> bool:
            with db.connection_context():
                return OutgoingRow.get_by_id(push.outgoing_id).published_at is not None

        wait_for(lambda: publisher.sessions >= 2, 10, "a refused connect or two")
        assert not published()
        broker.start()
        wait_for(published, 30, "published once the broker is back")
        inbox: queue.Queue[LinkEvent] = queue.Queue()
        listener = Session(BrokerSettings(url=broker.url, client_id="test-listener"), inbox, 1)
        listener.start()
        try:
            assert isinstance(inbox.get(timeout=5), Connected)
            listener.subscribe(f"mpp/v1/sites/{SITE}/down/config")
            message = inbox.get(timeout=5)
            while not isinstance(message, Message):
                message = inbox.get(timeout=5)
            assert message.retain and decode_config(message.payload)[0] == 3
        finally:
            listener.close()
        assert publisher.published == 1
    finally:
        stop.set()
        thread.join(timeout=10)
        broker.kill()
