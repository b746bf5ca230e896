"""What the sync benchmarks (bench_b7.py, bench_b8.py, bench_b9.py; BENCHMARKS.md) share: the
`RESULT` line tests/bench/slots.py reads, `mpp central` as a subprocess, waiting for central to
come online, central's stored events checked, the B7/B8 rig (a loopback Mosquitto, central and
`mpp sync`), and the options and temporary folder every benchmark script takes."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

SITE = "9999-MPP"
SERVICES = ("KTP", "KK", "INFO", "PBB")
COUNTERS = ("L01", "L02", "L03", "L05")


def result(
    id_: str, figure: str, passed: bool | None, checks: dict[str, bool], **data: Any
) -> None:
    row = {"id": id_, "figure": figure, "passed": passed, "checks": checks, **data}
    print("RESULT " + json.dumps(row), flush=True)


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
    from tests.support.broker import Listener

    with Listener(broker_url, protocol.CENTRAL_STATUS) as status:
        if status.wait_for(lambda payload: payload == protocol.ONLINE, timeout) is None:
            raise RuntimeError("central did not come online")


def broker_extra(args: argparse.Namespace) -> str:
    """Lines added to the harness's mosquitto.conf (`--broker-conf`, e.g. set_tcp_nodelay)."""
    return "".join(f"{line}\n" for line in args.broker_conf)


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


# -- options and the run --------------------------------------------------------------------------


def common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--window", type=int, default=4, help="sync.window")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--broker-conf", action="append", default=[], help="a mosquitto.conf line (repeatable)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")


def edge_options(parser: argparse.ArgumentParser) -> None:
    """The settings of the real `mpp sync` and `mpp central` that B7 and B8 run."""
    parser.add_argument("--batch-size", type=int, default=500, help="sync.batch_size (B7, B8)")
    parser.add_argument("--compress-over", type=int, default=4096, help="sync.compress_over_bytes")
    parser.add_argument("--central-workers", type=int, default=1, help="B7/B8 ingest workers")


def run(bench: Callable[[argparse.Namespace, Path], None], args: argparse.Namespace) -> None:
    """One benchmark in a temporary folder, removed afterwards unless --keep."""
    work = Path(tempfile.mkdtemp(prefix="mpp-bench-sync-"))
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, load {os.getloadavg()}", flush=True)
    try:
        bench(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
