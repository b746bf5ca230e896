"""B2o, call at an offered load (BENCHMARKS.md): 40 counters call next + done on an open-loop
Poisson schedule against a real `mpp run` on the shipped Kota Metro catalogue, boards streaming.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b2o [--rate 400] [--curve 100,200,400,600,800]
     [--seconds 20] [--counters 40] [--boards 5] [--catalogue FILE]

Open loop, as wrk2 measures: every counter has its own Poisson schedule (rate / counters each;
their sum is a Poisson stream at `rate`), computed in advance and never moved by the server's
answers. Each `next` is timed from its *scheduled* time, not from when the client got round to
sending it, so a stalled server is charged for every request that queued behind the stall (no
coordinated omission). `done` follows `next` on the same keep-alive connection (a counter is one
officer: one request at a time); the pair is timed from the schedule too. Latencies go into an
HdrHistogram-style log-bucketed histogram (tests/bench/hdr.py, 1 % precision), merged over the
client processes.

The queue: the first 40 counters that serve a service without a daily quota; for each level,
tickets for one such service of each counter are issued first by the kiosk, 1.4 x what the level
will call plus 10 a counter. A counter whose lag grows past `--max-lag` seconds stops and its
remaining schedule is charged as abandoned (each at the lag it had reached: a lower bound).

Correctness (the smoke run checks only these): every `next` and `done` answered 200, the queue
never ran dry, no ticket called twice (answers and database), every board saw every call.
Prints a line per level, the headline distribution and one `RESULT {json}` line
(tests/bench/slots.py). Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.bench import loadgen
from tests.bench.bench_b13 import cpu_seconds
from tests.bench.hdr import Histogram
from tests.bench.served import board_delays, db_rows
from tests.bench.sync_rig import result
from tests.support.live_appliance import (
    Client,
    LiveAppliance,
    Prepared,
    bench_catalogue,
    kota_metro,
    prepare,
)

BENCHMARKS = ("B2o",)
SMOKE_ARGS = ("--smoke",)
TARGET = "p99 <= 25 ms; p99.9 <= 100 ms (at 400 calls/s)"


def load_catalogue(path: str | None) -> dict[str, Any]:
    if path is None:
        return kota_metro()
    if path == "bench":  # B2's generated catalogue: 20 services, 40 counters serving all
        return bench_catalogue(20, 40)
    doc: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return doc


def prepare_site(
    folder: Path, catalogue: dict[str, Any], *, max_streams: int = 24, **sections: Any
) -> Prepared:
    """The catalogue applied, a kiosk token and one officer token per counter."""
    return prepare(
        folder,
        catalogue,
        tokens=(("kiosk", "kiosk", ()),),
        counter_tokens=True,
        max_streams=max_streams,
        **sections,
    )


def quota_free(catalogue: dict[str, Any], count: int) -> list[str]:
    """The first `count` counters that serve a service without a daily quota (a queue of
    thousands cannot be issued under a quota)."""
    quota = {s["code"] for s in catalogue["services"] if s.get("daily_quota") is not None}
    found = [c["code"] for c in catalogue["counters"] if set(c["services"]) - quota]
    return found[:count]


def own_services(catalogue: dict[str, Any], counters: list[str]) -> list[str]:
    """One service per counter to queue its tickets under: one without a daily quota, served by
    as few of the chosen counters as possible (so a counter mostly calls its own queue)."""
    quota = {s["code"] for s in catalogue["services"] if s.get("daily_quota") is not None}
    served: dict[str, list[str]] = {c["code"]: c["services"] for c in catalogue["counters"]}
    sharing: dict[str, int] = {}
    for code in counters:
        for service in served[code]:
            sharing[service] = sharing.get(service, 0) + 1
    chosen = []
    for code in counters:
        usable = [s for s in served[code] if s not in quota]
        chosen.append(min(usable, key=lambda s: (sharing[s], usable.index(s))))
    return chosen


def fill_queues(prepared: Prepared, services: list[str], tickets: int, clients: int = 4) -> int:
    """Issue `tickets` over `services` (round robin) with the kiosk token; returns how many
    were issued (a refusal would leave the level without its queue: reported, not hidden)."""
    results = loadgen.issue_load(
        prepared.port, prepared.tokens["kiosk"], services, tickets, clients
    )
    return sum(len(r.items) for r in results)


def _open_loop_process(
    port: int,
    tokens: dict[str, str],
    rate_per_counter: float,
    seconds: float,
    max_lag_s: float,
    seed: int,
    ready: Any,
    go: Any,
    start_at: Any,
    out: Any,
) -> None:
    """One thread per counter, each on its own Poisson schedule from the shared start time."""
    found: dict[str, Any] = {
        "next": Histogram(),
        "pair": Histogram(),
        "done": Histogram(),
        "items": [],
        "statuses": {},
        "errors": [],
        "abandoned": 0,
        "empty": 0,
    }
    lock = threading.Lock()

    def tally(status: int) -> None:
        found["statuses"][status] = found["statuses"].get(status, 0) + 1

    def counter(code: str, token: str, t0: float) -> None:
        client = Client(port, token, timeout=60)
        rng = random.Random(f"{seed}-{code}")
        until = t0 + seconds
        due = t0 + rng.expovariate(rate_per_counter)
        while due < until:
            time.sleep(max(0.0, due - time.monotonic()))
            lag = time.monotonic() - due
            if lag > max_lag_s:  # charge the rest of the schedule at the lag reached
                with lock:
                    while due < until:
                        found["next"].record_ms(lag * 1000)
                        found["abandoned"] += 1
                        due += rng.expovariate(rate_per_counter)
                break
            try:
                status, body, _ = client.request("POST", f"/api/v1/counters/{code}/next")
                answered = time.monotonic()
                done_status = 0
                if status == 200:
                    done_status = client.request("POST", f"/api/v1/counters/{code}/done")[0]
                finished = time.monotonic()
            except OSError as exc:
                client.close()
                with lock:
                    tally(0)
                    found["errors"].append(f"{code}: {type(exc).__name__}: {exc}")
                due += rng.expovariate(rate_per_counter)
                continue
            with lock:
                tally(status)
                found["next"].record_ms((answered - due) * 1000)
                if status == 200:
                    tally(done_status)
                    found["items"].append((body["id"], body["number"], code, answered))
                    found["done"].record_ms((finished - answered) * 1000)
                    found["pair"].record_ms((finished - due) * 1000)
                    if done_status != 200 and len(found["errors"]) < 20:
                        found["errors"].append(f"{code} done {done_status}")
                elif status == 404 and body["error"]["code"] == "queue_empty":
                    found["empty"] += 1
                elif len(found["errors"]) < 20:
                    found["errors"].append(f"{code} next {status}: {body}")
            due += rng.expovariate(rate_per_counter)
        client.close()

    ready.release()
    go.wait()
    t0 = start_at.value
    threads = [
        threading.Thread(target=counter, args=(code, token, t0)) for code, token in tokens.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in ("next", "pair", "done"):
        found[name] = found[name].to_dict()
    out.put(found)


def measure_level(
    prepared: Prepared,
    app: LiveAppliance,
    counters: list[str],
    rate: float,
    seconds: float,
    *,
    processes: int = 4,
    boards: int = 5,
    max_lag_s: float = 30.0,
    seed: int = 1,
) -> dict[str, Any]:
    """One offered load: `rate` calls/s over `counters` for `seconds`, boards streaming.
    Returns the merged histograms, the checks and the figures (the queue must be filled)."""
    called_before = db_rows(prepared.db_path, "SELECT COUNT(*) FROM call")[0][0]
    board_pool = loadgen.Boards(prepared.port, boards) if boards else None
    pool = loadgen.Pool()
    ready = loadgen.SPAWN.Semaphore(0)
    go = loadgen.SPAWN.Event()
    start_at = loadgen.SPAWN.Value("d", 0.0)
    per_counter = rate / len(counters)
    shares = [counters[i::processes] for i in range(processes)]
    shares = [share for share in shares if share]
    for share in shares:
        tokens = {code: prepared.tokens[code] for code in share}
        pool.start(
            _open_loop_process,
            prepared.port,
            tokens,
            per_counter,
            seconds,
            max_lag_s,
            seed,
            ready,
            go,
            start_at,
        )
    for _ in shares:
        if not ready.acquire(timeout=120):
            raise RuntimeError("a counter process did not start")
    start_at.value = time.monotonic() + 0.5
    cpu_before = cpu_seconds(app.pid)
    go.set()
    raw: list[dict[str, Any]] = [pool.queue.get(timeout=seconds + 600) for _ in shares]
    for process in pool.processes:
        process.join(10)
    elapsed = time.monotonic() - start_at.value
    server_cpu = cpu_seconds(app.pid) - cpu_before
    board_results = board_pool.stop() if board_pool else []
    merged = {name: Histogram() for name in ("next", "pair", "done")}
    for part in raw:
        for name, hist in merged.items():
            hist.merge(Histogram.from_dict(part[name]))
    items = [tuple(item) for part in raw for item in part["items"]]
    statuses: dict[int, int] = {}
    for part in raw:
        for status, n in part["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + n
    errors = [e for part in raw for e in part["errors"]]
    ids = [item[0] for item in items]
    (twice,) = db_rows(
        prepared.db_path,
        "SELECT COUNT(*) FROM (SELECT ticket_id FROM call GROUP BY ticket_id HAVING COUNT(*) > 1)",
    )[0]
    called_after = db_rows(prepared.db_path, "SELECT COUNT(*) FROM call")[0][0]
    checks = {
        "every next and done answered 200": set(statuses) <= {200} and not errors,
        "queue never ran dry": sum(p["empty"] for p in raw) == 0,
        "no ticket called twice (answers)": len(ids) == len(set(ids)),
        "no ticket called twice (database)": twice == 0,
        "every call stored": called_after - called_before == len(ids),
    }
    board_ms = Histogram()
    if board_results:
        delays, board_checks = board_delays(items, board_results)
        checks.update(board_checks)
        for ms in delays:
            board_ms.record_ms(ms)
    return {
        "rate": rate,
        "seconds": seconds,
        "calls": len(ids),
        "achieved_per_s": len(ids) / elapsed if elapsed > 0 else 0.0,
        "abandoned": sum(p["abandoned"] for p in raw),
        "server_cpu_share": round(server_cpu / elapsed, 3) if elapsed > 0 else 0.0,
        "next_ms": merged["next"].summary(),
        "pair_ms": merged["pair"].summary(),
        "done_ms": merged["done"].summary(),
        "board_ms": board_ms.summary(),
        "distribution": merged["next"].distribution(),
        "statuses": statuses,
        "errors": errors[:10],
        "checks": checks,
    }


def level_line(found: dict[str, Any]) -> str:
    n, p = found["next_ms"], found["pair_ms"]
    return (
        f"{found['rate']:.0f} calls/s offered, {found['achieved_per_s']:.0f} answered "
        f"({found['calls']} calls, {found['abandoned']} abandoned; mpp run at "
        f"{found['server_cpu_share']:.2f} of a core): next p50 {n['p50']:.1f} ms, p99 "
        f"{n['p99']:.1f} ms, p99.9 {n['p99.9']:.1f} ms, max {n['max']:.1f} ms; next+done p99 "
        f"{p['p99']:.1f} ms; board p99 {found['board_ms']['p99']:.1f} ms"
    )


def run_levels(
    prepared: Prepared, app: LiveAppliance, catalogue: dict[str, Any], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Each rate of the curve in turn (ascending), its queue filled just before it."""
    counters = quota_free(catalogue, args.counters)
    services = own_services(catalogue, counters)
    rates = sorted({*args.curve, args.rate})
    levels = []
    for rate in rates:
        wanted = int(rate * args.seconds * 1.4) + 10 * len(counters)
        issued = fill_queues(prepared, services, wanted)
        found = measure_level(
            prepared,
            app,
            counters,
            rate,
            args.seconds,
            processes=args.processes,
            boards=args.boards,
            max_lag_s=args.max_lag,
        )
        found["checks"]["queue filled"] = issued == wanted
        print(level_line(found), flush=True)
        levels.append(found)
    return levels


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=400.0, help="the headline rate (calls/s)")
    parser.add_argument(
        "--curve",
        default="100,200,400,600,800",
        help="comma-separated rates for the p99 curve ('' for the headline only)",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="per level")
    parser.add_argument("--counters", type=int, default=40)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--boards", type=int, default=5, help="streaming boards")
    parser.add_argument("--max-lag", type=float, default=30.0, help="seconds before abandoning")
    parser.add_argument(
        "--catalogue",
        help="catalogue JSON, or 'bench' for B2's generated one (default: the shipped Kota Metro)",
    )


# bench_ceiling's bare-WSGI floor on the day B2 measured 866 calls/s (docs/performance.md).
REFERENCE_FLOOR = "5,327-5,713 on 2026-11-30"


def machine_floor() -> float:
    """The stack's floor on this machine now (bench_ceiling: waitress serving B2's request pair
    from a bare WSGI callable, no appliance code), printed beside B2o so a reader can tell a
    slow machine from a slow server: a latency bound met on one machine says little on a machine
    whose floor is half of it."""
    from tests.bench.bench_ceiling import http_floor

    pairs_per_s = http_floor("bare", 200)["pairs_per_s"]
    print(
        f"this machine's floor: bare WSGI on waitress {pairs_per_s:.0f} pairs/s "
        f"(reference {REFERENCE_FLOOR})",
        flush=True,
    )
    return pairs_per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options(parser)
    parser.add_argument("--smoke", action="store_true", help="a short low-rate correctness run")
    args = parser.parse_args()
    if args.smoke:
        args.rate, args.curve, args.seconds, args.boards = 20.0, "", 3.0, 2
    args.curve = [float(r) for r in args.curve.split(",") if r.strip()]
    floor = None if args.smoke else machine_floor()
    catalogue = load_catalogue(args.catalogue)
    with tempfile.TemporaryDirectory(prefix="b2o-") as folder:
        prepared = prepare_site(Path(folder), catalogue)
        with LiveAppliance(prepared, log_name="b2o.log") as app:
            levels = run_levels(prepared, app, catalogue, args)
            rss_kb = app.rss_kb()["VmRSS"]
    head = next(level for level in levels if level["rate"] == args.rate)
    print(f"distribution of next at {args.rate:.0f} calls/s (percentile, ms):")
    for q, ms in head["distribution"]:
        print(f"  {q:>7}  {ms:9.2f}")
    checks = {
        f"{name} ({level['rate']:.0f}/s)" if len(levels) > 1 else name: ok
        for level in levels
        for name, ok in level["checks"].items()
    }
    n = head["next_ms"]
    curve = ", ".join(f"{lv['rate']:.0f}: {lv['next_ms']['p99']:.1f}" for lv in levels)
    figure = (
        f"{args.rate:.0f} calls/s on {catalogue['site']['code']} ({args.counters} counters, "
        f"{args.boards} boards): next p50 {n['p50']:.1f} ms, p99 {n['p99']:.1f} ms, p99.9 "
        f"{n['p99.9']:.1f} ms" + (f"; p99 curve (calls/s: ms) {curve}" if len(levels) > 1 else "")
    )
    if floor is not None:
        figure += f"; machine floor: bare WSGI {floor:.0f} pairs/s (reference {REFERENCE_FLOOR})"
    result(
        "B2o",
        figure,
        n["p99"] <= 25 and n["p99.9"] <= 100 and all(checks.values()),
        checks,
        levels=levels,
        rss_kb=rss_kb,
    )


if __name__ == "__main__":
    main()
