"""Central accounts over HTTP (admin only): users beyond the first admin, and API tokens.

The same operations as the CLI (`mpp officer … --central`, `mpp token … --central`), both through
`sync.central.accounts`. A token is shown once, in the 201 answer; only its hash is kept.
Passwords are never echoed or logged.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from sync.central import accounts
from sync.central.accounts import CentralAccountError
from sync.central.http.auth import guard, require
from sync.central.http.base import central
from sync.central.store import CentralToken, CentralUser
from web.kit.errors import ApiError
from web.kit.inputs import json_body, too_long

bp = Blueprint("central_admin", __name__)
MAX_PASSWORD = 256  # as on the appliance; usernames, token names and roles: 64 (`_text`)


def _text(
    data: dict[str, Any], name: str, *, required: bool = True, max_length: int = 64
) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_field", f"'{name}' wajib diisi (teks).")
    if len(value) > max_length:
        raise too_long(name, max_length)
    return value


def _refused(exc: CentralAccountError, status: int = 422) -> ApiError:
    message = str(exc)
    if "already exists" in message:
        return ApiError(409, "already_exists", message)
    if "does not exist" in message:
        return ApiError(404, "not_found", message)
    return ApiError(status, "refused", message)


def user_body(user: CentralUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "active": bool(user.active),
        "created_at": str(user.created_at),
    }


def token_body(token: CentralToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "role": token.role,
        "revoked": bool(token.revoked),
        "created_at": str(token.created_at),
    }


@bp.get("/api/v1/central/users")
@require("admin")
def list_users() -> Response:
    items = [user_body(u) for u in accounts.users(central().db)]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/api/v1/central/users")
@require("admin")
def add_user() -> tuple[Response, int]:
    data = json_body()
    username = str(_text(data, "username")).strip()
    password = str(_text(data, "password", max_length=MAX_PASSWORD))
    role = _text(data, "role", required=False) or "supervisor"
    try:
        accounts.add_user(central().db, username, password, role)
    except CentralAccountError as exc:
        raise _refused(exc) from None
    return jsonify({"username": username, "role": role, "active": True}), 201


@bp.post("/api/v1/central/users/<username>/password")
@require("admin")
def set_password(username: str) -> Response:
    password = str(_text(json_body(), "password", max_length=MAX_PASSWORD))
    try:
        accounts.set_password(central().db, username, password)  # ends all of their sessions
    except CentralAccountError as exc:
        raise _refused(exc) from None
    who = guard.principal()
    if who is not None and who.kind == "user" and who.name == username:
        guard.open_session(guard.session_caller_id(), who)  # this device stays logged in
    return jsonify({"username": username, "password_changed": True})


@bp.post("/api/v1/central/users/<username>/logout-everywhere")
@require("admin")
def logout_user_everywhere(username: str) -> Response:
    """End every open session of a user (a lost laptop, a shared password), at once."""
    try:
        ended = accounts.end_sessions_of(central().db, username)
    except CentralAccountError as exc:
        raise _refused(exc) from None
    return jsonify({"username": username, "sessions_ended": ended})


@bp.post("/api/v1/central/users/<username>/disable")
@require("admin")
def disable_user(username: str) -> Response:
    try:
        accounts.set_active(central().db, username, False)
    except CentralAccountError as exc:
        raise _refused(exc, 409) from None
    return jsonify({"username": username, "active": False})


@bp.post("/api/v1/central/users/<username>/enable")
@require("admin")
def enable_user(username: str) -> Response:
    try:
        accounts.set_active(central().db, username, True)
    except CentralAccountError as exc:
        raise _refused(exc) from None
    return jsonify({"username": username, "active": True})


@bp.get("/api/v1/central/tokens")
@require("admin")
def list_tokens() -> Response:
    items = [token_body(t) for t in accounts.tokens(central().db)]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/api/v1/central/tokens")
@require("admin")
def create_token() -> tuple[Response, int]:
    data = json_body()
    name = str(_text(data, "name")).strip()
    role = _text(data, "role", required=False) or "supervisor"
    try:
        token = accounts.create_token(central().db, name, role)
    except CentralAccountError as exc:
        raise _refused(exc) from None
    return jsonify({"name": name, "role": role, "token": token}), 201


@bp.post("/api/v1/central/tokens/<name>/revoke")
@require("admin")
def revoke_token(name: str) -> Response:
    try:
        accounts.revoke_token(central().db, name)
    except CentralAccountError as exc:
        raise _refused(exc) from None
    return jsonify({"name": name, "revoked": True})
