"""Who is asking, and may they: staff sessions with CSRF tokens, bearer tokens for machines.

A session cookie carries only the officer id, its CSRF token and when it started; the officer
is read again on every request, so disabling an account or changing its role takes effect at
once. Tokens (`mpp token create`) are looked up by their hash. Roles are ordered
kiosk < officer < supervisor < admin; an officer acts only on the counters assigned to them.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, current_app, g, jsonify, request, session

from appliance.accounts import Principal
from web.context import web
from web.errors import ApiError
from web.inputs import json_body

F = TypeVar("F", bound=Callable[..., Any])
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

bp = Blueprint("auth", __name__)


def principal() -> Principal | None:
    """The caller, from a bearer token or the session; cached for the request."""
    if "principal" in g:
        return cast(Principal | None, g.principal)
    found: Principal | None = None
    g.via = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "invalid_token", "Header Authorization harus 'Bearer <token>'.")
        found = web().core.accounts.principal_for_token(token.strip())
        if found is None:
            raise ApiError(401, "invalid_token", "Token tidak dikenal atau sudah dicabut.")
        g.via = "token"
    elif "officer_id" in session:
        hours = current_app.config["SESSION_HOURS"]
        started = float(session.get("started", 0))
        if time.time() - started > hours * 3600:
            session.clear()
        else:
            found = web().core.accounts.principal_for_officer(int(session["officer_id"]))
            if found is None:
                session.clear()
            else:
                g.via = "session"
    g.principal = found
    return found


def _check_csrf() -> None:
    if request.method not in UNSAFE or g.get("via") != "session":
        return
    sent = request.headers.get("X-CSRF-Token", "")
    expected = str(session.get("csrf", ""))
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise ApiError(403, "csrf_failed", "Token CSRF tidak ada atau salah. Muat ulang halaman.")


def require(role: str) -> Callable[[F], F]:
    """Allow the view only to callers of at least `role` (and check CSRF for sessions)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            who = principal()
            if who is None:
                raise ApiError(401, "unauthorized", "Silakan masuk terlebih dahulu.")
            _check_csrf()
            if not who.at_least(role):
                raise ApiError(403, "forbidden", "Peran Anda tidak berhak melakukan ini.")
            return view(*args, **kwargs)

        guarded.required_role = role  # type: ignore[attr-defined]  # read by the OpenAPI builder
        return cast(F, guarded)

    return decorate


def require_counter(who: Principal, counter_code: str) -> None:
    if not who.may_act_on(counter_code):
        raise ApiError(403, "not_your_counter", f"Anda tidak ditugaskan di loket {counter_code}.")


def officer_id(who: Principal) -> int | None:
    """The officer to record on an action (tokens act for nobody in particular)."""
    return who.id if who.kind == "officer" else None


def me_body(who: Principal) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": who.kind,
        "id": who.id,
        "username": who.name,
        "name": who.name,
        "role": who.role,
        "counters": sorted(who.counters),
    }
    if who.kind == "officer":
        body["display_name"] = _display_name(who.id) or who.name
    if g.get("via") == "session":
        body["csrf_token"] = session.get("csrf")
    return body


def _display_name(officer_id: int) -> str:
    from appliance.storage.database import connected
    from appliance.storage.models import Officer

    with connected(web().core.db):
        row = Officer.get_or_none(Officer.id == officer_id)
        return str(row.display_name) if row is not None else ""


@bp.post("/api/v1/auth/login")
def login() -> Response:
    data = json_body()
    username = data.get("username")
    password = data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
        raise ApiError(400, "missing_credentials", "Nama pengguna dan kata sandi wajib diisi.")
    if len(username) > 100 or len(password) > 1000:
        raise ApiError(401, "login_failed", "Nama pengguna atau kata sandi salah.")
    username = username.strip()
    address = request.remote_addr or "?"
    keys = ("user:" + username.lower(), "addr:" + address)
    throttle = web().throttle
    wait = throttle.retry_after(*keys)
    if wait > 0:
        seconds = int(wait) + 1
        raise ApiError(
            429,
            "login_throttled",
            f"Terlalu banyak percobaan gagal. Coba lagi dalam {seconds} detik.",
            headers={"Retry-After": str(seconds)},
        )
    who = web().core.accounts.authenticate(username, password)
    if who is None:
        throttle.failed(*keys)
        raise ApiError(401, "login_failed", "Nama pengguna atau kata sandi salah.")
    throttle.succeeded(keys[0])
    session.clear()
    session.permanent = True
    session["officer_id"] = who.id
    session["csrf"] = secrets.token_urlsafe(24)
    session["started"] = time.time()
    g.principal = who
    g.via = "session"
    return jsonify(me_body(who))


@bp.post("/api/v1/auth/logout")
def logout() -> Response:
    who = principal()
    if who is not None:
        _check_csrf()
    session.clear()
    return jsonify({"logged_out": True})


@bp.get("/api/v1/auth/me")
@require("kiosk")
def me() -> Response:
    who = principal()
    assert who is not None
    return jsonify(me_body(who))
