"""The SKM report on central, over one site or all of them (SPEC §6, issue 6 point 4).

Built with the appliance's own pure builder (`appliance.skm.report.skm_report`), so a site's report
on central has the very same figures and shape as on the appliance: the combined report is the
builder over every synced response of the sites in scope, with the population = their done
tickets; each site gets its own row from the same builder. The per-site endpoint is this function
with one site, so the two endpoints cannot disagree. Call inside a database connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from appliance.reports.tables import skm_tables, write_tables
from appliance.skm.questionnaire import Questionnaire
from appliance.skm.report import skm_report
from sync.central.reports import SkmScope, served_population, site_names, survey_responses
from sync.central.store import SiteRow

__all__ = ["SkmScope", "central_skm_csv", "central_skm_report"]

ALL_SITES = "Semua situs"
SITE_KEYS = (
    "respondents",
    "population",
    "minimum_sample",
    "sample_met",
    "nrr_mean",
    "ikm",
    "category",
)


def central_skm_report(
    scope: SkmScope, questionnaire: Questionnaire, default_zone: ZoneInfo
) -> dict[str, Any]:
    """The combined report (appliance shape) plus `sites` (one row each) and `invalid_responses`
    (stored answers that break the SKM rules: counted, never used, never a crash)."""
    if scope.site is not None:
        codes = [scope.site]
    else:
        codes = [code for (code,) in SiteRow.select(SiteRow.code).order_by(SiteRow.code).tuples()]
    everyone: list[dict[str, Any]] = []
    population = 0
    invalid = 0
    rows: list[dict[str, Any]] = []
    service_name = agency_name = None
    for code in codes:
        names = site_names(code, default_zone)
        responses, bad = survey_responses(code, scope)
        served = served_population(code, scope)
        own = skm_report(responses, served, questionnaire)
        row: dict[str, Any] = {"site": code, "name": _site_name(code, names.site_name)}
        row.update({key: own[key] for key in SITE_KEYS})
        row["invalid_responses"] = bad
        row["elements"] = [{"code": e["code"], "nrr": e["nrr"]} for e in own["elements"]]
        rows.append(row)
        everyone.extend(responses)
        population += served
        invalid += bad
        if scope.service and service_name is None:
            service_name = names.services.get(scope.service)
        if scope.agency and agency_name is None:
            agency_name = names.agencies.get(scope.agency)
    unit = {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "site": scope.site,
        "site_name": rows[0]["name"] if scope.site is not None and rows else ALL_SITES,
        "agency": scope.agency,
        "agency_name": (agency_name or scope.agency) if scope.agency else None,
        "service": scope.service,
        "service_name": (service_name or scope.service) if scope.service else None,
        "sites": codes,
    }
    report = skm_report(everyone, population, questionnaire, scope=unit)
    report["invalid_responses"] = invalid
    report["sites"] = rows
    return report


def _site_name(code: str, catalogue_name: str) -> str:
    row = SiteRow.get_or_none(SiteRow.code == code)
    return (row.name if row is not None and row.name else "") or catalogue_name or code


def central_skm_csv(report: Mapping[str, Any]) -> str:
    """The appliance's SKM CSV tables, then one row per site."""
    codes = [e["code"] for e in report.get("elements", [])]
    sites: list[list[object]] = [
        [
            "Situs",
            "Nama",
            "Responden",
            "Populasi",
            "Sampel minimum",
            "Sampel terpenuhi",
            "IKM",
            "Mutu",
            *(f"NRR {c}" for c in codes),
        ]
    ]
    for row in report.get("sites", []):
        category = row.get("category") or {}
        nrr = {e["code"]: e["nrr"] for e in row.get("elements", [])}
        sites.append(
            [
                row["site"],
                row["name"],
                row["respondents"],
                row["population"],
                row["minimum_sample"],
                "ya" if row["sample_met"] else "tidak",
                row["ikm"],
                category.get("letter", ""),
                *(nrr.get(c) for c in codes),
            ]
        )
    return write_tables([*skm_tables(report), sites])
