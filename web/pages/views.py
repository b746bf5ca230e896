"""Page views: each renders one shell template; the data arrives through the JSON API."""

from __future__ import annotations

import re

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext

from appliance.accounts import MIN_PASSWORD
from appliance.skm.surveys import SurveyState, survey_state
from web.api.reports import generated_at, report_scope, skm_for
from web.auth import principal
from web.context import web
from web.kit import pages
from web.kit.language import switch_url
from web.pages.strings import js_strings

# What a status token looks like (secrets.token_urlsafe): anything else is not worth a page.
STATUS_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
COUNTER_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

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
        switch_url=switch_url(lang),
        js_strings=js_strings(),
        **context,
    )


def root() -> Response:
    return redirect(url_for("pages.home"))  # type: ignore[return-value]


def home() -> str:
    return _page("home.html", "home")


def kiosk() -> str:
    """The touch kiosk. Idle, it goes back to `default_lang`, the site's own language, so the next
    citizen does not inherit the last one's English (the `?token=` was adopted on first load)."""
    default = str(current_app.config.get("BABEL_DEFAULT_LOCALE", "id"))
    return _page("kiosk.html", "kiosk", default_lang=default)


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


def survey(status_token: str) -> tuple[str, int] | str:
    """The SKM form of one done ticket (a citizen's phone, from the status page)."""
    state = SurveyState("unknown")
    if STATUS_TOKEN.match(status_token):
        state = survey_state(web().core.db, status_token)
    return _survey_page(
        state, status_token, mode="ticket"
    ), 404 if state.state == "unknown" else 200


def survey_counter() -> tuple[str, int] | str:
    """The counter tablet: `/survey?counter=L02` offers the survey of the ticket just finished
    there (the device needs a machine token for that counter, see web.api.surveys)."""
    counter = request.args.get("counter", "")
    if not COUNTER_CODE.match(counter):
        return _survey_page(SurveyState("no_counter"), "", mode="counter", counter=""), 400
    return _survey_page(SurveyState("waiting"), "", mode="counter", counter=counter)


def _survey_page(state: SurveyState, token: str, *, mode: str, counter: str = "") -> str:
    return _page(
        "survey.html",
        "survey",
        state=state,
        status_token=token if state.state == "open" else "",
        mode=mode,
        counter=counter,
        q=web().questionnaire,
        tr=gettext,
    )


def login() -> str:
    return _page("login.html", "login", next_path=next_path())


def admin() -> str:
    # The password rule is the server's own, so the form never promises something it refuses.
    return _page("admin.html", "admin", min_password=MIN_PASSWORD)


def admin_skm_report() -> Response | tuple[str, int] | str:
    """The printable SKM report, rendered on the server so printing needs no script.

    Same query as `GET /api/v1/reports/skm`; only for supervisors (a logged-out browser goes
    to the login page and comes back here).
    """
    who = principal()
    if who is None:
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    if not who.at_least("supervisor"):
        return _page("skm_report.html", "skm-report", report=None, forbidden=True), 403
    report = skm_for(report_scope())
    return _page(
        "skm_report.html",
        "skm-report",
        report=report,
        forbidden=False,
        query=request.query_string.decode("ascii", "replace"),
        generated_at=generated_at(),
        tr=gettext,
    )


# HTML pages: local-only policy and no caching of shells that carry a CSRF-free state.
page_headers = pages.page_headers(CONTENT_SECURITY_POLICY)


def next_path() -> str:
    """Where `/login` sends the user back to: only a path on this appliance."""
    target = request.args.get("next", "")
    if pages.is_local_path(target):
        return target
    return url_for("pages.home")
