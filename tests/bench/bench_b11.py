"""B11, a Pi-class CPU (BENCHMARKS.md): B6, one kiosk, B1, B3, B2o at 40 calls/s and B4 with
`mpp run` in a CPU cgroup limited to 20 % of one core with a 10 ms period.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b11 [--quota-us 2000] [--period-us 10000]
     [--tickets 3000] [--kiosk 200] [--b2o-seconds 20] [--paced-calls 200] [--presses 200]
     [--printer file|none] [--catalogue FILE]

The limit: cgroup v2 `cpu.max` = "2000 10000" or v1 `cpu.cfs_quota_us` = 2000 with
`cpu.cfs_period_us` = 10000, whichever this machine has writable (tests/bench/cpu_cgroup.py; the
output says which). `mpp run` joins the group before its interpreter starts and B4's script
(tests/bench/bench_button.py, the button code and escpos `Dummy` in one process) runs in it too;
the load generator does not (on a Pi the load comes over the LAN). The group is removed after.
Where neither is writable, the full run prints why and skips; the smoke run then still runs every
path without the limit (its checks are about correctness, and say so in the figure).

The site: the shipped Kota Metro catalogue, printer `file` with SVG receipts as in the demo (until
2026-12-03 the demo wrote PNGs, the setting the figures measured from outside used). The
measurements are the other benchmarks' own code: served.bench_issue (B1 and the one-kiosk run),
served.bench_paced_board (B3), bench_b2o.measure_level (B2o), bench_button (B4). Prints one `RESULT
{json}` line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.bench.bench_b2o import (
    fill_queues,
    load_catalogue,
    own_services,
    prepare_site,
    quota_free,
)
from tests.bench.cpu_cgroup import CpuLimit, make_limit
from tests.bench.floor import commit_floor
from tests.bench.served import Sizes, bench_issue, bench_paced_board
from tests.bench.sync_rig import result
from tests.support.live_appliance import REPO, LiveAppliance, child_env, compile_sources

BENCHMARKS = ("B11",)
SMOKE_ARGS = ("--smoke",)


def say(text: str) -> None:
    """A progress line with the wall-clock time (a slow step shows where it is)."""
    print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)


class LimitedAppliance(LiveAppliance):
    """`mpp run` started inside the CPU cgroup (or plainly, with `limit` None)."""

    def __init__(self, prepared: Any, limit: CpuLimit | None, **kwargs: Any) -> None:
        super().__init__(prepared, **kwargs)
        self.limit = limit

    def command(self) -> list[str]:
        cmd = super().command()
        return self.limit.wrap(cmd) if self.limit else cmd

    def in_limit(self) -> bool:
        """Whether the running server is a member of the limit's cgroup."""
        if self.limit is None:
            return False
        name = self.limit.folder.name
        lines = Path(f"/proc/{self.pid}/cgroup").read_text(encoding="ascii").splitlines()
        return any(line.endswith("/" + name) for line in lines)


def start_times(prepared: Any, limit: CpuLimit | None, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        app = LimitedAppliance(prepared, limit, log_name=f"start-{i}.log")
        try:
            times.append(app.start(timeout=60))
        finally:
            app.stop()
    return times


def button(limit: CpuLimit | None, presses: int) -> dict[str, Any]:
    cmd = [sys.executable, str(REPO / "tests/bench/bench_button.py"), "--presses", str(presses)]
    done = subprocess.run(
        limit.wrap(cmd) if limit else cmd,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=child_env(),
        timeout=600,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            found: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return found
    raise RuntimeError(f"bench_button gave no result: {done.stdout[-500:]} {done.stderr[-500:]}")


def p99_of(figure: str) -> float:
    return float(figure.split("p99 ", 1)[1].split(" ms", 1)[0])


def measure(args: argparse.Namespace, limit: CpuLimit | None, work: Path) -> dict[str, Any]:
    catalogue = load_catalogue(args.catalogue)
    printer = {"driver": args.printer, "folder": str(work / "receipts"), "svg": True}
    prepared = prepare_site(work / "site", catalogue, printer=printer)
    counters = quota_free(catalogue, args.counters)
    services = own_services(catalogue, counters)
    issuing = replace(prepared, services=services)
    floor = commit_floor(work, 300 if args.smoke else 2000)
    found: dict[str, Any] = {"floor_per_s": floor["per_s"]}

    say("site prepared")
    compile_sources()  # a release's bytecode, not a compile from source on every start
    starts = start_times(prepared, limit, args.starts)
    found["start_s"] = starts
    say(f"B6 start: median {statistics.median(starts):.2f} s, max {max(starts):.2f} s")

    app = LimitedAppliance(prepared, limit, log_name="b11.log")
    app.start(timeout=60)
    found["in_limit"] = app.in_limit()
    try:
        one = Sizes(tickets=args.kiosk, issue_clients=1)
        kiosk = bench_issue(issuing, app, one, floor, "B11/kiosk")
        say(f"one kiosk: {kiosk.figure}")
        b1_sizes = Sizes(tickets=args.tickets, issue_clients=args.clients)
        b1 = bench_issue(issuing, app, b1_sizes, floor, "B11/B1")
        say(f"B1: {b1.figure}")
        paced = replace(prepared, counters=counters[:1])
        fill_queues(prepared, services[:1], args.paced_calls + 10, clients=1)
        sizes = Sizes(paced_calls=args.paced_calls, boards=args.boards)
        b3 = bench_paced_board(paced, sizes)
        say(f"B3: {b3.figure}")
        rate = args.b2o_rate
        fill_queues(prepared, services, int(rate * args.b2o_seconds * 1.4) + 10 * len(counters))
        b2o = loadgen_level(prepared, app, counters, rate, args.b2o_seconds, args.boards)
        say(f"B2o at {rate:.0f} calls/s: {b2o['line']}")
        rss = app.rss_kb()
    finally:
        app.stop()
    b4 = button(limit, args.presses)
    say(f"B4: {b4['figure']}")
    found.update(
        kiosk=kiosk,
        b1=b1,
        b3=b3,
        b2o=b2o,
        b4=b4,
        rss_kb=rss["VmRSS"],
        throttled=limit.throttled() if limit else {},
    )
    return found


def loadgen_level(
    prepared: Any, app: LiveAppliance, counters: list[str], rate: float, seconds: float, boards: int
) -> dict[str, Any]:
    from tests.bench.bench_b2o import level_line, measure_level

    processes = 4 if boards > 1 else 1
    level = measure_level(
        prepared, app, counters, rate, seconds, processes=processes, boards=boards, max_lag_s=60
    )
    level["line"] = level_line(level)
    return level


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quota-us", type=int, default=2000)
    parser.add_argument("--period-us", type=int, default=10000)
    parser.add_argument("--starts", type=int, default=3, help="B6 starts")
    parser.add_argument("--kiosk", type=int, default=200, help="tickets from one kiosk")
    parser.add_argument("--tickets", type=int, default=3000, help="B1 tickets (8 clients)")
    parser.add_argument("--paced-calls", type=int, default=200, help="B3 calls, one per 100 ms")
    parser.add_argument("--b2o-rate", type=float, default=40.0)
    parser.add_argument("--b2o-seconds", type=float, default=20.0)
    parser.add_argument("--presses", type=int, default=200, help="B4 presses")
    parser.add_argument("--clients", type=int, default=8, help="B1 kiosk clients")
    parser.add_argument("--counters", type=int, default=40, help="B2o counters")
    parser.add_argument("--boards", type=int, default=5, help="boards streaming in B3 and B2o")
    parser.add_argument("--printer", default="file", choices=("file", "none"))
    parser.add_argument("--catalogue", help="catalogue JSON (default: the shipped Kota Metro)")
    parser.add_argument("--smoke", action="store_true", help="small sizes, correctness only")
    args = parser.parse_args()
    if args.smoke:  # every path, a whole core's quota (at 20 % the smoke run took 75 s)
        args.quota_us, args.period_us, args.starts, args.kiosk, args.tickets = (
            10000,
            10000,
            1,
            5,
            24,
        )
        args.paced_calls, args.b2o_rate, args.b2o_seconds, args.presses = 3, 10.0, 1.0, 5
        args.boards = 1
    limit, why = make_limit(args.quota_us, args.period_us)
    share = f"{args.quota_us / args.period_us:.0%} of one core"
    if limit is None:
        message = f"B11 skipped: no writable CPU cgroup for {share} ({why})"
        print(message, flush=True)
        if not args.smoke:
            result("B11", message, None, {"skipped, no writable cgroup": True})
            return
        print("smoke: every path runs WITHOUT the limit (correctness only)", flush=True)
    else:
        print(f"CPU limit: {limit.describe()}", flush=True)
    began = time.monotonic()
    where = limit.describe() if limit else "NO LIMIT (no writable cgroup; smoke only)"
    try:
        with tempfile.TemporaryDirectory(prefix="b11-") as folder:
            found = measure(args, limit, Path(folder))
    finally:
        if limit is not None:
            limit.remove()
    report(args, limit, where, share, found, time.monotonic() - began)


def report(
    args: argparse.Namespace,
    limit: CpuLimit | None,
    where: str,
    share: str,
    found: dict[str, Any],
    took: float,
) -> None:
    kiosk, b1, b3, b2o, b4 = (found[k] for k in ("kiosk", "b1", "b3", "b2o", "b4"))
    checks = {
        **{f"kiosk: {k}": v for k, v in kiosk.checks.items()},
        **{f"B1: {k}": v for k, v in b1.checks.items()},
        **{f"B3: {k}": v for k, v in b3.checks.items()},
        **{f"B2o: {k}": v for k, v in b2o["checks"].items()},
        **{f"B4: {k}": v for k, v in b4["checks"].items()},
    }
    if limit is not None:
        checks["mpp run ran in the cgroup"] = found["in_limit"]
    b1_rate = b1.data["per_s"]
    targets = {
        "B6 <= 2 s": max(found["start_s"]) <= 2.0,
        "B1 >= 150/s": b1_rate >= 150,
        "kiosk p99 <= 50 ms": kiosk.data["latency_ms"]["p99"] <= 50,
        "B3 p99 <= 300 ms": b3.data["delay_ms"]["p99"] <= 300,
        "B4 p99 <= 100 ms": p99_of(b4["figure"]) <= 100,
    }
    n = b2o["next_ms"]
    figure = (
        f"{share} ({'v' + str(limit.version) if limit else 'no limit'}): start max "
        f"{max(found['start_s']):.2f} s; one kiosk p50 {kiosk.data['latency_ms']['p50']:.1f} / "
        f"p99 {kiosk.data['latency_ms']['p99']:.1f} ms; B1 {b1_rate:.0f} tickets/s (p99 "
        f"{b1.data['latency_ms']['p99']:.0f} ms); B3 p99 {b3.data['delay_ms']['p99']:.0f} ms; "
        f"B2o {args.b2o_rate:.0f}/s next p50 {n['p50']:.1f} / p99 {n['p99']:.1f} / p99.9 "
        f"{n['p99.9']:.1f} ms; B4 p99 {p99_of(b4['figure']):.1f} ms; VmRSS "
        f"{found['rss_kb'] * 1024 / 1e6:.1f} MB"
    )
    print(f"limit: {where}; throttled {found['throttled']}; {took:.0f} s")
    result(
        "B11",
        figure,
        all(targets.values()) and all(checks.values()) if limit else None,
        checks,
        limit=where,
        targets=targets,
        throttled=found["throttled"],
        in_limit=found["in_limit"],
        start_s=found["start_s"],
        kiosk=kiosk.data,
        b1=b1.data,
        b3=b3.data,
        b2o={k: v for k, v in b2o.items() if k != "distribution"},
        b4=b4["figure"],
        rss_kb=found["rss_kb"],
        floor_per_s=found["floor_per_s"],
        printer=args.printer,
    )


if __name__ == "__main__":
    main()
