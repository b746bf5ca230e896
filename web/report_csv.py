"""CSV exports of the reports, for Excel and LibreOffice.

UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page and breaks
accented names), comma separated, decimal point, one header row per table. A file may hold
more than one table (summary, then elements, then profile), separated by an empty row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response

from appliance.reports.bookings import booking_table
from appliance.reports.tables import BOM, skm_csv, write_tables

__all__ = ["BOM", "csv_response", "operations_csv", "skm_csv"]

TIME_KEYS = (
    "wait_p50_minutes",
    "wait_p90_minutes",
    "handling_p50_minutes",
    "handling_p90_minutes",
)
COUNT_KEYS = ("issued", "served", "no_show", "expired", "cancelled", "waiting")


def csv_response(text: str, filename: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def operations_csv(report: Mapping[str, Any]) -> str:
    head: list[object] = ["Tingkat", "Kode", "Nama", *COUNT_KEYS, *TIME_KEYS]
    rows: list[list[object]] = [head]

    def add(level: str, code: str, name: str, figures: Mapping[str, Any]) -> None:
        rows.append([level, code, name, *(figures[k] for k in (*COUNT_KEYS, *TIME_KEYS))])

    scope = report.get("scope", {})
    add("total", scope.get("site", ""), scope.get("site_name", ""), report["totals"])
    for s in report.get("services", []):
        add("layanan", s["service"], s["service_name"], s)
    for c in report.get("counters", []):
        add("loket", c["counter"], c["counter_name"], c)
    for o in report.get("officers", []):
        add("petugas", "", o["officer"], o)
    hours: list[list[object]] = [["Jam", "Tiket diterbitkan"]]
    hours += [[f"{h['hour']:02d}:00", h["count"]] for h in report.get("arrivals_per_hour", [])]
    bookings = booking_table(report)  # SPEC §8: made, cancelled, checked in, no-shows
    return write_tables([rows, hours, *([bookings] if bookings else [])])
