"""What goes on the paper (pure): the ticket, the refusal notice and the printer test page.

The layout is a list of styled lines, separate from how it is sent: the ESC/POS driver turns the
lines into printer commands, the file driver into a text file a person can open. Everything is
plain ASCII because thermal printers garble other characters through their code pages
(PITFALLS.md); names from the catalogue are folded to ASCII here.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from appliance.queue.tickets import TicketInfo

LineKind = Literal["text", "number", "qr", "rule", "feed"]
Align = Literal["left", "center"]

# Characters per line in the printer's standard font A (12 x 24 dots).
COLUMNS_BY_PAPER_MM = {58: 32, 80: 48}
MAX_SCALE = 6  # the number's magnification; ESC/POS allows 8, 6 keeps "AB-123" on 58 mm paper

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
PRIORITY_LABELS = {
    "lansia": "Lansia",
    "disabilitas": "Penyandang Disabilitas",
    "ibu_hamil": "Ibu Hamil",
    "anak": "Anak",
    "korban_bencana": "Korban Bencana",
}
# Typographic characters with an obvious ASCII stand-in (NFKD does not decompose these).
_ASCII_STANDINS = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2022": "*",
        "\u2026": "...",
        "\u00a0": " ",
        "\u00b1": "+/-",
    }
)


@dataclass(frozen=True)
class Line:
    kind: LineKind
    text: str = ""
    align: Align = "left"
    bold: bool = False
    scale: int = 1  # width and height multiplier (1 = normal; the number uses up to MAX_SCALE)


@dataclass(frozen=True)
class Receipt:
    """A laid-out receipt: `name` is a file-safe label, `columns` the normal-size line width."""

    name: str
    columns: int
    lines: tuple[Line, ...]

    def text(self) -> str:
        """The receipt as plain text, as a person would read the paper."""
        out: list[str] = []
        for line in self.lines:
            if line.kind == "rule":
                out.append("-" * self.columns)
            elif line.kind == "feed":
                out.append("")
            elif line.kind == "qr":
                out.append(_place(f"[QR] {line.text}", self.columns, line.align))
            elif line.kind == "number":
                spaced = " ".join(line.text) if line.scale > 1 else line.text
                out.append(_place(spaced, self.columns, line.align))
            else:
                out.append(_place(line.text, self.columns, line.align))
        return "\n".join(out) + "\n"

    def qr_payload(self) -> str | None:
        return next((line.text for line in self.lines if line.kind == "qr"), None)


@dataclass(frozen=True, slots=True)
class TicketSlip:
    """Everything the ticket shows, already resolved to text and numbers (slotted: a print job
    waiting in a burst holds one)."""

    site_name: str
    number: str
    service_name: str
    agency_name: str
    issued_at: datetime  # aware, in the site's zone
    people_ahead: int | None
    estimated_wait_minutes: int | None
    priority: bool
    priority_reason: str | None
    status_url: str
    footer: str
    reprint: bool = False
    booking_slot: str | None = None  # "HH:MM-HH:MM" for a booked citizen's ticket (SPEC §8)


def columns_for(paper_width_mm: int) -> int:
    return COLUMNS_BY_PAPER_MM.get(paper_width_mm, COLUMNS_BY_PAPER_MM[80])


def ascii_safe(text: str) -> str:
    """Fold to printable ASCII: accents dropped, typographic marks replaced, the rest removed."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_STANDINS))
    kept = "".join(c for c in folded if c.isascii() and (c.isprintable() or c == "\n"))
    return " ".join(kept.split(" ")).strip()


def status_url(public_url: str, status_token: str) -> str:
    """The citizen's status page, encoded in the ticket's QR code."""
    return public_url.rstrip("/") + "/t/" + status_token


def indonesian_datetime(moment: datetime) -> str:
    """`Rabu, 12 Maret 2025 09:05 WIB`."""
    zone = moment.tzname() or ""
    day = DAYS[moment.weekday()]
    text = f"{day}, {moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"
    return f"{text} {zone}".strip()


def slip_from_ticket(
    ticket: TicketInfo, *, site_name: str, public_url: str, footer: str, reprint: bool = False
) -> TicketSlip:
    return TicketSlip(
        site_name=site_name,
        number=ticket.number,
        service_name=ticket.service_name,
        agency_name=ticket.agency_name,
        issued_at=ticket.issued_at,
        people_ahead=ticket.people_ahead,
        estimated_wait_minutes=ticket.estimated_wait_minutes,
        priority=ticket.priority,
        priority_reason=ticket.priority_reason,
        status_url=status_url(public_url, ticket.status_token),
        footer=footer,
        reprint=reprint,
        booking_slot=(ticket.booking_slot or "") if ticket.source == "booking" else None,
    )


def ticket_receipt(slip: TicketSlip, columns: int) -> Receipt:
    """The ticket: who, what, the number in very large type, place in line, QR, footer."""
    lines: list[Line] = [*_header(slip.site_name, columns)]
    lines += _wrapped(slip.service_name, columns // 2, bold=True, scale=2)
    lines += _wrapped(slip.agency_name, columns)
    lines.append(Line("feed"))
    lines.append(Line("text", "NOMOR ANTREAN", "center"))
    number = ascii_safe(slip.number)
    scale = max(1, min(MAX_SCALE, columns // max(len(number), 1)))
    lines.append(Line("number", number, "center", bold=True, scale=scale))
    if slip.priority:
        label = PRIORITY_LABELS.get(slip.priority_reason or "", slip.priority_reason or "")
        lines += _wrapped(f"*** PRIORITAS: {label} ***", columns, bold=True)
    if slip.booking_slot is not None:
        slot = f" {slip.booking_slot}" if slip.booking_slot else ""
        lines += _wrapped(f"*** BOOKING{slot} ***", columns, bold=True)
    lines.append(Line("feed"))
    lines += _wrapped(indonesian_datetime(slip.issued_at), columns)
    if slip.people_ahead is not None:
        lines += _wrapped(f"Antrean di depan Anda: {slip.people_ahead} orang", columns)
    if slip.estimated_wait_minutes is not None:
        wait = _wait_text(slip.estimated_wait_minutes)
        lines += _wrapped(f"Perkiraan tunggu: {wait}", columns)
    lines.append(Line("feed"))
    lines += _wrapped("Pindai untuk memantau antrean:", columns)
    lines.append(Line("qr", slip.status_url, "center"))
    if slip.reprint:
        lines.append(Line("text", "(CETAK ULANG)", "center"))
    lines += _footer(slip.footer, columns)
    name = f"{slip.issued_at:%Y%m%d}-{number}" + ("-ulang" if slip.reprint else "")
    return Receipt(name=name, columns=columns, lines=tuple(lines))


def notice_receipt(
    site_name: str, title: str, message: str, at: datetime, columns: int, footer: str
) -> Receipt:
    """A slip for a press that got no ticket (closed, quota reached): the citizen reads why."""
    lines: list[Line] = [*_header(site_name, columns)]
    lines += _wrapped(title, columns // 2, bold=True, scale=2)
    lines.append(Line("feed"))
    lines += _wrapped(message, columns)
    lines.append(Line("feed"))
    lines.append(Line("text", indonesian_datetime(at), "center"))
    lines += _footer(footer, columns)
    return Receipt(name=f"{at:%Y%m%d-%H%M%S}-pemberitahuan", columns=columns, lines=tuple(lines))


def printer_test_receipt(
    site_name: str, driver: str, at: datetime, columns: int, url: str
) -> Receipt:
    """`mpp printer test`: the width ruler, the large type and the QR code, checked by eye."""
    lines: list[Line] = [*_header(site_name, columns)]
    lines.append(Line("text", "TES PRINTER", "center", bold=True, scale=2))
    lines.append(Line("text", f"Driver: {driver}, {columns} kolom", "center"))
    lines.append(Line("text", indonesian_datetime(at), "center"))
    lines.append(Line("text", ("0123456789" * ((columns + 9) // 10))[:columns]))
    lines.append(Line("number", "A-123", "center", bold=True, scale=min(MAX_SCALE, columns // 5)))
    lines.append(Line("qr", url, "center"))
    lines.append(Line("text", "Jika semua terbaca, printer siap.", "center"))
    lines.append(Line("rule"))
    return Receipt(name=f"{at:%Y%m%d-%H%M%S}-tes", columns=columns, lines=tuple(lines))


def _header(site_name: str, columns: int) -> list[Line]:
    return [*_wrapped(site_name, columns, bold=True), Line("rule")]


def _footer(footer: str, columns: int) -> list[Line]:
    if not footer.strip():
        return []
    return [Line("rule"), *_wrapped(footer, columns)]


def _wrapped(text: str, width: int, *, bold: bool = False, scale: int = 1) -> list[Line]:
    """Centred lines no wider than `width` characters at the given scale."""
    parts = textwrap.wrap(ascii_safe(text), max(width, 1)) or [""]
    return [Line("text", part, "center", bold=bold, scale=scale) for part in parts]


def _wait_text(minutes: int) -> str:
    if minutes < 1:
        return "kurang dari 1 menit"
    if minutes < 60:
        return f"+/- {minutes} menit"
    hours, rest = divmod(minutes, 60)
    return f"+/- {hours} jam {rest} menit" if rest else f"+/- {hours} jam"


def _place(text: str, width: int, align: Align) -> str:
    return text.center(width).rstrip() if align == "center" else text
