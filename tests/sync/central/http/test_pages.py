"""Central's pages, health and OpenAPI: the dashboard behind a session and a strict CSP, JSON
errors, no 5xx for odd inputs, and a served process that stops with a connection open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sync.central.http import CentralWebSettings
from sync.central.http.openapi import DOCS
from sync.central.store import open_central_database
from tests.sync.central.http.world import SITE, World


def test_dashboard_needs_a_session_and_shows_every_site(world: World) -> None:
    r = world.client().get("/dashboard")
    assert r.status_code == 302 and "/login?next=/dashboard" in r.headers["Location"]
    assert world.client().get("/").status_code == 302
    login = world.client().get("/login?next=//evil.example")
    assert login.status_code == 200 and 'data-next="/dashboard"' in login.get_data(True)
    client, csrf = world.staff("kepala")
    page = client.get("/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dasbor pusat" in html and f'data-site="{SITE}"' in html
    assert "Daring" in html and f'data-csrf="{csrf}"' in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script>" not in html  # no inline script: the CSP would block it
    for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', html):
        with client.get(asset) as served:
            assert served.status_code == 200, asset
    with client.get("/assets/dashboard.js") as served:
        js = served.get_data(as_text=True)
    assert "/api/v1/central/sites" in js and "innerHTML" not in js


def test_healthz_openapi_and_json_errors(world: World) -> None:
    client = world.client()
    assert client.get("/healthz").json == {"ok": True}
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert paths["/api/v1/central/sites/{site}/catalogue"]["put"]["x-required-role"] == "admin"
    assert paths["/api/v1/central/sites"]["get"]["x-required-role"] == "supervisor"
    assert paths["/api/v1/central/track/{site}/{status_token}"]["get"]["security"] == []
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "openapi":
            assert rule.endpoint in DOCS, rule.endpoint
    r = client.get("/api/v1/central/nothing")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.delete("/api/v1/central/sites", headers=world.bearer(world.admin_token))
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/central/sites/%00/tickets",
        "/api/v1/central/sites/" + "A" * 300 + "/tickets",
        f"/api/v1/central/sites/{SITE}/tickets?date=9999-99-99",
        f"/api/v1/central/sites/{SITE}/reports/skm?from=0001-01-01&to=0001-01-02",
        f"/api/v1/central/sites/{SITE}/reports/skm?to=0001-01-05",
        f"/api/v1/central/sites/{SITE}/reports/skm?from=9999-12-31",
        f"/api/v1/central/sites/{SITE}/reports/skm?service=" + "x" * 500,
        "/api/v1/central/track/%0A/%0A",
        f"/api/v1/central/track/{SITE}/" + "a" * 5000,
        "/t/%FF/%FF",
        f"/t/{SITE}/" + "%27%3Cscript%3E" * 3,
        "/api/v1/central/sites/..%2F..%2Fetc/catalogue",
    ],
)
def test_odd_inputs_never_give_a_5xx(world: World, path: str) -> None:
    r = world.get(path, world.admin_token)
    assert 200 <= r.status_code < 500, (path, r.status_code)


def test_stop_server_ends_a_running_server_with_a_keep_alive_connection_open(
    tmp_path: Path,
) -> None:
    """`stop_server` from another thread: the loop thread closes every socket itself and ends,
    even while a client holds a keep-alive connection (closing only the listening socket left
    the loop selecting on that connection, and racing it could raise EBADF in the thread)."""
    import http.client
    import threading

    from sync.central.http.serve import make_server, stop_server

    db = open_central_database(f"sqlite:///{tmp_path / 'central.db'}")
    server = make_server(db, CentralWebSettings(secret_key="s" * 40), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    client = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=5)
    try:
        client.request("GET", "/healthz")
        assert client.getresponse().read() is not None  # the connection stays open (keep-alive)
        stop_server(server)
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        client.close()
