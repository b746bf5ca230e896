"""Central's own broker link on the dashboard (issue 17 item 6): a site showed "Daring" minutes
after central itself lost the broker, with no warning. Now the announcing worker records the
link in central's database, and while it is down the sites API says every site's state is
unknown and the dashboard shows a banner. A real Mosquitto, killed; real workers on threads."""

from __future__ import annotations

import threading
from pathlib import Path

from sync.central.brokerlink import link_state
from sync.central.worker import CentralWorker
from sync.mqtt import BrokerSettings
from tests.support.broker import Mosquitto
from tests.support.sync_harness import wait_for
from tests.sync.central.http.world import World


def _link(world: World) -> dict[str, object] | None:
    with world.ingest.db.connection_context():
        return link_state()


def test_sites_are_unknown_and_a_banner_shows_while_central_has_lost_the_broker(
    world: World, tmp_path: Path
) -> None:
    broker = Mosquitto(tmp_path / "broker").start()
    stop = threading.Event()
    worker = CentralWorker(
        BrokerSettings(url=broker.url, client_id="test-central-link", keepalive_s=2),
        world.ingest,
        announces_status=True,
        stop=stop,
        connect_timeout_s=2,
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: (_link(world) or {}).get("up") is True, 10, "the link recorded up")
        client, _csrf = world.staff()
        sites = client.get("/api/v1/central/sites").json
        assert sites["broker"]["up"] is True
        assert sites["items"][0]["state"] == "online"
        page = client.get("/dashboard").get_data(as_text=True)
        assert 'id="broker-down" role="alert" hidden' in page
        assert ">Daring<" in page and ">Tidak diketahui<" not in page

        broker.kill()
        wait_for(lambda: (_link(world) or {}).get("up") is False, 15, "the link recorded down")
        sites = client.get("/api/v1/central/sites").json
        assert sites["broker"]["up"] is False and sites["broker"]["since"]
        item = sites["items"][0]
        assert item["state"] == "unknown"
        assert item["online"] is True  # the last word heard, kept; its state is what changed
        one = client.get(f"/api/v1/central/sites/{item['site']}").json
        assert one["state"] == "unknown"
        page = client.get("/dashboard").get_data(as_text=True)
        assert 'id="broker-down" role="alert">' in page
        assert ">Tidak diketahui<" in page and ">Daring<" not in page

        broker.start()  # back on the same port: the banner goes, states are told again
        wait_for(lambda: (_link(world) or {}).get("up") is True, 30, "the link recorded up again")
        assert client.get("/api/v1/central/sites").json["items"][0]["state"] == "online"
    finally:
        stop.set()
        thread.join(timeout=10)
        broker.stop()
