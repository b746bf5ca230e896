"""The language of central's pages: Bahasa Indonesia first, English on request (issue 17 item 6).

As on the appliance (`web.i18n`, which central may not import): `?lang=en` once, then a cookie of
central's own keeps the choice, so a supervisor's browser stays in the language it chose without
an account setting. The words are flask-babel's gettext over central's own catalogue
(`translations/`, see its README); the page scripts get theirs in the page (`words.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, request, url_for
from flask_babel import Babel, get_locale

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
COOKIE = "mpp_central_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """`?lang=` beats the cookie; without either, Indonesian."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(COOKIE, "")
    return kept if kept in LANGUAGES else DEFAULT_LANGUAGE


def page_language() -> str:
    """The language this request's page is written in."""
    lang = str(get_locale() or DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def switch_url(lang: str) -> str:
    """The same page in the other language, keeping its path and query (e.g. `?next=`)."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    values["lang"] = "id" if lang == "en" else "en"
    return url_for(str(request.endpoint), **values)


def _remember_choice(response: Response) -> Response:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


def _page_words() -> dict[str, str]:
    """What every template may use: the page's language and the link to the other one."""
    if request.endpoint is None:  # an error page for a path no route has
        return {"lang": page_language(), "switch_url": f"{request.path}?lang=en"}
    lang = page_language()
    return {"lang": lang, "switch_url": switch_url(lang)}


def init_language(app: Flask) -> Babel:
    """Attach flask-babel with central's catalogue, the cookie, and `lang`/`switch_url` for
    every template (pages other modules add included)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel = Babel(
        app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS)
    )
    app.after_request(_remember_choice)
    app.context_processor(_page_words)
    return babel
