"""One LAN address may hold only a few live streams, so one phone cannot turn every board in the
building to polling (issue 15, item 1); the box's own loopback (its board browser) is exempt."""

from __future__ import annotations

from tests.support.web_site import Site


def test_one_address_gets_its_share_of_streams_and_no_more(site: Site) -> None:
    context = site.app.extensions["mpp"]
    per_address = site.core.config.web.streams_per_address
    assert per_address < context.streams.limit
    phone = site.client()
    phone.environ_base["REMOTE_ADDR"] = "192.168.1.66"
    held = [phone.get("/api/v1/stream") for _ in range(per_address)]
    assert [r.status_code for r in held] == [200] * per_address
    refused = phone.get("/api/v1/stream")
    assert refused.status_code == 503 and refused.json["error"]["code"] == "too_many_streams"
    board = site.client()
    board.environ_base["REMOTE_ADDR"] = "192.168.1.20"
    assert board.get("/api/v1/stream").status_code == 200  # another device still streams
    local = site.client()
    local.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    assert local.get("/api/v1/stream").status_code == 200
    held[0].close()  # the generator ends: the phone's place is free again
    assert phone.get("/api/v1/stream").status_code == 200
