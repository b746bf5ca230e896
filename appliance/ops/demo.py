"""`mpp demo`: the whole product on one machine — appliance, sync worker, a loopback broker and
central — with the development drivers of the configuration (file printer, mock pins).

The parts run as child processes of this command, exactly the processes a real installation runs
(`mpp run`, `mpp sync`, `mpp central`, `mosquitto`), so the demo exercises the real wiring; this
module imports neither the web nor the sync package. Without a Mosquitto binary the demo runs
the appliance alone and says so. Ctrl-C (or SIGTERM) stops every child it started, by its pid.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from appliance.config.sections import Config

log = logging.getLogger(__name__)

MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")


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


class Children:
    """The processes the demo started; stopped together, each by its own pid."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(argv, env=env)  # noqa: S603 - our own commands
        self.running.append((name, process))
        log.info("started %s (pid %d)", name, process.pid)
        return process

    def first_exit(self) -> tuple[str, int] | None:
        for name, process in self.running:
            code = process.poll()
            if code is not None:
                return name, code
        return None

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
        while True:
            ended = children.first_exit()
            if ended is not None:
                log.error("%s stopped with exit code %d; stopping the demo", *ended)
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        log.info("stopping the demo")
        return 0
    finally:
        children.stop()


def register(registry: Any) -> None:
    """Add `mpp demo` (the registry is appliance.cli's; not type-checked at run time because
    `python -m appliance.cli` loads that module a second time as __main__)."""
    from appliance.commands import Context

    def handler(args: argparse.Namespace, ctx: Context) -> int:
        return run_demo(ctx.config, ctx.config_path, args)

    p = registry.add("demo", handler, help="everything on one machine: appliance, sync, central")
    p.add_argument("--no-sync", action="store_true", help="the appliance alone, no broker")
    p.add_argument("--central-port", type=int, default=8090, help="central web port")
