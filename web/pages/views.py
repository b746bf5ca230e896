"""Page views: each renders one shell template; the data arrives through the JSON API."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale

from web.pages.strings import js_strings

# What a status token looks like (secrets.token_urlsafe): anything else is not worth a page.
STATUS_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

# Pages load nothing from outside the appliance: the LAN has no internet, and a stray CDN link
# would hang a kiosk. The policy makes the browser enforce it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _page(template: str, page: str, **context: object) -> str:
    lang = str(get_locale() or "id")
    return render_template(
        template,
        page=page,
        lang=lang,
        switch_url=_language_switch(lang),
        js_strings=js_strings(),
        **context,
    )


def _language_switch(lang: str) -> str:
    """The same page in the other language, keeping its path and query (e.g. `?next=`)."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    values["lang"] = "id" if lang == "en" else "en"
    return url_for(str(request.endpoint), **values)


def root() -> Response:
    return redirect(url_for("pages.home"))  # type: ignore[return-value]


def home() -> str:
    return _page("home.html", "home")


def kiosk() -> str:
    return _page("kiosk.html", "kiosk")


def counter() -> str:
    return _page("counter.html", "counter")


def desk() -> str:
    return _page("desk.html", "desk")


def display() -> str:
    return _page("display.html", "display")


def status(status_token: str) -> tuple[str, int] | str:
    if not STATUS_TOKEN.match(status_token):
        return _page("status.html", "status", status_token="", unknown=True), 404
    return _page("status.html", "status", status_token=status_token, unknown=False)


def login() -> str:
    return _page("login.html", "login", next_path=next_path())


def admin() -> str:
    return _page("admin.html", "admin")


def page_headers(response: Response) -> Response:
    """HTML pages: local-only policy and no caching of shells that carry a CSRF-free state."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def next_path() -> str:
    """Where `/login` sends the user back to: only a path on this appliance."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.home")
