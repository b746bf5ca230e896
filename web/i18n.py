"""Language of the appliance's pages: Bahasa Indonesia first, English on request
(`web.kit.language`, shared with central; the appliance's cookie is `mpp_lang`).

JS strings come from the same catalogues (see `web.pages.strings`), so one `.po` file holds every
word a citizen or officer reads.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel

from appliance.site import DEFAULT_ZONE
from web.kit.language import DEFAULT_LANGUAGE, LanguageChoice

COOKIE = "mpp_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
CHOICE = LanguageChoice(COOKIE)


def init_i18n(app: Flask, *, default_language: str = DEFAULT_LANGUAGE) -> Babel:
    """Attach flask-babel to `app` with our catalogues and the cookie that keeps the choice."""
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE)
    return CHOICE.attach(app, TRANSLATIONS, default_language)
