"""CSV exports of the reports, for Excel and LibreOffice.

UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page and breaks
accented names), comma separated, decimal point, one header row per table. A file may hold
more than one table (summary, then elements, then profile), separated by an empty row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Response

BOM = "\ufeff"
TIME_KEYS = (
    "wait_p50_minutes",
    "wait_p90_minutes",
    "handling_p50_minutes",
    "handling_p90_minutes",
)
COUNT_KEYS = ("issued", "served", "no_show", "expired", "cancelled", "waiting")


def _cell(value: object) -> object:
    if value is None:
        return ""
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@") and not _number(text):
        return "'" + text
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _write(tables: Iterable[Sequence[Sequence[object]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, table in enumerate(tables):
        if i:
            writer.writerow([])
        writer.writerows([[_cell(v) for v in row] for row in table])
    return BOM + out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def skm_csv(report: Mapping[str, Any]) -> str:
    scope = report.get("scope", {})
    category = report.get("category") or {}
    summary: list[list[object]] = [
        ["Laporan", "Survei Kepuasan Masyarakat"],
        ["Periode", f"{scope.get('from', '')} s.d. {scope.get('to', '')}"],
        ["Lokasi", scope.get("site_name", "")],
        ["Instansi", scope.get("agency_name") or "Semua"],
        ["Layanan", scope.get("service_name") or "Semua"],
        ["Responden", report.get("respondents", 0)],
        ["Populasi", report.get("population", 0)],
        ["Sampel minimum", report.get("minimum_sample", 0)],
        ["Sampel terpenuhi", "ya" if report.get("sample_met") else "tidak"],
        ["Rata-rata NRR", report.get("nrr_mean")],
        ["IKM", report.get("ikm")],
        ["Mutu", category.get("letter", "")],
        ["Kinerja", category.get("label", "")],
    ]
    head: list[object] = ["Kode", "Unsur", "Responden", "Jumlah nilai", "NRR", "NRR tertimbang"]
    elements: list[list[object]] = [[*head, "Konversi", *(f"Nilai {s}" for s in (1, 2, 3, 4))]]
    for e in report.get("elements", []):
        elements.append(
            [e["code"], e["name"], e["respondents"], e["total"], e["nrr"], e["weighted_nrr"]]
            + [e["ikm"]]
            + [e["distribution"][str(s)] for s in (1, 2, 3, 4)]
        )
    profile: list[list[object]] = [["Profil", "Pilihan", "Jumlah"]]
    for field in report.get("profile", []):
        for option in field["options"]:
            profile.append([field["label"], option["label"], option["count"]])
        profile.append([field["label"], "(tidak diisi)", field["not_answered"]])
    return _write([summary, elements, profile])


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
    return _write([rows, hours])
