"""Reading ESC/POS bytes back, and paper printers for tests (the only faked hardware).

`decode` turns the bytes a driver produced into the text a person would read, the QR payloads
and the magnified runs, and refuses any command it does not know, so a layout change that sends
something unexpected fails loudly. `PaperPrinter` is escpos's own `Dummy` with a status a test
can set (offline, no paper, cover open, unplugged); it answers the DLE EOT status queries the way
an Epson-compatible printer does and raises the libraries' own exceptions when unplugged.
`TcpPrinter` is a real socket server on 127.0.0.1 speaking enough of the protocol for escpos's
`Network` driver. Plain module, no pytest: the benchmark imports it too.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy
from usb.core import USBError

ESC, GS, DLE = 0x1B, 0x1D, 0x10
ESC_ARGS = {b"@": 0, b"2": 0, b"a": 1, b"E": 1, b"-": 1, b"M": 1, b"t": 1, b"d": 1, b"!": 1}
ESC_ARGS |= {b"G": 1, b"{": 1, b"J": 1, b"3": 1, b"R": 1}
GS_ARGS = {b"!": 1, b"B": 1, b"b": 1}


@dataclass
class Decoded:
    text: str = ""
    qr: list[str] = field(default_factory=list)
    large: list[tuple[int, str]] = field(default_factory=list)  # (magnification, text)
    images: int = 0
    cuts: int = 0


def decode(data: bytes) -> Decoded:
    out = Decoded()
    text: list[str] = []
    size = 1
    i = 0
    while i < len(data):
        b = data[i]
        if b == ESC:
            cmd = data[i + 1 : i + 2]
            if cmd not in ESC_ARGS:
                raise ValueError(f"unknown ESC {cmd!r} at {i}")
            if cmd == b"!":
                size = 1  # ESC ! 0: normal text size
            i += 2 + ESC_ARGS[cmd]
        elif b == GS:
            cmd = data[i + 1 : i + 2]
            if cmd == b"!":
                n = data[i + 2]
                size = max((n >> 4) + 1, (n & 0x0F) + 1)
                i += 3
            elif cmd == b"V":
                mode = data[i + 2]
                out.cuts += 1
                i += 4 if mode in (65, 66) else 3
            elif cmd == b"(" and data[i + 2 : i + 3] == b"k":
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                if body[:2] == b"1P":  # store the QR data: cn=49, fn=80, m=48
                    out.qr.append(body[3:].decode("utf-8"))
                i += 5 + length
            elif cmd == b"v" and data[i + 2 : i + 3] == b"0":
                width = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                out.images += 1
                i += 8 + width * height
            elif cmd in GS_ARGS:
                i += 2 + GS_ARGS[cmd]
            else:
                raise ValueError(f"unknown GS {cmd!r} at {i}")
        elif b == DLE:
            i += 3
        elif b == 0x0A or 0x20 <= b < 0x7F:
            start = i
            while i < len(data) and (data[i] == 0x0A or 0x20 <= data[i] < 0x7F):
                i += 1
            chunk = data[start:i].decode("ascii")
            text.append(chunk)
            if size > 1 and chunk.strip():
                out.large.append((size, chunk.strip()))
        else:
            raise ValueError(f"unexpected byte {b:#04x} at {i}")
    out.text = "".join(text)
    return out


# Status answers of an Epson-compatible printer to DLE EOT 1 (printer), 2 (cause), 4 (paper).
STATUS_BYTES = {
    "ok": {1: 0x16, 2: 0x12, 4: 0x12},
    "no_paper": {1: 0x1E, 2: 0x32, 4: 0x72},
    "cover_open": {1: 0x1E, 2: 0x16, 4: 0x12},
    "jammed": {1: 0x1E, 2: 0x52, 4: 0x12},
}


class PaperPrinter(Dummy):  # type: ignore[misc]
    """escpos's Dummy with a paper path: `state` is ok, no_paper, cover_open, jammed, silent
    (no status answer: switched off) or unplugged (open and writes fail like pyusb's)."""

    def __init__(self, state: str = "ok", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.state = state
        self.jobs: list[bytes] = []
        self.opens = 0
        self._query = 0
        self.lock = threading.Lock()
        self.on_job: list[object] = []  # callables run with the job bytes (timing, faults)

    def open(self) -> None:
        self.opens += 1
        if self.state == "unplugged":
            raise DeviceNotFoundError("Unable to open USB printer on (0x0416, 0x5011)")
        self._device = True

    def _raw(self, msg: bytes) -> None:
        if self.state == "unplugged":
            raise USBError("No such device (it may have been disconnected)", errno=19)
        if msg[:2] == b"\x10\x04" and len(msg) == 3:
            self._query = msg[2]
            return
        for hook in self.on_job:
            hook(msg)  # type: ignore[operator]
        with self.lock:
            self.jobs.append(msg)

    def _read(self) -> bytes:
        if self.state == "unplugged":
            raise USBError("No such device (it may have been disconnected)", errno=19)
        if self.state == "silent":
            return b""
        return bytes([STATUS_BYTES[self.state][self._query]])

    def close(self) -> None:
        self._device = False


class TcpPrinter:
    """A network printer on 127.0.0.1: answers status queries, keeps what it receives."""

    def __init__(self, port: int = 0, *, cut_after: int | None = None) -> None:
        self.received = bytearray()
        self.cut_after = cut_after  # close everything after this many job bytes
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(4)
        self.port = self._sock.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        pending = b""
        while not self._closed.is_set():
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            while pending:
                at = pending.find(b"\x10\x04")
                if at == -1 or len(pending) < at + 3:
                    keep = b"" if at == -1 else pending[at:]
                    self._take(pending[: len(pending) - len(keep)])
                    pending = keep
                    break
                self._take(pending[:at])
                answer = STATUS_BYTES["ok"][pending[at + 2]]
                pending = pending[at + 3 :]
                if self._closed.is_set():
                    return
                try:
                    conn.sendall(bytes([answer]))
                except OSError:
                    return

    def _take(self, data: bytes) -> None:
        if not data:
            return
        self.received += data
        if self.cut_after is not None and len(self.received) >= self.cut_after:
            self.close()

    def close(self) -> None:
        """The printer dies: no more connections, open ones reset."""
        self._closed.set()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._sock.close()
