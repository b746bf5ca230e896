"""A nesting bomb in any JSON body is a 400 with a reason, never a 5xx (issue 15, item 2).

`json.loads` recurses once per level: `[` x 100,000 raised RecursionError and the error handler
answered 503 — on the unauthenticated login too, on both servers."""

from __future__ import annotations

import pytest

from tests.support.web_site import Site

BOMBS = {
    "lists": b"[" * 100_000 + b"]" * 100_000,
    "objects": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "just past the limit": b'{"username":' + b"[" * 40 + b"]" * 40 + b"}",
}


@pytest.mark.parametrize("bomb", list(BOMBS), ids=list(BOMBS))
def test_the_appliance_refuses_a_nesting_bomb_with_a_400(site: Site, bomb: str) -> None:
    body = BOMBS[bomb]
    for path, client in (
        ("/api/v1/auth/login", site.client()),
        ("/api/v1/tickets", site.kiosk()),
    ):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code, response.data[:200])
        assert response.json["error"]["code"] == "invalid_json"
        assert "bersarang terlalu dalam" in response.json["error"]["message"]


def test_a_shallow_body_still_works(site: Site) -> None:
    response = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    assert response.status_code == 201, response.json
