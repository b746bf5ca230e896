"""A local control channel into the running appliance: `mpp press` and `mpp printer test|status`.

Why a Unix socket beside the database file: the buttons, the LED and the printer belong to the
one `mpp run` process (one worker owns the printer; a USB device cannot be opened twice), so a
command-line tool must *ask* that process rather than touch the hardware itself. The socket lives
at `<database>.control`, found from the same config the appliance uses, needs no port, cannot be
reached from the network, and is created mode 0600 (bound under a temporary name, chmod-ed, then
renamed into place, so it is never visible with wider rights). A request goes through the same
code as the real thing: a press drives the mock pin low then high when the pins are mock pins
(so gpiozero's callback path runs), and calls the press handler directly when they are real.

Protocol: one JSON object per line each way, one request per connection.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024
Handler = Callable[[dict[str, Any]], dict[str, Any]]


class ControlUnavailable(Exception):
    """No appliance answers on the control socket."""


def control_path(database: str) -> Path | None:
    """`<database>.control`; None for an in-memory database."""
    if database == ":memory:":
        return None
    return Path(database + ".control")


class ControlServer:
    def __init__(self, path: Path, handler: Handler) -> None:
        self.path = path
        self._handler = handler
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        """Listen; OSError if the socket cannot be made, RuntimeError if another appliance runs."""
        if self._sock is not None:
            return
        if self.path.exists() or self.path.is_symlink():
            if _answers(self.path):
                raise RuntimeError(f"another appliance already listens on {self.path}")
            self.path.unlink()  # left by an appliance that died
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            sock.bind(str(partial))
            os.chmod(partial, 0o600)
            partial.rename(self.path)
            sock.listen(8)
            sock.settimeout(0.25)
        except OSError:
            sock.close()
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        self._sock = sock
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        sock, self._sock = self._sock, None
        thread, self._thread = self._thread, None
        if sock is None:
            return
        self._stop.set()
        if thread is not None:
            thread.join(5)
        sock.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _serve(self) -> None:
        sock = self._sock
        assert sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            request = json.loads(_read_line(conn))
            if not isinstance(request, dict):
                raise ValueError("expected a JSON object")
            reply = self._handler(request)
        except (ValueError, OSError) as exc:
            reply = {"ok": False, "error": f"bad request: {exc}"}
        except Exception as exc:  # a failing request must not end the channel
            log.exception("control request failed")
            reply = {"ok": False, "error": f"internal error: {exc}"}
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(reply).encode() + b"\n")


def request(path: Path, message: dict[str, Any], *, timeout: float = 15.0) -> dict[str, Any]:
    """Send one request to the running appliance and return its reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise ControlUnavailable(f"no appliance is running (no answer on {path})") from exc
        except OSError as exc:
            raise ControlUnavailable(f"cannot reach the appliance on {path}: {exc}") from exc
        sock.sendall(json.dumps(message).encode() + b"\n")
        try:
            reply = json.loads(_read_line(sock))
        except (OSError, ValueError) as exc:
            raise ControlUnavailable(f"the appliance did not answer properly: {exc}") from exc
    if not isinstance(reply, dict):
        raise ControlUnavailable("the appliance answered something that is not an object")
    return reply


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_MESSAGE:
            raise ValueError("message too long")
    return data


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(str(path))
        except OSError:
            return False
        return True
