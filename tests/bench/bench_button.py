"""B4: press -> committed ticket -> receipt bytes handed to the printer driver, p50/p99.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_button [--presses N]
Mock pins drive the real button code on a real SQLite file (synchronous=FULL); the printer is
escpos's Dummy, timed at the moment the whole job's bytes reach its write call. Prints figures;
the target is p99 <= 50 ms. Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from appliance.config.sections import ButtonConfig
from tests.support.hardware_fixtures import TICKET_PIN, make_front


def measure(presses: int) -> list[float]:
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
            return latencies
        finally:
            front.hardware.stop()
            front.site.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=500)
    args = parser.parse_args()
    ms = sorted(measure(args.presses))
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"press -> receipt bytes at the driver, {len(ms)} presses: "
        f"p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms, max {ms[-1]:.2f} ms "
        f"(target p99 <= 50 ms)"
    )


if __name__ == "__main__":
    main()
