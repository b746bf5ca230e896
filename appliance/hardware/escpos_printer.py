"""ESC/POS thermal printers (USB, serial, network) through python-escpos: the only escpos import.

A receipt is first rendered into escpos's `Dummy` printer, so the whole job is one byte string
handed to the device in one write: a fault then fails one call, under one timeout, and the exact
bytes are testable without hardware. Before each job the printer is asked for its status
(DLE EOT 1, 2 and 4); the raw bytes are read here because escpos's `paper_status()` reports
"paper OK" when the printer does not answer at all (PITFALLS.md).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy, Network, Serial, Usb

from appliance.config.sections import PrinterConfig
from appliance.deferred import load_deferred
from appliance.hardware.ports import COVER_OPEN, ERROR, NO_PAPER, OFFLINE, PrinterFault
from appliance.hardware.receipt import Receipt

log = logging.getLogger(__name__)

STATUS_PRINTER = b"\x10\x04\x01"  # DLE EOT 1: bit 3 = offline
STATUS_OFFLINE_CAUSE = b"\x10\x04\x02"  # DLE EOT 2: bit 2 = cover open, bit 5 = paper end stop
STATUS_PAPER = b"\x10\x04\x04"  # DLE EOT 4: bits 5-6 = paper end
OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04
PAPER_STOP_BIT = 0x20
ERROR_BIT = 0x40
PAPER_END_BITS = 0x60

# What a device raises when the link fails: OSError covers sockets, pyusb's USBError and
# pyserial's SerialException; AssertionError is escpos's `assert self.device` after a failed open.
DEVICE_ERRORS = (OSError, EscposError, RuntimeError, AssertionError, ValueError)


# escpos's code page encoder per profile, shared by every receipt rendered: a fresh one per
# `Dummy` rebuilt its character maps for each receipt (twice the CPU, and about 0.9 MB more
# resident memory after 3,000 receipts; docs/performance.md, B5).
_ENCODERS: dict[str | None, Any] = {}


def _paper(profile: str | None) -> Dummy:
    """A fresh `Dummy` to render one receipt into, with the profile's shared encoder."""
    encoder = _ENCODERS.get(profile)
    if encoder is None:
        out = Dummy(profile=profile)
        _ENCODERS[profile] = out.magic.encoder
        return out
    return Dummy(profile=profile, magic_encode_args={"encoder": encoder})


def render(receipt: Receipt, profile: str | None = None) -> bytes:
    """The ESC/POS bytes of one receipt (init, styled lines, QR, feed and cut)."""
    out = _paper(profile)
    out._raw(b"\x1b@")  # ESC @: a clean state whatever the last job left
    native_qr = out.profile.supports("qrCode")
    for line in receipt.lines:
        if line.kind == "rule":
            out.set(align="left", bold=False, normal_textsize=True)
            out.textln("-" * receipt.columns)
        elif line.kind == "feed":
            out.ln()
        elif line.kind == "qr":
            out.set(align="center", normal_textsize=True)
            if native_qr:
                out.qr(line.text, size=6, native=True)
                out.ln()
            else:
                load_deferred("qrcode", "PIL.Image")  # qrcode: also the admin's (deferred.py)
                out.qr(line.text, size=6, center=True)
        else:
            if line.scale > 1:
                size = min(line.scale, 8)
                out.set(align=line.align, bold=line.bold, custom_size=True, width=size, height=size)
            else:
                out.set(align=line.align, bold=line.bold, normal_textsize=True)
            out.textln(line.text)
    out.set(align="left", bold=False, normal_textsize=True)
    out.cut()
    return bytes(out.output)


class EscposPrinter:
    """A `ReceiptPrinter` over any escpos device; `make_device` builds a fresh one per open."""

    def __init__(
        self,
        driver: str,
        make_device: Callable[[], Escpos],
        *,
        profile: str | None = None,
        query_status: bool = True,
    ) -> None:
        self.driver = driver
        self._make_device = make_device
        self._profile = profile
        self._query_status = query_status
        self._device: Escpos | None = None

    def open(self) -> None:
        self.close()
        try:
            device = self._make_device()
            device.open()
            _bound_serial_writes(device)
        except DEVICE_ERRORS as exc:
            raise PrinterFault(OFFLINE, f"{self.driver}: {exc}") from exc
        self._device = device

    def check(self) -> None:
        if not self._query_status:
            return
        device = self._require()
        printer = self._status(device, STATUS_PRINTER)
        if not printer & OFFLINE_BIT:
            paper = self._status(device, STATUS_PAPER)
            if paper & PAPER_END_BITS == PAPER_END_BITS:
                raise PrinterFault(NO_PAPER, "paper end sensor")
            return
        cause = self._status(device, STATUS_OFFLINE_CAUSE)
        if cause & COVER_OPEN_BIT:
            raise PrinterFault(COVER_OPEN, "cover open")
        if cause & PAPER_STOP_BIT:
            raise PrinterFault(NO_PAPER, "printing stopped: paper end")
        paper = self._status(device, STATUS_PAPER)
        if paper & PAPER_END_BITS == PAPER_END_BITS:
            raise PrinterFault(NO_PAPER, "paper end sensor")
        raise PrinterFault(ERROR, f"printer offline (cause byte {cause:#04x})")

    def print_receipt(self, receipt: Receipt) -> None:
        job = render(receipt, self._profile)
        device = self._require()
        try:
            device._raw(job)
        except DEVICE_ERRORS as exc:
            self.close()
            raise PrinterFault(OFFLINE, f"{self.driver}: write failed: {exc}") from exc
        if self._query_status:
            # Over TCP a write to a printer that just died "succeeds" (PITFALLS.md): only an
            # answer after the job shows it arrived. No answer: the job is retried after recovery.
            self._status(device, STATUS_PRINTER)

    def close(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        try:
            device.close()
        except DEVICE_ERRORS as exc:  # an unplugged device may fail to release
            log.debug("closing %s printer: %s", self.driver, exc)

    def _require(self) -> Escpos:
        if self._device is None:
            raise PrinterFault(OFFLINE, f"{self.driver}: not open")
        return self._device

    def _status(self, device: Escpos, query: bytes) -> int:
        try:
            answer = device.query_status(query)
        except DEVICE_ERRORS as exc:
            self.close()
            raise PrinterFault(OFFLINE, f"{self.driver}: no status answer: {exc}") from exc
        if not answer:
            self.close()
            raise PrinterFault(OFFLINE, f"{self.driver}: printer did not answer")
        return int(answer[0])


class _Network(Network):  # type: ignore[misc]
    """escpos's `Network.open` drops the socket unclosed when the printer refuses; close it."""

    def open(self, raise_not_found: bool = True) -> None:
        self.close()
        try:
            connection = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise DeviceNotFoundError(f"Could not open socket for {self.host}: {exc}") from exc
        self.device = connection


def _bound_serial_writes(device: Escpos) -> None:
    """pyserial only bounds reads by `timeout`; give writes the same bound."""
    if isinstance(device, Serial):
        port: Any = device.device
        port.write_timeout = device.timeout


def build_escpos_printer(config: PrinterConfig) -> EscposPrinter:
    """The USB, serial or network printer the config names (opened later, by the worker)."""
    profile = None if config.profile == "default" else config.profile
    timeout = config.timeout_s

    def make_device() -> Escpos:
        if config.driver == "usb":
            # pyusb counts the timeout in milliseconds.
            return Usb(
                config.usb_vendor, config.usb_product, timeout=int(timeout * 1000), profile=profile
            )
        if config.driver == "serial":
            return Serial(config.device, baudrate=config.baudrate, timeout=timeout, profile=profile)
        if config.driver == "network":
            return _Network(config.host, port=config.port, timeout=timeout, profile=profile)
        raise ValueError(f"not an ESC/POS driver: {config.driver!r}")

    return EscposPrinter(
        config.driver, make_device, profile=profile, query_status=config.query_status
    )
