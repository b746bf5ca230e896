"""How long one announcement WAV takes to build: uncached, from disk cache, from memory.

Not a test (figures vary by machine); run it and read the numbers:

    PYTHONPATH=$PWD python -m tests.bench.bench_announce [--calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from appliance.storage.database import connected
from appliance.storage.models import Call
from appliance.voice.announce import Announcer, ClipSet
from tests.support.engine_fixtures import make_site


def timed(label: str, ids: list[int], build: Callable[[int], bytes]) -> None:
    samples = []
    for call_id in ids:
        start = time.perf_counter()
        build(call_id)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p90 = samples[int(len(samples) * 0.9) - 1]
    print(
        f"{label:<34} n={len(samples):4d}  median {statistics.median(samples):7.3f} ms"
        f"  p90 {p90:7.3f} ms  max {samples[-1]:7.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        site = make_site(tmp / "bench.db")
        for _ in range(args.calls):
            site.engine.issue("INFO")
            site.engine.call_next("L01")
            site.engine.done("L01")
        with connected(site.db):
            ids = [int(c.id) for c in Call.select(Call.id).order_by(Call.id)]

        start = time.perf_counter()
        clips = ClipSet.load(None)
        loaded_ms = (time.perf_counter() - start) * 1000
        print(f"{'ClipSet.load (packaged, 49 clips)':<34} {loaded_ms:.1f} ms")

        with connected(site.db):
            memory = Announcer(site.db, clips, cache_size=len(ids))
            timed("uncached (db read + join)", ids, memory.wav_for_call)
            timed("cached in memory", ids, memory.wav_for_call)
            disk = Announcer(site.db, clips, tmp / "cache", cache_files=len(ids) + 1)
            timed("uncached + written to cache_dir", ids, disk.wav_for_call)
            fresh = Announcer(site.db, clips, tmp / "cache")  # a restart: empty memory
            timed("from cache_dir (db read + file)", ids, fresh.wav_for_call)
            size = len(memory.wav_for_call(ids[-1]))
        print(f"one announcement: {size} bytes ({(size - 44) / 32000:.2f} s of audio)")


if __name__ == "__main__":
    main()
