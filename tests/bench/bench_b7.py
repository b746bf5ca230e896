"""B7 drain (BENCHMARKS.md): a backlog of events through the sync path on a real loopback
Mosquitto.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b7 [--events N] [--batch-size N] ...

An appliance outbox with N pending events (part from real engine actions: issue, call, start,
done; the rest copies of those events with shifted ticket ids and tokens, appended with
`appliance.queue.outbox.append` in large transactions), then `mpp central --no-web` and `mpp sync`
as subprocesses; wall time from starting `mpp sync` until the edge outbox is fully acked, and
central holds exactly seq 1..N for the site.

Prints one `RESULT {json}` line (read by tests/bench/slots.py). Nothing here asserts a speed; the
correctness checks are reported beside the figure.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.bench.sync_rig import (
    COUNTERS,
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

BENCHMARKS = ("B7",)
SMOKE_ARGS = ("--events", "5000", "--engine-tickets", "100")


class Profiler:
    """py-spy on a running process (optional), writing a raw collapsed-stack file."""

    def __init__(self, spy: str | None, folder: Path | None) -> None:
        self.spy, self.folder = spy, folder
        self.running: list[subprocess.Popen[bytes]] = []

    def attach(self, pid: int, name: str) -> None:
        if not self.spy or self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        out = self.folder / f"{name}.txt"
        self.running.append(
            subprocess.Popen(
                [
                    self.spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "raw",
                    "-o",
                    str(out),
                    "--rate",
                    "200",
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def finish(self) -> None:
        for p in self.running:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in self.running:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.running = []


@dataclass
class Built:
    engine_events: int
    appended_events: int
    seconds: float


def serve_tickets(site: Any, tickets: int) -> None:
    """Real engine actions: issue `tickets`, then call, start and finish them (a day's mix).

    The pinned clock moves little per action so that the whole run fits in one opening day
    (waiting tickets expire at closing)."""
    for n in range(tickets):
        site.engine.issue(SERVICES[n % len(SERVICES)])
        site.clock.advance(timedelta(seconds=2))
    from appliance.queue.errors import NotFound

    idle, calls = 0, 0
    while idle < len(COUNTERS):
        idle = 0
        for counter in COUNTERS:
            try:
                site.engine.call_next(counter)
            except NotFound:  # queue empty at this counter
                idle += 1
                continue
            calls += 1
            site.clock.advance(timedelta(seconds=5))
            if calls % 10 == 0:  # one in ten does not come: recalled, then no-show
                site.engine.recall(counter)
                site.engine.no_show(counter)
                continue
            site.engine.start(counter)
            site.clock.advance(timedelta(seconds=30))
            site.engine.done(counter)


def build_outbox(site: Any, events: int, engine_tickets: int, per_txn: int = 10_000) -> Built:
    """`events` pending events: real engine actions first, then shifted copies of them."""
    from appliance.queue import outbox
    from appliance.storage.database import connected

    started = time.perf_counter()
    serve_tickets(site, engine_tickets)
    template = site.events()
    real = len(template)
    if real > events:
        raise SystemExit(f"--engine-tickets made {real} events, more than --events {events}")
    top = max((e.data.get("ticket_id", 0) for e in template), default=0)
    db = site.db

    def copies() -> Any:
        copy = 0
        while True:
            copy += 1
            for event in template:
                yield copy, event

    source = copies()
    written = real
    at = site.clock.now()
    with connected(db):
        while written < events:
            with db.write():
                for _ in range(min(per_txn, events - written)):
                    copy, event = next(source)
                    data = dict(event.data)
                    if "ticket_id" in data:
                        data["ticket_id"] += top * copy
                    if "status_token" in data:
                        data["status_token"] = f"{data['status_token'][:16]}{copy:06d}"
                    outbox.append(db, event.type, data, at=at, clock_synced=True)
                    written += 1
        last = outbox.last_seq()
    assert last == events, (last, events)
    return Built(real, events - real, time.perf_counter() - started)


def edge_marks(db: Any) -> tuple[int, int]:
    from appliance.queue import outbox
    from appliance.storage.database import connected

    with connected(db):
        return outbox.last_seq(), outbox.acked_through()


def bench_b7(args: argparse.Namespace, work: Path) -> None:
    from tests.support.sync_harness import edge_site

    folder = work / "b7"
    folder.mkdir()
    site = edge_site(folder / "edge.db")
    built = build_outbox(site, args.events, args.engine_tickets)
    print(
        f"B7: outbox of {args.events} events built in {built.seconds:.1f} s "
        f"({built.engine_events} from engine actions, {built.appended_events} appended)",
        flush=True,
    )
    broker, central_db, central, edge = edge_to_central(args, folder, site, ack_s=30, stall_s=120)
    profiler = Profiler(args.py_spy, Path(args.profile) if args.profile else None)
    n = args.events
    try:
        central.start()
        wait_central_online(broker.url)
        profiler.attach(central.pid, "b7-central")
        started = time.monotonic()
        edge.start()
        assert edge.process is not None
        profiler.attach(edge.process.pid, "b7-edge")
        first_ack = None
        deadline = started + args.timeout
        acked = 0
        while time.monotonic() < deadline:
            _, acked = edge_marks(site.db)
            if acked and first_ack is None:
                first_ack = (time.monotonic(), acked)
            if acked >= n:
                break
            time.sleep(0.02)
        finished = time.monotonic()
        profiler.finish()
        check = central_check(central_db, SITE, n)
    finally:
        profiler.finish()
        edge.stop()
        central.stop()
        broker.stop()
    done = acked >= n
    seconds = finished - started
    rate = n / seconds if done else 0.0
    steady = ""
    if done and first_ack is not None and finished > first_ack[0]:
        steady_rate = (n - first_ack[1]) / (finished - first_ack[0])
        steady = f", {steady_rate:,.0f}/s after the first ack"
    checks = {
        "edge fully acked": done,
        "central exact seq 1..N": bool(check["exact"]),
        "stored_through = N": check["stored_through"] == n,
        "no conflicts or quarantine": check["conflicts"] == 0 and check["quarantined"] == 0,
    }
    settings = (
        f"batch {args.batch_size}, window {args.window}, compress over "
        f"{args.compress_over} B, {args.central_workers} central worker(s)"
    )
    figure = (
        f"{rate:,.0f} events/s ({n:,} in {seconds:.1f} s from `mpp sync` start{steady}; "
        f"{settings}; {check['duplicates_ignored']} duplicates ignored)"
        if done
        else f"not drained: acked {acked:,} of {n:,} in {seconds:.0f} s ({settings})"
    )
    result(
        "B7",
        figure,
        done and rate >= 5000,
        checks,
        seconds=seconds,
        events=n,
        engine_events=built.engine_events,
        appended_events=built.appended_events,
        central=check,
        settings=settings,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_options(parser)
    edge_options(parser)
    parser.add_argument("--events", type=int, default=100_000, help="B7 outbox size")
    parser.add_argument(
        "--engine-tickets",
        type=int,
        default=500,
        help="B7: tickets issued and served by the engine (4 events each)",
    )
    parser.add_argument("--profile", help="folder for py-spy raw profiles of B7's processes")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "/tmp/spy/bin/py-spy")
    run(bench_b7, parser.parse_args())


if __name__ == "__main__":
    main()
