"""Every endpoint of the OpenAPI document against callers who may not use it, login throttling,
and no secret in the appliance's log.

The document is the app's own (built from its URL map), so an endpoint added later is checked
here without anyone remembering to: no auth -> 401, the role just below its x-required-role ->
403, an officer on another officer's counter -> 403, a session without its CSRF token -> 403.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.reliability.inprocess import PASSWORD, App, build
from tests.support.live_appliance import (
    PASSWORD as LIVE_PASSWORD,
)
from tests.support.live_appliance import (
    Client,
    LiveAppliance,
    bench_catalogue,
    prepare,
)

ROLES = ("kiosk", "officer", "supervisor", "admin")
PARAMS = {
    "code": "L03",
    "ticket_id": "1",
    "call_id": "1",
    "username": "sari",
    "name": "t-kiosk",
    "status_token": "tidak-ada-12345",
    "number": "A-001",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    built = build(tmp_path_factory.mktemp("security"))
    yield built
    built.core.db.close()


def operations(client: FlaskClient) -> list[tuple[str, str, str | None]]:
    doc = client.get("/api/v1/openapi.json").get_json()
    found = []
    for template, ops in doc["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], template)
        for method, op in ops.items():
            found.append((method.upper(), path, op.get("x-required-role")))
    return found


def call(client: FlaskClient, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization"] = "Bearer " + token
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return client.open(path, method=method, json=body, headers=headers, **kw)


def test_every_guarded_endpoint_refuses_callers_without_the_role(site: App) -> None:
    client = site.app.test_client()
    ops = operations(client)
    guarded = [op for op in ops if op[2]]
    assert len(guarded) >= 40  # the document lists the API, not a stub
    wrong = []
    for method, path, role in guarded:
        assert role in ROLES, (method, path, role)
        response = call(client, method, path)
        if response.status_code != 401 or response.get_json()["error"]["code"] != "unauthorized":
            wrong.append(f"{method} {path} without auth: {response.status_code}")
        below = ROLES[ROLES.index(role) - 1] if role != "kiosk" else None
        if below:
            response = call(client, method, path, site.tokens[below])
            if response.status_code != 403:
                wrong.append(f"{method} {path} as {below}: {response.status_code}")
        bogus = call(client, method, path, "mpp_not-a-real-token")
        if bogus.status_code != 401:
            wrong.append(f"{method} {path} with an unknown token: {bogus.status_code}")
    assert wrong == []


def test_an_officer_cannot_act_on_another_officers_counter(site: App) -> None:
    client = site.app.test_client()
    # Acting is refused; reading another counter's queue is not (any staff may, like the
    # tickets list): GET /api/v1/counters/L03/queue is left out.
    counter_ops = [
        op
        for op in operations(client)
        if op[1].startswith("/api/v1/counters/L03/") and op[0] != "GET"
    ]
    assert len(counter_ops) >= 8  # every action the document lists, new ones included
    for method, path, _ in counter_ops:
        response = call(client, method, path, site.tokens["officer"])  # token for L02 only
        assert response.status_code == 403, (path, response.get_json())
        assert response.get_json()["error"]["code"] == "not_your_counter"
    session = site.app.test_client()
    login = session.post("/api/v1/auth/login", json={"username": "budi", "password": PASSWORD})
    csrf = login.get_json()["csrf_token"]
    for method, path, _ in counter_ops:
        response = call(session, method, path, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "not_your_counter"


def test_sessions_need_the_csrf_token_for_every_change(site: App) -> None:
    client = site.app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    csrf = login.get_json()["csrf_token"]
    unsafe = [op for op in operations(client) if op[2] and op[0] != "GET"]
    assert unsafe
    for method, path, _ in unsafe:
        for headers in ({}, {"X-CSRF-Token": "wrong-" + csrf}):
            response = call(client, method, path, headers=headers)
            assert response.status_code == 403, (method, path, headers)
            assert response.get_json()["error"]["code"] == "csrf_failed"


def test_login_is_throttled_and_the_right_password_does_not_bypass_it(site: App) -> None:
    client = site.app.test_client()
    statuses = [
        client.post(
            "/api/v1/auth/login", json={"username": "kepala", "password": f"salah-{i}"}
        ).status_code
        for i in range(8)
    ]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:]
    blocked = client.post("/api/v1/auth/login", json={"username": "kepala", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert blocked.get_json()["error"]["code"] == "login_throttled"


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    prepared = prepare(
        tmp_path / "site",
        bench_catalogue(services=2, counters=2),
        officers=(("admin", "admin", ()),),
    )
    wrong_password = "Salah-Sandi-Unik-4242"
    app = LiveAppliance(prepared, verbose=True)
    secrets_seen: list[str] = [LIVE_PASSWORD, wrong_password]
    with app:
        staff = Client(prepared.port)
        status, me, _ = staff.request(
            "POST", "/api/v1/auth/login", {"username": "admin", "password": LIVE_PASSWORD}
        )
        assert status == 200
        secrets_seen += [me["csrf_token"], staff.cookie.split("=", 1)[1]]
        csrf = {"X-CSRF-Token": me["csrf_token"]}
        status, made, _ = staff.request(
            "POST", "/api/v1/admin/tokens", {"name": "kiosk-1", "role": "kiosk"}, csrf
        )
        assert status == 201
        secrets_seen.append(made["token"])
        kiosk = Client(prepared.port, made["token"])
        assert kiosk.request("POST", "/api/v1/tickets", {"service": "BENCH-A"})[0] == 201
        stranger = Client(prepared.port)
        status, _, _ = stranger.request(
            "POST", "/api/v1/auth/login", {"username": "admin", "password": wrong_password}
        )
        assert status == 401
        bad = Client(prepared.port, made["token"] + "x")
        assert bad.request("GET", "/api/v1/auth/me")[0] == 401
        for client in (staff, kiosk, stranger, bad):
            client.close()
    log = app.log_text()
    assert "DEBUG" in log or "INFO" in log  # the log was captured
    leaked = [s for s in secrets_seen if s and s in log]
    assert leaked == [], f"secrets in the log: {len(leaked)}"
