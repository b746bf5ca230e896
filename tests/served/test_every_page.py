"""Every page, asset and download answered by the real `mpp run` process.

The Flask test client runs the app inside pytest, with pytest's imports: it cannot see what `mpp
run` changes about its own process (no OpenSSL, no psycopg, two malloc arenas, one CPU). The SKM
PDF once failed only there (fpdf2 names urllib's HTTPS classes, which do not exist without
`ssl`), so this layer starts the production command on the shipped Kota Metro catalogue and asks
for everything a browser or an administrator can: each page, each script, style, image and sound
the pages name, each GET route of the OpenAPI document (path parameters filled from a real ticket
and call), and each report in each format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_appliance import Client, LiveAppliance, kota_metro, prepare

PAGES = (
    "/",
    "/home",
    "/kiosk",
    "/counter",
    "/desk",
    "/display",
    "/login",
    "/admin",
    "/survey?counter=L01",
)
ASSET = re.compile(r"""(?:src|href)=["'](/assets/[^"'?#]+)""")
# Answers that are streams or need a body: asked for elsewhere (tests/web, tests/browser).
NOT_A_DOWNLOAD = {"/api/v1/stream"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveAppliance, Any]]:
    catalogue = kota_metro()
    counter = catalogue["counters"][0]
    prepared = prepare(
        tmp_path_factory.mktemp("served"),
        catalogue,
        tokens=(("admin-token", "admin", ()), ("loket", "officer", (counter["code"],))),
    )
    with LiveAppliance(prepared) as app:
        yield app, (prepared, counter)


def _get(
    app: LiveAppliance, path: str, token: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the raw body of one GET (JSON is parsed by the caller)."""
    client = Client(app.prepared.port, token, timeout=60)
    client.headers.pop("Content-Type")
    try:
        status, body, headers = client.request("GET", path)
    finally:
        client.close()
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return status, headers, raw


def _ticket_and_call(prepared: Any, counter: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Issue a ticket for the counter's first service and call it there: the ticket and the
    call's announcement URL, real ids to fill in."""
    client = Client(prepared.port, prepared.tokens["loket"])
    try:
        status, ticket, _ = client.request(
            "POST", "/api/v1/tickets", {"service": counter["services"][0]}
        )
        assert status == 201, ticket
        status, called, _ = client.request("POST", f"/api/v1/counters/{counter['code']}/next", {})
        assert status == 200, called
        status, board, _ = client.request("GET", "/api/v1/board?since=0")
        assert status == 200, board
    finally:
        client.close()
    (call,) = [c for c in board["calls"] if c["number"] == ticket["number"]]
    return ticket, call["audio_url"]


def test_every_page_and_its_assets(served: tuple[LiveAppliance, Any]) -> None:
    app, _ = served
    assets: set[str] = set()
    for page in PAGES:
        status, headers, body = _get(app, page)
        assert status in (200, 302), (page, status, body[:300])
        if status == 200:
            assert headers["content-type"].startswith("text/html"), page
            assets.update(ASSET.findall(body.decode("utf-8")))
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in sorted(assets):
        status, _, body = _get(app, asset)
        assert status == 200 and body, asset
    assert "Traceback" not in app.log_text()


def test_every_download(served: tuple[LiveAppliance, Any]) -> None:
    app, (prepared, counter) = served
    ticket, audio_url = _ticket_and_call(prepared, counter)
    token = prepared.tokens["admin-token"]
    status, _, body = _get(app, "/api/v1/openapi.json")
    assert status == 200
    spec = json.loads(body)
    fill = {
        "ticket_id": str(ticket["id"]),
        "status_token": ticket["status_token"],
        "call_id": audio_url.rsplit("/", 1)[1].removesuffix(".wav"),
        "code": counter["code"],
        "number": ticket["number"],
    }
    asked = []
    for path, operations in spec["paths"].items():
        if "get" not in operations or path in NOT_A_DOWNLOAD:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path)
        status, headers, body = _get(app, url, token)
        assert status < 500, (url, status, body[:300])
        asked.append(url)
    for path, kind in (
        ("/api/v1/reports/daily?format=csv", "text/csv"),
        ("/api/v1/reports/operations?format=csv", "text/csv"),
        ("/api/v1/reports/skm?format=csv", "text/csv"),
        ("/api/v1/reports/skm", "application/json"),
        ("/api/v1/reports/skm.pdf", "application/pdf"),
        (audio_url, "audio/wav"),
        (f"/t/{ticket['status_token']}", "text/html"),
        (f"/survey/{ticket['status_token']}", "text/html"),
        ("/admin/reports/skm", "text/html"),
    ):
        status, headers, body = _get(app, path, token)
        assert status == 200, (path, status, body[:300])
        assert headers["content-type"].startswith(kind), (path, headers["content-type"])
        if kind == "application/pdf":
            assert body.startswith(b"%PDF-")
        if kind == "text/csv":
            assert body.startswith("\ufeff".encode())  # Excel reads the accents
        if kind == "audio/wav":
            assert body[:4] == b"RIFF"
    assert len(asked) >= 10, asked
    log = app.log_text()
    assert "Traceback" not in log, log[-3000:]


def test_served_process_is_the_lean_one(served: tuple[LiveAppliance, Any]) -> None:
    """The layer is only worth having while it runs what production runs: no OpenSSL mapped."""
    app, _ = served
    maps = Path(f"/proc/{app.pid}/maps").read_text()
    assert "libssl" not in maps and "libcrypto" not in maps
