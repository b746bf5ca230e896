"""Central's admin texts are bounded like the appliance's: a 422 `too_long` (issue 15, item 7)."""

from __future__ import annotations

from tests.sync.central.http.world import World


def test_central_user_and_token_texts_are_bounded(world: World) -> None:
    admin, csrf = world.staff()
    headers = {"X-CSRF-Token": csrf}
    for path, body in (
        ("/api/v1/central/users", {"username": "u" * 65, "password": "rahasia-pusat-9"}),
        ("/api/v1/central/users", {"username": "dewi", "password": "p" * 100_000}),
        ("/api/v1/central/users/kepala/password", {"password": "p" * 100_000}),
        ("/api/v1/central/tokens", {"name": "t" * 65}),
    ):
        refused = admin.post(path, json=body, headers=headers)
        assert refused.status_code == 422, (path, refused.json)
        assert refused.json["error"]["code"] == "too_long"
    made = admin.post("/api/v1/central/tokens", json={"name": "t" * 64}, headers=headers)
    assert made.status_code == 201
