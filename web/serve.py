"""`mpp run`: the appliance in one process — waitress serving the app, the buttons, the printer.

Waitress gets a fixed pool of threads sized for the doorbell streams (each open stream holds a
thread), and streams are capped below the pool so counters and kiosks always find a free thread.
"""

from __future__ import annotations

import http.client
import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from appliance.config.sections import Config, WebConfig
from appliance.ops.watchdog import Watchdog
from appliance.runtime import Runtime, build_runtime
from web.app import MAX_BODY_BYTES, create_app
from web.kit.server import Limits, guarded_server
from web.live.doorbell import Doorbell

log = logging.getLogger(__name__)

SPARE_THREADS = 8  # kept for normal requests however many streams are open


def thread_count(config: Config) -> int:
    return max(config.web.threads, config.web.max_streams + SPARE_THREADS)


class QueueDepthLog:
    """Stands in for waitress's queue logger: one warning per `period_s` at most.

    Waitress warns "Task queue depth is N" on every request that finds no idle thread — under a
    busy hour that is a log record per click (a journal line each), built and written by the one
    thread that does all the socket I/O; py-spy put it among that thread's largest costs in the
    B2 benchmark. One line every half minute, with the deepest queue seen, says the same."""

    def __init__(self, period_s: float = 30.0) -> None:
        self.period_s = period_s
        self._next = 0.0
        self._deepest = 0

    def warning(self, msg: str, depth: int, *_args: Any) -> None:
        self._deepest = max(self._deepest, depth)
        now = time.monotonic()
        if now < self._next:
            return
        logging.getLogger("waitress.queue").warning(
            "every waitress thread busy: requests queued, up to %d deep (said once per %.0f s)",
            self._deepest,
            self.period_s,
        )
        self._next, self._deepest = now + self.period_s, 0


# Citizens' phones: the ticket status page, the survey and their API. Everything else (kiosks,
# counters, the desk, boards, admin, health, the pages' assets) is the building's own and goes
# first when the threads are busy (web/kit/lanes.py).
CITIZEN_PATHS = ("/t/", "/survey", "/api/v1/track/", "/api/v1/surveys")


def building_first(path: str) -> bool:
    """Whether a request is the building's own (served first) rather than a citizen's phone."""
    return not path.startswith(CITIZEN_PATHS)


def limits(web: WebConfig) -> Limits:
    """What one LAN client may hold (`[web]`; web/kit/server.py says why)."""
    return Limits(
        max_connections=web.max_connections,
        per_address=web.connections_per_address,
        idle_timeout_s=web.idle_timeout_s,
        request_timeout_s=web.request_timeout_s,
        max_body_bytes=MAX_BODY_BYTES + 64 * 1024,  # Flask answers 413 with a reason below it
    )


def make_server(runtime: Runtime, host: str, port: int) -> Any:
    config = runtime.core.config
    app = create_app(runtime)
    server = guarded_server(
        app,
        host=host,
        port=port,
        limits=limits(config.web),
        first_lane=building_first,
        threads=thread_count(config),
        channel_request_lookahead=1,  # lets a stream notice a closed client
        ident="mpp",
        clear_untrusted_proxy_headers=True,
    )
    server.task_dispatcher.queue_logger = QueueDepthLog()
    app.extensions["mpp"].connections = server.figures
    server.doorbell = app.extensions["mpp"].doorbell  # rung closed as the server stops
    return server


class SelfProbe:
    """Feeds the systemd watchdog only while the appliance really serves: every few seconds it
    asks its own `/healthz` over loopback (waitress accepting, Flask answering, the database
    open) and beats on a 200. A hung server or a stuck database stops the beats, systemd
    restarts the unit, and the officers' consoles reconnect by themselves.

    The probe opens a new socket each time, through the same accept path a kiosk takes; idle or
    slow clients cannot fill that path (web/kit/server.py), so a missed beat means the server
    really stopped serving, and a restart is the cure rather than a loop under a LAN flood."""

    def __init__(self, port: int, beat: Callable[[], None], every_s: float = 5.0) -> None:
        self.url_port = port
        self.beat = beat
        self.every_s = every_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="self-probe", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every_s):
            connection = http.client.HTTPConnection("127.0.0.1", self.url_port, timeout=10)
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()  # hanging up before the body made waitress log a disconnect
                if response.status == 200:
                    self.beat()
            except OSError as exc:
                log.warning("self-probe of /healthz failed: %s", exc)
            finally:
                connection.close()


def _stopper(doorbell: Doorbell) -> Callable[[int, FrameType | None], None]:
    """The SIGTERM handler: end the streams (their threads are then free), then stop serving."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        doorbell.close()
        raise SystemExit(128 + signum)

    return stop


def serve(config: Config, *, host: str | None = None, port: int | None = None) -> int:
    began = time.monotonic()
    runtime = build_runtime(config)
    server = make_server(
        runtime, host or config.web.host, port if port is not None else config.web.port
    )
    signal.signal(signal.SIGTERM, _stopper(server.doorbell))
    runtime.start()
    watchdog = Watchdog.from_environment()
    probe = SelfProbe(server.effective_port, watchdog.register("web", max_silence_s=20.0).beat)
    probe.thread.start()
    watchdog.ready()
    shown_host = (
        server.effective_host if server.effective_host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
    )
    log.info(
        "appliance ready in %.2f s: open http://%s:%s/ (%d threads, %d streams max)",
        time.monotonic() - began,
        shown_host,
        server.effective_port,
        thread_count(config),
        config.web.max_streams,
    )
    try:
        server.run()
    except SystemExit as exc:
        log.info("stopping (%s)", exc.code)
    finally:
        watchdog.stopping()
        probe.stop.set()
        runtime.stop()
        server.close()
    return 0
