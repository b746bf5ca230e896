"""Language of the pages: Bahasa Indonesia first, English on request.

The choice travels as `?lang=en` once and then lives in a cookie, so a kiosk or a TV board set up
in one language stays in it without an account. JS strings come from the same catalogues (see
`web.pages.strings`), so one `.po` file holds every word a citizen or officer reads.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request
from flask_babel import Babel

from appliance.site import DEFAULT_ZONE

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
COOKIE = "mpp_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """`?lang=` beats the cookie, the cookie beats the app's configured language."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(COOKIE, "")
    if kept in LANGUAGES:
        return kept
    return _configured_default()


def _configured_default() -> str:
    from flask import current_app

    configured = str(current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE))
    return configured if configured in LANGUAGES else DEFAULT_LANGUAGE


def _remember_choice(response: Response) -> Response:
    if b"lang=" not in request.query_string:  # most requests: no query string to parse
        return response
    asked = request.args.get("lang", "")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=ONE_YEAR, samesite="Strict", httponly=True)
    return response


def init_i18n(app: Flask, *, default_language: str = DEFAULT_LANGUAGE) -> Babel:
    """Attach flask-babel to `app` with our catalogues and the cookie that keeps the choice."""
    app.config.setdefault(
        "BABEL_DEFAULT_LOCALE",
        default_language if default_language in LANGUAGES else DEFAULT_LANGUAGE,
    )
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE)
    babel = Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.after_request(_remember_choice)
    return babel
