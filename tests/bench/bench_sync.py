"""B7 drain, B8 live sync, B9 fan-in (BENCHMARKS.md): the sync path on a real loopback Mosquitto.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_sync [--only B7,B9] [--events N] ...

- B7: an appliance outbox with N pending events (part from real engine actions: issue, call,
  start, done; the rest copies of those events with shifted ticket ids and tokens, appended with
  `appliance.queue.outbox.append` in large transactions), then `mpp central --no-web` and `mpp sync`
  as subprocesses; wall time from starting `mpp sync` until the edge outbox is fully acked, and
  central holds exactly seq 1..N for the site.
- B8: everything connected and idle; tickets issued one at a time at a steady pace by the engine
  in this process on the edge's database file; per event, the time from the engine's commit
  (its after-commit listener) to the moment the row is visible in central's SQLite file, polled
  from this process every 2 ms.
- B9: S simulated sites x E events, published by a few lightweight publisher processes (one
  MQTT connection each, sync.protocol batches, hello first, waiting for central's acks and
  sending again on timeout or on `missing` below what is in flight, as the edge does) to three
  `mpp central --workers 1 --no-web` processes on the shared subscription, one SQLite file.

Prints one `RESULT {json}` line per benchmark (read by tests/bench/slots.py). Nothing here
asserts a speed; the correctness checks are reported beside the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import queue
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

BENCHMARKS = ("B7", "B8", "B9")
SMOKE_ARGS = (
    "--events",
    "5000",
    "--engine-tickets",
    "100",
    "--live-seconds",
    "3",
    "--sites",
    "20",
    "--site-events",
    "50",
)

SITE = "9999-MPP"
SERVICES = ("KTP", "KK", "INFO", "PBB")
COUNTERS = ("L01", "L02", "L03", "L05")


def result(
    id_: str, figure: str, passed: bool | None, checks: dict[str, bool], **data: Any
) -> None:
    row = {"id": id_, "figure": figure, "passed": passed, "checks": checks, **data}
    print("RESULT " + json.dumps(row), flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


# -- processes ------------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    extra = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + extra if extra else "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


class CentralProcess:
    """`python -m sync.cli --config FILE central --no-web --workers N`, stopped by its pid."""

    def __init__(self, workdir: Path, name: str, db_url: str, broker_url: str, workers: int):
        self.config = workdir / f"{name}.toml"
        self.config.write_text(
            f'[central]\ndatabase = "{db_url}"\nbroker = "{broker_url}"\nworkers = {workers}\n'
        )
        self.log = workdir / f"{name}.log"
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CentralProcess:
        cmd = [sys.executable, "-m", "sync.cli", "--config", str(self.config), "central"]
        cmd += ["--no-web", "--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=child_env(), cwd=ROOT
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
        self.process = None


def wait_central_online(broker_url: str, timeout: float = 20.0) -> None:
    """Until central's retained `mpp/v1/central/status` says online (its worker 0 subscribed)."""
    from sync import protocol
    from sync.mqtt import BrokerSettings, Message, Session

    inbox: queue.Queue[Any] = queue.Queue()
    session = Session(BrokerSettings(broker_url, f"bench-probe-{uuid.uuid4().hex[:8]}"), inbox, 1)
    session.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                event = inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            if type(event).__name__ == "Connected":
                session.subscribe(protocol.CENTRAL_STATUS)
            elif isinstance(event, Message) and event.payload == protocol.ONLINE:
                return
        raise RuntimeError("central did not come online")
    finally:
        session.close()


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


def broker_extra(args: argparse.Namespace) -> str:
    """Lines added to the harness's mosquitto.conf (`--broker-conf`, e.g. set_tcp_nodelay)."""
    return "".join(f"{line}\n" for line in args.broker_conf)


# -- B7 -------------------------------------------------------------------------------------------


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


def central_check(db_path: Path, site: str, n: int) -> dict[str, Any]:
    """What central holds for `site`: counts, seq range, the site row's counters."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as conn:
        count, lo, hi, distinct = conn.execute(
            "SELECT COUNT(*), MIN(seq), MAX(seq), COUNT(DISTINCT seq) FROM events WHERE site = ?",
            (site,),
        ).fetchone()
        row = conn.execute(
            "SELECT stored_through, events_stored, duplicates_ignored, conflicts, "
            "rejected_batches FROM sites WHERE code = ?",
            (site,),
        ).fetchone() or (0, 0, 0, 0, 0)
        quarantined = conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
        tickets = conn.execute("SELECT COUNT(*) FROM tickets WHERE site = ?", (site,)).fetchone()
    return {
        "count": count,
        "exact": count == n and lo == 1 and hi == n and distinct == n,
        "stored_through": row[0],
        "events_stored": row[1],
        "duplicates_ignored": row[2],
        "conflicts": row[3],
        "rejected_batches": row[4],
        "quarantined": quarantined,
        "tickets_projected": tickets[0],
    }


def edge_to_central(
    args: argparse.Namespace, folder: Path, site: Any, *, ack_s: int, stall_s: int
) -> tuple[Any, Path, CentralProcess, Any]:
    """A started loopback Mosquitto, and (not started) `mpp central` on a SQLite file in `folder`
    and `mpp sync` for `site` with the benchmark's sync settings: B7 and B8 share this rig."""
    from tests.support.broker import Mosquitto
    from tests.support.sync_harness import EdgeProcess

    broker = Mosquitto(folder / "mosquitto", extra=broker_extra(args)).start()
    central_db = folder / "central.db"
    central = CentralProcess(
        folder, "central", f"sqlite:///{central_db}", broker.url, args.central_workers
    )
    edge = EdgeProcess(
        folder,
        site.path,
        broker.url,
        batch_size=args.batch_size,
        window=args.window,
        compress_over_bytes=args.compress_over,
        extra_args=(
            "--ack-timeout",
            str(ack_s),
            "--stall",
            str(stall_s),
            "--connect-timeout",
            "15",
        ),
    )
    return broker, central_db, central, edge


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


# -- B8 -------------------------------------------------------------------------------------------


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


# -- B9 -------------------------------------------------------------------------------------------


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
    """One MQTT connection for several simulated sites; follows the edge's ack rules."""
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
    ack_timeout = 10.0

    def send(sim: SimSite, first: int, last: int) -> None:
        chunk = sim.events[first - 1 : last]
        payload = protocol.encode_batch(protocol.make_batch(sim.name, chunk), compress_over=4096)
        while session.publish(protocol.topic(sim.name, protocol.EVENTS), payload) < 0:
            time.sleep(0.01)
        sim.inflight.append((first, last, time.monotonic()))
        stats["batches"] += 1

    def pump(sim: SimSite) -> None:
        while len(sim.inflight) < window and sim.sent_through < per_site:
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
        for name in list(remaining):  # no ack in time: everything unacked again
            sim = sims[name]
            if sim.inflight and now - sim.inflight[0][2] > ack_timeout:
                stats["timeouts"] += 1
                sim.inflight.clear()
                sim.sent_through = sim.acked
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
    ctx = multiprocessing.get_context("spawn")
    ready = [ctx.Event() for _ in range(args.publishers)]
    go = ctx.Event()
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=publisher,
            args=(
                broker.url,
                names[k :: args.publishers],
                args.site_events,
                args.b9_batch,
                args.window,
                ready[k],
                go,
                out,
            ),
            daemon=True,
        )
        for k in range(args.publishers)
    ]
    reports: list[dict[str, Any]] = []
    total = args.sites * args.site_events
    try:
        for c in centrals:
            c.start()
        wait_central_online(broker.url)
        time.sleep(1.0)  # the other central processes subscribe too
        for p in procs:
            p.start()
        for e in ready:
            if not e.wait(60):
                raise RuntimeError("a publisher did not connect")
        started = time.monotonic()
        go.set()
        deadline = started + args.timeout
        while len(reports) < len(procs) and time.monotonic() < deadline:
            try:
                reports.append(out.get(timeout=1))
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and out.empty():
                    break
        finished = max((r["finished"] for r in reports), default=time.monotonic())
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
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
    all_acked = len(reports) == len(procs) and sum(r["sites"] for r in reports) == args.sites
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


# -- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="B7,B8,B9")
    parser.add_argument("--events", type=int, default=100_000, help="B7 outbox size")
    parser.add_argument(
        "--engine-tickets",
        type=int,
        default=500,
        help="B7: tickets issued and served by the engine (4 events each)",
    )
    parser.add_argument("--batch-size", type=int, default=500, help="sync.batch_size (B7, B8)")
    parser.add_argument("--window", type=int, default=4, help="sync.window")
    parser.add_argument("--compress-over", type=int, default=4096, help="sync.compress_over_bytes")
    parser.add_argument("--central-workers", type=int, default=1, help="B7/B8 ingest workers")
    parser.add_argument("--live-rate", type=float, default=20.0, help="B8 tickets per second")
    parser.add_argument("--live-seconds", type=float, default=10.0)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--site-events", type=int, default=200)
    parser.add_argument("--publishers", type=int, default=4, help="B9 publisher processes")
    parser.add_argument("--b9-processes", type=int, default=3, help="B9 central processes")
    parser.add_argument("--b9-threads", type=int, default=1, help="B9 workers per process")
    parser.add_argument("--b9-batch", type=int, default=100, help="B9 events per batch")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--profile", help="folder for py-spy raw profiles of B7's processes")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "/tmp/spy/bin/py-spy")
    parser.add_argument(
        "--broker-conf", action="append", default=[], help="a mosquitto.conf line (repeatable)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    wanted = {s.strip() for s in args.only.split(",")}
    work = Path(tempfile.mkdtemp(prefix="mpp-bench-sync-"))
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, load {os.getloadavg()}", flush=True)
    try:
        for id_, bench in (("B7", bench_b7), ("B8", bench_b8), ("B9", bench_b9)):
            if id_ in wanted:
                bench(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
