"""Central's pages: the staff dashboard, its login, and the citizens' status page of a synced
ticket. Server-rendered, Indonesian first and English on request (`language`, `words`), every
asset local (the Content-Security-Policy makes the browser enforce it), no inline script."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from sync.central import reports
from sync.central.brokerlink import link_state
from sync.central.http import formats
from sync.central.http.api import SKM_DEFAULT_DAYS, STATUS_TOKEN
from sync.central.http.auth import session_user
from sync.central.http.base import central
from sync.central.http.language import page_language
from sync.central.http.words import printer_labels, script_words, site_states, ticket_states
from sync.protocol import SITE_RE
from web.kit.pages import is_local_path, page_headers

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
POLL_MS = 12_000
FINAL_STATES = ("done", "no_show", "cancelled", "expired")

bp = Blueprint(
    "central_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


bp.after_app_request(page_headers(CONTENT_SECURITY_POLICY))


def _language() -> str:
    """The page's language, asked once per request: the dashboard's filters run about ten
    times per site, and flask-babel's lookup was a fifth of the page's time at 500 sites."""
    lang = g.get("central_page_language")
    if lang is None:
        lang = g.central_page_language = page_language()
    return str(lang)


@bp.app_template_filter("local_time")
def _local_time(stamp: str | None, zone: str | None) -> str:
    return formats.local_time(stamp, zone, _language())


@bp.app_template_filter("number")
def _number(value: float | int | None) -> str:
    return formats.number(value, _language())


@bp.get("/")
def root() -> Response:
    return redirect(url_for("central_pages.dashboard"))  # type: ignore[return-value]


@bp.get("/dashboard")
def dashboard() -> Response | str:
    who = session_user()
    if who is None:
        return redirect(url_for("central_pages.login", next="/dashboard"))  # type: ignore[return-value]
    context = central()
    now = context.settings.now()
    today = now.astimezone(context.zone).date()
    link = link_state()
    return render_template(
        "dashboard.html",
        skm_from=(today - timedelta(days=SKM_DEFAULT_DAYS - 1)).isoformat(),
        skm_to=today.isoformat(),
        page="dashboard",
        sites=context.summaries.site_summaries(context.zone, now, link),
        broker=link,
        username=who.name,
        role=who.role,
        csrf_token=session.get("csrf", ""),
        poll_ms=POLL_MS,
        site_states=site_states(),
        central_zone=context.zone.key,
        printer_labels=printer_labels(),
        words=script_words(),
    )


@bp.get("/login")
def login() -> str:
    target = request.args.get("next", "")
    if not is_local_path(target):
        target = url_for("central_pages.dashboard")
    return render_template("login.html", page="login", next_path=target, words=script_words())


@bp.get("/t/<site>/<status_token>")
def status(site: str, status_token: str) -> tuple[str, int] | str:
    ticket = None
    if SITE_RE.fullmatch(site) and STATUS_TOKEN.fullmatch(status_token):
        ticket = reports.track(site, status_token, central().zone)
    if ticket is None:
        return render_template("status.html", page="status", ticket=None), 404
    zone = ZoneInfo(ticket["timezone"])
    return render_template(
        "status.html",
        page="status",
        ticket=ticket,
        state_label=ticket_states().get(ticket["state"], ticket["state"]),
        refresh=ticket["state"] not in FINAL_STATES,
        issued_time=_clock(ticket["issued_at"], zone),
        synced_time=_clock(ticket["synced_at"], zone, with_date=True),
    )


def _clock(stamp: str | None, zone: ZoneInfo, *, with_date: bool = False) -> str:
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp).astimezone(zone)
    except ValueError:
        return ""
    return moment.strftime("%d/%m/%Y %H:%M" if with_date else "%H:%M")
