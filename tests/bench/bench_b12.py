"""B12 national fan-in (BENCHMARKS.md): S sites x E events into `mpp central` on PostgreSQL with
4 ingest workers, while the dashboard and the sites API are polled.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b12 [--sites 500] [--site-events 2000]
     [--ingest-processes 2] [--workers 2] [--publishers 4] [--api-every 0.2]
     [--dashboard-every 1.0] [--web-process] [--pg-setting synchronous_commit=off ...]

The parts are real: Debian's PostgreSQL started on a free loopback port in a temporary data
directory (tests/support/postgres.py, the sync suite's helper; the server's defaults, so
`synchronous_commit = on` unless `--pg-setting` says otherwise), a loopback Mosquitto, and
`mpp central` as production runs it: `central.ingest_processes = P` (default 2) children of
`--workers` ingest threads each (default 2: 4 workers in all) beside the process that serves
HTTP. `--ingest-processes 0 --workers 4` is the older layout, one process with 4 ingest threads
and the HTTP server; only there does `--web-process` still mean something (the pollers ask a
second, `--web-only` process). The sites are B9's simulated publishers
(tests/bench/bench_b9.py: sync.protocol batches, hello first, the edge's ack rules), a few
publisher processes each carrying many sites. During the ingest one client asks
`GET /api/v1/central/sites` (supervisor token) every `--api-every` s and another, logged in as an
officer of central, loads `/dashboard` every `--dashboard-every` s; both are timed into
tests/bench/hdr.py histograms.

Exact: central holds seq 1..E of every site once, `stored_through` = E everywhere, nothing
quarantined, every site acked, and every poll answered 200. Prints one `RESULT {json}` line;
nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.bench.bench_b9 import Publishers
from tests.bench.cpu_account import own_cpu_s, postmaster_pid, tree_cpu_s
from tests.bench.hdr import Histogram
from tests.bench.sync_rig import child_env, common_options, result, run, wait_central_online
from tests.support.live_appliance import Client, free_port, healthz

BENCHMARKS = ("B12",)
SMOKE_ARGS = ("--sites", "6", "--site-events", "60", "--publishers", "2")
PASSWORD = "bench-pusat-sandi-123"


class Poller:
    """GET `path` every `every` seconds on one keep-alive connection, each answer timed."""

    def __init__(self, client: Client, path: str, every: float) -> None:
        self.client, self.path, self.every = client, path, every
        self.latency = Histogram()
        self.statuses: dict[int, int] = {}
        self.sites_seen = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                status, body, _ = self.client.request("GET", self.path)
            except OSError:
                status, body = 0, None
                self.client.close()
            self.latency.record_ms((time.monotonic() - began) * 1000)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if isinstance(body, dict):
                self.sites_seen = max(self.sites_seen, int(body.get("total", 0)))
            self.stop.wait(max(0.0, self.every - (time.monotonic() - began)))


def layout(args: argparse.Namespace) -> str:
    """What the run's central was, in words, for the printed figure."""
    if args.ingest_processes:
        return (
            f"{args.ingest_processes} ingest processes x {args.workers} workers beside the "
            "HTTP process"
        )
    web = "; HTTP polled on a second --web-only process" if args.web_process else " and HTTP"
    return f"one process: {args.workers} ingest threads{web}"


def start_central(
    folder: Path, db_url: str, broker_url: str, port: int, args: argparse.Namespace, *mode: str
) -> Any:
    """`mpp central` with its HTTP on `port` and `central.ingest_processes` from `args`; `mode`
    "--web-only": no ingest workers."""
    config = folder / "central.toml"
    config.write_text(
        f'[central]\ndatabase = "{db_url}"\nbroker = "{broker_url}"\n'
        f"workers = {args.workers}\ningest_processes = {args.ingest_processes}\n"
        f'[central.web]\nhost = "127.0.0.1"\nport = {port}\n'
        f'public_url = "http://127.0.0.1:{port}"\n'
        'secret_key = "b12-secret-key-0123456789abcdef0123456789"\n'
    )
    log = (folder / "central.log").open("ab")
    cmd = [sys.executable, "-m", "sync.cli", "--config", str(config), "central"]
    process = subprocess.Popen(
        [*cmd, *mode],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=child_env(),
    )
    log.close()
    deadline = time.monotonic() + 60
    while healthz(port) != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((folder / "central.log").read_text(errors="replace")[-2000:])
        time.sleep(0.1)
    return process


def accounts(db_url: str) -> str:
    """An officer for the dashboard and a supervisor token for the API; returns the token."""
    from sync.central.accounts import add_user, create_token
    from sync.central.store import open_central_database

    db = open_central_database(db_url)
    try:
        add_user(db, "pusat", PASSWORD, "admin")
        return create_token(db, "b12-poller", "supervisor")
    finally:
        db.close()


def exact(db_url: str, sites: int, per_site: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        per = conn.execute(
            "SELECT site, COUNT(*), MIN(seq), MAX(seq), COUNT(DISTINCT seq) FROM events "
            "GROUP BY site"
        ).fetchall()
        stored = conn.execute("SELECT COUNT(*) FROM events").fetchone()
        through, dup = conn.execute(
            "SELECT SUM(CASE WHEN stored_through = %s THEN 1 ELSE 0 END), "
            "SUM(duplicates_ignored) FROM sites",
            (per_site,),
        ).fetchone() or (0, 0)
        quarantined = conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()
    e = per_site
    exact_sites = sum(1 for _s, c, lo, hi, d in per if (c, lo, hi, d) == (e, 1, e, e))
    return {
        "stored": stored[0] if stored else 0,
        "exact_sites": exact_sites,
        "site_rows": len(per),
        "through_ok": int(through or 0),
        "duplicates_ignored": int(dup or 0),
        "quarantined": quarantined[0] if quarantined else 0,
        "total_ok": (stored[0] if stored else 0) == sites * per_site,
    }


def ingest(
    args: argparse.Namespace, broker_url: str, port: int, token: str
) -> tuple[float, list[dict[str, Any]], Poller, Poller]:
    names = [f"NAT-{k:04d}" for k in range(args.sites)]
    publishers = Publishers(
        broker_url, names, args.publishers, args.site_events, args.batch, args.window
    )
    api = Poller(Client(port, token, timeout=60), "/api/v1/central/sites", args.api_every)
    browser = Client(port, timeout=60)
    status = browser.request(
        "POST", "/api/v1/auth/login", {"username": "pusat", "password": PASSWORD}
    )[0]
    if status != 200:
        raise RuntimeError(f"dashboard login answered {status}")
    dashboard = Poller(browser, "/dashboard", args.dashboard_every)
    try:
        publishers.start(120)
        api.thread.start()
        dashboard.thread.start()
        started, finished, reports = publishers.release(args.timeout)
    finally:
        api.stop.set()
        dashboard.stop.set()
        publishers.stop()
    api.thread.join(30)
    dashboard.thread.join(30)
    return finished - started, reports, api, dashboard


def bench_b12(args: argparse.Namespace, work: Path) -> None:
    from tests.support.broker import Mosquitto
    from tests.support.postgres import create_database, postgres_server

    folder = work / "b12"
    folder.mkdir()
    with postgres_server(*args.pg_setting) as server:
        db_url = create_database(server, "central_b12")
        token = accounts(db_url)
        broker = Mosquitto(folder / "mosquitto").start()
        port = free_port()
        central = start_central(folder, db_url, broker.url, port, args)
        parts = {"central": central.pid, "postgresql": _postmaster(db_url)}
        web = None
        if args.web_process:  # the pollers ask a second, HTTP-only process on its own port
            port = free_port()
            web = start_central(folder, db_url, broker.url, port, args, "--web-only")
            parts["central web"] = web.pid
        if broker.process is not None:
            parts["mosquitto"] = broker.process.pid
        try:
            wait_central_online(broker.url)
            before = {name: tree_cpu_s(pid) for name, pid in parts.items()}
            own_before = own_cpu_s(central.pid)
            seconds, reports, api, dashboard = ingest(args, broker.url, port, token)
            cpu = {name: tree_cpu_s(pid) - before[name] for name, pid in parts.items()}
            # central's first process alone: HTTP and publisher when the ingest is in children
            central_own = own_cpu_s(central.pid) - own_before
        finally:
            for process in (central, web):
                if process is None:
                    continue
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            broker.stop()
        found = exact(db_url, args.sites, args.site_events)
    total = args.sites * args.site_events
    acked = sum(r["sites"] for r in reports)
    polls_ok = set(api.statuses) == {200} and set(dashboard.statuses) == {200}
    checks = {
        f"{total} stored": found["total_ok"],
        f"every site seq 1..{args.site_events}": found["exact_sites"]
        == args.sites
        == found["site_rows"],
        "stored_through = E for every site": found["through_ok"] == args.sites,
        "nothing quarantined": found["quarantined"] == 0,
        "every site acked": len(reports) == args.publishers and acked == args.sites,
        "every poll answered 200": polls_ok,
    }
    a, d = api.latency.summary(), dashboard.latency.summary()
    rate = found["stored"] / seconds if seconds > 0 else 0.0
    # CPU per 1,000 events stored, and the cores each part needs for B12's 20,000 events/s.
    per_k = {name: used * 1000 / max(found["stored"], 1) for name, used in cpu.items()}
    cores = {name: ms * 20 for name, ms in per_k.items()}  # s per 1,000 x 20 (thousand/s)
    cost = ", ".join(f"{name} {per_k[name]:.3f} s/1,000 events" for name in per_k)
    if args.ingest_processes:  # what of central's was not ingest
        cost += f" (its HTTP process {central_own * 1000 / max(found['stored'], 1):.3f})"
    figure = (
        f"{found['stored']:,} events from {args.sites} sites in {seconds:.1f} s ({rate:,.0f} "
        f"events/s; PostgreSQL, {layout(args)}); sites API p50 {a['p50']:.0f} ms, p99 "
        f"{a['p99']:.0f} ms ({a['n']} polls); dashboard p50 {d['p50']:.0f} ms, p99 "
        f"{d['p99']:.0f} ms ({d['n']} loads); CPU: {cost} (cores for 20,000 events/s: "
        f"{sum(cores.values()):.1f})"
    )
    result(
        "B12",
        figure,
        all(checks.values()) and rate >= 20_000 and a["p99"] <= 200,
        checks,
        seconds=seconds,
        events_per_s=rate,
        sites_api_ms=a,
        dashboard_ms=d,
        api_statuses=api.statuses,
        dashboard_statuses=dashboard.statuses,
        exact=found,
        publishers={
            k: sum(r[k] for r in reports)
            for k in ("batches", "resent_batches", "acks", "errors", "timeouts")
        },
        pg_settings=args.pg_setting,
        layout=layout(args),
        ingest_processes=args.ingest_processes,
        workers=args.workers,
        web_process=args.web_process,
        cpu_s=cpu,
        central_first_process_cpu_s=central_own,
        cpu_s_per_1000_events=per_k,
        cores_for_20000_per_s=cores,
    )


def _postmaster(db_url: str) -> int:
    """The pid of the PostgreSQL server behind `db_url` (it runs as another user)."""
    import psycopg

    with psycopg.connect(db_url) as connection:
        row = connection.execute("SHOW data_directory").fetchone()
    assert row is not None
    return postmaster_pid(str(row[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_options(parser)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--site-events", type=int, default=2000)
    parser.add_argument(
        "--ingest-processes",
        type=int,
        default=2,
        help="central.ingest_processes (0: the ingest threads share central's one process)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="central.workers: ingest threads per process"
    )
    parser.add_argument("--publishers", type=int, default=4, help="publisher processes")
    parser.add_argument("--batch", type=int, default=500, help="events per batch (sync default)")
    parser.add_argument("--api-every", type=float, default=0.2, help="sites API poll interval")
    parser.add_argument("--dashboard-every", type=float, default=1.0)
    parser.add_argument(
        "--web-process",
        action="store_true",
        help="with --ingest-processes 0: poll a second `mpp central --web-only` process",
    )
    parser.add_argument(
        "--pg-setting", action="append", default=[], help="a PostgreSQL -c name=value"
    )
    args = parser.parse_args()
    if args.web_process and args.ingest_processes:
        parser.error("--web-process only with --ingest-processes 0 (the HTTP is apart already)")
    print(f"B12 layout: {layout(args)}", flush=True)
    run(bench_b12, args)


if __name__ == "__main__":
    main()
