"""Central's API needs a staff caller: bearer tokens and sessions with CSRF, roles (a supervisor
reads, an admin pushes), login refusals and throttling."""

from __future__ import annotations

from tests.support.catalogue_fixtures import small_document
from tests.sync.central.http.world import PASSWORD, SITE, World


def test_api_needs_a_staff_caller(world: World) -> None:
    client = world.client()
    for path in (
        "/api/v1/central/sites",
        f"/api/v1/central/sites/{SITE}",
        f"/api/v1/central/sites/{SITE}/tickets",
        f"/api/v1/central/sites/{SITE}/reports/skm",
        f"/api/v1/central/sites/{SITE}/catalogue",
        "/api/v1/auth/me",
    ):
        r = client.get(path)
        assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized", path
    wrong = client.get("/api/v1/central/sites", headers={"Authorization": "Bearer mppc_nope"})
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "invalid_token"
    basic = client.get("/api/v1/central/sites", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    put = client.put(f"/api/v1/central/sites/{SITE}/catalogue", json=small_document())
    assert put.status_code == 401


def test_supervisor_reads_but_may_not_push(world: World) -> None:
    doc = small_document()
    r = world.client().put(
        f"/api/v1/central/sites/{SITE}/catalogue",
        json=doc,
        headers=world.bearer(world.supervisor_token),
    )
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    client, csrf = world.staff("kepala")
    assert client.get("/api/v1/auth/me").json["role"] == "supervisor"
    r = client.put(
        f"/api/v1/central/sites/{SITE}/catalogue", json=doc, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 403


def test_session_login_csrf_and_logout(world: World) -> None:
    client, csrf = world.staff()
    me = client.get("/api/v1/auth/me").json
    assert me["username"] == "pusat" and me["role"] == "admin" and me["csrf_token"] == csrf
    assert client.get("/api/v1/central/sites").status_code == 200
    url = f"/api/v1/central/sites/{SITE}/catalogue"
    no_csrf = client.put(url, json=small_document())
    assert no_csrf.status_code == 403 and no_csrf.json["error"]["code"] == "csrf_failed"
    wrong = client.put(url, json=small_document(), headers={"X-CSRF-Token": "x" + csrf})
    assert wrong.status_code == 403
    ok = client.put(url, json=small_document(), headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 202
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/v1/central/sites").status_code == 401


def test_login_refusals_and_throttling(world: World) -> None:
    client = world.client()
    assert client.post("/api/v1/auth/login", json={"username": "pusat"}).status_code == 400
    assert client.post("/api/v1/auth/login", data="x", content_type="text/plain").status_code == 415
    bad_json = client.post("/api/v1/auth/login", data="{", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json["error"]["code"] == "invalid_json"
    assert client.post("/api/v1/auth/login", json=[1]).status_code == 400
    for _ in range(5):
        r = client.post("/api/v1/auth/login", json={"username": "pusat", "password": "salah"})
        assert r.status_code == 401 and r.json["error"]["code"] == "login_failed"
    r = client.post("/api/v1/auth/login", json={"username": "pusat", "password": PASSWORD})
    assert (
        r.status_code == 429
    )  # even the right password waits after 5 failures and int(r.headers["Retry-After"]) >= 1
    assert r.json["error"]["code"] == "login_throttled"
    other = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert other.status_code == 429  # the same address is slowed too
