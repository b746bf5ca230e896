"""Central's JSON API refuses a nesting bomb with a 400 like the appliance (issue 15, item 2)."""

from __future__ import annotations

import pytest

from tests.sync.central.http.world import World
from tests.web.test_json_depth import BOMBS


@pytest.mark.parametrize("bomb", list(BOMBS), ids=list(BOMBS))
def test_central_refuses_a_nesting_bomb_with_a_400(world: World, bomb: str) -> None:
    response = world.client().post(
        "/api/v1/auth/login", data=BOMBS[bomb], content_type="application/json"
    )
    assert response.status_code == 400, (response.status_code, response.data[:200])
    assert response.json["error"]["code"] == "invalid_json"
