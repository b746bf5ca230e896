"""One client on the LAN holding many idle or slow sockets must not stop the kiosks and counters.

A real `mpp run`; the attacker's sockets come from 127.0.0.2 and up (Linux routes all of
127.0.0.0/8 on lo), the kiosk, the counter and the probe from 127.0.0.1 as on the box. Before
web/kit/server.py about a hundred idle sockets made waitress stop accepting: `/healthz`,
issuing and call-next timed out (issue 15, item 1; B13 in BENCHMARKS.md).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_appliance import (
    Client,
    LiveAppliance,
    Prepared,
    bench_catalogue,
    healthz,
    prepare,
)

ANSWER_WITHIN_S = 2.0  # an unloaded box answers in milliseconds; before the fix: never


def hold(source: str, port: int, count: int) -> list[socket.socket]:
    """`count` connected sockets from `source` that send nothing."""
    held = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind((source, 0))
        sock.settimeout(3)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        held.append(sock)
    return held


class SlowLoris:
    """Sockets that begin a request and add one header line a second, never finishing it."""

    def __init__(self, source: str, port: int, count: int) -> None:
        self.sockets = hold(source, port, count)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def _trickle(self) -> None:
        for sock in self.sockets:
            self._send(sock, b"GET /healthz HTTP/1.1\r\nHost: mpp\r\n")
        while not self.stop.wait(1.0):
            for sock in self.sockets:
                self._send(sock, b"X-Slow: 1\r\n")

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> None:
        with contextlib.suppress(OSError):  # closed by the server: right for a slow client
            sock.send(data)

    def __enter__(self) -> SlowLoris:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.sockets:
            sock.close()


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed the socket (EOF, a reset, or a 503 then EOF)."""
    sock.settimeout(0.05)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except TimeoutError:
        return False
    except OSError:
        return True


def timed(action: str, call: object) -> float:
    began = time.monotonic()
    assert callable(call)
    call()
    took = time.monotonic() - began
    assert took < ANSWER_WITHIN_S, f"{action} took {took:.2f} s"
    return took


def serve_one_round(prepared: Prepared) -> None:
    """Healthz, a kiosk issuing, a counter calling and finishing: each quickly, each 2xx."""
    kiosk = Client(prepared.port, prepared.tokens["kiosk"], timeout=ANSWER_WITHIN_S)
    counter = prepared.counters[0]
    officer = Client(prepared.port, prepared.tokens[counter], timeout=ANSWER_WITHIN_S)
    try:
        timed("healthz", lambda: _expect(healthz(prepared.port), 200))
        timed(
            "issue",
            lambda: _expect(
                kiosk.request("POST", "/api/v1/tickets", {"service": prepared.services[0]})[0],
                201,
            ),
        )
        timed(
            "call next",
            lambda: _expect(officer.request("POST", f"/api/v1/counters/{counter}/next")[0], 200),
        )
        timed(
            "done",
            lambda: _expect(officer.request("POST", f"/api/v1/counters/{counter}/done")[0], 200),
        )
    finally:
        kiosk.close()
        officer.close()


def _expect(got: int | None, wanted: int) -> None:
    assert got == wanted, f"answered {got}, expected {wanted}"


def _prepared(folder: Path, **web: Any) -> Prepared:
    return prepare(
        folder,
        bench_catalogue(services=2, counters=2),
        tokens=(("kiosk", "kiosk", ()), ("supervisor", "supervisor", ())),
        counter_tokens=True,
        web=web,
    )


@pytest.fixture(scope="module")
def default_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prepared]:
    """`mpp run` with the shipped limits."""
    prepared = _prepared(tmp_path_factory.mktemp("hostile-default"))
    with LiveAppliance(prepared, log_name="hostile.log"):
        yield prepared


@pytest.fixture(scope="module")
def tight_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prepared]:
    """`mpp run` with short timeouts and a small socket budget, so a test sees them act."""
    prepared = _prepared(
        tmp_path_factory.mktemp("hostile-tight"),
        max_connections=40,
        connections_per_address=64,
        idle_timeout_s=2.0,
        request_timeout_s=2.0,
    )
    with LiveAppliance(prepared, log_name="hostile.log"):
        yield prepared


def test_300_idle_and_50_slow_sockets_from_one_address_do_not_stop_the_box(
    default_box: Prepared,
) -> None:
    idle = hold("127.0.0.2", default_box.port, 300)
    try:
        with SlowLoris("127.0.0.2", default_box.port, 50):
            for _ in range(3):
                serve_one_round(default_box)
                time.sleep(0.5)
        # the address got its share and the rest a short 503, not a socket the box must keep
        refused = [s for s in idle[-50:] if closed_by_server(s)]
        assert len(refused) == 50
        # and the officers' status names the device (the supervisor token reads it)
        supervisor = Client(default_box.port, default_box.tokens["supervisor"])
        status = supervisor.request("GET", "/api/v1/status")[1]["connections"]
        supervisor.close()
        assert status["busiest"] == {"address": "127.0.0.2", "open": 32}, status
        assert status["refused"] >= 300 - 32 and status["per_address"] == 32
    finally:
        for sock in idle:
            sock.close()


def test_the_address_over_its_cap_is_told_why(default_box: Prepared) -> None:
    idle = hold("127.0.0.3", default_box.port, 32)
    extra = hold("127.0.0.3", default_box.port, 1)[0]
    try:
        extra.settimeout(2)
        answer = extra.recv(4096)
        assert answer.startswith(b"HTTP/1.1 503"), answer
        assert b"Retry-After" in answer
        head, body = answer.split(b"\r\n\r\n", 1)
        assert f"Content-Length: {len(body)}\r\n".encode() in head + b"\r\n", answer
    finally:
        extra.close()
        for sock in idle:
            sock.close()


def test_many_addresses_past_the_budget_evict_the_idle_not_the_kiosk(tight_box: Prepared) -> None:
    idle = [s for n in range(4, 12) for s in hold(f"127.0.0.{n}", tight_box.port, 10)]
    try:
        time.sleep(0.2)
        serve_one_round(tight_box)
        assert sum(closed_by_server(s) for s in idle) >= 40  # 80 sockets in a budget of 40
    finally:
        for sock in idle:
            sock.close()


def read_until(sock: socket.socket, marker: bytes, seen: bytes = b"") -> bytes:
    """Bytes read from `sock` until `marker` appears after `seen`; fails on EOF or 5 s."""
    got = b""
    sock.settimeout(5)
    while marker not in got:
        data = sock.recv(4096)
        assert data, f"closed before {marker!r}: {got!r}"
        got += data
    return seen + got


def test_slow_and_idle_sockets_are_closed_but_a_board_stream_is_not(tight_box: Prepared) -> None:
    stream = socket.create_connection(("127.0.0.1", tight_box.port), timeout=5)
    stream.sendall(b"GET /api/v1/stream HTTP/1.1\r\nHost: mpp\r\n\r\n")
    head = read_until(stream, b"event: version")
    assert head.startswith(b"HTTP/1.1 200"), head
    idle = hold("127.0.0.12", tight_box.port, 5)
    try:
        with SlowLoris("127.0.0.13", tight_box.port, 5) as slow:
            time.sleep(5.0)  # past both 2 s timeouts and a cleanup pass
            assert all(closed_by_server(s) for s in slow.sockets)
        assert all(closed_by_server(s) for s in idle)
        serve_one_round(tight_box)  # rings the doorbell: the stream must still carry it
        read_until(stream, b"event: version")
    finally:
        stream.close()
        for sock in idle:
            sock.close()


def test_huge_headers_are_refused_early(default_box: Prepared) -> None:
    """16 KiB of headers at most (waitress's default was 256 KiB per request, buffered)."""
    sock = socket.create_connection(("127.0.0.1", default_box.port), timeout=5)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: mpp\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        answer = read_until(sock, b"\r\n")
        assert answer.split(b" ")[1] == b"431", answer[:100]
    finally:
        sock.close()
