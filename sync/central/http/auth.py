"""Who is asking central, and may they: staff sessions with CSRF tokens, bearer tokens.

The same behaviour as the appliance's web/auth.py (read, not imported: web and sync stay
independent): the session cookie carries only the user id, its CSRF token and when it started,
the user is read again on every request (a deleted account or changed role counts at once),
every state-changing request with a session must send `X-CSRF-Token`, tokens
(`mpp token create --central`) are looked up by their hash, and failed logins are slowed per
username and per address. Roles: supervisor < admin.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, g, jsonify, request, session

from sync.central import accounts
from sync.central.http.base import ApiError, central, json_object
from sync.central.store import CentralUser

F = TypeVar("F", bound=Callable[..., Any])
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
RANK = {"supervisor": 1, "admin": 2}

bp = Blueprint("central_auth", __name__)


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "token"
    name: str
    role: str

    def at_least(self, role: str) -> bool:
        return RANK.get(self.role, 0) >= RANK[role]


def session_user() -> Principal | None:
    """The logged-in user of this session, if it is still valid."""
    if "user_id" not in session:
        return None
    hours = central().settings.session_hours
    if time.time() - float(session.get("started", 0)) > hours * 3600:
        session.clear()
        return None
    try:
        user_id = int(session["user_id"])
    except (TypeError, ValueError):
        session.clear()
        return None
    user = CentralUser.get_or_none(CentralUser.id == user_id)
    if user is None or user.role not in RANK or not user.active:
        session.clear()
        return None
    return Principal("user", str(user.username), str(user.role))


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
        role = accounts.token_role(central().db, token.strip())
        if role is None or role not in RANK:
            raise ApiError(401, "invalid_token", "Token tidak dikenal atau sudah dicabut.")
        found = Principal("token", "token", role)
        g.via = "token"
    else:
        found = session_user()
        if found is not None:
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


def me_body(who: Principal) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": who.kind, "username": who.name, "role": who.role}
    if g.get("via") == "session":
        body["csrf_token"] = session.get("csrf")
    return body


@bp.post("/api/v1/auth/login")
def login() -> Response:
    data = json_object()
    username = data.get("username")
    password = data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
        raise ApiError(400, "missing_credentials", "Nama pengguna dan kata sandi wajib diisi.")
    if len(username) > 100 or len(password) > 1000:
        raise ApiError(401, "login_failed", "Nama pengguna atau kata sandi salah.")
    username = username.strip()
    keys = ("user:" + username.lower(), "addr:" + (request.remote_addr or "?"))
    throttle = central().throttle
    wait = throttle.retry_after(*keys)
    if wait > 0:
        seconds = int(wait) + 1
        raise ApiError(
            429,
            "login_throttled",
            f"Terlalu banyak percobaan gagal. Coba lagi dalam {seconds} detik.",
            headers={"Retry-After": str(seconds)},
        )
    user = accounts.authenticate(central().db, username, password)
    if user is None or user.role not in RANK:
        throttle.failed(*keys)
        raise ApiError(401, "login_failed", "Nama pengguna atau kata sandi salah.")
    throttle.succeeded(keys[0])
    session.clear()
    session.permanent = True
    session["user_id"] = int(user.id)
    session["csrf"] = secrets.token_urlsafe(24)
    session["started"] = time.time()
    who = Principal("user", str(user.username), str(user.role))
    g.principal = who
    g.via = "session"
    return jsonify(me_body(who))


@bp.post("/api/v1/auth/logout")
def logout() -> Response:
    if principal() is not None:
        _check_csrf()
    session.clear()
    return jsonify({"logged_out": True})


@bp.get("/api/v1/auth/me")
@require("supervisor")
def me() -> Response:
    who = principal()
    assert who is not None
    return jsonify(me_body(who))
