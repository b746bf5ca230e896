"""Who is asking, and may they: staff sessions with CSRF tokens, bearer tokens for machines, roles.

The mechanism only; each server says how to find its callers. A session cookie carries the
caller's id, a random session id, its CSRF token and when it started; the server keeps a record
of every open session (only the SHA-256 of its id), and the caller is looked up again, through
that record, on every request. So disabling an account or changing its role takes effect at
once, and a copy of the cookie dies with its record: at logout, at a password change, when the
account is disabled, or on "log out everywhere" (issue 15: a signed cookie alone kept working
after logout for `session_hours`). A bearer token is looked up by whatever the server keeps (a
hash). Every state-changing request made with a session must send `X-CSRF-Token`. Roles are
ordered lowest first; a caller whose role is not in the order is allowed nothing. Failed logins
are slowed per (username, address) and per address, with a ceiling per username
(`appliance.throttle`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import wraps
from typing import Any, Generic, Protocol, TypeVar, cast

from flask import Blueprint, Flask, Request, Response, current_app, g, jsonify, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from web.kit.errors import ApiError
from web.kit.inputs import json_body


class Caller(Protocol):
    @property
    def role(self) -> str: ...


class Throttle(Protocol):
    """Slows failed logins (`appliance.throttle.LoginThrottle`)."""

    def retry_after(self, user: str, address: str) -> float: ...

    def failed(self, user: str, address: str) -> None: ...

    def succeeded(self, user: str, address: str) -> None: ...


P = TypeVar("P", bound=Caller)
P_co = TypeVar("P_co", bound=Caller, covariant=True)


class SessionStore(Protocol[P_co]):
    """Where a server keeps its open sessions. `session` is the SHA-256 (hex) of the id in the
    cookie, so a copy of the database opens nothing."""

    def caller(self, caller_id: int, session: str) -> P_co | None:
        """The caller of this open session; None when the session was ended or has expired, or
        the caller is unknown or disabled. Asked on every request made with a session."""
        ...

    def start(self, caller_id: int, session: str, expires_at: float) -> None:
        """Record a new session (`expires_at`: Unix time; expired records may be dropped)."""
        ...

    def end(self, session: str) -> None:
        """End one session (logout)."""
        ...

    def end_all(self, caller_id: int) -> int:
        """End every session of a caller; how many were open."""
        ...


def session_digest(session_id: str) -> str:
    """What the server keeps of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


F = TypeVar("F", bound=Callable[..., Any])
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus two costs paid on every request.

    Flask builds a new signing serializer for each request and parses the Cookie header even when
    there is none; machine clients (kiosks, counter consoles with bearer tokens) never send a
    cookie, and they make most of the requests at a busy hour. Same cookies, same signatures.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """One serializer per key set (it keeps no per-request state)."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(keys)
        if found is None:
            found = super().get_signing_serializer(app)
            self._serializers[keys] = found
        return found

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()  # what Flask returns for a missing cookie
        return super().open_session(app, request)


def configure_sessions(app: Flask, *, cookie_name: str, hours: int, secure: bool) -> None:
    """Session cookies only the server's own pages send (HttpOnly, SameSite=Strict), ending
    after `hours`; `secure` when the server is reached over https."""
    app.config.update(
        SESSION_COOKIE_NAME=cookie_name,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=hours),
        SESSION_HOURS=hours,
    )
    app.session_interface = CookieSessions()


class Guard(Generic[P]):
    """`roles`: lowest first. `sessions()` is the server's session store and `by_token(token)`
    finds a machine caller (None when unknown or revoked); `session_key` names the caller's id
    in the session cookie."""

    def __init__(
        self,
        *,
        roles: Sequence[str],
        session_key: str,
        sessions: Callable[[], SessionStore[P]],
        by_token: Callable[[str], P | None],
    ) -> None:
        self.roles = tuple(roles)
        self.session_key = session_key
        self.sessions = sessions
        self.by_token = by_token

    def allows(self, who: P, role: str) -> bool:
        """Is `who` at least `role`?"""
        return who.role in self.roles and self.roles.index(who.role) >= self.roles.index(role)

    def session_caller(self) -> P | None:
        """The logged-in caller of this session, if it is still valid (an expired, tampered,
        ended or orphaned session is cleared)."""
        if self.session_key not in session:
            return None
        hours = current_app.config["SESSION_HOURS"]
        if time.time() - float(session.get("started", 0)) > hours * 3600:
            session.clear()
            return None
        try:
            caller_id = int(session[self.session_key])
        except (TypeError, ValueError):
            session.clear()
            return None
        sid = session.get("sid")
        found = (
            self.sessions().caller(caller_id, session_digest(sid))
            if isinstance(sid, str) and sid
            else None  # a cookie from before sessions were kept on the server
        )
        if found is None:
            session.clear()
        return found

    def principal(self) -> P | None:
        """The caller, from a bearer token or the session; cached for the request."""
        if "principal" in g:
            return cast(P | None, g.principal)
        found: P | None = None
        g.via = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(401, "invalid_token", "Header Authorization harus 'Bearer <token>'.")
            found = self.by_token(token.strip())
            if found is None:
                raise ApiError(401, "invalid_token", "Token tidak dikenal atau sudah dicabut.")
            g.via = "token"
        else:
            found = self.session_caller()
            if found is not None:
                g.via = "session"
        g.principal = found
        return found

    def check_csrf(self) -> None:
        if request.method not in UNSAFE or g.get("via") != "session":
            return
        sent = request.headers.get("X-CSRF-Token", "")
        expected = str(session.get("csrf", ""))
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            raise ApiError(
                403, "csrf_failed", "Token CSRF tidak ada atau salah. Muat ulang halaman."
            )

    def require(self, role: str) -> Callable[[F], F]:
        """Allow the view only to callers of at least `role` (and check CSRF for sessions)."""
        if role not in self.roles:
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(self.roles)}")

        def decorate(view: F) -> F:
            @wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                who = self.principal()
                if who is None:
                    raise ApiError(401, "unauthorized", "Silakan masuk terlebih dahulu.")
                self.check_csrf()
                if not self.allows(who, role):
                    raise ApiError(403, "forbidden", "Peran Anda tidak berhak melakukan ini.")
                return view(*args, **kwargs)

            guarded.required_role = role  # type: ignore[attr-defined]  # read by the OpenAPI builder
            return cast(F, guarded)

        return decorate

    def session_csrf(self) -> str | None:
        """The CSRF token to hand to a caller who came with a session (None for tokens)."""
        return cast(str | None, session.get("csrf")) if g.get("via") == "session" else None

    def open_session(self, caller_id: int, who: P) -> None:
        """A fresh session (never one an attacker could have planted) with a new CSRF token,
        recorded on the server."""
        session.clear()
        sid = secrets.token_urlsafe(32)
        started = time.time()
        self.sessions().start(
            caller_id, session_digest(sid), started + current_app.config["SESSION_HOURS"] * 3600
        )
        session.permanent = True
        session[self.session_key] = caller_id
        session["sid"] = sid
        session["csrf"] = secrets.token_urlsafe(24)
        session["started"] = started
        g.principal = who
        g.via = "session"

    def end_session(self) -> None:
        """End this request's session on the server too (a copy of the cookie dies with it)."""
        sid = session.get("sid")
        if g.get("via") == "session" and isinstance(sid, str) and sid:
            self.sessions().end(session_digest(sid))
        session.clear()

    def session_caller_id(self) -> int:
        """The id of this request's session caller; 400 `not_a_session` for a bearer token."""
        if g.get("via") != "session":
            raise ApiError(
                400,
                "not_a_session",
                "Hanya untuk sesi staf yang masuk dengan kata sandi; token mesin dicabut "
                "oleh administrator.",
            )
        return int(session[self.session_key])

    def end_sessions(self, caller_id: int) -> int:
        """End every session of a caller (log out everywhere); how many were open."""
        return self.sessions().end_all(caller_id)


def add_login_routes(
    bp: Blueprint,
    guard: Guard[P],
    *,
    authenticate: Callable[[str, str], tuple[int, P] | None],
    throttle: Callable[[], Throttle],
    me_body: Callable[[P], dict[str, Any]],
    me_role: str,
) -> None:
    """`POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `POST
    /api/v1/auth/logout-everywhere` (every session of the caller) and `GET /api/v1/auth/me`.

    `authenticate(username, password)` gives the session id and the caller, or None; `me_body`
    describes a caller (the CSRF token is added for sessions)."""

    def described(who: P) -> Response:
        body = me_body(who)
        token = guard.session_csrf()
        if token is not None:
            body["csrf_token"] = token
        return jsonify(body)

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
        slowed = throttle()
        wait = slowed.retry_after(username, address)
        if wait > 0:
            seconds = int(wait) + 1
            raise ApiError(
                429,
                "login_throttled",
                f"Terlalu banyak percobaan gagal. Coba lagi dalam {seconds} detik.",
                headers={"Retry-After": str(seconds)},
            )
        found = authenticate(username, password)
        if found is None:
            slowed.failed(username, address)
            raise ApiError(401, "login_failed", "Nama pengguna atau kata sandi salah.")
        slowed.succeeded(username, address)
        caller_id, who = found
        guard.open_session(caller_id, who)
        return described(who)

    def logout() -> Response:
        if guard.principal() is not None:
            guard.check_csrf()
        guard.end_session()
        return jsonify({"logged_out": True})

    def logout_everywhere() -> Response:
        caller_id = guard.session_caller_id()
        ended = guard.end_sessions(caller_id)
        session.clear()
        return jsonify({"logged_out": True, "sessions_ended": ended})

    def me() -> Response:
        who = guard.principal()
        assert who is not None
        return described(who)

    bp.add_url_rule("/api/v1/auth/login", "login", login, methods=["POST"])
    bp.add_url_rule("/api/v1/auth/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule(
        "/api/v1/auth/logout-everywhere",
        "logout_everywhere",
        guard.require(me_role)(logout_everywhere),
        methods=["POST"],
    )
    bp.add_url_rule("/api/v1/auth/me", "me", guard.require(me_role)(me), methods=["GET"])
