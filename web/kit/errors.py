"""JSON errors of an API: one shape, a fitting 4xx, never a 5xx for anything a client sends.

Views raise `ApiError`; `install_error_handlers` answers it, the statuses werkzeug raises by
itself, and anything unexpected (a plain 503 that names no internals) in the same
`{"error": {"code", "message"}}` shape. Each server says its own words for the last two.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import peewee
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Messages for the statuses werkzeug raises by itself (unknown path, wrong method, huge body).
HTTP_MESSAGES = {
    400: ("bad_request", "Permintaan tidak valid."),
    401: ("unauthorized", "Silakan masuk terlebih dahulu."),
    403: ("forbidden", "Anda tidak berhak melakukan ini."),
    404: ("not_found", "Alamat tidak ditemukan."),
    405: ("method_not_allowed", "Metode tidak diizinkan untuk alamat ini."),
    409: ("conflict", "Bertentangan dengan keadaan saat ini."),
    413: ("too_large", "Isi permintaan terlalu besar."),
    415: ("unsupported_media_type", "Kirim JSON (Content-Type: application/json)."),
    429: ("too_many_requests", "Terlalu banyak permintaan. Coba lagi sebentar lagi."),
}


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


def wants_json() -> bool:
    """API paths answer errors in JSON; pages keep werkzeug's own HTML error pages."""
    return request.path.startswith("/api/") or request.path == "/healthz"


def install_error_handlers(app: Flask, *, storage_trouble: str, internal_trouble: str) -> None:
    """`storage_trouble`/`internal_trouble`: what this server tells people when its database
    fails or something unforeseen breaks (the details go to the log, never to the client)."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        status = exc.code or 500
        if not wants_json():
            return exc
        code, message = HTTP_MESSAGES.get(status, ("http_error", exc.description or ""))
        return error_response(status, code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # A bug, a full disk, a locked database: say so plainly, keep the details in the log.
        log.exception("unhandled error on %s %s", request.method, request.path)
        if isinstance(exc, sqlite3.Error | peewee.DatabaseError | OSError):
            return error_response(
                503, "storage_unavailable", storage_trouble, headers={"Retry-After": "5"}
            )
        return error_response(503, "internal_error", internal_trouble)
