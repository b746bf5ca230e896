"""`mpp sync`, `mpp central`, and the `--central` variants of `mpp init` / `mpp token create`.

Registered through the `mpp.commands` entry point; `python -m sync.cli …` runs the same `mpp`
command with these added even when the package is not installed (tests, development).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from appliance.config.sections import Config
from appliance.config.show import redact_url

if TYPE_CHECKING:
    from peewee import Database

    from appliance.commands import Context, Registry
    from sync.central.processes import ChildCommand
    from sync.mqtt import BrokerSettings

log = logging.getLogger(__name__)


def register(registry: Registry) -> None:
    p = registry.add("sync", cmd_sync, help="send the outbox to central over MQTT (runs forever)")
    # No defaults here: EdgeSettings holds them (sync/edge.py), a flag only overrides.
    p.add_argument("--ack-timeout", type=float, help="seconds before sending again")
    p.add_argument("--stall", type=float, help="rebuild the link after no progress")
    p.add_argument("--connect-timeout", type=float)
    p.add_argument("--backoff-cap", type=float, help="longest reconnect wait")
    p = registry.add(
        "central",
        cmd_central,
        help="central ingest workers, publisher and dashboard (runs forever)",
    )
    p.add_argument("--workers", type=int, help="overrides central.workers")
    p.add_argument(
        "--ingest-processes",
        type=_count,
        metavar="N",
        help="overrides central.ingest_processes: N child processes of --workers ingest "
        "threads each, restarted when they die; 0 = the workers are threads of this process",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--no-web", action="store_true", help="ingest and publish only, no HTTP")
    mode.add_argument(
        "--web-only", action="store_true", help="HTTP and publisher only, no ingest workers"
    )
    p.add_argument("--host", help="overrides central.web.host")
    p.add_argument("--port", type=int, help="overrides central.web.port")
    # Given by a supervising `mpp central` to its children only (sync/central/processes.py).
    p.add_argument("--ingest-child", type=_count, help=argparse.SUPPRESS)
    p.add_argument("--parent-fd", type=_count, help=argparse.SUPPRESS)
    registry.hooks["init.central"] = cmd_init_central
    registry.hooks["token.central"] = cmd_token_central
    registry.hooks["officer.central"] = cmd_officer_central


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def edge_broker(config: Config) -> BrokerSettings:
    from sync import protocol
    from sync.mqtt import BrokerSettings, Will

    s = config.sync
    return BrokerSettings(
        url=s.broker,
        client_id=f"mpp-edge-{s.site}",
        username=s.username or s.site,
        password=s.password,
        ca_file=s.ca_file,
        cert_file=s.cert_file,
        key_file=s.key_file,
        keepalive_s=s.keepalive_s,
        will=Will(protocol.topic(s.site, protocol.STATUS), protocol.OFFLINE),
    )


def central_broker(config: Config, number: int | str, *, announces: bool) -> BrokerSettings:
    """A central session's settings; the client id holds the pid, so every process (an ingest
    child and its replacement too) has its own ids. Only the announcing worker leaves a will."""
    from sync import protocol
    from sync.mqtt import BrokerSettings, Will

    c = config.central
    return BrokerSettings(
        url=c.broker,
        client_id=f"mpp-central-{socket.gethostname()}-{os.getpid()}-{number}",
        username=c.username,
        password=c.password,
        ca_file=c.ca_file,
        will=Will(protocol.CENTRAL_STATUS, protocol.OFFLINE) if announces else None,
    )


def cmd_sync(args: argparse.Namespace, ctx: Context) -> int:
    from appliance.clock import SystemClock
    from appliance.commands import CommandError
    from appliance.ops.watchdog import Watchdog
    from appliance.storage.database import open_database
    from sync.edge import EdgeSettings, EdgeWorker
    from sync.identity import installation_id

    config = ctx.config
    if not config.sync.broker or not config.sync.site:
        raise CommandError("sync.broker and sync.site must be set to sync with central", 2)
    db = open_database(config.storage.database, busy_timeout_ms=config.storage.busy_timeout_ms)
    flags = {
        "ack_timeout_s": args.ack_timeout,
        "stall_s": args.stall,
        "connect_timeout_s": args.connect_timeout,
        "backoff_cap_s": args.backoff_cap,
    }
    settings = dataclasses.replace(
        EdgeSettings(
            site=config.sync.site,
            batch_size=config.sync.batch_size,
            window=config.sync.window,
            compress_over=config.sync.compress_over_bytes,
            installation=installation_id(db, config.sync.installation_id),
        ),
        **{name: value for name, value in flags.items() if value is not None},
    )
    watchdog = Watchdog.from_environment()
    heartbeat = watchdog.register("sync loop", max_silence_s=45.0)
    worker = EdgeWorker(
        db,
        edge_broker(config),
        settings,
        SystemClock(),
        stop=_stop_on_signals(),
        beat=heartbeat.beat,
    )
    log.info("mpp sync: site %s to %s", config.sync.site, config.sync.broker)
    watchdog.ready()
    try:
        worker.run()
    finally:
        watchdog.stopping()
    return 0


def cmd_central(args: argparse.Namespace, ctx: Context) -> int:
    """Ingest workers (unless --web-only), the publisher of catalogue pushes (always: a push
    made on any central process goes out), and the HTTP dashboard/API (unless --no-web).

    With `central.ingest_processes` N >= 1 the workers run in N supervised child processes
    (sync/central/processes.py) instead of threads of this one; a child (--ingest-child K) has
    no publisher (its parent's is enough) and announces central's status only as child 0."""
    from sync.central.ingest import Ingest
    from sync.central.publisher import CentralPublisher
    from sync.central.store import open_central_database
    from sync.central.worker import CentralWorker

    config = ctx.config
    stop = _stop_on_signals()
    if args.ingest_child is not None:
        from sync.central.processes import start_as_child

        start_as_child(args.parent_fd, stop)
    db = open_central_database(config.central.database)
    processes = 0 if args.web_only or args.ingest_child is not None else _processes(args, config)
    threads: list[threading.Thread] = []
    count = 0 if args.web_only or processes else max(1, args.workers or config.central.workers)
    announcer = args.ingest_child in (None, 0)
    for n in range(count):
        announces = announcer and n == 0
        worker = CentralWorker(
            central_broker(config, n, announces=announces),
            Ingest(db),
            announces_status=announces,
            stop=stop,
        )
        threads.append(threading.Thread(target=worker.run, name=f"ingest-{n}"))
    if args.ingest_child is None:
        broker = central_broker(config, "publisher", announces=False)
        publisher = CentralPublisher(db, broker, stop=stop)
        threads.append(threading.Thread(target=publisher.run, name="publisher"))
    server = None if args.no_web else _central_server(db, config, args)
    for t in threads:
        t.start()
    if processes:
        log.info("mpp central: %d ingest processes on %s", processes, config.central.broker)
    elif args.ingest_child is not None:
        log.info("mpp central: ingest process %d, %d workers", args.ingest_child, count)
    else:
        log.info("mpp central: %d ingest workers on %s", count, config.central.broker)
    web = None
    if server is not None:
        web = threading.Thread(target=server.run, name="web", daemon=True)
        web.start()
        log.info(
            "mpp central: dashboard on http://%s:%s/",
            server.effective_host,
            server.effective_port,
        )
    if processes:
        from sync.central.processes import IngestProcesses

        workers = args.workers or config.central.workers
        IngestProcesses(_child_command(args, ctx, workers), processes, stop=stop).run()
    else:
        stop.wait()
    if server is not None and web is not None:
        from sync.central.http.serve import stop_server

        stop_server(server)
        web.join(timeout=10)
    for t in threads:
        t.join()
    return 0


def _processes(args: argparse.Namespace, config: Config) -> int:
    return int(
        args.ingest_processes
        if args.ingest_processes is not None
        else config.central.ingest_processes
    )


def _child_command(args: argparse.Namespace, ctx: Context, workers: int) -> ChildCommand:
    """`mpp central --no-web` for ingest child K: this interpreter, the same configuration file
    (the environment is inherited: MPP_* overrides, systemd's credentials), no children of its
    own, and the pipe it watches to stop with its parent."""

    def command(number: int, parent_fd: int) -> list[str]:
        cmd = [sys.executable, "-m", "sync.cli"]
        if ctx.config_path is not None:
            cmd += ["--config", str(ctx.config_path)]
        if getattr(args, "verbose", False):
            cmd.append("--verbose")
        return [
            *cmd,
            "central",
            "--no-web",
            "--ingest-processes=0",
            f"--workers={max(1, workers)}",
            f"--ingest-child={number}",
            f"--parent-fd={parent_fd}",
        ]

    return command


def _central_server(db: Database, config: Config, args: argparse.Namespace) -> Any:
    from sync.central.http.base import CentralWebSettings
    from sync.central.http.serve import make_server

    web = config.central.web
    return make_server(
        db,
        CentralWebSettings.from_config(config),
        args.host or web.host,
        args.port if args.port is not None else web.port,
    )


def cmd_init_central(args: argparse.Namespace, ctx: Context) -> int:
    from appliance.commands import CommandError
    from sync.central.accounts import CentralAccountError, add_user
    from sync.central.store import open_central_database

    db = open_central_database(ctx.config.central.database)
    print(f"central database ready: {redact_url(ctx.config.central.database)}")
    print(ingest_layout(ctx.config))
    if args.admin:
        password = ctx.environ.get("MPP_ADMIN_PASSWORD")
        if not password:
            import getpass

            password = getpass.getpass(f"Kata sandi untuk {args.admin}: ")
        try:
            add_user(db, args.admin, password, "admin")
        except CentralAccountError as exc:
            raise CommandError(str(exc)) from None
        print(f"central administrator {args.admin} created")
    return 0


def ingest_layout(config: Config) -> str:
    """How `mpp central` will run its ingest, said by `mpp init --central`: a PostgreSQL central
    with its ingest as threads of the HTTP process is told how production runs it."""
    c = config.central
    if c.ingest_processes:
        return (
            f"mpp central: {c.ingest_processes} ingest processes x {c.workers} workers beside "
            "its HTTP process (central.ingest_processes)"
        )
    line = (
        f"mpp central: {c.workers} ingest workers as threads of its HTTP process "
        "(central.ingest_processes = 0)"
    )
    if c.database.startswith("postgresql"):
        line += (
            "; in production set central.ingest_processes to the number of cores "
            "(docs/central-postgresql.md)"
        )
    return line


def cmd_token_central(args: argparse.Namespace, ctx: Context) -> int:
    """`mpp token create|list|revoke --central [--name N] [--role supervisor|admin]`."""
    from appliance.commands import CommandError
    from sync.central.accounts import CentralAccountError, create_token, revoke_token, tokens
    from sync.central.store import open_central_database

    if args.action == "create" and args.role not in ("supervisor", "admin"):
        raise CommandError("central tokens have role supervisor or admin", 2)
    db = open_central_database(ctx.config.central.database)
    try:
        if args.action == "create":
            print(create_token(db, args.name, args.role))
        elif args.action == "revoke":
            revoke_token(db, args.name)
            print(f"central token {args.name} revoked", file=sys.stderr)
        else:
            for token in tokens(db):
                state = "revoked" if token.revoked else "active"
                print(f"{token.name:24} {token.role:10} {state:8} {token.created_at}")
    except CentralAccountError as exc:
        raise CommandError(str(exc)) from None
    return 0


def cmd_officer_central(args: argparse.Namespace, ctx: Context) -> int:
    """`mpp officer add|passwd|list|disable|enable [USERNAME] --central [--role ...]`: central's
    users (password from MPP_OFFICER_PASSWORD or asked)."""
    from appliance.commands import CommandError
    from sync.central import accounts
    from sync.central.store import open_central_database

    if args.action == "counters":
        raise CommandError("central users have no counters", 2)
    if args.action == "add" and args.role not in accounts.ROLES:
        raise CommandError("central users have role supervisor or admin (use --role)", 2)
    db = open_central_database(ctx.config.central.database)
    try:
        if args.action == "add":
            password = _password(ctx, f"Kata sandi untuk {args.username}: ")
            accounts.add_user(db, args.username, password, args.role)
            print(f"central {args.role} {args.username} created")
        elif args.action == "passwd":
            password = _password(ctx, f"Kata sandi baru {args.username}: ")
            accounts.set_password(db, args.username, password)
            print(f"password of central user {args.username} changed")
        elif args.action in ("disable", "enable"):
            accounts.set_active(db, args.username, args.action == "enable")
            print(f"central user {args.username} {args.action}d")
        else:
            for user in accounts.users(db):
                state = "" if user.active else "  (disabled)"
                print(f"{user.username:20} {user.role:10}{state}")
    except accounts.CentralAccountError as exc:
        raise CommandError(str(exc)) from None
    return 0


def _password(ctx: Context, prompt: str) -> str:
    password = ctx.environ.get("MPP_OFFICER_PASSWORD")
    if password:
        return password
    import getpass

    return getpass.getpass(prompt)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m sync.cli …` is `mpp …`: the commands above arrive through the entry point."""
    from appliance import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
