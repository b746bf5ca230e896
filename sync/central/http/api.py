"""Central's JSON API under /api/v1/central (SPEC §6 "Central HTTP").

Reads come from the projections (`sync.central.reports`); the one write, a catalogue push,
records the version and an `outgoing` row in one transaction and answers 202: the publisher
thread sends it retained on `down/config` as soon as the broker takes it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, request

from appliance.skm.pdf import render_skm_pdf
from sync.central import reports
from sync.central.brokerlink import link_state
from sync.central.catalogue import PushRefused, push_catalogue
from sync.central.http.auth import require
from sync.central.http.base import central
from sync.central.skm import SkmScope, central_skm_csv, central_skm_report
from sync.central.store import CatalogueRow, OutgoingRow, SiteRow
from sync.protocol import SITE_RE
from web.kit.errors import ApiError
from web.kit.inputs import json_body, query_date, query_text

# What a status token looks like (secrets.token_urlsafe): anything else is not worth a lookup.
STATUS_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_REPORT_DAYS = 400
SKM_DEFAULT_DAYS = 30

bp = Blueprint("central_api", __name__)


def known_site(site: str) -> SiteRow:
    row = SiteRow.get_or_none(SiteRow.code == site) if SITE_RE.fullmatch(site) else None
    if row is None:
        raise ApiError(404, "unknown_site", f"Situs {site[:64]} belum pernah mengirim data.")
    found: SiteRow = row
    return found


def site_today(site: str) -> date:
    context = central()
    return reports.site_today(reports.site_names(site, context.zone), context.settings.now())


@bp.get("/healthz")
def healthz() -> Response:
    central().db.execute_sql("SELECT 1")
    return jsonify({"ok": True})


@bp.get("/api/v1/central/sites")
@require("supervisor")
def list_sites() -> Response:
    context = central()
    now = context.settings.now()
    link = link_state()
    items = context.summaries.site_summaries(context.zone, now, link)
    return jsonify({"items": items, "total": len(items), "now": now.isoformat(), "broker": link})


@bp.get("/api/v1/central/sites/<site>")
@require("supervisor")
def get_site(site: str) -> Response:
    context = central()
    row = known_site(site)
    return jsonify(reports.site_summary(row, context.zone, context.settings.now(), link_state()))


@bp.get("/api/v1/central/sites/<site>/tickets")
@require("supervisor")
def site_tickets(site: str) -> Response:
    row = known_site(site)
    day = query_date("date") or site_today(row.code)
    items = reports.day_tickets(row.code, day)
    return jsonify({"items": items, "total": len(items), "date": day.isoformat()})


@bp.get("/api/v1/central/sites/<site>/reports/skm")
@require("supervisor")
def site_skm(site: str) -> Response:
    """One site's SKM: the same report as `/reports/skm?site=` (one code path)."""
    return _skm_answer(skm_scope(known_site(site).code))


@bp.get("/api/v1/central/reports/skm")
@require("supervisor")
def skm() -> Response:
    """SKM over every site (or `?site=`): combined figures plus one row per site."""
    return _skm_answer(skm_scope(_site_query()))


@bp.get("/api/v1/central/reports/skm.pdf")
@require("supervisor")
def skm_pdf() -> Response:
    scope = skm_scope(_site_query())
    report = _skm_report(scope)
    zone = _zone_of(scope.site)
    printed = central().settings.now().astimezone(zone).strftime("%d-%m-%Y %H:%M")
    response = Response(render_skm_pdf(report, generated_at=printed), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{_file_stem(scope)}.pdf"'
    return response


def _site_query() -> str | None:
    site = query_text("site")
    return None if site is None else known_site(site).code


def _zone_of(site: str | None) -> ZoneInfo:
    context = central()
    return context.zone if site is None else reports.site_names(site, context.zone).zone


def skm_scope(site: str | None) -> SkmScope:
    """Period and unit from the query; without dates the last 30 days up to today (the site's
    today, or central's for all sites)."""
    today = central().settings.now().astimezone(_zone_of(site)).date()
    end = query_date("to") or today
    start = query_date("from") or (
        end - timedelta(days=SKM_DEFAULT_DAYS - 1) if end.toordinal() > SKM_DEFAULT_DAYS else end
    )
    if start > end:
        raise ApiError(400, "invalid_period", "'from' harus sebelum atau sama dengan 'to'.")
    if (end - start).days >= MAX_REPORT_DAYS:
        raise ApiError(400, "invalid_period", f"Periode paling panjang {MAX_REPORT_DAYS} hari.")
    return SkmScope(start, end, site, query_text("service"), query_text("agency"))


def _skm_report(scope: SkmScope) -> dict[str, Any]:
    context = central()
    return central_skm_report(scope, context.questionnaire, context.zone)


def _skm_answer(scope: SkmScope) -> Response:
    wanted = request.args.get("format", "json")
    if wanted not in ("json", "csv"):
        raise ApiError(400, "invalid_query", "'format' harus json atau csv.")
    report = _skm_report(scope)
    if wanted == "json":
        return jsonify(report)
    response = Response(central_skm_csv(report).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_stem(scope)}.csv"'
    return response


def _file_stem(scope: SkmScope) -> str:
    unit = scope.service or scope.agency or scope.site or "semua-situs"
    return f"skm-{unit}-{scope.start.isoformat()}-{scope.end.isoformat()}"


@bp.get("/api/v1/central/sites/<site>/catalogue")
@require("supervisor")
def catalogue_versions(site: str) -> Response:
    if not SITE_RE.fullmatch(site):
        raise ApiError(404, "unknown_site", "Kode situs tidak valid.")
    published = {
        int(o.version): o.published_at
        for o in OutgoingRow.select(OutgoingRow.version, OutgoingRow.published_at).where(
            (OutgoingRow.site == site) & OutgoingRow.version.is_null(False)
        )
    }
    items: list[dict[str, Any]] = [
        {
            "version": c.version,
            "pushed_at": c.pushed_at,
            "published_at": published.get(int(c.version)),
            "applied_at": c.applied_at,
        }
        for c in CatalogueRow.select(
            CatalogueRow.version, CatalogueRow.pushed_at, CatalogueRow.applied_at
        )
        .where(CatalogueRow.site == site)
        .order_by(CatalogueRow.version.desc())
    ]
    return jsonify({"items": items, "total": len(items)})


@bp.put("/api/v1/central/sites/<site>/catalogue")
@require("admin")
def put_catalogue(site: str) -> tuple[Response, int]:
    if not SITE_RE.fullmatch(site):
        raise ApiError(400, "invalid_site", "Kode situs tidak valid.")
    document = json_body()
    try:
        push = push_catalogue(central().db, site, document)
    except PushRefused as exc:
        raise ApiError(
            exc.status, exc.code, exc.message, details=list(exc.problems) or None
        ) from None
    body = {"site": push.site, "version": push.version, "state": "queued"}
    return jsonify(body), 202


@bp.get("/api/v1/central/track/<site>/<status_token>")
def track(site: str, status_token: str) -> Response:
    found = None
    if SITE_RE.fullmatch(site) and STATUS_TOKEN.fullmatch(status_token):
        found = reports.track(site, status_token, central().zone)
    if found is None:
        raise ApiError(404, "ticket_not_found", "Tiket tidak ditemukan.")
    return jsonify(found)
