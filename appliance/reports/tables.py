"""CSV text of the SKM report (pure, no web): shared by the appliance's and central's exports.

UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page and breaks
accented names), comma separated, decimal point, one header row per table. A file may hold
more than one table (summary, then elements, then profile), separated by an empty row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

BOM = "\ufeff"


def cell(value: object) -> object:
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


def write_tables(tables: Iterable[Sequence[Sequence[object]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, table in enumerate(tables):
        if i:
            writer.writerow([])
        writer.writerows([[cell(v) for v in row] for row in table])
    return BOM + out.getvalue()


def skm_csv(report: Mapping[str, Any]) -> str:
    return write_tables(skm_tables(report))


def skm_tables(report: Mapping[str, Any]) -> list[list[list[object]]]:
    """Summary, elements and profile tables of one SKM report (central appends its sites)."""
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
    return [summary, elements, profile]
