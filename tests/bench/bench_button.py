"""B4: press -> committed ticket -> receipt bytes handed to the printer driver, p50/p99.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_button [--presses N]
Mock pins drive the real button code on a real SQLite file (synchronous=FULL); the printer is
escpos's Dummy, timed at the moment the whole job's bytes reach its write call. Prints figures
and one `RESULT` line (tests/bench/slots.py) with the correctness checks: every press made
exactly one ticket and one receipt, and the receipts carry the numbers issued. The target is
p99 <= 50 ms. Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from appliance.config.sections import ButtonConfig
from tests.support.escpos_fakes import decode
from tests.support.hardware_fixtures import TICKET_PIN, Front, make_front

BENCHMARKS = ("B4",)
SMOKE_ARGS = ("--presses", "30")


def checks(front: Front, presses: int) -> dict[str, bool]:
    """After the hardware stopped (no job still on its way): one ticket and one receipt per
    press, and the receipts' large numbers are the tickets' numbers, each once."""
    numbers = sorted(ticket.number for ticket in front.site.tickets())
    printed = sorted(
        text for job in front.paper.jobs for size, text in decode(job).large if size == 6
    )
    return {
        "one ticket per press": len(numbers) == presses,
        "one receipt per press": len(front.paper.jobs) == presses,
        "receipts carry the issued numbers": printed == numbers,
    }


def measure(presses: int) -> tuple[list[float], dict[str, bool]]:
    with tempfile.TemporaryDirectory() as folder:
        front = make_front(
            Path(folder) / "bench.db", buttons=(ButtonConfig(TICKET_PIN, "INFO", cooldown_s=0),)
        )
        handed = threading.Event()
        stamps: list[float] = []

        def on_job(_job: bytes) -> None:
            stamps.append(time.perf_counter())
            handed.set()

        front.paper.on_job.append(on_job)
        front.hardware.start()
        try:
            latencies = []
            for _ in range(presses):
                handed.clear()
                start = time.perf_counter()
                front.press()
                if not handed.wait(10):
                    raise SystemExit("a receipt never reached the printer")
                latencies.append((stamps[-1] - start) * 1000)
        finally:
            front.hardware.stop()
        try:
            return latencies, checks(front, presses)
        finally:
            front.site.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=500)
    args = parser.parse_args()
    latencies, checked = measure(args.presses)
    ms = sorted(latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    figure = (
        f"press -> receipt bytes at the driver, {len(ms)} presses: "
        f"p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms, max {ms[-1]:.2f} ms"
    )
    print(figure + " (target p99 <= 50 ms)")
    row = {"id": "B4", "figure": figure, "passed": p99 <= 50, "checks": checked}
    print("RESULT " + json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
