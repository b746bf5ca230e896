"""The development printer: each receipt becomes a text file (and a PNG) a person can open.

Used by `mpp demo`, in development and in tests instead of paper. Files are written to a temporary
name and renamed, so a reader never sees half a receipt. A folder that cannot be written is an
offline printer, with the same story for staff as an unplugged one.
"""

from __future__ import annotations

import os
from pathlib import Path

from appliance.hardware.ports import OFFLINE, PrinterFault
from appliance.hardware.receipt import Receipt

DOTS_PER_COLUMN = 12  # font A is 12 dots wide: 48 columns = 576 dots on 80 mm paper
LINE_DOTS = 30


class FilePrinter:
    driver = "file"

    def __init__(self, folder: str | os.PathLike[str], *, png: bool = False) -> None:
        self.folder = Path(folder)
        self.png = png

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


def render_png(receipt: Receipt) -> bytes:
    """A picture of the paper: text lines, the number large, the real QR code."""
    import io

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
