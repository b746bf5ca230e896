"""Reading what clients send: a JSON object body and query values, refused clearly when wrong.

Every refusal is an `ApiError` (400, or 415 for a body that is not JSON, or 422 `too_long` for
a text longer than its field can hold), so a script can test the code and a person reads the
message."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask, current_app, request

from web.kit.errors import ApiError

JSON_PARSER = "mpp.json_parser"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def use_json_parser(app: Flask, parse: Callable[[bytes], Any]) -> None:
    """The parser every `json_body` uses. The kit imports no core, so each app hands it the
    core's bounded one (`appliance.bounded_json.loads`): plain `json.loads` raised
    RecursionError on a nesting bomb, a 5xx from any JSON endpoint. It raises `ValueError` for
    what it refuses; a `code`/`message` on the error is what the client is told."""
    app.extensions[JSON_PARSER] = parse


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The request body as a JSON object; 400/415 with a reason otherwise."""
    if optional and not request.content_length and "HTTP_TRANSFER_ENCODING" not in request.environ:
        return {}  # no body at all (a console's action button): nothing to read or parse
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        raise ApiError(400, "body_required", "Isi permintaan (JSON) diperlukan.")
    if not request.is_json:
        raise ApiError(415, "json_required", "Kirim JSON (Content-Type: application/json).")
    try:
        data = current_app.extensions[JSON_PARSER](raw)
    except ValueError as exc:  # malformed, not UTF-8, or the parser's own limit (nesting)
        message = getattr(exc, "message", "Isi permintaan bukan JSON yang valid.")
        raise ApiError(400, getattr(exc, "code", "invalid_json"), message) from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "Isi permintaan harus berupa objek JSON.")
    return data


def text_field(
    data: dict[str, Any], name: str, *, required: bool = True, max_length: int = 200
) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise ApiError(400, "missing_field", f"Kolom '{name}' wajib diisi.")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_field", f"Kolom '{name}' harus berupa teks.")
    if len(value) > max_length:
        raise too_long(name, max_length)
    return value.strip()


def too_long(name: str, max_length: int) -> ApiError:
    """A text longer than its field holds (what a receipt, the board or a report can show):
    422, valid JSON breaking a rule (SPEC §4), naming the field and its limit."""
    return ApiError(
        422, "too_long", f"Kolom '{name}' terlalu panjang (paling banyak {max_length} karakter)."
    )


def code_field(data: dict[str, Any], name: str) -> str:
    value = text_field(data, name)
    assert value is not None
    if not CODE.match(value):
        raise ApiError(400, "invalid_field", f"Kolom '{name}' bukan kode yang valid.")
    return value


def bool_field(data: dict[str, Any], name: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ApiError(400, "invalid_field", f"Kolom '{name}' harus true atau false.")
    return value


def query_date(name: str = "date") -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_date", f"'{name}' harus tanggal YYYY-MM-DD.") from None


def query_int(name: str, default: int, *, low: int = 0, high: int = 1_000_000) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_query", f"'{name}' harus bilangan bulat.") from None
    if not low <= value <= high:
        raise ApiError(400, "invalid_query", f"'{name}' harus antara {low} dan {high}.")
    return value


def query_text(name: str, max_length: int = 64) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > max_length:
        raise ApiError(400, "invalid_query", f"'{name}' terlalu panjang.")
    return raw
