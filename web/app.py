"""The Flask application factory: `create_app(runtime)`.

The runtime (database, engine, accounts, and the hardware when fitted) is built elsewhere
(`appliance.runtime`); this only wires HTTP to it: pages, the JSON API, sessions, the doorbell
that the engine and the printer ring after every committed change.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.routing import IntegerConverter

from appliance import bounded_json
from appliance.queue import outbox
from appliance.queue.transaction import Change
from appliance.runtime import Core, Runtime
from appliance.skm.questionnaire import load_questionnaire
from appliance.storage.database import connected
from appliance.storage.state import get_state, set_state
from appliance.throttle import LoginThrottle
from web import auth
from web.api import register_api
from web.context import WebContext
from web.errors import install_error_handlers
from web.i18n import init_i18n
from web.kit.guard import configure_sessions
from web.kit.inputs import use_json_parser
from web.live.boardstate import BoardCache
from web.live.doorbell import Doorbell, StreamGate
from web.openapi import build_openapi
from web.pages import bp as pages_bp

SECRET_STATE = "web.secret_key"  # noqa: S105 - a state key name, not a secret
MAX_BODY_BYTES = 2 * 1024 * 1024  # a whole catalogue fits; anything bigger is refused (413)
SQLITE_MAX_INT = 2**63 - 1


class SqliteInteger(IntegerConverter):
    """`<int:...>` limited to what SQLite can store: a larger id in a URL is simply not found
    (404) instead of an OverflowError deep in the query (which answered 503)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", SQLITE_MAX_INT)
        super().__init__(url_map, *args, **kwargs)


def _secret_key(core: Core) -> str:
    """The configured key, else one made on first start and kept in the database, so sessions
    survive a restart and no install shares a default key."""
    if core.config.web.secret_key:
        return core.config.web.secret_key
    with connected(core.db):
        key = get_state(SECRET_STATE)
    if key:
        return key
    with core.db.write():
        key = get_state(SECRET_STATE)
        if not key:
            key = secrets.token_urlsafe(48)
            set_state(SECRET_STATE, key)
    return key


def create_app(runtime: Runtime, test_config: dict[str, Any] | None = None) -> Flask:
    """`runtime`: the core, plus the hardware and the voice when this box has them."""
    core, hardware, announcer = runtime.core, runtime.hardware, runtime.announcer
    app = Flask(__name__, static_folder=None)
    app.url_map.converters["int"] = SqliteInteger
    app.config.update(
        SECRET_KEY=_secret_key(core), MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False
    )
    configure_sessions(
        app,
        cookie_name="mpp_session",
        hours=core.config.web.session_hours,
        secure=core.config.web.public_url.startswith("https://"),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    use_json_parser(app, bounded_json.loads)  # a nesting bomb is a 400, not a RecursionError
    if test_config:
        app.config.update(test_config)

    with connected(core.db):
        version = outbox.last_seq()
    doorbell = Doorbell(version)
    context = WebContext(
        core=core,
        hardware=hardware,
        announcer=announcer,
        doorbell=doorbell,
        streams=StreamGate(core.config.web.max_streams, core.config.web.streams_per_address),
        throttle=LoginThrottle(),
        board=BoardCache(
            core.db,
            business_date=lambda: core.engine.current_day().date,
            rings=lambda: doorbell.rings,
            now=core.clock.now,
            streak_limit=core.config.queue.priority_streak_limit,
            enforce_hours=core.config.queue.enforce_hours,
        ),
        questionnaire=load_questionnaire(),
    )
    app.extensions["mpp"] = context

    def ring(change: Change) -> None:
        context.doorbell.ring(change.version)

    core.engine.subscribe(ring)
    if hardware is not None:
        hardware.subscribe(lambda _status: context.doorbell.ring())

    init_i18n(app, default_language=core.config.web.language)
    install_error_handlers(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(auth.bp)
    register_api(app)

    @app.get("/api/v1/openapi.json")
    def openapi() -> Response:
        return jsonify(build_openapi(app))

    # No teardown closing the connection: waitress keeps a fixed pool of threads, and opening a
    # connection costs more than a durable commit (see appliance.storage.database.connected).
    return app
