"""The development printer: each receipt becomes a text file (and a picture) a person can open.

Used by `mpp demo`, in development and in tests instead of paper. Files are written to a temporary
name and renamed, so a reader never sees half a receipt. A folder that cannot be written is an
offline printer, with the same story for staff as an unplugged one.

The picture is an SVG (`svg = true`, what development uses): text and the real QR code drawn as
vector shapes, opened by any browser, written with qrcode's matrix and string formatting. A PNG
(`png = true`) needs Pillow with FreeType and zlib in the server: about 10 MB more resident
memory and 21 ms of CPU per receipt, which pushes `mpp run` past B5's 60 MB (docs/performance.md);
the SVG costs under 1 MB and about 3.5 ms (nearly all of it qrcode computing the matrix).
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from appliance.deferred import load_deferred
from appliance.hardware.ports import OFFLINE, PrinterFault
from appliance.hardware.receipt import Receipt
from appliance.qr import qr_matrix, svg_path

DOTS_PER_COLUMN = 12  # font A is 12 dots wide: 48 columns = 576 dots on 80 mm paper
LINE_DOTS = 30


class FilePrinter:
    driver = "file"

    def __init__(
        self, folder: str | os.PathLike[str], *, png: bool = False, svg: bool = False
    ) -> None:
        self.folder = Path(folder)
        self.png = png
        self.svg = svg

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterFault(OFFLINE, f"file: cannot create {self.folder}: {exc}") from exc

    def check(self) -> None:
        if not (self.folder.is_dir() and os.access(self.folder, os.W_OK)):
            raise PrinterFault(OFFLINE, f"file: {self.folder} is not a writable folder")

    def print_receipt(self, receipt: Receipt) -> None:
        stem = self._free_stem(receipt.name)
        try:
            _write_atomically(self.folder / f"{stem}.txt", receipt.text().encode("ascii"))
            if self.svg:
                _write_atomically(self.folder / f"{stem}.svg", render_svg(receipt))
            if self.png:
                _write_atomically(self.folder / f"{stem}.png", render_png(receipt))
        except OSError as exc:
            raise PrinterFault(OFFLINE, f"file: cannot write {stem}: {exc}") from exc

    def close(self) -> None:
        pass

    def _free_stem(self, name: str) -> str:
        """`20250312-A-001`, or `20250312-A-001.2` when a reprint would overwrite it."""
        stem, copy = name, 1
        while (self.folder / f"{stem}.txt").exists():
            copy += 1
            stem = f"{name}.{copy}"
        return stem


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


TEXT_DOTS = 20  # the pictures' font size at scale 1, as the PNG's
QR_MODULE_DOTS = 6


def render_svg(receipt: Receipt) -> bytes:
    """A picture of the paper as SVG: text lines, the number large, the real QR code (one path
    of its dark modules). Same layout as `render_png`."""
    width = receipt.columns * DOTS_PER_COLUMN + 24
    parts: list[str] = []
    y = 12
    for line in receipt.lines:
        if line.kind == "qr":
            matrix = qr_matrix(line.text)
            side = len(matrix) * QR_MODULE_DOTS
            parts.append(
                f'<g transform="translate({(width - side) // 2} {y}) scale({QR_MODULE_DOTS})">'
                f'<rect width="{len(matrix)}" height="{len(matrix)}" fill="#fff"/>'
                f'<path stroke="#000" d="{svg_path(matrix)}"/></g>'
            )
            y += side
            continue
        text = "-" * receipt.columns if line.kind == "rule" else line.text
        size = TEXT_DOTS * line.scale
        height = int(size * 1.3) if text else LINE_DOTS // 2
        if text:
            x, anchor = (width // 2, "middle") if line.align == "center" else (12, "start")
            weight = ' font-weight="bold"' if line.bold else ""
            parts.append(
                f'<text x="{x}" y="{y + size}" font-size="{size}" text-anchor="{anchor}"'
                f'{weight} xml:space="preserve">{html.escape(text, quote=False)}</text>'
            )
        y += height
    height = y + 12
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, monospace">'
        f"<title>{html.escape(receipt.name)}</title>"
        f'<rect width="{width}" height="{height}" fill="#fff"/>{"".join(parts)}</svg>\n'
    ).encode()


def render_png(receipt: Receipt) -> bytes:
    """A picture of the paper: text lines, the number large, the real QR code."""
    import io

    # Pillow may have been imported deferred (appliance.qr); executed here, one thread.
    load_deferred("PIL.Image", "PIL.ImageDraw", "PIL.ImageFont")
    import qrcode
    from PIL import Image, ImageDraw, ImageFont

    width = receipt.columns * DOTS_PER_COLUMN + 24
    rows: list[Image.Image] = []
    for line in receipt.lines:
        if line.kind == "qr":
            code = qrcode.QRCode(border=2, box_size=6)
            code.add_data(line.text)
            code.make(fit=True)
            rows.append(code.make_image().get_image().convert("L"))
            continue
        text = "-" * receipt.columns if line.kind == "rule" else line.text
        size = 20 * line.scale
        font = ImageFont.load_default(size=size)
        row = Image.new("L", (width, int(size * 1.3) if text else LINE_DOTS // 2), 255)
        draw = ImageDraw.Draw(row)
        text_width = draw.textlength(text, font=font)
        x = (width - text_width) / 2 if line.align == "center" else 12
        draw.text((x, 0), text, fill=0, font=font)
        rows.append(row)
    image = Image.new("L", (width, sum(r.height for r in rows) + 24), 255)
    y = 12
    for row in rows:
        image.paste(row, ((width - row.width) // 2, y))
        y += row.height
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
