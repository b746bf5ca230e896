"""B5 (and B1) as a site runs them: the shipped catalogues and a printer driver that renders every
receipt, with the resident-memory breakdown of what each big import costs.

Run: PYTHONPATH=$PWD python -m tests.bench.bench_b5p [--catalogues kota-metro,lampung-timur,
     kota-langsa] [--printers none,file,escpos[,file-png]] [--tickets 8000] [--streams 10]

Per catalogue and printer: a real `mpp run` with `[printer]` driver `file` (text + SVG receipts, as
development and the demo; `file-png`: with the optional PNG instead) or `network` to a loopback
ESC/POS printer (tests/support/escpos_fakes.TcpPrinter: the escpos driver renders each job into
escpos's `Dummy` and sends the bytes, answering status queries as a real printer), or `none` for
comparison. The kiosk issues `--tickets` over one quota-free service of each counter (8 clients:
B1's figure), every counter then calls next + done until its queue is empty, `--streams` board
streams are opened and VmRSS is read (B5). The
breakdown comes from tests/bench/imports.py for the same printer.

Checks: every ticket 201 and numbered without gaps, the queue drained, every receipt printed (files
in the folder, or cuts in the bytes the printer received) or dropped as stale after 120 s (by
design, logged for staff to reprint; a burst of thousands outruns any printer) or at once past the
print worker's bounded queue (what the fastest printer prints in those 120 s), none lost.
Prints one `RESULT` line per printer ("B5/none", "B5/file", "B5/file-png", and "B5p" for escpos,
the one the runner shows).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.bench import loadgen
from tests.bench.bench_b2o import own_services, prepare_site, quota_free
from tests.bench.imports import import_costs, short
from tests.bench.served import Sizes, bench_issue, db_rows, open_streams
from tests.bench.sync_rig import result
from tests.support.escpos_fakes import TcpPrinter, decode
from tests.support.live_appliance import LiveAppliance, kota_metro

BENCHMARKS = ("B5p",)
SMOKE_ARGS = (
    "--catalogues", "kota-langsa", "--printers", "escpos", "--tickets", "60", "--clients", "2",
)  # fmt: skip


def load(name: str) -> dict[str, Any]:
    import json

    from appliance.catalogue.store import packaged_catalogue

    if name == "kota-metro":
        return kota_metro()
    doc: dict[str, Any] = json.loads(packaged_catalogue(name).read_text(encoding="utf-8"))
    return doc


def receipts(printer: str, folder: Path, paper: TcpPrinter | None) -> int:
    if printer.startswith("file"):
        return len(list(folder.glob("*.txt")))
    if printer == "escpos" and paper is not None:
        return decode(bytes(paper.received)).cuts
    return 0


def dropped(log: str) -> tuple[int, int]:
    """Receipts the print worker gave up: (stale after 120 s, past its bounded queue)."""
    return log.count("not printed (stale)"), log.count("not printed (backlog)")


def one(catalogue_name: str, printer: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    catalogue = load(catalogue_name)
    paper = TcpPrinter() if printer == "escpos" else None
    folder = work / f"receipts-{catalogue_name}-{printer}"
    settings: dict[str, Any] = {"driver": printer}
    if printer == "file":  # as development and the demo run it: text + SVG
        settings |= {"folder": str(folder), "svg": True}
    elif printer == "file-png":  # the optional PNG (Pillow)
        settings |= {"driver": "file", "folder": str(folder), "png": True}
    elif paper is not None:
        settings |= {"driver": "network", "host": "127.0.0.1", "port": paper.port}
    prepared = prepare_site(
        work / f"{catalogue_name}-{printer}", catalogue, max_streams=args.streams + 4,
        printer=settings,
    )  # fmt: skip
    counters = [c["code"] for c in catalogue["counters"]]
    services = own_services(catalogue, quota_free(catalogue, len(counters)))
    issuing = replace(prepared, services=services)
    try:
        with LiveAppliance(prepared, log_name="b5p.log") as app:
            sizes = Sizes(tickets=args.tickets, issue_clients=args.clients)
            b1 = bench_issue(issuing, app, sizes, {"per_s": 1.0})
            tokens = {code: prepared.tokens[code] for code in counters}
            calls = loadgen.counter_load(prepared.port, tokens, processes=args.clients).collect()
            deadline = time.monotonic() + args.print_wait
            while (
                printer != "none"
                and receipts(printer, folder, paper) + sum(dropped(app.log_text())) < args.tickets
            ):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            printed = receipts(printer, folder, paper)
            stale, backlog = dropped(app.log_text())
            socks = open_streams(prepared.port, args.streams)
            try:
                time.sleep(1.0)
                memory = app.rss_kb()
            finally:
                for sock in socks:
                    sock.close()
    finally:
        if paper is not None:
            paper.close()
    waiting = db_rows(prepared.db_path, "SELECT COUNT(*) FROM ticket WHERE state='waiting'")[0][0]
    errors = [e for r in calls for e in r.errors]
    checks = {
        **{k: v for k, v in b1.checks.items()},
        "queue drained": waiting == 0 and not errors,
    }
    if printer != "none":
        # a receipt still unprinted 120 s after its ticket is dropped by design (print_worker:
        # the citizen has walked away), and so is one past what the fastest printer prints in
        # that time (the bounded queue); each is logged for staff to reprint: none may vanish
        checks["every receipt printed or dropped and logged"] = (
            printed + stale + backlog == args.tickets
        )
    return {
        "catalogue": catalogue_name,
        "printer": printer,
        "rss_mb": memory["VmRSS"] * 1024 / 1e6,
        "hwm_mb": memory["VmHWM"] * 1024 / 1e6,
        "b1_per_s": b1.data["per_s"],
        "b1_p99_ms": b1.data["latency_ms"]["p99"],
        "printed": printed,
        "stale": stale,
        "backlog": backlog,
        "checks": checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogues", default="kota-metro,lampung-timur,kota-langsa")
    parser.add_argument("--printers", default="none,file,escpos")
    parser.add_argument("--tickets", type=int, default=8000)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8, help="kiosk and counter processes")
    parser.add_argument("--print-wait", type=float, default=600.0, help="s for receipts to finish")
    args = parser.parse_args()
    printers = [p for p in args.printers.split(",") if p]
    runs: dict[str, list[dict[str, Any]]] = {p: [] for p in printers}
    with tempfile.TemporaryDirectory(prefix="b5p-") as folder:
        for name in [c for c in args.catalogues.split(",") if c]:
            for printer in printers:
                found = one(name, printer, args, Path(folder))
                runs[printer].append(found)
                print(
                    f"{name} / {printer}: VmRSS {found['rss_mb']:.1f} MB (peak "
                    f"{found['hwm_mb']:.1f}); B1 {found['b1_per_s']:.0f} tickets/s, p99 "
                    f"{found['b1_p99_ms']:.1f} ms; {found['printed']} receipts, "
                    f"{found['stale']} dropped as stale, {found['backlog']} past the queue",
                    flush=True,
                )
    for printer, done in runs.items():
        costs = import_costs(printer)
        worst = max(done, key=lambda f: f["rss_mb"])
        figure = (
            f"printer {printer}, {args.tickets} tickets: VmRSS "
            + ", ".join(f"{f['catalogue']} {f['rss_mb']:.1f} MB" for f in done)
            + f"; B1 {min(f['b1_per_s'] for f in done):.0f}-"
            f"{max(f['b1_per_s'] for f in done):.0f} tickets/s; imports: {short(costs)}"
        )
        checks = {f"{f['catalogue']}: {name}": ok for f in done for name, ok in f["checks"].items()}
        row = "B5p" if printer == "escpos" else f"B5/{printer}"
        result(row, figure, worst["rss_mb"] <= 60, checks, runs=done, imports=costs)


if __name__ == "__main__":
    main()
