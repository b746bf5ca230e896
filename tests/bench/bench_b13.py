"""B13 hostile LAN (BENCHMARKS.md): B2o — 40 counters calling on an open-loop Poisson schedule —
while idle and slow-loris sockets hold (and keep re-opening) connections to `mpp run`.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b13 [--rate 400] [--seconds 20] [--idle 300]
     [--slow 50] [--attack-addresses 1]

The attacker's sockets come from 127.0.0.2 (and up, with `--attack-addresses N`: N devices);
every half second it re-opens whatever the server closed, as a hostile client would. The
counters, the kiosk probe and `/healthz` come from 127.0.0.1. Latency of call-next is measured
from its *scheduled* time (no coordinated omission); the kiosk issues and `/healthz` is asked
every 200 ms. Prints one `RESULT {json}` line (tests/bench/slots.py); nothing here asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import select
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.bench import loadgen
from tests.bench.sync_rig import result
from tests.support.live_appliance import (
    Client,
    LiveAppliance,
    bench_catalogue,
    healthz,
    prepare,
)

BENCHMARKS = ("B13",)
SMOKE_ARGS = ("--rate", "100", "--seconds", "3", "--idle", "60", "--slow", "10")


class Attacker:
    """`idle` silent sockets and `slow` slow-loris sockets from `addresses` loopback addresses,
    re-opened whenever the server closes them."""

    def __init__(self, port: int, idle: int, slow: int, addresses: int) -> None:
        self.port = port
        self.sources = [f"127.0.0.{2 + n}" for n in range(addresses)]
        self.idle: list[socket.socket | None] = [None] * idle
        self.slow: list[socket.socket | None] = [None] * slow
        self.stop = threading.Event()
        self.opened = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, n: int, slow: bool) -> socket.socket | None:
        sock = socket.socket()
        sock.setblocking(False)
        sock.bind((self.sources[n % len(self.sources)], 0))
        try:
            sock.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            sock.close()
            return None
        self.opened += 1
        if slow:
            with contextlib.suppress(OSError):
                sock.send(b"GET /healthz HTTP/1.1\r\nHost: mpp\r\n")
        return sock

    @staticmethod
    def _closed(sock: socket.socket) -> bool:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        try:
            sock.recv(4096)  # a 503 or EOF: either way the server let go of it
            return True
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    def _refill(self, held: list[socket.socket | None], slow: bool) -> None:
        for n, sock in enumerate(held):
            if sock is not None and self._closed(sock):
                sock.close()
                sock = None
            if sock is None:
                held[n] = self._open(n, slow)
            elif slow:
                with contextlib.suppress(OSError):
                    sock.send(b"X-Slow: 1\r\n")

    def _run(self) -> None:
        while not self.stop.is_set():
            self._refill(self.idle, slow=False)
            self._refill(self.slow, slow=True)
            self.stop.wait(0.5)

    def held(self) -> int:
        return sum(s is not None and not self._closed(s) for s in self.idle + self.slow)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        for sock in self.idle + self.slow:
            if sock is not None:
                sock.close()


def _open_loop_counters(
    port: int, tokens: dict[str, str], rate_per_counter: float, t0: float, until: float, out: Any
) -> None:
    """One thread per counter: next+done at Poisson times; next's latency from its schedule."""
    found = loadgen.Result(started=t0)
    lock = threading.Lock()

    def counter(code: str, token: str) -> None:
        client = Client(port, token, timeout=30)
        rng = random.Random(code)
        due = t0 + rng.expovariate(rate_per_counter)
        while due < until:
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                status, body, _ = client.request("POST", f"/api/v1/counters/{code}/next")
                answered = time.monotonic()
                if status == 200:
                    client.request("POST", f"/api/v1/counters/{code}/done")
            except OSError as exc:
                with lock:
                    found.errors.append(f"{code}: {type(exc).__name__}: {exc}")
                client.close()
                status, answered, body = 0, time.monotonic(), None
            with lock:
                found.statuses[status] = found.statuses.get(status, 0) + 1
                found.latencies_ms.append((answered - due) * 1000)
                if status == 200:
                    found.items.append(body["id"])
                elif status and len(found.errors) < 20:
                    found.errors.append(f"{code} next {status}: {body}")
            due += rng.expovariate(rate_per_counter)
        client.close()

    threads = [threading.Thread(target=counter, args=item) for item in tokens.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found.ended = time.monotonic()
    out.put(found)


class Probe:
    """`/healthz` and one kiosk issuing every 200 ms from 127.0.0.1, each timed."""

    def __init__(self, port: int, token: str, service: str) -> None:
        self.port, self.token, self.service = port, token, service
        self.healthz_ms: list[float] = []
        self.issue_ms: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        kiosk = Client(self.port, self.token, timeout=10)
        while not self.stop.wait(0.2):
            began = time.monotonic()
            status = healthz(self.port)
            self.healthz_ms.append((time.monotonic() - began) * 1000)
            if status != 200:
                self.failures.append(f"healthz {status}")
            began = time.monotonic()
            try:
                issued = kiosk.request("POST", "/api/v1/tickets", {"service": self.service})[0]
            except OSError as exc:
                issued = 0
                kiosk.close()
                self.failures.append(f"issue {type(exc).__name__}")
            self.issue_ms.append((time.monotonic() - began) * 1000)
            if issued and issued != 201:
                self.failures.append(f"issue {issued}")
        kiosk.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat), to tell the server's cost of
    the attack from the attacker's own (both share this machine's cores)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=400.0, help="calls/s over all counters")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--counters", type=int, default=40)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--idle", type=int, default=300)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--attack-addresses", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="b13-") as folder:
        prepared = prepare(
            Path(folder),
            bench_catalogue(services=20, counters=args.counters),
            tokens=(("kiosk", "kiosk", ()),),
            counter_tokens=True,
        )
        with LiveAppliance(prepared, log_name="b13.log") as app:
            queue_size = int(args.rate * args.seconds * 1.3) + 50
            loadgen.issue_load(
                prepared.port, prepared.tokens["kiosk"], prepared.services, queue_size, 4
            )
            attacker = Attacker(prepared.port, args.idle, args.slow, args.attack_addresses)
            attacker.thread.start()
            time.sleep(2.0)  # the attack in place before the counters start
            held_before = attacker.held()
            probe = Probe(prepared.port, prepared.tokens["kiosk"], prepared.services[0])
            probe.thread.start()
            t0 = time.monotonic() + 1.0
            cpu_before = cpu_seconds(app.pid)
            until = t0 + args.seconds
            pool = loadgen.Pool()
            codes = sorted(prepared.counters)
            per_counter = args.rate / len(codes)
            for i in range(args.processes):
                share = {c: prepared.tokens[c] for c in codes[i :: args.processes]}
                pool.start(_open_loop_counters, prepared.port, share, per_counter, t0, until)
            results = pool.collect(timeout=args.seconds + 300)
            server_cpu_s = cpu_seconds(app.pid) - cpu_before
            window_s = time.monotonic() - t0
            probe.stop.set()
            probe.thread.join(15)
            held_after = attacker.held()
            memory = app.rss_kb()
            attacker.close()
            log = app.log_text()

    latencies = [ms for r in results for ms in r.latencies_ms]
    calls = [tid for r in results for tid in r.items]
    errors = [e for r in results for e in r.errors]
    b2o = loadgen.describe(latencies)
    p999 = loadgen.percentile(latencies, 99.9)
    hz = loadgen.describe(probe.healthz_ms)
    kiosk = loadgen.describe(probe.issue_ms)
    rss_mb = memory["VmRSS"] * 1024 / 1e6
    checks = {
        "no ticket called twice": len(calls) == len(set(calls)),
        "no counter errors": not errors,
        "healthz and kiosk always answered": not probe.failures,
        "memory within B5 (60 MB)": rss_mb <= 60,
    }
    figure = (
        f"B2o at {args.rate:.0f} calls/s with {args.idle} idle + {args.slow} slow-loris sockets "
        f"from {args.attack_addresses} address(es): next p50 {b2o['p50']:.1f} ms, p99 "
        f"{b2o['p99']:.1f} ms, p99.9 {p999:.1f} ms; /healthz p99 {hz['p99']:.1f} ms; kiosk "
        f"p99 {kiosk['p99']:.1f} ms; VmRSS {rss_mb:.1f} MB"
    )
    result(
        "B13",
        figure,
        b2o["p99"] <= 50 and all(checks.values()),
        checks,
        calls=len(calls),
        next_ms=b2o,
        next_p999_ms=p999,
        healthz_ms=hz,
        kiosk_ms=kiosk,
        statuses=loadgen.merged_statuses(results),
        errors=errors[:10],
        probe_failures=probe.failures[:10],
        attacker_sockets_opened=attacker.opened,
        attacker_sockets_held=[held_before, held_after],
        rss_kb=memory["VmRSS"],
        server_cpu_s=round(server_cpu_s, 2),
        server_cpu_share=round(server_cpu_s / window_s, 3),
        refusal_logged="refused a connection from" in log,
    )


if __name__ == "__main__":
    main()
