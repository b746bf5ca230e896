"""Central's sessions end on the server: a copy of the session cookie taken before logout, a
password change, a disabled user or "log out everywhere" no longer opens anything; and a guesser
on one address cannot keep an administrator from logging in on another (issue 15, items 3, 6).

The cookie is the real one the login set, copied into a second client as a thief would."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from sync.central import accounts
from sync.central.http.base import central
from tests.sync.central.http.world import PASSWORD, World

COOKIE = "mpp_central_session"
NEW_PASSWORD = "rahasia-baru-pusat-2"


def copy_of(world: World, client: FlaskClient) -> FlaskClient:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = world.client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def me(client: FlaskClient) -> int:
    return client.get("/api/v1/auth/me").status_code


def test_a_cookie_copied_before_logout_is_dead_after_it(world: World) -> None:
    client, csrf = world.staff()
    thief = copy_of(world, client)
    assert thief.get("/api/v1/central/sites").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert thief.get("/api/v1/central/sites").status_code == 401
    assert me(thief) == 401


def test_logout_ends_only_the_session_it_is_sent_from(world: World) -> None:
    (desk, csrf), (laptop, _) = world.staff(), world.staff()
    assert desk.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert me(desk) == 401 and me(laptop) == 200


def test_a_password_change_ends_every_session_of_that_user(world: World) -> None:
    kepala, _ = world.staff("kepala")
    thief = copy_of(world, kepala)
    admin, csrf = world.staff()
    changed = admin.post(
        "/api/v1/central/users/kepala/password",
        json={"password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 200
    assert me(kepala) == 401 and me(thief) == 401 and me(admin) == 200
    again = world.client()
    login = again.post("/api/v1/auth/login", json={"username": "kepala", "password": NEW_PASSWORD})
    assert login.status_code == 200


def test_an_admin_changing_their_own_password_stays_logged_in_here_only(world: World) -> None:
    (admin, csrf), (elsewhere, _) = world.staff(), world.staff()
    changed = admin.post(
        "/api/v1/central/users/pusat/password",
        json={"password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 200
    assert me(elsewhere) == 401
    assert admin.get("/api/v1/central/sites").status_code == 200


def test_a_disabled_then_enabled_user_does_not_get_old_sessions_back(world: World) -> None:
    kepala, _ = world.staff("kepala")
    thief = copy_of(world, kepala)
    admin, csrf = world.staff()
    for action in ("disable", "enable"):
        done = admin.post(f"/api/v1/central/users/kepala/{action}", headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200
    assert me(kepala) == 401 and me(thief) == 401


def test_the_cli_password_change_ends_sessions_too(world: World) -> None:
    kepala, _ = world.staff("kepala")
    with world.app.app_context():
        accounts.set_password(central().db, "kepala", NEW_PASSWORD)
    assert me(kepala) == 401


def test_log_out_everywhere_ends_all_of_my_sessions(world: World) -> None:
    (desk, csrf), (laptop, _) = world.staff(), world.staff()
    thief = copy_of(world, laptop)
    kepala, _ = world.staff("kepala")
    bare = desk.post("/api/v1/auth/logout-everywhere")
    assert bare.status_code == 403 and bare.json["error"]["code"] == "csrf_failed"
    ended = desk.post("/api/v1/auth/logout-everywhere", headers={"X-CSRF-Token": csrf})
    assert ended.status_code == 200
    assert ended.json == {"logged_out": True, "sessions_ended": 2}
    assert me(desk) == me(laptop) == me(thief) == 401
    assert me(kepala) == 200
    token = world.client().post(
        "/api/v1/auth/logout-everywhere", headers=world.bearer(world.admin_token)
    )
    assert token.status_code == 400 and token.json["error"]["code"] == "not_a_session"


def test_an_admin_logs_another_user_out_everywhere(world: World) -> None:
    kepala, kepala_csrf = world.staff("kepala")
    thief = copy_of(world, kepala)
    admin, csrf = world.staff()
    url = "/api/v1/central/users/kepala/logout-everywhere"
    assert kepala.post(url, headers={"X-CSRF-Token": kepala_csrf}).status_code == 403
    ended = admin.post(url, headers={"X-CSRF-Token": csrf})
    assert ended.status_code == 200
    assert ended.json == {"username": "kepala", "sessions_ended": 1}
    assert me(kepala) == 401 and me(thief) == 401 and me(admin) == 200
    missing = admin.post(
        "/api/v1/central/users/nobody/logout-everywhere", headers={"X-CSRF-Token": csrf}
    )
    assert missing.status_code == 404


def test_a_guesser_on_one_address_cannot_lock_the_admin_out_of_another(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    guesser = world.client()
    guesser.environ_base["REMOTE_ADDR"] = "10.20.0.66"
    guess = "tebakan-salah-pusat"
    with caplog.at_level(logging.WARNING):
        codes = [
            guesser.post(
                "/api/v1/auth/login", json={"username": "pusat", "password": guess}
            ).status_code
            for _ in range(8)
        ]
    assert codes[:5] == [401] * 5 and 429 in codes[5:]
    assert "10.20.0.66" in caplog.text and guess not in caplog.text
    owner = world.client()
    owner.environ_base["REMOTE_ADDR"] = "10.20.0.10"
    login = owner.post("/api/v1/auth/login", json={"username": "pusat", "password": PASSWORD})
    assert login.status_code == 200
