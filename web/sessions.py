"""Flask's signed-cookie sessions, minus two costs paid on every request.

Flask builds a new signing serializer for each request and parses the Cookie header even when
there is none; machine clients (kiosks, counter consoles with bearer tokens) never send a
cookie, and they make most of the requests at a busy hour. Same cookies, same signatures.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessions(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """One serializer per key set (it keeps no per-request state)."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(keys)
        if found is None:
            found = super().get_signing_serializer(app)
            self._serializers[keys] = found
        return found

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()  # what Flask returns for a missing cookie
        return super().open_session(app, request)
