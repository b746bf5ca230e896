"""Checking configuration data: raw values into the declared types, then the value rules.

`appliance.config.load` declares the sections and gathers what the file and the environment say;
this module turns that into typed sections without silent coercion ("8080x" is not a port, `true`
is not 1), then checks ranges, choices, URLs and pins. Problems come back as (dotted path,
message) pairs; the loader adds the file or variable each value came from.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from appliance.config.load import Config, GpioConfig

Problem = tuple[str, str]  # (dotted path, message)

# Field markers. A secret may be given as `<name>_file` (a path whose stripped content is the value,
# e.g. a systemd credential) and is redacted when shown; a relative path given in the file is taken
# relative to the file's folder.
SECRET: Mapping[str, str] = {"kind": "secret"}
PATH: Mapping[str, str] = {"kind": "path"}
CATALOGUE: Mapping[str, str] = {"kind": "catalogue"}  # a path, or the bare name of a packaged one
SQLITE_URL: Mapping[str, str] = {"kind": "sqlite-url"}  # sqlite:///relative.db is a path too

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


@dataclass(frozen=True)
class EnvText:
    """A string from the environment, parsed by the type of the field it lands on."""

    text: str
    name: str


def is_secret(f: dataclasses.Field[Any]) -> bool:
    return f.metadata.get("kind") == "secret"


def typed_config(cls: type[Config], raw: Mapping[str, Any]) -> tuple[Config | None, list[Problem]]:
    """`raw` as a `cls`, and every problem: first of type, then of value."""
    builder = _Builder()
    config = builder.build(cls, raw, "")
    if config is _INVALID:
        return None, builder.problems
    for where, message in check_values(config):
        where, message = builder.original(where), builder.original(message)
        if where not in builder.reported:  # a refused value kept its default: say it once
            builder.problems.append((where, message))
    return config, builder.problems


_INVALID: Any = object()  # a value already reported as a problem; its field keeps its default


class _Builder:
    """Raw tables to frozen dataclasses, field by field, collecting what does not fit."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.reported: set[str] = set()
        self.renamed: dict[str, str] = {}  # buttons[j] was built from buttons[i] after a bad one

    def original(self, text: str) -> str:
        """Paths as the person wrote them, when a bad list entry shifted the ones after it."""
        return re.sub(r"[\w.]+\[\d+\]", lambda m: self.renamed.get(m[0], m[0]), text)

    def problem(self, where: str, message: str) -> None:
        self.reported.add(where)
        self.problems.append((where, message))

    def build(self, cls: type[Any], raw: object, where: str) -> Any:
        if not isinstance(raw, Mapping):
            self.problem(where, f"expected a table, got {_kind(raw)}")
            return _INVALID
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        known = list(fields) + [f"{n}_file" for n, f in fields.items() if is_secret(f)]
        for key in raw:
            if key not in fields:
                hint = difflib.get_close_matches(key, known, n=1)
                did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.problem(_join(where, key), f"unknown key{did_you_mean}")
        values: dict[str, Any] = {}
        complete = True
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if name in raw:
                value = self.value(hints[name], raw[name], _join(where, name))
                if value is not _INVALID:
                    values[name] = value
                elif required:
                    complete = False
            elif required:
                self.problem(_join(where, name), "required")
                complete = False
        return cls(**values) if complete else _INVALID

    def value(self, hint: Any, value: object, where: str) -> Any:
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.build(hint, value, where)
        if typing.get_origin(hint) is tuple:  # tuple[ButtonConfig, ...]
            return self.table_list(typing.get_args(hint)[0], value, where)
        optional = typing.get_origin(hint) in (typing.Union, types.UnionType)
        base = next(a for a in typing.get_args(hint) if a is not type(None)) if optional else hint
        if isinstance(value, EnvText):
            parsed = _parse_env(base, optional, value.text)
            if parsed is _INVALID:
                self.problem(where, f"expected {base.__name__}, got {value.text!r}")
            return parsed
        if base is float and type(value) is int:
            value = float(value)  # TOML `timeout_s = 5` means 5.0; a bool is never a number
        if type(value) is not base:
            self.problem(where, f"expected {base.__name__}, got {_kind(value)} {value!r}")
            return _INVALID
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(where, f"expected a finite number, got {value!r}")
            return _INVALID
        return value

    def table_list(self, item: type[Any], value: object, where: str) -> Any:
        if isinstance(value, EnvText):  # MPP_GPIO__BUTTONS='[{"pin": 17, "service": "X"}]'
            try:
                value = json.loads(value.text)
            except json.JSONDecodeError as exc:
                self.problem(where, f"not valid JSON: {exc}")
                return _INVALID
        if not isinstance(value, list):
            self.problem(where, f"expected a list of tables, got {_kind(value)}")
            return _INVALID
        built: list[Any] = []
        for i, entry in enumerate(value):
            one = self.build(item, entry, f"{where}[{i}]")
            if one is not _INVALID:
                if len(built) != i:
                    self.renamed[f"{where}[{len(built)}]"] = f"{where}[{i}]"
                built.append(one)
        return tuple(built)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _parse_env(base: type, optional: bool, text: str) -> Any:
    word = text.strip().lower()
    if optional and word in ("", "none"):
        return None
    if base is bool:
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else _INVALID
    if base is int:
        if re.fullmatch(r"[+-]?[0-9]+", word):
            return int(word)
        return int(word, 16) if re.fullmatch(r"0x[0-9a-f]+", word) else _INVALID
    if base is float:
        number = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?"
        return float(word) if re.fullmatch(number, word) else _INVALID
    return text


def _kind(value: object) -> str:
    kinds = {dict: "a table", list: "a list", str: "a string", bool: "a boolean", int: "an integer"}
    return (
        "a string" if isinstance(value, EnvText) else kinds.get(type(value), type(value).__name__)
    )


# -- value rules ------------------------------------------------------------------------------

PRINTER_DRIVERS = ("usb", "serial", "network", "file", "none")
PAPER_WIDTHS_MM = (58, 80)
PIN_FACTORIES = ("lgpio", "mock", "none")
LANGUAGES = ("id", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The same categories as appliance.storage.models.PRIORITY_REASONS (a test keeps them equal);
# repeated here so the configuration stays a pure module that imports no peewee.
PRIORITY_REASONS = ("lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana")
# BCM numbers of the GPIO pins on the 40-pin header of every Pi from the 3B+ to the 5.
BCM_PINS = range(28)
DATABASE_SCHEMES = ("sqlite:///", "postgresql://")
# Characters MQTT gives a meaning in topics: a site code goes into `mpp/v1/sites/{site}/...`.
TOPIC_RESERVED = frozenset("/+#")


def check_values(config: Config) -> list[Problem]:
    """Every rule broken by `config`, in the order of the sections."""
    problems: list[Problem] = []
    _choices(config, problems)
    _numbers(config, problems)
    _pins(config.gpio, problems)
    _addresses(config, problems)
    return problems


def _choices(config: Config, problems: list[Problem]) -> None:
    rules: list[tuple[str, object, Sequence[object]]] = [
        ("web.language", config.web.language, LANGUAGES),
        ("printer.driver", config.printer.driver, PRINTER_DRIVERS),
        ("printer.paper_width_mm", config.printer.paper_width_mm, PAPER_WIDTHS_MM),
        ("gpio.pin_factory", config.gpio.pin_factory, PIN_FACTORIES),
        ("logging.level", config.logging.level, LOG_LEVELS),
    ]
    rules += [
        (f"gpio.buttons[{i}].priority_reason", b.priority_reason, PRIORITY_REASONS)
        for i, b in enumerate(config.gpio.buttons)
    ]
    for path, value, allowed in rules:
        if value not in allowed:
            problems.append((path, f"{value!r} is not one of {', '.join(map(str, allowed))}"))


def _numbers(config: Config, problems: list[Problem]) -> None:
    web, printer, sync = config.web, config.printer, config.sync
    minimums: list[tuple[str, float, float]] = [
        ("storage.busy_timeout_ms", config.storage.busy_timeout_ms, 1),
        ("web.threads", web.threads, 1),
        ("web.max_streams", web.max_streams, 1),
        ("web.session_hours", web.session_hours, 1),
        ("printer.baudrate", printer.baudrate, 1),
        ("printer.usb_vendor", printer.usb_vendor, 0),
        ("printer.usb_product", printer.usb_product, 0),
        ("gpio.bounce_s", config.gpio.bounce_s, 0),
        ("queue.priority_streak_limit", config.queue.priority_streak_limit, 1),
        ("queue.recalls_before_no_show", config.queue.recalls_before_no_show, 0),
        ("queue.recent_handling_window", config.queue.recent_handling_window, 1),
        ("sync.batch_size", sync.batch_size, 1),
        ("sync.window", sync.window, 1),
        ("sync.compress_over_bytes", sync.compress_over_bytes, 0),
        ("sync.keepalive_s", sync.keepalive_s, 1),
        ("central.workers", config.central.workers, 1),
    ]
    minimums += [
        (f"gpio.buttons[{i}].cooldown_s", b.cooldown_s, 0)
        for i, b in enumerate(config.gpio.buttons)
    ]
    for path, value, minimum in minimums:
        if value < minimum:
            problems.append((path, f"must be at least {minimum}, got {value}"))
    for path, seconds in (
        ("printer.timeout_s", printer.timeout_s),
        ("printer.retry_s", printer.retry_s),
        ("printer.stale_after_s", printer.stale_after_s),
    ):
        if not seconds > 0:
            problems.append((path, f"must be greater than 0, got {seconds}"))
    for path, usb_id in (
        ("printer.usb_vendor", printer.usb_vendor),
        ("printer.usb_product", printer.usb_product),
    ):
        if usb_id > 0xFFFF:
            problems.append((path, f"{usb_id:#x} is not a USB id (0x0000-0xffff)"))
    for path, port in (
        ("web.port", web.port),
        ("printer.port", printer.port),
        ("central.web.port", config.central.web.port),
    ):
        if not 1 <= port <= 65535:
            problems.append((path, f"{port} is not a port (1-65535)"))
    if web.cpu not in ("last", "any") and not (web.cpu.isdigit() and int(web.cpu) < 1024):
        problems.append(("web.cpu", f"{web.cpu!r} is not 'last', 'any' or a CPU number"))
    if web.threads >= 1 and web.max_streams >= web.threads:
        # Every open board stream holds a waitress thread for its whole life (PITFALLS.md).
        problems.append(
            ("web.max_streams", f"must be below web.threads ({web.threads}) to leave threads")
        )


def _pins(gpio: GpioConfig, problems: list[Problem]) -> None:
    """BCM pins only, each used once: two buttons on one pin would both fire on one press."""
    used: dict[int, str] = {}
    claims = [(f"gpio.buttons[{i}].pin", b.pin) for i, b in enumerate(gpio.buttons)]
    if gpio.led_pin is not None:
        claims.append(("gpio.led_pin", gpio.led_pin))
    for path, pin in claims:
        if pin not in BCM_PINS:
            problems.append((path, f"{pin} is not a BCM GPIO pin (0-27)"))
        elif pin in used:
            problems.append((path, f"pin {pin} is already used by {used[pin]}"))
        else:
            used[pin] = path
    for i, button in enumerate(gpio.buttons):
        if not button.service.strip():
            problems.append((f"gpio.buttons[{i}].service", "a service code is required"))


def _addresses(config: Config, problems: list[Problem]) -> None:
    _http_url("web.public_url", config.web.public_url, problems, required=True)
    _http_url("central.web.public_url", config.central.web.public_url, problems, required=False)
    if config.printer.driver == "network" and not config.printer.host:
        problems.append(("printer.host", "required by the network printer driver"))
    sync = config.sync
    if sync.broker:
        _broker("sync.broker", sync.broker, problems)
        if not sync.site:
            problems.append(("sync.site", "required when sync.broker is set"))
    if any(c in TOPIC_RESERVED or c.isspace() for c in sync.site):
        problems.append(("sync.site", f"{sync.site!r} must not contain spaces, '/', '+' or '#'"))
    if bool(sync.cert_file) != bool(sync.key_file):
        problems.append(("sync.key_file", "give sync.cert_file and sync.key_file together"))
    _broker("central.broker", config.central.broker, problems)
    database = config.central.database
    if not database.startswith(DATABASE_SCHEMES) or database in DATABASE_SCHEMES:
        problems.append(
            ("central.database", f"{database!r} must be sqlite:///PATH or postgresql://...")
        )


def _http_url(path: str, url: str, problems: list[Problem], *, required: bool) -> None:
    if not url and not required:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append((path, f"{url!r} must be an http:// or https:// URL"))


def _broker(path: str, url: str, problems: list[Problem]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        problems.append((path, f"{url!r} must look like mqtt://host:port or mqtts://host:port"))
        return
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        problems.append((path, f"{url!r} has a bad port"))
