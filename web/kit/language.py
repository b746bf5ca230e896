"""The language of a page, for both servers: Bahasa Indonesia first, English on request.

The choice travels as `?lang=en` once and then lives in a cookie (each server its own), so a kiosk,
a TV board or a supervisor's browser set up in one language stays in it without an account.
`?lang=` beats the cookie, the cookie beats the app's `BABEL_DEFAULT_LOCALE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request, url_for
from flask_babel import Babel, get_locale

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class LanguageChoice:
    """Where a server keeps the reader's choice: its cookie's name and SameSite rule."""

    cookie: str
    samesite: str = "Strict"

    def select(self) -> str:
        asked = request.args.get("lang", "")
        if asked in LANGUAGES:
            return asked
        kept = request.cookies.get(self.cookie, "")
        if kept in LANGUAGES:
            return kept
        configured = str(current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE))
        return configured if configured in LANGUAGES else DEFAULT_LANGUAGE

    def remember(self, response: Response) -> Response:
        if b"lang=" not in request.query_string:  # most requests: no query string to parse
            return response
        asked = request.args.get("lang", "")
        if asked in LANGUAGES and request.cookies.get(self.cookie) != asked:
            response.set_cookie(
                self.cookie, asked, max_age=ONE_YEAR, samesite=self.samesite, httponly=True
            )
        return response

    def attach(self, app: Flask, translations: Path, default_language: str) -> Babel:
        """flask-babel on `app` with `translations`, choosing and remembering as above."""
        app.config.setdefault(
            "BABEL_DEFAULT_LOCALE",
            default_language if default_language in LANGUAGES else DEFAULT_LANGUAGE,
        )
        babel = Babel(
            app, locale_selector=self.select, default_translation_directories=str(translations)
        )
        app.after_request(self.remember)
        return babel


def page_language() -> str:
    """The language this request's page is written in."""
    lang = str(get_locale() or DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def switch_url(lang: str) -> str:
    """The same page in the other language, keeping its path and query (e.g. `?next=`)."""
    if request.endpoint is None:  # an error page for a path no route has
        return f"{request.path}?lang={'id' if lang == 'en' else 'en'}"
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    values["lang"] = "id" if lang == "en" else "en"
    return url_for(str(request.endpoint), **values)
