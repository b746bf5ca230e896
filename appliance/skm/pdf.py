"""The printable SKM report as PDF, from the dict `skm_report` builds (fpdf2, no I/O).

Laid out the way an MPP publishes its SKM result (Permenpan RB 14/2017, Bab IV): unit and
period, respondents against the minimum sample, the NRR table per element, IKM with its
category, the respondent profile, and space for the follow-up plan (rencana tindak lanjut)
signed by the head of the unit. Helvetica (a PDF core font) keeps the file small and needs no
font file on the box; text is folded to Latin-1, which covers Indonesian.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FOLD = {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def latin1(text: object) -> str:
    """Text the core font can draw: typographic marks folded, accents dropped, rest '?'."""
    out = []
    for ch in str(text):
        ch = FOLD.get(ch, ch)
        try:
            ch.encode("latin-1")
        except UnicodeEncodeError:
            ch = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?"
        out.append(ch)
    return "".join(out)


def comma(value: str | None) -> str:
    """A decimal figure written the Indonesian way (88,31); '-' for none."""
    return "-" if value is None else value.replace(".", ",")


def long_date(iso: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def unit_name(scope: Mapping[str, Any]) -> str:
    """The unit the report is about, most specific first."""
    if scope.get("service_name"):
        return f"{scope['service_name']} ({scope.get('agency_name') or scope.get('agency')})"
    if scope.get("agency_name"):
        return str(scope["agency_name"])
    return str(scope.get("site_name") or scope.get("site") or "Mal Pelayanan Publik")


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, latin1(f"Halaman {self.page_no()}/{{nb}}"), align="C")


def render_skm_pdf(report: Mapping[str, Any], *, generated_at: str = "") -> bytes:
    """The PDF bytes of one SKM report (A4 portrait)."""
    scope = report.get("scope", {})
    pdf = _Report(orientation="P", unit="mm", format="A4")
    pdf.set_title(latin1("Laporan Survei Kepuasan Masyarakat"))
    pdf.set_creator("MPP queue appliance")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 12, 18)
    pdf.add_page()

    def text(
        line: object, size: float = 10, style: str = "", align: str = "L", h: float = 5.5
    ) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, h, latin1(line), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    text("LAPORAN HASIL SURVEI KEPUASAN MASYARAKAT (SKM)", 14, "B", "C", 7)
    text(unit_name(scope), 12, "B", "C", 6)
    if scope.get("site_name") and unit_name(scope) != scope.get("site_name"):
        text(scope["site_name"], 10, "", "C")
    period = f"{long_date(scope['from'])} s.d. {long_date(scope['to'])}" if scope else ""
    text(f"Periode survei: {period}", 10, "", "C")
    pdf.ln(2)

    category = report.get("category")
    facts: Sequence[tuple[str, str]] = (
        ("Jumlah responden", str(report.get("respondents", 0))),
        ("Populasi (layanan selesai)", str(report.get("population", 0))),
        (
            "Sampel minimum (Krejcie-Morgan)",
            f"{report.get('minimum_sample', 0)} - "
            + ("terpenuhi" if report.get("sample_met") else "BELUM terpenuhi"),
        ),
        ("Dasar", str(report.get("regulation", "Permenpan RB 14/2017"))),
    )
    for label, value in facts:
        pdf.set_font("Helvetica", size=10)
        pdf.cell(70, 5.5, latin1(label))
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(0, 5.5, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    text("Nilai per unsur pelayanan", 11, "B")
    widths = (12, 72, 22, 22, 22, 24)
    heads = ("No", "Unsur pelayanan", "Responden", "NRR", "NRR x 1/9", "Konversi")
    pdf.set_font("Helvetica", style="B", size=9)
    pdf.set_fill_color(225, 235, 242)
    for w, head in zip(widths, heads, strict=True):
        pdf.cell(w, 7, head, border=1, align="C", fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for i, e in enumerate(report.get("elements", []), start=1):
        cells = (
            f"{i}",
            f"{e['code']} {e['name']}",
            str(e["respondents"]),
            comma(e["nrr"]),
            comma(e["weighted_nrr"]),
            comma(e["ikm"]),
        )
        for w, value, align in zip(widths, cells, "CLRRRR", strict=True):
            pdf.cell(w, 6, latin1(value)[:48], border=1, align=align)
        pdf.ln()
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(sum(widths[:3]), 7, "Rata-rata NRR", border=1)
    pdf.cell(sum(widths[3:]), 7, comma(report.get("nrr_mean")), border=1, align="R")
    pdf.ln()
    pdf.cell(sum(widths[:3]), 8, "Indeks Kepuasan Masyarakat (IKM)", border=1, fill=True)
    pdf.cell(sum(widths[3:]), 8, comma(report.get("ikm")), border=1, align="R", fill=True)
    pdf.ln()
    label = f"{category['letter']} ({category['label']})" if category else "- (belum ada responden)"
    pdf.cell(sum(widths[:3]), 8, "Mutu pelayanan", border=1)
    pdf.cell(sum(widths[3:]), 8, latin1(label), border=1, align="R")
    pdf.ln(9)
    text(
        "IKM = 25 x rata-rata NRR seluruh unsur (bobot tiap unsur tepat 1/9), dibulatkan dua "
        "desimal. Kategori: A 88,31-100 Sangat Baik; B 76,61-88,30 Baik; C 65,00-76,60 "
        "Kurang Baik; D 25,00-64,99 Tidak Baik.",
        8,
        h=3.6,
    )
    pdf.ln(2)

    profile = report.get("profile", [])
    if profile and report.get("respondents"):
        text("Profil responden", 11, "B")
        for field in profile:
            parts = [f"{o['label']} {o['count']}" for o in field["options"] if o["count"]]
            if field["not_answered"]:
                parts.append(f"tidak diisi {field['not_answered']}")
            pdf.set_font("Helvetica", style="B", size=9)
            pdf.cell(42, 4.5, latin1(field["label"]))
            pdf.set_font("Helvetica", size=9)
            pdf.multi_cell(
                0, 4.5, latin1("; ".join(parts) or "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        pdf.ln(2)

    text("Rencana tindak lanjut", 11, "B")
    pdf.set_font("Helvetica", style="B", size=9)
    plan_widths = (10, 60, 50, 28, 26)
    for w, head in zip(
        plan_widths, ("No", "Unsur / masalah", "Rencana", "Waktu", "PJ"), strict=True
    ):
        pdf.cell(w, 7, head, border=1, align="C", fill=True)
    pdf.ln()
    for n in range(1, 4):
        for w, value in zip(plan_widths, (str(n), "", "", "", ""), strict=True):
            pdf.cell(w, 8, value, border=1, align="C")
        pdf.ln()
    pdf.ln(4)
    place = latin1(scope.get("site_name") or "")
    pdf.set_font("Helvetica", size=10)
    pdf.set_x(120)
    pdf.multi_cell(
        0,
        4.5,
        f"{place}, ....................\nKepala Unit Pelayanan\n\n\n(........................)",
    )
    if generated_at:
        pdf.ln(2)
        text(f"Dibuat oleh aplikasi antrean MPP pada {generated_at}.", 7)
    return bytes(pdf.output())
