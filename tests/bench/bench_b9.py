"""B9 fan-in (BENCHMARKS.md): many sites' events into central's shared subscription, on a real
loopback Mosquitto.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b9 [--sites 300] [--site-events 200] ...

S simulated sites x E events, published by a few lightweight publisher processes (one MQTT
connection each, sync.protocol batches, hello first, waiting for central's acks and sending again
on timeout or on `missing` below what is in flight, as the edge does) to three
`mpp central --workers 1 --no-web` processes on the shared subscription, one SQLite file.

Prints one `RESULT {json}` line (read by tests/bench/slots.py). Nothing here asserts a speed; the
correctness checks are reported beside the figure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import re
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.sync_rig import (
    COUNTERS,
    SERVICES,
    CentralProcess,
    broker_extra,
    common_options,
    result,
    run,
    wait_central_online,
)

BENCHMARKS = ("B9",)
SMOKE_ARGS = ("--sites", "20", "--site-events", "50")


def site_events(site: str, count: int) -> list[dict[str, Any]]:
    """A site's day in wire form: tickets issued, called, started and done, in seq order."""
    events: list[dict[str, Any]] = []
    tickets = (count + 3) // 4
    kinds = ("ticket.issued", "ticket.called", "ticket.started", "ticket.done")
    for seq in range(1, count + 1):
        stage, ticket = divmod(seq - 1, tickets)
        tid = ticket + 1
        service = SERVICES[tid % len(SERVICES)]
        base: dict[str, Any] = {
            "business_date": "2025-03-12",
            "number": f"A-{tid:03d}",
            "ticket_id": tid,
        }
        if stage == 0:
            base.update(
                agency="DUKCAPIL",
                prefix="A",
                priority=False,
                priority_reason=None,
                sequence=tid,
                service=service,
                source="api",
                status_token=uuid.uuid4().hex[:22],
            )
        else:
            base.update(counter=COUNTERS[tid % len(COUNTERS)], officer_id=None)
        events.append(
            {
                "seq": seq,
                "id": uuid.uuid4().hex,
                "type": kinds[min(stage, 3)],
                "at": f"2025-03-12T0{1 + stage}:{tid % 60:02d}:00.000+00:00",
                "clock_synced": True,
                "data": base,
            }
        )
    return events


@dataclass
class SimSite:
    name: str
    events: list[dict[str, Any]]
    acked: int = 0
    sent_through: int = 0
    inflight: list[tuple[int, int, float]] = field(default_factory=list)
    progress_at: float = 0.0
    ack_timeout: float = 10.0  # doubled on each timeout up to 120 s, as the edge does
    window: int = 0  # batches allowed in flight: 1 after a timeout, +1 per moving ack (edge)


def publisher(
    broker_url: str,
    sites: list[str],
    per_site: int,
    batch: int,
    window: int,
    ready: Any,
    go: Any,
    out: Any,
) -> None:
    """One MQTT connection for several simulated sites; follows the edge's ack rules (sync/edge.py:
    a batch unacked after the ack timeout sends again from the oldest unacked, one batch in
    flight until acks move (then one more per moving ack, up to the window), and doubles the
    timeout, up to 120 s; progress brings it back to 10 s)."""
    from sync import protocol
    from sync.mqtt import BrokerSettings, Connected, Disconnected, Message, Session

    sims = {name: SimSite(name, site_events(name, per_site)) for name in sites}
    inbox: queue.Queue[Any] = queue.Queue()
    session = Session(BrokerSettings(broker_url, f"bench-sim-{os.getpid()}"), inbox, 1)
    session.start()
    stats = {"batches": 0, "resent_batches": 0, "acks": 0, "errors": 0, "timeouts": 0}
    while True:
        event = inbox.get(timeout=20)
        if isinstance(event, Connected):
            break
    for name in sites:
        session.subscribe(protocol.topic(name, protocol.ACK))
    ready.set()
    go.wait()

    def send(sim: SimSite, first: int, last: int) -> None:
        chunk = sim.events[first - 1 : last]
        payload = protocol.encode_batch(protocol.make_batch(sim.name, chunk), compress_over=4096)
        while session.publish(protocol.topic(sim.name, protocol.EVENTS), payload) < 0:
            time.sleep(0.01)
        sim.inflight.append((first, last, time.monotonic()))
        stats["batches"] += 1

    def pump(sim: SimSite) -> None:
        while len(sim.inflight) < (sim.window or window) and sim.sent_through < per_site:
            last = min(sim.sent_through + batch, per_site)
            send(sim, sim.sent_through + 1, last)
            sim.sent_through = last

    now = time.monotonic()
    for sim in sims.values():
        hello = protocol.Hello(
            sim.name, 1, per_site, per_site, 0, True, "2025-03-12T09:00:00+07:00", "bench"
        )
        session.publish(protocol.topic(sim.name, protocol.HELLO), protocol.encode_hello(hello))
        sim.progress_at = now
        pump(sim)
    remaining = set(sims)
    while remaining:
        try:
            event = inbox.get(timeout=0.2)
        except queue.Empty:
            event = None
        now = time.monotonic()
        if isinstance(event, Disconnected):
            raise SystemExit(f"publisher lost the broker: {event.reason}")
        if isinstance(event, Message):
            site, _kind = protocol.parse_topic(event.topic)
            sim = sims[site]
            ack = protocol.decode_ack(event.payload)
            stats["acks"] += 1
            if ack.error:
                stats["errors"] += 1
            if ack.acked_through > sim.acked:
                sim.acked = ack.acked_through
                sim.progress_at = now
                sim.ack_timeout = 10.0
                sim.window = min((sim.window or window) + 1, window)
            sim.inflight = [b for b in sim.inflight if b[1] > sim.acked]
            limit = sim.inflight[0][0] - 1 if sim.inflight else sim.sent_through
            for first, last in ack.missing:  # gaps below what is still in flight
                # As the edge does, also for a late ack (a hello answered after the batches by
                # another worker) whose range a newer ack covered: the edge cannot tell that
                # from a central restored from an older backup, so it sends again (duplicates).
                last = min(last, limit)
                if first <= last:
                    stats["resent_batches"] += 1
                    send(sim, first, last)
            pump(sim)
            if sim.acked >= per_site:
                remaining.discard(site)
        for name in list(remaining):  # no ack in time: the oldest unacked batch again
            sim = sims[name]
            if sim.inflight and now - sim.inflight[0][2] > sim.ack_timeout:
                stats["timeouts"] += 1
                sim.inflight.clear()
                sim.sent_through = sim.acked
                sim.ack_timeout = min(sim.ack_timeout * 2, 120.0)
                sim.window = 1
                pump(sim)
    out.put({"finished": time.monotonic(), "sites": len(sites), **stats})
    session.close()


def batches_per_worker(log: Path) -> dict[str, int]:
    """How many `up/events` messages the broker handed to each central client."""
    pattern = re.compile(r"Sending PUBLISH to (\S+) .*'mpp/v1/sites/[^/]+/up/events'")
    found: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        match = pattern.search(line)
        if match:
            found[match.group(1)] = found.get(match.group(1), 0) + 1
    return found


class Publishers:
    """`count` publisher processes sharing `names` (B9's and B12's simulated sites): started
    and connected, released together, their reports collected."""

    def __init__(
        self, broker_url: str, names: list[str], count: int, per_site: int, batch: int, window: int
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.ready = [ctx.Event() for _ in range(count)]
        self.go = ctx.Event()
        self.out = ctx.Queue()
        self.procs = [
            ctx.Process(
                target=publisher,
                args=(
                    broker_url,
                    names[k::count],
                    per_site,
                    batch,
                    window,
                    ready,
                    self.go,
                    self.out,
                ),
                daemon=True,
            )
            for k, ready in enumerate(self.ready)
        ]

    def start(self, connect_timeout: float) -> None:
        for p in self.procs:
            p.start()
        for e in self.ready:
            if not e.wait(connect_timeout):
                raise RuntimeError("a publisher did not connect")

    def release(self, timeout: float) -> tuple[float, float, list[dict[str, Any]]]:
        """Let every publisher go; (started, finished, reports) once all reported or timed out."""
        reports: list[dict[str, Any]] = []
        started = time.monotonic()
        self.go.set()
        deadline = started + timeout
        while len(reports) < len(self.procs) and time.monotonic() < deadline:
            try:
                reports.append(self.out.get(timeout=1))
            except queue.Empty:
                if not any(p.is_alive() for p in self.procs) and self.out.empty():
                    break
        finished = max((r["finished"] for r in reports), default=time.monotonic())
        return started, finished, reports

    def stop(self) -> None:
        for p in self.procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()


def bench_b9(args: argparse.Namespace, work: Path) -> None:
    from tests.support.broker import Mosquitto

    folder = work / "b9"
    folder.mkdir()
    # The broker logs every PUBLISH it sends, so the spread over the central workers shows.
    broker = Mosquitto(folder / "mosquitto", extra=broker_extra(args) + "log_type all\n").start()
    central_db = folder / "central.db"
    url = f"sqlite:///{central_db}"
    centrals = [
        CentralProcess(folder, f"central{k}", url, broker.url, args.b9_threads)
        for k in range(args.b9_processes)
    ]
    names = [f"SIM-{k:04d}" for k in range(args.sites)]
    publishers = Publishers(
        broker.url, names, args.publishers, args.site_events, args.b9_batch, args.window
    )
    total = args.sites * args.site_events
    try:
        for c in centrals:
            c.start()
        wait_central_online(broker.url)
        time.sleep(1.0)  # the other central processes subscribe too
        publishers.start(60)
        started, finished, reports = publishers.release(args.timeout)
    finally:
        publishers.stop()
        for c in centrals:
            c.stop()
        broker.stop()
    seconds = finished - started
    spread = batches_per_worker(broker.log)
    with sqlite3.connect(f"file:{central_db}?mode=ro", uri=True) as conn:
        per_site = conn.execute(
            "SELECT site, COUNT(*), MIN(seq), MAX(seq), COUNT(DISTINCT seq) FROM events "
            "GROUP BY site"
        ).fetchall()
        stored = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        dup, conflicts, rejected, through_ok = conn.execute(
            "SELECT SUM(duplicates_ignored), SUM(conflicts), SUM(rejected_batches), "
            "SUM(stored_through = ?) FROM sites",
            (args.site_events,),
        ).fetchone()
        quarantined = conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
    e = args.site_events
    exact_sites = sum(1 for _s, c, lo, hi, d in per_site if (c, lo, hi, d) == (e, 1, e, e))
    all_acked = (
        len(reports) == len(publishers.procs) and sum(r["sites"] for r in reports) == args.sites
    )
    checks = {
        f"{total} stored": stored == total,
        f"every site seq 1..{e}": exact_sites == args.sites == len(per_site),
        "every site acked": all_acked,
        "stored_through = E for every site": through_ok == args.sites,
        "no conflicts or quarantine": (conflicts or 0) == 0 and quarantined == 0,
        "every central worker took batches": len(spread) == args.b9_processes * args.b9_threads,
    }
    stat = {
        k: sum(r[k] for r in reports)
        for k in ("batches", "resent_batches", "acks", "errors", "timeouts")
    }
    figure = (
        f"{stored:,} events from {args.sites} sites in {seconds:.1f} s "
        f"({stored / seconds:,.0f} events/s; {args.b9_processes} central processes x "
        f"{args.b9_threads} worker, {args.publishers} publisher processes, batch "
        f"{args.b9_batch}; {dup or 0} duplicates ignored, {stat['resent_batches']} batches "
        f"resent, {stat['timeouts']} timeouts)"
    )
    result(
        "B9",
        figure,
        all(checks.values()) and seconds <= 60,
        checks,
        seconds=seconds,
        stored=stored,
        duplicates_ignored=dup or 0,
        rejected=rejected or 0,
        publishers=stat,
        batches_per_worker=spread,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_options(parser)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--site-events", type=int, default=200)
    parser.add_argument("--publishers", type=int, default=4, help="B9 publisher processes")
    parser.add_argument("--b9-processes", type=int, default=3, help="B9 central processes")
    parser.add_argument("--b9-threads", type=int, default=1, help="B9 workers per process")
    parser.add_argument("--b9-batch", type=int, default=100, help="B9 events per batch")
    run(bench_b9, parser.parse_args())


if __name__ == "__main__":
    main()
