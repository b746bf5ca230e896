"""What every central request shares: settings, the per-app context, JSON errors and inputs.

Mirrors the appliance's web conventions (SPEC §4) without importing `web` (web and sync stay
independent): errors are `{"error": {"code", "message"}}` with a fitting 4xx, anything a client
sends gets a 4xx, and an unexpected failure is a plain 503, never a stack trace.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import peewee
from flask import Flask, Response, current_app, jsonify, request
from peewee import Database
from werkzeug.exceptions import HTTPException

from appliance.queue.numbering import DEFAULT_ZONE
from appliance.skm.questionnaire import Questionnaire
from appliance.throttle import LoginThrottle

log = logging.getLogger(__name__)

EXTENSION = "mpp_central"


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CentralWebSettings:
    """How central's HTTP side behaves; `from_config` reads `[central.web]`."""

    secret_key: str = ""
    public_url: str = ""
    session_hours: int = 12
    timezone: str = DEFAULT_ZONE  # a site's "today" when no pushed catalogue names its zone
    now: Callable[[], datetime] = field(default=utc_clock)

    @classmethod
    def from_config(cls, config: Any) -> CentralWebSettings:
        web = config.central.web
        return cls(secret_key=web.secret_key, public_url=web.public_url)


@dataclass
class CentralContext:
    db: Database
    settings: CentralWebSettings
    throttle: LoginThrottle
    zone: ZoneInfo
    questionnaire: Questionnaire


def central() -> CentralContext:
    context: CentralContext = current_app.extensions[EXTENSION]
    return context


class ApiError(Exception):
    """A refusal with an HTTP status, a stable code and a message for people."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


_HTTP_MESSAGES = {
    400: ("bad_request", "Permintaan tidak valid."),
    401: ("unauthorized", "Silakan masuk terlebih dahulu."),
    403: ("forbidden", "Anda tidak berhak melakukan ini."),
    404: ("not_found", "Alamat tidak ditemukan."),
    405: ("method_not_allowed", "Metode tidak diizinkan untuk alamat ini."),
    413: ("too_large", "Isi permintaan terlalu besar."),
    415: ("unsupported_media_type", "Kirim JSON (Content-Type: application/json)."),
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        status = exc.code or 500
        if not _wants_json():
            return exc
        code, message = _HTTP_MESSAGES.get(status, ("http_error", exc.description or ""))
        return error_response(status, code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if isinstance(exc, sqlite3.Error | peewee.DatabaseError | OSError):
            return error_response(
                503,
                "storage_unavailable",
                "Basis data pusat sedang bermasalah. Coba lagi sebentar lagi.",
                headers={"Retry-After": "5"},
            )
        return error_response(503, "internal_error", "Terjadi gangguan pada server pusat.")


# -- inputs -----------------------------------------------------------------------------------


def json_object() -> dict[str, Any]:
    """The request body as a JSON object; 400/415 with a reason otherwise."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "body_required", "Isi permintaan (JSON) diperlukan.")
    if not request.is_json:
        raise ApiError(415, "json_required", "Kirim JSON (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "invalid_json", "Isi permintaan bukan JSON yang valid.")
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "Isi permintaan harus berupa objek JSON.")
    return data


def query_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_date", f"'{name}' harus tanggal YYYY-MM-DD.") from None


def query_text(name: str, max_length: int = 64) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > max_length:
        raise ApiError(400, "invalid_query", f"'{name}' terlalu panjang.")
    return raw
