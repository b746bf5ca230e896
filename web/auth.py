"""The appliance's callers: officers with sessions, machines with tokens (`mpp token create`).

The mechanism (sessions, CSRF, bearer tokens, role order) is `web.kit.guard`; this says where
the appliance finds its callers (officers' open sessions are rows of `staff_session`, kept by
`appliance.accounts`) and what it tells them about themselves. Roles are ordered
kiosk < officer < supervisor < admin; an officer acts only on the counters assigned to them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from appliance.accounts import Accounts, Principal
from appliance.queue import views
from appliance.storage.models import ROLES
from appliance.throttle import LoginThrottle
from web.context import web
from web.kit.errors import ApiError
from web.kit.guard import Guard, add_login_routes


class _Sessions:
    """`web.kit.guard.SessionStore` over the appliance's accounts."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    def caller(self, caller_id: int, session: str) -> Principal | None:
        return self.accounts.principal_for_session(caller_id, session)

    def start(self, caller_id: int, session: str, expires_at: float) -> None:
        self.accounts.start_session(caller_id, session, expires_at)

    def end(self, session: str) -> None:
        self.accounts.end_session(session)

    def end_all(self, caller_id: int) -> int:
        return self.accounts.end_sessions(caller_id)


def _sessions() -> _Sessions:
    return _Sessions(web().core.accounts)


def _token(token: str) -> Principal | None:
    return web().core.accounts.principal_for_token(token)


guard: Guard[Principal] = Guard(
    roles=ROLES, session_key="officer_id", sessions=_sessions, by_token=_token
)
principal = guard.principal
require = guard.require


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
        body["display_name"] = views.officer_display_name(web().core.db, who.id) or who.name
    return body


def _authenticate(username: str, password: str) -> tuple[int, Principal] | None:
    who = web().core.accounts.authenticate(username, password)
    return None if who is None else (who.id, who)


def _throttle() -> LoginThrottle:
    return web().throttle


bp = Blueprint("auth", __name__)
add_login_routes(
    bp, guard, authenticate=_authenticate, throttle=_throttle, me_body=me_body, me_role="kiosk"
)
