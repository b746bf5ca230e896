"""Reports for supervisors: daily operations, operations over a period, and the SKM.

The figures come from `appliance.reports.scope` (pure builders over plain dicts); this module
reads the query, and answers JSON, CSV (UTF-8 with BOM so Excel reads the accents) or the
printable PDF.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from appliance.reports.scope import Scope, UnknownUnit, build_operations_report, build_skm_report
from appliance.site import site_zone
from appliance.skm.arithmetic import SkmError
from appliance.storage.database import connected
from web.auth import require
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import CODE, query_date
from web.lean import tls_names_refuse
from web.report_csv import csv_response, operations_csv, skm_csv

bp = Blueprint("api_reports", __name__)


def report_scope(*, default_days: int | None = None) -> Scope:
    """`from`, `to`, `service`, `agency` from the query. Without dates: this month so far."""
    today = web().core.engine.current_day().date
    end = query_date("to") or today
    start = query_date("from")
    if start is None:
        start = end - timedelta(days=default_days - 1) if default_days else end.replace(day=1)
    codes: dict[str, str | None] = {}
    for name in ("service", "agency"):
        raw = request.args.get(name) or None
        if raw is not None and not CODE.match(raw):
            raise ApiError(400, "invalid_query", f"'{name}' bukan kode yang valid.")
        codes[name] = raw
    scope = Scope(start=start, end=end, service=codes["service"], agency=codes["agency"])
    try:
        scope.check()
    except SkmError as exc:
        raise ApiError(400, "invalid_period", str(exc)) from exc
    return scope


def _wants_csv() -> bool:
    wanted = request.args.get("format", "json")
    if wanted not in ("json", "csv"):
        raise ApiError(400, "invalid_query", "'format' harus json atau csv.")
    return wanted == "csv"


def skm_for(scope: Scope) -> dict[str, Any]:
    context = web()
    try:
        return build_skm_report(context.core.db, context.questionnaire, scope)
    except UnknownUnit as exc:
        raise ApiError(404, "unknown_unit", str(exc)) from exc


def operations_for(scope: Scope) -> dict[str, Any]:
    try:
        return build_operations_report(web().core.db, scope)
    except UnknownUnit as exc:
        raise ApiError(404, "unknown_unit", str(exc)) from exc


def generated_at() -> str:
    """Now on the site's wall clock, as printed under a report."""
    with connected(web().core.db):
        zone = site_zone(web().core.db)
    return web().core.clock.now().astimezone(zone).strftime("%d-%m-%Y %H:%M")


def _file_stem(prefix: str, scope: Scope) -> str:
    unit = scope.service or scope.agency or "mpp"
    return f"{prefix}-{unit}-{scope.start.isoformat()}-{scope.end.isoformat()}"


@bp.get("/api/v1/reports/daily")
@require("supervisor")
def daily() -> Response:
    """One business day (today by default): per service, plus totals, counters and officers."""
    day: date = query_date() or web().core.engine.current_day().date
    scope = Scope(start=day, end=day)
    report = operations_for(scope)
    if _wants_csv():
        return csv_response(operations_csv(report), f"operasional-{day.isoformat()}.csv")
    items = report["services"]
    return jsonify(
        {
            "date": day.isoformat(),
            "items": items,
            "total": len(items),
            "totals": report["totals"],
            "arrivals_per_hour": report["arrivals_per_hour"],
            "counters": report["counters"],
            "officers": report["officers"],
        }
    )


@bp.get("/api/v1/reports/operations")
@require("supervisor")
def operations() -> Response:
    scope = report_scope(default_days=1)
    report = operations_for(scope)
    if _wants_csv():
        return csv_response(operations_csv(report), _file_stem("operasional", scope) + ".csv")
    return jsonify(report)


@bp.get("/api/v1/reports/skm")
@require("supervisor")
def skm() -> Response:
    scope = report_scope()
    report = skm_for(scope)
    if _wants_csv():
        return csv_response(skm_csv(report), _file_stem("skm", scope) + ".csv")
    return jsonify(report)


@bp.get("/api/v1/reports/skm.pdf")
@require("supervisor")
def skm_pdf() -> Response:
    scope = report_scope()
    report = skm_for(scope)
    tls_names_refuse()  # fpdf2 names urllib's HTTPS classes; `mpp run` has no OpenSSL
    from appliance.skm.pdf import render_skm_pdf  # fpdf is heavy: load on first PDF

    body = render_skm_pdf(report, generated_at=generated_at())
    response = Response(body, mimetype="application/pdf")
    name = _file_stem("skm", scope) + ".pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
