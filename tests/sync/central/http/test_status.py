"""The public ticket status on central: the JSON a QR code leads to and the page in Indonesian
with local assets."""

from __future__ import annotations

import re

from tests.sync.central.http.world import SITE, World


def test_track_json_is_public_and_matches_the_appliance(world: World) -> None:
    t5 = world.tickets["t5"]
    r = world.client().get(f"/api/v1/central/track/{SITE}/{t5.status_token}")
    assert r.status_code == 200
    body = r.json
    assert body["number"] == t5.number and body["state"] == "waiting"
    assert body["people_ahead"] == world.site.engine.track(t5.status_token).people_ahead
    assert not {"id", "status_token", "source", "last_seq"} & set(body)
    assert body["synced_at"]
    for path in (
        f"/api/v1/central/track/{SITE}/unknown-token-123",
        f"/api/v1/central/track/OTHER/{t5.status_token}",
        f"/api/v1/central/track/{SITE}/x",
    ):
        miss = world.client().get(path)
        assert miss.status_code == 404 and miss.json["error"]["code"] == "ticket_not_found"


def test_status_page_renders_the_ticket_in_indonesian_with_local_assets(world: World) -> None:
    t4 = world.tickets["t4"]
    r = world.client().get(f"/t/{SITE}/{t4.status_token}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert t4.number in html and "Dipanggil" in html and "Silakan menuju L01" in html
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert '<meta http-equiv="refresh"' in html  # not final yet
    done = world.client().get(f"/t/{SITE}/{world.tickets['t1'].status_token}")
    assert "Selesai" in done.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' not in done.get_data(as_text=True)
    unknown = world.client().get(f"/t/{SITE}/tidak-ada-tiket-123")
    assert unknown.status_code == 404 and "Tiket tidak ditemukan" in unknown.get_data(True)
    assert world.client().get("/t/bad%20site/abcdefghij").status_code == 404
