"""Central's HTTP side: `create_central_app(db, settings)` (SPEC §6 "Central HTTP").

Flask lives here although it is otherwise kept to `web/`: central is a separate server, and its
HTTP belongs beside its own store rather than inside the appliance's web package. Its HTTP glue
is `web.kit`, the one part of `web` that `sync` may import (pyproject.toml's import-linter
contracts name this package as the exception, for both).
Every request runs inside one database connection context; the publisher thread, not a request,
talks to the broker.
"""

from __future__ import annotations

import secrets
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, jsonify
from peewee import Database

from appliance import bounded_json
from appliance.skm.questionnaire import load_questionnaire
from appliance.throttle import LoginThrottle
from sync.central.http import (
    admin,
    api,
    auth,
    booking_admin,
    booking_pages,
    bookings_api,
    pages,
)
from sync.central.http.base import EXTENSION, CentralContext, CentralWebSettings
from sync.central.http.language import init_language
from sync.central.http.openapi import build_openapi
from sync.central.store import CentralState
from web.kit.errors import install_error_handlers
from web.kit.guard import configure_sessions
from web.kit.inputs import use_json_parser

__all__ = ["CentralWebSettings", "create_central_app"]

SECRET_STATE = "web.secret_key"  # noqa: S105 - a state key name, not a secret
MAX_BODY_BYTES = 4 * 1024 * 1024  # the largest real catalogue is ~200 KiB


def _secret_key(db: Database, settings: CentralWebSettings) -> str:
    """The configured key, else one made on first start and kept in central's database, so
    sessions survive a restart and every central process shares it."""
    if settings.secret_key:
        return settings.secret_key
    with db.connection_context(), db.atomic():
        CentralState.insert(
            key=SECRET_STATE, value=secrets.token_urlsafe(48)
        ).on_conflict_ignore().execute()
        return str(CentralState.get_by_id(SECRET_STATE).value)


def create_central_app(
    db: Database, settings: CentralWebSettings, test_config: dict[str, Any] | None = None
) -> Flask:
    """`db` is an opened central database (`open_central_database`)."""
    app = Flask(__name__, static_folder=None)
    app.config.update(SECRET_KEY=_secret_key(db, settings), MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    configure_sessions(
        app,
        cookie_name="mpp_central_session",
        hours=settings.session_hours,
        secure=settings.public_url.startswith("https://"),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    use_json_parser(app, bounded_json.loads)  # a nesting bomb is a 400, not a RecursionError
    if test_config:
        app.config.update(test_config)
    app.extensions[EXTENSION] = CentralContext(
        db=db,
        settings=settings,
        throttle=LoginThrottle(),
        zone=ZoneInfo(settings.timezone),
        questionnaire=load_questionnaire(),
    )

    @app.before_request
    def _connect() -> None:
        context = db.connection_context()
        context.__enter__()
        g.db_context = context

    @app.teardown_request
    def _release(_exc: BaseException | None) -> None:
        context = g.pop("db_context", None)
        if context is not None:
            context.__exit__(None, None, None)

    install_error_handlers(
        app,
        storage_trouble="Basis data pusat sedang bermasalah. Coba lagi sebentar lagi.",
        internal_trouble="Terjadi gangguan pada server pusat.",
    )
    init_language(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(bookings_api.bp)  # SPEC §8: the public booking API, its admin routes
    app.register_blueprint(booking_pages.bp)  # /book/{site}, /b/{token}
    app.register_blueprint(booking_admin.bp)  # /bookings: figures, keys (staff)
    bookings_api.install_limits(app)

    @app.get("/api/v1/openapi.json")
    def openapi() -> Response:
        return jsonify(build_openapi(app))

    return app
