"""B8 live sync (BENCHMARKS.md): one event at a time from the edge's commit to central's database,
on a real loopback Mosquitto.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b8 [--live-rate 20] [--live-seconds 10] ...

Everything connected and idle; tickets issued one at a time at a steady pace by the engine in this
process on the edge's database file; per event, the time from the engine's commit (its
after-commit listener) to the moment the row is visible in central's SQLite file, polled from this
process every 2 ms.

Prints one `RESULT {json}` line (read by tests/bench/slots.py). Nothing here asserts a speed; the
correctness checks are reported beside the figure.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from tests.bench.sync_rig import (
    SERVICES,
    SITE,
    central_check,
    common_options,
    edge_options,
    edge_to_central,
    result,
    run,
    wait_central_online,
)

BENCHMARKS = ("B8",)
SMOKE_ARGS = ("--live-seconds", "3")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_b8(args: argparse.Namespace, work: Path) -> None:
    from appliance.queue.transaction import Change
    from sync.edge import EdgeSettings
    from tests.support.sync_harness import edge_site

    folder = work / "b8"
    folder.mkdir()
    site = edge_site(folder / "edge.db")
    broker, central_db, central, edge = edge_to_central(args, folder, site, ack_s=10, stall_s=60)
    committed: dict[int, float] = {}
    committed_wall: dict[int, float] = {}
    visible: dict[int, float] = {}
    stop = threading.Event()

    def on_change(change: Change) -> None:
        committed[change.version] = time.monotonic()
        committed_wall[change.version] = time.time()

    def poll() -> None:
        while not central_db.exists() and not stop.is_set():
            time.sleep(0.01)
        conn = sqlite3.connect(f"file:{central_db}?mode=ro", uri=True, timeout=30)
        seen = 0
        try:
            while not stop.is_set():
                try:
                    rows = conn.execute(
                        "SELECT seq FROM events WHERE site = ? AND seq > ? ORDER BY seq",
                        (SITE, seen),
                    ).fetchall()
                except sqlite3.OperationalError:  # tables not created yet
                    rows = []
                now = time.monotonic()
                for (seq,) in rows:
                    visible.setdefault(seq, now)
                    seen = max(seen, seq)
                time.sleep(0.002)
        finally:
            conn.close()

    site.engine.subscribe(on_change)
    poller = threading.Thread(target=poll, daemon=True)
    count = int(args.live_rate * args.live_seconds)
    # Poisson arrivals (seeded): a fixed period would alias with the edge's poll period and
    # show one phase offset for every ticket instead of the spread real arrivals see.
    arrivals = random.Random(8)
    try:
        central.start()
        wait_central_online(broker.url)
        edge.start()
        poller.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # connected: its hello made central create the row
            if central_db.exists() and central_check(central_db, SITE, 0)["count"] == 0:
                with sqlite3.connect(f"file:{central_db}?mode=ro", uri=True) as conn:
                    if conn.execute("SELECT 1 FROM sites WHERE code = ?", (SITE,)).fetchone():
                        break
            time.sleep(0.05)
        time.sleep(1.0)  # idle
        next_at = time.monotonic()
        for n in range(count):
            next_at += arrivals.expovariate(args.live_rate)
            site.engine.issue(SERVICES[n % len(SERVICES)])
            site.clock.advance(timedelta(seconds=1))
            time.sleep(max(0.0, next_at - time.monotonic()))
        last = max(committed)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and last not in visible:
            time.sleep(0.01)
        time.sleep(0.05)
    finally:
        stop.set()
        edge.stop()
        central.stop()
        broker.stop()
    lat = [(visible[s] - t) * 1000 for s, t in committed.items() if s in visible]
    check = central_check(central_db, SITE, len(committed))
    poll_s = EdgeSettings(site=SITE).poll_s
    checks = {
        "every event visible": len(lat) == len(committed) == count,
        "central exact seq 1..N": bool(check["exact"]),
    }
    # Where the time goes: commit -> central's received_at (edge poll, batch, broker, decode),
    # the rest is central's transaction and this process's 2 ms poll.
    with sqlite3.connect(f"file:{central_db}?mode=ro", uri=True) as conn:
        received = dict(
            conn.execute("SELECT seq, received_at FROM events WHERE site = ?", (SITE,)).fetchall()
        )
    to_central = [
        (datetime.fromisoformat(received[s]).timestamp() - t) * 1000
        for s, t in committed_wall.items()
        if s in received
    ]
    if lat:
        p50, p99 = statistics.median(lat), percentile(lat, 0.99)
        figure = (
            f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(lat):.0f} ms "
            f"({len(lat)} tickets, Poisson {args.live_rate:g}/s; edge poll_s {poll_s:g} s; "
            f"commit -> central received_at p50 {statistics.median(to_central):.0f} ms)"
        )
        passed: bool | None = p99 <= 500 and all(checks.values())
    else:
        p50 = p99 = float("nan")
        figure, passed = "no event reached central", False
    result(
        "B8",
        figure,
        passed,
        checks,
        p50_ms=p50,
        p99_ms=p99,
        events=len(committed),
        edge_poll_s=poll_s,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_options(parser)
    edge_options(parser)
    parser.add_argument("--live-rate", type=float, default=20.0, help="B8 tickets per second")
    parser.add_argument("--live-seconds", type=float, default=10.0)
    run(bench_b8, parser.parse_args())


if __name__ == "__main__":
    main()
