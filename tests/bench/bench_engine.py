"""The queue engine without HTTP: issue, and call next + done, from one thread on a real SQLite
file (WAL, synchronous=FULL) with the Kota Metro catalogue. Prints figures; asserts nothing.

    PYTHONPATH=$PWD python -m tests.bench.bench_engine [--tickets 5000]

The gap between these figures and B1/B2 is what HTTP, threads and the GIL cost.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from appliance.catalogue.store import apply_catalogue, load_catalogue, packaged_catalogue
from appliance.clock import ManualClock
from appliance.config.load import load_config
from appliance.runtime import open_core
from appliance.storage.database import connected


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, max {ordered[-1] * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mpp-bench-engine-"))
    try:
        return _measure(folder, args.tickets)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(folder: Path, tickets: int) -> int:
    config = load_config(
        None,
        {"MPP_STORAGE__DATABASE": str(folder / "a.db"), "MPP_QUEUE__ENFORCE_HOURS": "false"},
    )
    clock = ManualClock(datetime(2025, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    core = open_core(config, clock=clock)
    apply_catalogue(core.db, load_catalogue(packaged_catalogue("kota-metro")), clock=clock)
    with core.db.write():
        core.db.execute_sql("UPDATE service SET daily_quota = NULL")
    with connected(core.db):
        links = core.db.execute_sql(
            "SELECT counter_code, MIN(service_code) FROM counter_service GROUP BY counter_code "
            "ORDER BY counter_code LIMIT 40"
        ).fetchall()
    counters = [code for code, _ in links]
    services = [service for _, service in links]
    issue_s = []
    began = time.perf_counter()
    for n in range(tickets):
        start = time.perf_counter()
        core.engine.issue(services[n % len(services)])
        issue_s.append(time.perf_counter() - start)
    issue_rate = tickets / (time.perf_counter() - began)
    call_s = []
    began = time.perf_counter()
    calls = 0
    for n in range(tickets):
        counter = counters[n % len(counters)]
        start = time.perf_counter()
        core.engine.call_next(counter)
        core.engine.done(counter)
        call_s.append(time.perf_counter() - start)
        calls += 1
    call_rate = calls / (time.perf_counter() - began)
    print(f"engine.issue: {issue_rate:.0f}/s; {_percentiles(issue_s)} ({tickets} tickets)")
    print(f"engine.call_next+done: {call_rate:.0f} pairs/s; {_percentiles(call_s)} per pair")
    return 0


if __name__ == "__main__":
    sys.exit(main())
