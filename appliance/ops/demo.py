"""`mpp demo`: the whole product on one machine — appliance, sync worker, a loopback broker and
central — with the development drivers of the configuration (file printer, mock pins).

The parts run as child processes of this command, exactly the processes a real installation runs
(`mpp run`, `mpp sync`, `mpp central`, `mosquitto`), so the demo exercises the real wiring; this
module imports neither the web nor the sync package. Without a Mosquitto binary the demo runs
the appliance alone and says so. Ctrl-C (or SIGTERM) stops every child it started, by its pid.

The offline story can be tried in it: when the broker, the sync worker or central stops (kill the
broker's pid the demo logged), the demo keeps the appliance running, as a real site keeps
serving citizens while its link is down, and says so; Enter at its terminal (or SIGUSR1) starts
the stopped parts again, and the outbox drains to central. Only the appliance's own end stops
the demo.
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from appliance.config.sections import Config

log = logging.getLogger(__name__)

MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")
CENTRAL_SUBSCRIBE_S = 1.0  # after central's port opens, its ingest workers' subscribe lands


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((p for p in MOSQUITTO_PATHS if Path(p).exists()), None)


def _site_code(config: Config) -> str:
    from appliance.storage.database import connected, open_database
    from appliance.storage.models import Site

    db = open_database(config.storage.database)
    with connected(db):
        site = Site.select().first()
    db.close()
    if site is None:
        raise SystemExit("mpp demo: no catalogue in the database yet; run `mpp init` first")
    return str(site.code)


OFFLINE_NOTE = (
    "%s (pid %d) stopped with exit code %d: the appliance carries on offline (tickets, "
    "counters and the board keep working; events wait in the outbox, see /admin). Press Enter "
    "here (or send SIGUSR1 to pid %d) to start it again"
)


class Children:
    """The processes the demo started; stopped together, each by its own pid."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self._told: set[int] = set()  # pids whose end was already reported

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(argv, env=env)  # noqa: S603 - our own commands
        self.running = [(n, p) for n, p in self.running if n != name]
        self.running.append((name, process))
        self._commands[name] = (argv, env)
        log.info("started %s (pid %d)", name, process.pid)
        return process

    def newly_ended(self) -> list[tuple[str, int, int]]:
        """(name, pid, exit code) of each child that ended since the last call."""
        ended = []
        for name, process in self.running:
            code = process.poll()
            if code is not None and process.pid not in self._told:
                self._told.add(process.pid)
                ended.append((name, process.pid, code))
        return ended

    def restart_ended(self) -> None:
        """Start again every child that has ended (in the order they were first started)."""
        for name, process in list(self.running):
            if process.poll() is not None:
                self.start(name, *self._commands[name])

    def stop(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for name, process in reversed(self.running):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %d) did not stop; killing it", name, process.pid)
                process.kill()
                process.wait()


def _wait_for_port(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def run_demo(config: Config, config_path: Path | None, args: argparse.Namespace) -> int:
    folder = Path(config.storage.database).resolve().parent / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    mpp = [sys.executable, "-m", "appliance.cli"]
    if config_path is not None:
        mpp += ["--config", str(config_path)]
    env = dict(os.environ)
    children = Children()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    lines = []
    try:
        mosquitto = None if args.no_sync else find_mosquitto()
        if mosquitto is not None:
            site = _site_code(config)
            broker_port = free_port()
            conf = folder / "mosquitto.conf"
            conf.write_text(
                f"listener {broker_port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                "log_dest none\n"
            )
            children.start("mosquitto", [mosquitto, "-c", str(conf)], env)
            if not _wait_for_port(broker_port):
                raise SystemExit("mpp demo: the loopback broker did not start")
            broker = f"mqtt://127.0.0.1:{broker_port}"
            central_env = {
                **env,
                "MPP_CENTRAL__DATABASE": f"sqlite:///{folder / 'central.db'}",
                "MPP_CENTRAL__BROKER": broker,
                "MPP_CENTRAL__WEB__HOST": "127.0.0.1",
                "MPP_CENTRAL__WEB__PORT": str(args.central_port),
            }
            password_file = folder / "central-admin-password"
            if not password_file.exists():
                import secrets  # here: `mpp run` builds this parser and keeps OpenSSL out

                password_file.write_text(secrets.token_urlsafe(12) + "\n")
                password_file.chmod(0o600)
                subprocess.run(  # noqa: S603 - our own command
                    [*mpp, "init", "--central", "--admin", "admin"],
                    env={**central_env, "MPP_ADMIN_PASSWORD": password_file.read_text().strip()},
                    check=True,
                )
            children.start("central", [*mpp, "central"], central_env)
            # Sync starts once central listens: a first batch sent before central subscribed
            # is lost by the broker and logged as "no ack within 10 s" on every fresh demo.
            if not _wait_for_port(args.central_port, timeout=30):
                log.warning(
                    "central's web port %d is not open yet; starting sync anyway", args.central_port
                )
            time.sleep(CENTRAL_SUBSCRIBE_S)
            sync_env = {**env, "MPP_SYNC__BROKER": broker, "MPP_SYNC__SITE": site}
            children.start("sync", [*mpp, "sync"], sync_env)
            env = sync_env  # the appliance shows the sync state to staff
            lines.append(
                f"central: http://127.0.0.1:{args.central_port}/ (admin / "
                f"{password_file.read_text().strip()}, in {password_file})"
            )
            lines.append(f"broker: {broker} (site {site})")
        else:
            lines.append("sync: off (no mosquitto found; apt-get install mosquitto to see sync)")
        children.start("appliance", [*mpp, "run"], env)
        port = config.web.port
        if _wait_for_port(port, timeout=15):
            lines.insert(0, f"appliance: http://127.0.0.1:{port}/ (kiosk, counter, board, admin)")
        for line in lines:
            log.info("demo %s", line)
        restart = _restart_requests()
        while True:
            for name, pid, code in children.newly_ended():
                if name == "appliance":
                    log.error("appliance stopped with exit code %d; stopping the demo", code)
                    return 1
                log.warning(OFFLINE_NOTE, name, pid, code, os.getpid())
            if restart():
                children.restart_ended()
    except KeyboardInterrupt:
        log.info("stopping the demo")
        return 0
    finally:
        children.stop()


def _restart_requests() -> Callable[[], bool]:
    """A callable that waits up to half a second and says whether the person asked to start
    the stopped parts again: a line on a terminal's stdin, or SIGUSR1."""
    asked = threading.Event()
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: asked.set())
    tty = sys.stdin is not None and sys.stdin.isatty()

    def restart() -> bool:
        if tty:
            readable, _, _ = select.select([sys.stdin], [], [], 0.5)
            if readable:
                sys.stdin.readline()
                asked.set()
        else:
            asked.wait(0.5)
        if asked.is_set():
            asked.clear()
            return True
        return False

    return restart


def register(registry: Any) -> None:
    """Add `mpp demo` (the registry is appliance.cli's; not type-checked at run time because
    `python -m appliance.cli` loads that module a second time as __main__)."""
    from appliance.commands import Context

    def handler(args: argparse.Namespace, ctx: Context) -> int:
        return run_demo(ctx.config, ctx.config_path, args)

    p = registry.add("demo", handler, help="everything on one machine: appliance, sync, central")
    p.add_argument("--no-sync", action="store_true", help="the appliance alone, no broker")
    p.add_argument("--central-port", type=int, default=8090, help="central web port")
