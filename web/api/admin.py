"""Configuration for administrators: the catalogue (whole or piece by piece), officers, tokens.

Every catalogue change — a whole document or one agency, service or counter — goes through the
same path: export the applied catalogue, change it, validate, apply as a new version. So one
set of checks guards every edit, each edit is an outbox event central sees, and a later push from
central compares versions the same way.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, Response, jsonify

from appliance.accounts import STAFF_ROLES
from appliance.catalogue.store import apply_catalogue, export_catalogue, validate_catalogue
from appliance.storage.models import ROLES
from web.auth import guard, principal, require
from web.context import web
from web.kiosk_link import kiosk_url, qr_data_uri
from web.kit.errors import ApiError
from web.kit.inputs import json_body, text_field, too_long

bp = Blueprint("api_admin", __name__)

SECTIONS = {"agencies": "agencies", "services": "services", "counters": "counters"}
MAX_PASSWORD = 256  # a pass phrase fits; megabytes would only make argon2 and the throttle work


def _apply(doc: dict[str, Any]) -> dict[str, Any]:
    core = web().core
    doc = {k: v for k, v in doc.items() if k != "version"}  # a local edit is always the next one
    result = apply_catalogue(core.db, validate_catalogue(doc), clock=core.clock)
    web().doorbell.ring()
    return {
        "version": result.version,
        "added": result.added,
        "updated": result.updated,
        "deactivated": result.deactivated,
    }


@bp.get("/api/v1/admin/catalogue")
@require("admin")
def get_catalogue() -> Response:
    return jsonify(export_catalogue(web().core.db))


@bp.put("/api/v1/admin/catalogue")
@require("admin")
def put_catalogue() -> Response:
    core = web().core
    catalogue = validate_catalogue(json_body())
    result = apply_catalogue(core.db, catalogue, clock=core.clock)
    web().doorbell.ring()
    return jsonify(
        {
            "version": result.version,
            "added": result.added,
            "updated": result.updated,
            "deactivated": result.deactivated,
        }
    )


def _served_by(section: str, item: dict[str, Any]) -> list[str] | None:
    """A service may name the counters serving it (`"counters": [...]`): a new service must be
    served somewhere, and editing a counter just to add one service is clumsy."""
    if section != "services" or "counters" not in item:
        return None
    counters = item.pop("counters")
    if not isinstance(counters, list) or not all(isinstance(c, str) for c in counters):
        raise ApiError(400, "invalid_field", "Kolom 'counters' harus daftar kode loket.")
    return counters


def _link_service(doc: dict[str, Any], service: str, counters: list[str] | None) -> None:
    if counters is None:
        return
    known = {c["code"] for c in doc["counters"]}
    unknown = sorted(set(counters) - known)
    if unknown:
        raise ApiError(422, "unknown_counter", "Loket tidak dikenal: " + ", ".join(unknown))
    for counter in doc["counters"]:
        listed = [s for s in counter["services"] if s != service]
        if counter["code"] in counters:
            listed.append(service)
        counter["services"] = listed


def _section_views(section: str) -> None:
    def list_items() -> Response:
        items = export_catalogue(web().core.db)[section]
        return jsonify({"items": items, "total": len(items)})

    def create() -> tuple[Response, int]:
        item = json_body()
        code = text_field(item, "code", max_length=64)
        assert code is not None
        doc = export_catalogue(web().core.db)
        if any(row["code"] == code for row in doc[section]):
            raise ApiError(409, "already_exists", f"Kode {code} sudah ada.")
        served_by = _served_by(section, item)
        doc[section].append(item)
        _link_service(doc, code, served_by)
        return jsonify(_apply(doc)), 201

    def update(code: str) -> Response:
        changes = json_body()
        if "code" in changes and changes["code"] != code:
            raise ApiError(400, "code_fixed", "Kode tidak dapat diubah; buat entri baru.")
        doc = export_catalogue(web().core.db)
        rows = [row for row in doc[section] if row["code"] == code]
        if not rows:
            raise ApiError(404, "not_found", f"Kode {code} tidak ditemukan.")
        served_by = _served_by(section, changes)
        rows[0].update(copy.deepcopy(changes))
        _link_service(doc, code, served_by)
        return jsonify(_apply(doc))

    def delete(code: str) -> Response:
        doc = export_catalogue(web().core.db)
        kept = [row for row in doc[section] if row["code"] != code]
        if len(kept) == len(doc[section]):
            raise ApiError(404, "not_found", f"Kode {code} tidak ditemukan.")
        doc[section] = kept
        if section == "services":  # no counter keeps serving what no longer exists
            for counter in doc["counters"]:
                counter["services"] = [s for s in counter["services"] if s != code]
        return jsonify(_apply(doc))

    base = f"/api/v1/admin/{section}"
    for rule, name, view, methods in (
        (base, "list", list_items, ["GET"]),
        (base, "create", create, ["POST"]),
        (base + "/<code>", "update", update, ["PATCH"]),
        (base + "/<code>", "delete", delete, ["DELETE"]),
    ):
        endpoint = f"{section}_{name}"
        view.__name__ = endpoint
        bp.add_url_rule(rule, endpoint, require("admin")(view), methods=methods)


for _section in SECTIONS:
    _section_views(_section)


def _officer_body(officer: Any, counters: list[str]) -> dict[str, Any]:
    return {
        "id": officer.id,
        "username": officer.username,
        "display_name": officer.display_name,
        "role": officer.role,
        "active": bool(officer.active),
        "counters": counters,
        "created_at": officer.created_at,
    }


def _find_officer(username: str) -> dict[str, Any]:
    for officer, counters in web().core.accounts.officers():
        if officer.username == username:
            return _officer_body(officer, counters)
    raise ApiError(404, "officer_not_found", f"Pengguna {username} tidak ditemukan.")


@bp.get("/api/v1/admin/officers")
@require("admin")
def list_officers() -> Response:
    items = [_officer_body(o, c) for o, c in web().core.accounts.officers()]
    return jsonify({"items": items, "total": len(items)})


def _counters_field(data: dict[str, Any]) -> list[str] | None:
    counters = data.get("counters")
    if counters is None:
        return None
    if not isinstance(counters, list) or not all(isinstance(c, str) for c in counters):
        raise ApiError(400, "invalid_field", "Kolom 'counters' harus daftar kode loket.")
    return counters


@bp.post("/api/v1/admin/officers")
@require("admin")
def create_officer() -> tuple[Response, int]:
    data = json_body()
    username = text_field(data, "username", max_length=32)
    password = data.get("password")
    if not isinstance(password, str):
        raise ApiError(400, "missing_field", "Kolom 'password' wajib diisi.")
    if len(password) > MAX_PASSWORD:
        raise too_long("password", MAX_PASSWORD)
    role = data.get("role", "officer")
    if role not in STAFF_ROLES:
        raise ApiError(
            400, "invalid_role", "Peran harus salah satu dari: " + ", ".join(STAFF_ROLES)
        )
    assert username is not None
    web().core.accounts.add_officer(
        username,
        password,
        role,
        display_name=text_field(data, "display_name", required=False, max_length=80) or "",
        counters=_counters_field(data) or [],
    )
    return jsonify(_find_officer(username)), 201


@bp.patch("/api/v1/admin/officers/<username>")
@require("admin")
def update_officer(username: str) -> Response:
    data = json_body()
    accounts = web().core.accounts
    _find_officer(username)
    who = principal()
    if "password" in data:
        if not isinstance(data["password"], str):
            raise ApiError(400, "invalid_field", "Kolom 'password' harus teks.")
        if len(data["password"]) > MAX_PASSWORD:
            raise too_long("password", MAX_PASSWORD)
        accounts.set_password(username, data["password"])  # ends every session of `username`
        if who is not None and who.kind == "officer" and who.name == username:
            guard.open_session(who.id, who)  # this device stays logged in, with a new session
    counters = _counters_field(data)
    if counters is not None:
        accounts.set_counters(username, counters)
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise ApiError(400, "invalid_field", "Kolom 'active' harus true atau false.")
        if who is not None and who.name == username and not data["active"]:
            raise ApiError(
                409, "cannot_disable_self", "Anda tidak dapat menonaktifkan akun sendiri."
            )
        accounts.set_active(username, data["active"])
    return jsonify(_find_officer(username))


@bp.post("/api/v1/admin/officers/<username>/logout-everywhere")
@require("admin")
def logout_officer_everywhere(username: str) -> Response:
    """End every open session of an officer (a lost phone, a shared password), at once."""
    _find_officer(username)
    ended = web().core.accounts.end_sessions_of(username)
    return jsonify({"username": username, "sessions_ended": ended})


@bp.get("/api/v1/admin/tokens")
@require("admin")
def list_tokens() -> Response:
    items = [
        {
            "name": t.name,
            "role": t.role,
            "counters": [c for c in t.counters.split(",") if c],
            "created_at": t.created_at,
            "revoked": bool(t.revoked),
        }
        for t in web().core.accounts.tokens()
    ]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/api/v1/admin/tokens")
@require("admin")
def create_token() -> tuple[Response, int]:
    data = json_body()
    name = text_field(data, "name", max_length=64)
    role = data.get("role", "kiosk")
    if role not in ROLES:
        raise ApiError(400, "invalid_role", "Peran harus salah satu dari: " + ", ".join(ROLES))
    assert name is not None
    token = web().core.accounts.create_token(name, role, counters=_counters_field(data) or [])
    # Shown exactly once: only its hash is stored.
    body: dict[str, Any] = {"name": name, "role": role, "token": token}
    if role == "kiosk":  # the link to open once on the kiosk device, and its QR code
        url = kiosk_url(web().core.config.web.public_url, token)
        body |= {"kiosk_url": url, "kiosk_qr": qr_data_uri(url)}
    return jsonify(body), 201


@bp.delete("/api/v1/admin/tokens/<name>")
@require("admin")
def revoke_token(name: str) -> Response:
    accounts = web().core.accounts
    if not any(token.name == name for token in accounts.tokens()):
        raise ApiError(404, "token_not_found", f"Token {name} tidak ditemukan.")
    accounts.revoke_token(name)
    return jsonify({"name": name, "revoked": True})
