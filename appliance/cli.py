"""The `mpp` command: the core's subcommands, plus those `web` and `sync` contribute.

`web` and `sync` register theirs through the `mpp.commands` entry-point group (each entry point is
a `register(registry)` function), so the core never imports them (DESIGN.md).
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from appliance import __version__
from appliance.commands import CommandError, Context, Handler, Registry
from appliance.config.load import ConfigError
from appliance.config.show import config_to_dict, render_toml
from appliance.storage.failures import StorageError

if TYPE_CHECKING:
    from appliance.runtime import Core

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("/etc/mpp/appliance.toml")


def _read_password(env_name: str, prompt: str) -> str:
    """From the environment (for scripts) or asked twice at a terminal."""
    value = os.environ.get(env_name)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CommandError(f"no password: set {env_name} or run at a terminal", 2)
    first = getpass.getpass(prompt)
    if getpass.getpass("Ulangi / repeat: ") != first:
        raise CommandError("the two passwords differ", 2)
    return first


# -- core commands ----------------------------------------------------------------------------


def cmd_config(args: argparse.Namespace, ctx: Context) -> int:
    config = ctx.config  # raises ConfigError with every problem
    if args.action == "check":
        source = ctx.config_path or "defaults and environment"
        print(f"configuration OK ({source})")
        return 0
    print(render_toml(config_to_dict(config, redact=True)), end="")
    return 0


def _services(ctx: Context) -> Core:
    from appliance.runtime import open_core

    return open_core(ctx.config)


def resolve_catalogue(source: str) -> Path:
    """A catalogue file, or the name of one shipped with the package (`kota-metro`)."""
    from appliance.catalogue.store import packaged_catalogue

    path = Path(source)
    if path.exists():
        return path
    if "/" not in source and not source.endswith(".json"):
        try:
            return packaged_catalogue(source)
        except (FileNotFoundError, ValueError):
            pass
    raise CommandError(f"catalogue not found: {source}")


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    if args.central:
        return _hook(ctx, args, "init.central")
    from appliance.catalogue.store import apply_catalogue, load_catalogue

    core = _services(ctx)
    loaded = _loaded_catalogue(core)
    if loaded is not None and not args.catalogue:
        # An existing site's catalogue changes only when the admin asks: the configured one
        # applied again would undo every edit made on /admin since (issue 17).
        code, version = loaded
        print(
            f"database {ctx.config.storage.database}: catalogue {code} version {version} "
            "kept as it is (with the admin's edits); to load another: "
            "`mpp init --catalogue PATH` or `mpp catalogue import PATH`"
        )
    else:
        source = args.catalogue or ctx.config.site.catalogue
        path = resolve_catalogue(source)
        catalogue = load_catalogue(path)
        result = apply_catalogue(
            core.db, catalogue, clock=core.clock, replace_site=args.replace_site
        )
        print(
            f"database {ctx.config.storage.database}: catalogue {catalogue.site_code} "
            f"version {result.version} ({path})"
        )
    if args.admin:
        password = _read_password("MPP_ADMIN_PASSWORD", f"Kata sandi untuk {args.admin}: ")
        core.accounts.add_officer(args.admin, password, "admin")
        print(f"administrator {args.admin} created")
    elif not core.accounts.has_admin():
        print("no administrator yet: run `mpp init --admin NAME` or `mpp officer add`")
    return 0


def _loaded_catalogue(core: Core) -> tuple[str, int] | None:
    """The site code and catalogue version already in the database, or None for a new one."""
    from appliance.storage.database import connected
    from appliance.storage.models import Site

    with connected(core.db):
        site = Site.select(Site.code, Site.catalogue_version).first()
    return None if site is None else (str(site.code), int(site.catalogue_version))


def cmd_officer(args: argparse.Namespace, ctx: Context) -> int:
    if getattr(args, "central", False):
        return _hook(ctx, args, "officer.central")
    core = _services(ctx)
    if args.action == "add":
        password = _read_password("MPP_OFFICER_PASSWORD", f"Kata sandi untuk {args.username}: ")
        core.accounts.add_officer(
            args.username,
            password,
            args.role,
            display_name=args.display_name or "",
            counters=args.counter or (),
        )
        print(f"{args.role} {args.username} created")
    elif args.action == "passwd":
        password = _read_password("MPP_OFFICER_PASSWORD", f"Kata sandi baru {args.username}: ")
        core.accounts.set_password(args.username, password)
        print(f"password of {args.username} changed")
    elif args.action == "counters":
        core.accounts.set_counters(args.username, args.counter or ())
        print(f"{args.username}: counters {', '.join(args.counter or ()) or '(none)'}")
    elif args.action in ("disable", "enable"):
        core.accounts.set_active(args.username, args.action == "enable")
        print(f"{args.username} {args.action}d")
    else:
        for officer, counters in core.accounts.officers():
            state = "" if officer.active else "  (disabled)"
            print(f"{officer.username:20} {officer.role:10} {','.join(counters) or '-'}{state}")
    return 0


def cmd_counters(args: argparse.Namespace, ctx: Context) -> int:
    """The counter codes `mpp officer add --counter` and `mpp token create --counter` take."""
    from appliance.storage.database import connected
    from appliance.storage.models import Counter, CounterService

    core = _services(ctx)
    with connected(core.db):
        counters = list(Counter.select().order_by(Counter.position, Counter.code))
        served: dict[str, list[str]] = {}
        for link in CounterService.select().order_by(CounterService.service):
            served.setdefault(str(link.counter_id), []).append(str(link.service_id))
    if not counters:
        raise CommandError("no counters yet: load a catalogue with `mpp init` first")
    for counter in counters:
        if not counter.active and not args.all:
            continue
        services = served.get(str(counter.code), [])
        state = "" if counter.active else "  (inactive)"
        print(
            f"{counter.code:16} {counter.name}  [{counter.agency_id}]  "
            f"{len(services)} services{state}"
        )
        if args.services and services:
            print("                 " + ", ".join(services))
    return 0


def cmd_token(args: argparse.Namespace, ctx: Context) -> int:
    if getattr(args, "central", False):
        return _hook(ctx, args, "token.central")
    core = _services(ctx)
    if args.action == "create":
        print(core.accounts.create_token(args.name, args.role, counters=args.counter or ()))
    elif args.action == "revoke":
        core.accounts.revoke_token(args.name)
        print(f"token {args.name} revoked", file=sys.stderr)
    else:
        for token in core.accounts.tokens():
            state = "revoked" if token.revoked else "active"
            print(f"{token.name:24} {token.role:10} {state:8} {token.created_at}")
    return 0


def cmd_backup(args: argparse.Namespace, ctx: Context) -> int:
    from appliance.storage.backup import backup

    database = Path(ctx.config.storage.database)
    if not database.exists():
        raise CommandError(f"no database at {database}")
    tickets = backup(database, args.path)
    print(f"backup written to {args.path} and verified ({tickets} tickets)")
    return 0


def cmd_catalogue(args: argparse.Namespace, ctx: Context) -> int:
    from appliance.catalogue.store import apply_catalogue, export_catalogue, load_catalogue

    if args.action == "check":
        catalogue = load_catalogue(resolve_catalogue(args.path))
        print(f"{catalogue.site_code}: catalogue OK")
        return 0
    core = _services(ctx)
    if args.action == "import":
        catalogue = load_catalogue(resolve_catalogue(args.path))
        result = apply_catalogue(
            core.db, catalogue, clock=core.clock, replace_site=args.replace_site
        )
        print(
            f"catalogue {catalogue.site_code} version {result.version} applied: "
            f"added {result.added}, deactivated {result.deactivated}"
        )
        return 0
    doc = export_catalogue(core.db)
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if args.path in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.path).write_text(text, encoding="utf-8")
        print(f"catalogue written to {args.path}", file=sys.stderr)
    return 0


def cmd_day(args: argparse.Namespace, ctx: Context) -> int:
    core = _services(ctx)
    expired = core.engine.close_day()
    day = core.engine.current_day()
    print(f"business day {day.date} ({args.action}): {expired} tickets from earlier days expired")
    return 0


def _hook(ctx: Context, args: argparse.Namespace, name: str) -> int:
    """Run a command variant another package provides (e.g. `init --central` from sync)."""
    hooks: dict[str, Handler] = getattr(args, "_hooks", {})
    handler = hooks.get(name)
    if handler is None:
        raise CommandError(f"`{name}` is not available: the sync package is not installed", 2)
    return handler(args, ctx)


# -- parser -----------------------------------------------------------------------------------


def build_parser() -> tuple[argparse.ArgumentParser, Registry]:
    parser = argparse.ArgumentParser(
        prog="mpp",
        description="MPP queue appliance: ticket button, printer, counters, board, SKM and sync.",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"TOML configuration (default: $MPP_CONFIG, else {DEFAULT_CONFIG} if it exists)",
    )
    parser.add_argument("--version", action="version", version=f"mpp {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    registry = Registry(sub)

    p = registry.add("init", cmd_init, help="create or migrate the database, load the catalogue")
    p.add_argument(
        "--catalogue",
        help="catalogue file or packaged name (e.g. kota-metro) to apply; without it the "
        "configured site.catalogue is applied only to a new database, never over an existing "
        "site's catalogue",
    )
    p.add_argument("--admin", metavar="NAME", help="create this administrator")
    p.add_argument("--replace-site", action="store_true", help="allow a different site code")
    p.add_argument("--central", action="store_true", help="initialise the central server")

    p = registry.add("config", cmd_config, help="check or show the configuration")
    p.add_argument("action", choices=["check", "show"])

    p = registry.add(
        "officer",
        cmd_officer,
        help="staff accounts",
        description="Staff accounts. The password comes from $MPP_OFFICER_PASSWORD or is "
        "asked twice at a terminal.",
    )
    p.add_argument(
        "action",
        choices=["add", "passwd", "list", "counters", "disable", "enable"],
        help="add an account, change its password (passwd), list them, set the counters it "
        "may act on (counters), disable or enable it",
    )
    p.add_argument("username", nargs="?", help="login name (every action but list)")
    p.add_argument(
        "--role",
        default="officer",
        choices=["officer", "supervisor", "admin"],
        help="officer: their counters; supervisor: every counter and the desk; admin: "
        "everything (default: officer)",
    )
    p.add_argument("--display-name", help="the name shown on the console (add)")
    p.add_argument(
        "--counter",
        action="append",
        metavar="CODE",
        help="a counter the officer may act on (repeat; `mpp counters` lists the codes)",
    )
    p.add_argument("--central", action="store_true", help="a user of the central server")

    p = registry.add(
        "counters", cmd_counters, help="list the counters and their codes (for --counter)"
    )
    p.add_argument("--all", action="store_true", help="inactive counters too")
    p.add_argument("--services", action="store_true", help="the service codes each one serves")

    p = registry.add("token", cmd_token, help="API tokens for machine clients")
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("--name")
    p.add_argument("--role", default="kiosk", choices=["kiosk", "officer", "supervisor", "admin"])
    p.add_argument(
        "--counter",
        action="append",
        metavar="CODE",
        help="counter an officer token acts on (repeat; `mpp counters` lists the codes)",
    )
    p.add_argument("--central", action="store_true", help="a token for the central server")

    p = registry.add("backup", cmd_backup, help="online backup of the database, verified")
    p.add_argument("path")

    p = registry.add("catalogue", cmd_catalogue, help="import, export or check a catalogue")
    p.add_argument("action", choices=["import", "export", "check"])
    p.add_argument("path", nargs="?")
    p.add_argument("--replace-site", action="store_true")

    p = registry.add("day", cmd_day, help="close earlier business days now")
    p.add_argument("action", choices=["close"])

    # The core's own further commands, each in the module it belongs to.
    for module in (
        "appliance.hardware.commands",
        "appliance.ops.demo",
        "appliance.ops.doctor.cli",
        "appliance.bookings.commands",
    ):
        importlib.import_module(module).register(registry)
    for ep in entry_points(group="mpp.commands"):
        ep.load()(registry)
    parser.set_defaults(_hooks=registry.hooks)
    return parser, registry


def _validate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    needs_name = {("officer", "add"), ("officer", "passwd"), ("officer", "counters")}
    needs_name |= {("officer", "disable"), ("officer", "enable")}
    if (args.command, getattr(args, "action", None)) in needs_name and not args.username:
        parser.error(f"officer {args.action} needs a USERNAME")
    if args.command == "token" and args.action in ("create", "revoke") and not args.name:
        parser.error(f"token {args.action} needs --name")
    if args.command == "catalogue" and args.action in ("import", "check") and not args.path:
        parser.error(f"catalogue {args.action} needs a PATH")


def main(argv: Sequence[str] | None = None) -> int:
    parser, _ = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    _validate(args, parser)
    config_path = args.config or os.environ.get("MPP_CONFIG")
    if config_path is None and DEFAULT_CONFIG.exists():
        config_path = str(DEFAULT_CONFIG)
    ctx = Context(Path(config_path) if config_path else None, dict(os.environ))
    try:
        return int(args.handler(args, ctx))
    except ConfigError as exc:
        print(f"mpp: configuration problems:\n{exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"mpp: {exc}", file=sys.stderr)
        return exc.code
    except StorageError as exc:
        print(f"mpp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Domain errors (catalogue, accounts, queue) carry a message meant for people.
        from appliance.accounts import AccountError
        from appliance.catalogue.store import CatalogueError
        from appliance.queue.errors import QueueError

        if isinstance(exc, CatalogueError | AccountError | QueueError):
            print(f"mpp: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
