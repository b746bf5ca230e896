"""Who is asking central: its users with sessions, API tokens (`mpp token create --central`).

The mechanism is the appliance's own `web.kit.guard` (sessions with CSRF tokens, bearer tokens,
the role order, slowed failed logins); this says where central finds its callers. A user is read
again on every request, so a disabled account or a changed role counts at once. Roles:
supervisor < admin; any other role stored in the database is allowed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint

from appliance.throttle import LoginThrottle
from sync.central import accounts
from sync.central.accounts import ROLES
from sync.central.http.base import central
from sync.central.store import CentralUser
from web.kit.guard import Guard, add_login_routes


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "token"
    name: str
    role: str


def _user(user_id: int) -> Principal | None:
    user = CentralUser.get_or_none(CentralUser.id == user_id)
    if user is None or user.role not in ROLES or not user.active:
        return None
    return Principal("user", str(user.username), str(user.role))


def _token(token: str) -> Principal | None:
    role = accounts.token_role(central().db, token)
    return None if role is None or role not in ROLES else Principal("token", "token", role)


guard: Guard[Principal] = Guard(
    roles=ROLES, session_key="user_id", by_session=_user, by_token=_token
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
