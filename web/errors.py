"""JSON errors of the API: one shape, a fitting 4xx, never a 5xx for anything a client sends.

`ApiError` is raised by views; the queue engine's `QueueError` and the catalogue's and accounts'
errors are translated here, so every refusal reaches the officer or the kiosk with the engine's
own Indonesian message and a stable code a script can test.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import peewee
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from appliance.accounts import AccountError
from appliance.catalogue.store import CatalogueError
from appliance.queue.errors import QueueError

log = logging.getLogger(__name__)

# Messages for the statuses werkzeug raises by itself (unknown path, wrong method, huge body).
_HTTP_MESSAGES = {
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


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError) -> Response:
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(CatalogueError)
    def _catalogue_error(exc: CatalogueError) -> Response:
        return error_response(
            422, "invalid_catalogue", "Katalog tidak dapat dipakai.", list(exc.problems)
        )

    @app.errorhandler(AccountError)
    def _account_error(exc: AccountError) -> Response:
        return error_response(422, "account_refused", str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        status = exc.code or 500
        if not _wants_json():
            return exc
        code, message = _HTTP_MESSAGES.get(status, ("http_error", exc.description or ""))
        return error_response(status, code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # A bug, a full disk, a locked database: say so plainly, keep the details in the log.
        log.exception("unhandled error on %s %s", request.method, request.path)
        if isinstance(exc, sqlite3.Error | peewee.DatabaseError | OSError):
            return error_response(
                503,
                "storage_unavailable",
                "Penyimpanan sedang bermasalah (disk penuh atau terkunci). Hubungi admin.",
                headers={"Retry-After": "5"},
            )
        return error_response(503, "internal_error", "Terjadi gangguan pada server antrean.")
