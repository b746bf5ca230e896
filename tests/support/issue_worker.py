"""Issue tickets on an existing site file from a separate process, as another writer would.

Used by the multi-process numbering test and the SIGKILL crash test. Every ticket is printed to
stdout as `<id> <number> <business date>` only after `issue` returned, i.e. after its commit, and
flushed at once, so the parent knows exactly which tickets a caller saw committed.

    python issue_worker.py DB --at 2025-03-12T09:00:00+07:00 --services KTP,INFO \
        --count 500 --wait-go

`--count 0` issues until killed. With `--wait-go` the worker opens the database, prints `ready`
and waits for one line on stdin, so several workers start issuing at the same moment.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from itertools import count as endless

from appliance.clock import ManualClock
from appliance.queue.engine import QueueEngine
from appliance.storage.database import open_database


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--at", required=True, help="aware ISO time the clock stands at")
    parser.add_argument("--services", required=True, help="comma-separated service codes")
    parser.add_argument("--count", type=int, default=0, help="0 = until killed")
    parser.add_argument("--priority-every", type=int, default=7)
    parser.add_argument("--wait-go", action="store_true")
    args = parser.parse_args(argv)

    db = open_database(args.db)
    engine = QueueEngine(db, ManualClock(datetime.fromisoformat(args.at)))
    services = args.services.split(",")
    if args.wait_go:
        print("ready", flush=True)
        sys.stdin.readline()
    steps = range(args.count) if args.count > 0 else endless()
    # One connection for the whole run, as a long-lived writer process keeps it.
    with db.connection_context():
        for i in steps:
            every = args.priority_every
            priority = every > 0 and i % every == every - 1
            info = engine.issue(
                services[i % len(services)],
                priority=priority,
                priority_reason="lansia" if priority else None,
                source="kiosk",
            )
            print(f"{info.id} {info.number} {info.business_date.isoformat()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
