"""How fast B2 could be at best in this stack, measured in parts on this machine.

B2 is 40 counters each looping call-next then done with no pause, so 40 requests are always in
flight and Little's law fixes the mean latency at 40 / (requests per second). This measures the
two parts a B2 request cannot do without, each alone and each as fast as it can go, on one CPU
as `mpp run` pins itself:

1. the HTTP floor: waitress (required) serving B2's request pair from the same load generator,
   once with a bare WSGI callable and once with a one-route Flask app (required), both answering
   a fixed 584-byte JSON body the size of a real call — no auth, no database, no engine;
2. the engine floor: the queue engine's call-next + done through the group-commit writer from
   40 threads, on a real SQLite file (WAL, synchronous=FULL) with B2's catalogue — no HTTP.

A B2 pair costs at least both on the same core, so its throughput is at most
1 / (1/http + 1/engine) pairs per second, before any authentication, JSON of a real ticket or
thread hand-off between the two. The printed "best B2" applies Little's law to that bound and the
p99/mean ratio the HTTP floor itself showed.

3. what the appliance's own request handling adds on top (authentication, the counter check,
   the real ticket's JSON, hooks): the real app and the one-route app are called in-process
   (no waitress), and the calling thread's CPU is compared; the engine's work runs on the writer
   thread and is not in it.

Prints figures; asserts nothing.

    PYTHONPATH=$PWD python -m tests.bench.bench_ceiling [--pairs-per-counter 400]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.bench import loadgen
from tests.support.live_appliance import Prepared, bench_catalogue, prepare

if TYPE_CHECKING:
    from appliance.runtime import Runtime

COUNTERS = 40
SPAWN = mp.get_context("spawn")
BODY = json.dumps(
    {
        "id": 1,
        "number": "A-001",
        "service": "BENCH-A",
        "padding": "x" * 529,  # to the length of a real call-next answer (584 bytes)
    }
).encode()


def _server_cpu() -> set[int]:
    allowed = sorted(os.sched_getaffinity(0))
    return {allowed[-1]}  # what `mpp run` picks by default (web.cpu = "last")


def _bare(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]


def _flask() -> Any:
    from flask import Flask, Response

    app = Flask(__name__)

    @app.post("/api/v1/counters/<code>/<action>")
    def act(code: str, action: str) -> Response:
        return Response(BODY, mimetype="application/json")

    return app


def _serve(port: int, kind: str, ready: Any) -> None:
    os.sched_setaffinity(0, _server_cpu())
    from waitress.server import create_server

    app = _flask() if kind == "flask" else _bare
    # The same pool and look-ahead as `mpp run` (web/serve.py).
    server = create_server(
        app, host="127.0.0.1", port=port, threads=48, channel_request_lookahead=1
    )
    ready.set()
    server.run()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_floor(kind: str, pairs_per_counter: int) -> dict[str, float]:
    """B2's request pair against waitress serving `kind` ("bare" or "flask")."""
    port = _free_port()
    ready = SPAWN.Event()
    server = SPAWN.Process(target=_serve, args=(port, kind, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("floor server did not start")
        time.sleep(0.3)
        tokens = {f"B{i:02d}": "unused" for i in range(1, COUNTERS + 1)}
        results = loadgen.counter_load(port, tokens, processes=8, limit=pairs_per_counter).collect()
    finally:
        server.kill()
        server.join(10)
    latencies = [ms for result in results for ms in result.latencies_ms]
    pairs = sum(len(result.items) for result in results)
    # From the first client's start to the last one's end: process spawning is not counted.
    elapsed = max(r.ended for r in results) - min(r.started for r in results)
    return {
        "pairs_per_s": pairs / elapsed,
        "mean_ms": sum(latencies) / len(latencies),
        "p50_ms": loadgen.percentile(latencies, 50),
        "p99_ms": loadgen.percentile(latencies, 99),
    }


@contextmanager
def _running_site(
    tickets: int, *, pinned: bool = False, counter_tokens: bool = False
) -> Iterator[tuple[Prepared, Runtime]]:
    """A temporary B2 site (20 services, 40 counters) with `tickets` waiting and its runtime
    started (group commit on), on the server's one CPU when `pinned`; removed afterwards."""
    from appliance.config.load import load_config
    from appliance.runtime import build_runtime

    folder = Path(tempfile.mkdtemp(prefix="mpp-bench-ceiling-"))
    before = os.sched_getaffinity(0)
    try:
        prepared = prepare(
            folder / "site", bench_catalogue(20, COUNTERS), counter_tokens=counter_tokens
        )
        runtime = build_runtime(load_config(prepared.config_path, {}))
        if pinned:  # before start: the writer thread inherits it
            os.sched_setaffinity(0, _server_cpu())
        runtime.start()
        try:
            for n in range(tickets):
                runtime.core.engine.issue(prepared.services[n % len(prepared.services)])
            yield prepared, runtime
        finally:
            runtime.stop()
    finally:
        os.sched_setaffinity(0, before)
        shutil.rmtree(folder, ignore_errors=True)


def engine_floor(pairs_per_counter: int) -> dict[str, float]:
    """Call-next + done straight into the engine, 40 threads, group commit, one CPU."""
    pairs = COUNTERS * pairs_per_counter
    with _running_site(pairs, pinned=True) as (prepared, runtime):
        engine = runtime.core.engine

        def counter(code: str) -> None:
            for _ in range(pairs_per_counter):
                engine.call_next(code).to_dict()
                engine.done(code).to_dict()

        threads = [threading.Thread(target=counter, args=(c,)) for c in prepared.counters]
        cpu, began = time.process_time(), time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed, cpu = time.monotonic() - began, time.process_time() - cpu
    return {"pairs_per_s": pairs / elapsed, "cpu_ms_per_pair": cpu * 1000 / pairs}


def _wsgi_call(app: Any, path: str, token: str) -> str:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": "Bearer " + token,
        "CONTENT_LENGTH": "0",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    b"".join(app(environ, lambda code, _headers, _exc=None: status.append(code)))
    return status[0]


def glue_cost(pairs: int) -> dict[str, float]:
    """CPU of the request thread per call-next + done pair: the real app against the one-route
    Flask app, both called in-process with the group-commit writer running."""
    from web.app import create_app

    with _running_site(pairs, counter_tokens=True) as (prepared, runtime):
        app, bare = create_app(runtime), _flask()
        code = prepared.counters[0]
        token = prepared.tokens[code]
        spent = {}
        for name, target in (("flask", bare), ("app", app)):
            cpu = time.thread_time()
            for _ in range(pairs):
                for action in ("next", "done"):
                    status = _wsgi_call(target, f"/api/v1/counters/{code}/{action}", token)
                    if not status.startswith("200"):
                        raise RuntimeError(f"{action}: {status}")
            spent[name] = (time.thread_time() - cpu) * 1000 / pairs
    return {"flask_ms": spent["flask"], "app_ms": spent["app"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pairs-per-counter", type=int, default=400)
    args = parser.parse_args()
    n = args.pairs_per_counter
    bare = http_floor("bare", n)
    flask = http_floor("flask", n)
    engine = engine_floor(n)
    glue = glue_cost(min(n * 5, 2000))
    for name, floor in (("waitress, bare WSGI", bare), ("waitress + Flask", flask)):
        print(
            f"HTTP floor, {name:20s} {floor['pairs_per_s']:6.0f} pairs/s; next mean "
            f"{floor['mean_ms']:.1f} ms, p50 {floor['p50_ms']:.1f} ms, p99 {floor['p99_ms']:.1f} ms"
        )
    print(
        f"engine floor, 40 threads, group commit {engine['pairs_per_s']:6.0f} pairs/s; "
        f"{engine['cpu_ms_per_pair']:.3f} ms CPU per pair"
    )
    print(
        f"request handling in-process, per pair: one-route Flask {glue['flask_ms']:.3f} ms, "
        f"the appliance's app {glue['app_ms']:.3f} ms CPU of the request thread (engine apart)"
    )
    bound = 1 / (1 / flask["pairs_per_s"] + 1 / engine["pairs_per_s"])
    mean_ms = COUNTERS / (2 * bound) * 1000
    ratio = flask["p99_ms"] / flask["mean_ms"]
    print(
        f"best B2 with waitress + Flask + this engine: {bound:.0f} calls/s; by Little's law a "
        f"request's mean is {mean_ms:.1f} ms, p99 about {mean_ms * ratio:.1f} ms "
        f"(x{ratio:.2f}, the floor's own p99/mean); B2's target p99 <= 25 ms"
    )
    extra = 1 / (1 / bound + (glue["app_ms"] - glue["flask_ms"]) / 1000)
    print(
        f"with the app's own handling added: {extra:.0f} calls/s, mean "
        f"{COUNTERS / (2 * extra) * 1000:.1f} ms, p99 about "
        f"{COUNTERS / (2 * extra) * 1000 * ratio:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
