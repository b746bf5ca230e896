"""The language of central's pages: Bahasa Indonesia first, English on request (issue 17 item 6).

The choice works as on the appliance (`web.kit.language`), with a cookie of central's own. The
words are flask-babel's gettext over central's own catalogue (`translations/`, see its README);
the page scripts get theirs in the page (`words.py`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel

from web.kit.language import DEFAULT_LANGUAGE, LanguageChoice, page_language, switch_url

COOKIE = "mpp_central_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
CHOICE = LanguageChoice(COOKIE, samesite="Lax")

__all__ = ["COOKIE", "TRANSLATIONS", "init_language", "page_language"]


def _page_words() -> dict[str, str]:
    """What every template may use: the page's language and the link to the other one."""
    lang = page_language()
    return {"lang": lang, "switch_url": switch_url(lang)}


def init_language(app: Flask) -> Babel:
    """Attach flask-babel with central's catalogue, the cookie, and `lang`/`switch_url` for
    every template (pages other modules add included)."""
    babel = CHOICE.attach(app, TRANSLATIONS, DEFAULT_LANGUAGE)
    app.context_processor(_page_words)
    return babel
