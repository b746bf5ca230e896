"""Who is asking central: its users with sessions, API tokens (`mpp token create --central`).

The mechanism is the appliance's own `web.kit.guard` (sessions with CSRF tokens, bearer tokens,
the role order, slowed failed logins); this says where central finds its callers. A user is read
again on every request, through their open session (`central_sessions`), so a disabled account,
a changed role, a logout or a password change counts at once. Roles:
supervisor < admin; any other role stored in the database is allowed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from peewee import Database

from appliance.throttle import LoginThrottle
from sync.central import accounts
from sync.central.accounts import ROLES
from sync.central.http.base import central
from web.kit.guard import Guard, add_login_routes


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "token"
    name: str
    role: str


class _Sessions:
    """`web.kit.guard.SessionStore` over central's accounts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def caller(self, caller_id: int, session: str) -> Principal | None:
        user = accounts.session_user(self.db, caller_id, session)
        if user is None or user.role not in ROLES:
            return None
        return Principal("user", str(user.username), str(user.role))

    def start(self, caller_id: int, session: str, expires_at: float) -> None:
        accounts.start_session(self.db, caller_id, session, expires_at)

    def end(self, session: str) -> None:
        accounts.end_session(self.db, session)

    def end_all(self, caller_id: int) -> int:
        return accounts.end_sessions(self.db, caller_id)


def _sessions() -> _Sessions:
    return _Sessions(central().db)


def _token(token: str) -> Principal | None:
    role = accounts.token_role(central().db, token)
    return None if role is None or role not in ROLES else Principal("token", "token", role)


guard: Guard[Principal] = Guard(
    roles=ROLES, session_key="user_id", sessions=_sessions, by_token=_token
)
require = guard.require
session_user = guard.session_caller


def _authenticate(username: str, password: str) -> tuple[int, Principal] | None:
    user = accounts.authenticate(central().db, username, password)
    if user is None or user.role not in ROLES:
        return None
    return int(user.id), Principal("user", str(user.username), str(user.role))


def _throttle() -> LoginThrottle:
    return central().throttle


def me_body(who: Principal) -> dict[str, Any]:
    return {"kind": who.kind, "username": who.name, "role": who.role}


bp = Blueprint("central_auth", __name__)
add_login_routes(
    bp, guard, authenticate=_authenticate, throttle=_throttle, me_body=me_body, me_role="supervisor"
)
