"""Device health per site on central (issue 17 item 6: no device-health column): the printer as
the site's newest printer.fault/printer.recovered event says, the clock as its hello says."""

from __future__ import annotations

from appliance.queue import events, outbox
from appliance.storage.database import connected
from sync import protocol
from tests.sync.central.http.world import DAY, SITE, World, ship


def _record(world: World, kind: str, data: dict[str, object]) -> None:
    site = world.site
    with connected(site.db), site.db.write():
        outbox.append(site.db, kind, data, at=site.clock.now(), clock_synced=True)


def _health_cell(page: str) -> str:
    start = page.index('<td class="health')
    return page[start : page.index("</td>", start)]


def test_a_printer_fault_and_its_recovery_reach_the_sites_list_and_the_dashboard(
    world: World,
) -> None:
    client, _csrf = world.staff()
    with connected(world.site.db):
        shipped = outbox.last_seq()
    assert client.get("/api/v1/central/sites").json["items"][0]["printer"] is None

    fault = {"driver": "usb", "previous": "ok", "state": "no_paper", "message": "x", "detail": ""}
    _record(world, events.PRINTER_FAULT, fault)
    shipped = ship(world.site, world.ingest, after=shipped)
    item = client.get("/api/v1/central/sites").json["items"][0]
    assert item["printer"]["state"] == "no_paper" and item["printer"]["at"]
    cell = _health_cell(client.get("/dashboard").get_data(as_text=True))
    assert "bad" in cell and "kertas habis" in cell and "Jam: –" in cell  # no hello yet

    _record(
        world, events.PRINTER_RECOVERED, {"driver": "usb", "previous": "no_paper", "state": "ok"}
    )
    ship(world.site, world.ingest, after=shipped)
    assert client.get("/api/v1/central/sites").json["items"][0]["printer"]["state"] == "ok"
    cell = _health_cell(client.get("/dashboard").get_data(as_text=True))
    assert "bad" not in cell and "Printer: siap" in cell

    last = shipped + 1
    hello = protocol.Hello(SITE, last + 1, last, 0, 1, False, DAY, "0.2.0", "Asia/Jakarta", "MPP")
    world.ingest.handle(protocol.topic(SITE, protocol.HELLO), protocol.encode_hello(hello))
    assert client.get("/api/v1/central/sites").json["items"][0]["clock_synced"] is False
    cell = _health_cell(client.get("/dashboard").get_data(as_text=True))
    assert "bad" in cell and "Jam: tidak sinkron" in cell
