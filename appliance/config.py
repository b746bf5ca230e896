"""Configuration: typed defaults, a TOML file, `MPP_<SECTION>__<KEY>` overrides, secret files.

Every problem (unknown key, wrong type, value out of range) is collected and reported at once, so
an installer fixes the file in one go instead of one error per restart.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class SiteConfig:
    catalogue: str = "catalogue.json"
    code: str = ""


@dataclass(frozen=True)
class StorageConfig:
    database: str = "/var/lib/mpp/appliance.db"
    busy_timeout_ms: int = 5000


@dataclass(frozen=True)
class WebConfig:
    host: str = "0.0.0.0"  # noqa: S104 - the appliance serves the LAN
    port: int = 8080
    public_url: str = "http://mpp.local:8080"
    threads: int = 48
    max_streams: int = 32
    secret_key: str = ""
    language: str = "id"
    session_hours: int = 12


@dataclass(frozen=True)
class PrinterConfig:
    driver: str = "none"
    folder: str = "/var/lib/mpp/receipts"
    host: str = ""
    port: int = 9100
    device: str = "/dev/ttyUSB0"
    baudrate: int = 19200
    usb_vendor: int = 0x0416
    usb_product: int = 0x5011
    paper_width_mm: int = 80
    timeout_s: float = 5.0
    profile: str = "default"
    png: bool = False


@dataclass(frozen=True)
class ButtonConfig:
    pin: int
    service: str
    priority: bool = False
    priority_reason: str = "lansia"
    cooldown_s: float = 2.0


@dataclass(frozen=True)
class GpioConfig:
    pin_factory: str = "lgpio"
    buttons: tuple[ButtonConfig, ...] = ()
    led_pin: int | None = None
    bounce_s: float = 0.05


@dataclass(frozen=True)
class QueueConfig:
    priority_streak_limit: int = 3
    recalls_before_no_show: int = 2
    enforce_hours: bool = True
    recent_handling_window: int = 20


@dataclass(frozen=True)
class SyncConfig:
    broker: str = ""
    site: str = ""
    username: str = ""
    password: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    batch_size: int = 500
    window: int = 4
    compress_over_bytes: int = 4096
    keepalive_s: int = 30


@dataclass(frozen=True)
class CentralWebConfig:
    host: str = "0.0.0.0"  # noqa: S104
    port: int = 8090
    public_url: str = ""
    secret_key: str = ""


@dataclass(frozen=True)
class CentralConfig:
    database: str = "sqlite:////var/lib/mpp/central.db"
    broker: str = "mqtt://127.0.0.1:1883"
    username: str = ""
    password: str = ""
    ca_file: str = ""
    workers: int = 2
    web: CentralWebConfig = field(default_factory=CentralWebConfig)


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"


@dataclass(frozen=True)
class Config:
    site: SiteConfig = field(default_factory=SiteConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    web: WebConfig = field(default_factory=WebConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    gpio: GpioConfig = field(default_factory=GpioConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    central: CentralConfig = field(default_factory=CentralConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)


# Fields whose value may come from `<name>_file` instead (systemd credentials), never shown.
SECRETS = {"web.secret_key", "sync.password", "central.password", "central.web.secret_key"}
# Relative paths in the file are taken relative to the file's folder.
PATHS = {
    "site.catalogue",
    "storage.database",
    "printer.folder",
    "sync.ca_file",
    "sync.cert_file",
    "sync.key_file",
    "central.ca_file",
}
CHOICES: dict[str, tuple[object, ...]] = {
    "printer.driver": ("usb", "serial", "network", "file", "none"),
    "printer.paper_width_mm": (58, 80),
    "gpio.pin_factory": ("lgpio", "mock", "none"),
    "web.language": ("id", "en"),
    "logging.level": ("DEBUG", "INFO", "WARNING", "ERROR"),
    "gpio.buttons.priority_reason": (
        "lansia",
        "disabilitas",
        "ibu_hamil",
        "anak",
        "korban_bencana",
    ),
}
POSITIVE = {
    "storage.busy_timeout_ms",
    "web.threads",
    "web.max_streams",
    "web.session_hours",
    "printer.timeout_s",
    "printer.baudrate",
    "queue.priority_streak_limit",
    "queue.recent_handling_window",
    "sync.batch_size",
    "sync.window",
    "sync.keepalive_s",
    "central.workers",
}
NON_NEGATIVE = {"gpio.buttons.cooldown_s", "gpio.bounce_s", "queue.recalls_before_no_show"}
PORTS = {"web.port", "printer.port", "central.web.port"}
ENV_PREFIX = "MPP_"


class ConfigError(Exception):
    """Every problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"- {p}" for p in problems))


def load_config(path: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Config:
    """Defaults, then the TOML file (if given), then MPP_* environment variables."""
    problems: list[str] = []
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        file = Path(path)
        base = file.resolve().parent
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{file}: configuration file not found"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{file}: cannot read: {exc}"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{file}: not valid TOML: {exc}"]) from None
        _resolve_paths(raw, base)
    sources: dict[str, str] = {}
    _apply_env(raw, environ, problems, sources)
    _read_secret_files(raw, problems)
    config = _build(Config, raw, "", problems, sources)
    if isinstance(config, Config):
        _check(config, problems)  # values that failed to parse are None and skipped here
    if problems:
        raise ConfigError(problems)
    assert isinstance(config, Config)
    return config


# -- reading ---------------------------------------------------------------------------------


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    for dotted in PATHS:
        section, key = dotted.rsplit(".", 1)
        table = _table(raw, section)
        value = table.get(key) if table is not None else None
        if isinstance(value, str) and value and not os.path.isabs(value):
            # A bare catalogue name ("kota-metro") names a packaged catalogue, not a file.
            if dotted == "site.catalogue" and "/" not in value and not value.endswith(".json"):
                continue
            assert table is not None
            table[key] = str(base / value)


def _table(raw: dict[str, Any], dotted: str) -> dict[str, Any] | None:
    node: Any = raw
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node if isinstance(node, dict) else None


def _apply_env(
    raw: dict[str, Any], environ: Mapping[str, str], problems: list[str], sources: dict[str, str]
) -> None:
    """`MPP_WEB__PORT=8081` sets web.port; values are parsed later by the field's type."""
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        if any(not p for p in parts):
            problems.append(f"{name}: malformed variable name")
            continue
        node = raw
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(f"{name}: {'.'.join(parts[:-1])} is not a section")
                break
            node = child
        else:
            node[parts[-1]] = _EnvValue(value, name)
            sources[".".join(parts)] = name


@dataclass(frozen=True)
class _EnvValue:
    """A string from the environment, parsed by the type of the field it lands on."""

    text: str
    name: str


def _read_secret_files(raw: dict[str, Any], problems: list[str]) -> None:
    for dotted in SECRETS:
        section, key = dotted.rsplit(".", 1)
        table = _table(raw, section)
        if table is None or f"{key}_file" not in table:
            continue
        file_value = table.pop(f"{key}_file")
        if isinstance(file_value, _EnvValue):
            file_value = file_value.text
        if key in table:
            problems.append(f"{dotted}: give either {key} or {key}_file, not both")
            continue
        if not isinstance(file_value, str):
            problems.append(f"{dotted}_file: expected a file path")
            continue
        path = Path(os.path.expandvars(file_value))
        try:
            table[key] = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            problems.append(f"{dotted}_file: cannot read {path}: {exc.strerror or exc}")


# -- building typed sections ---------------------------------------------------------------


def _build(
    cls: type[Any], raw: object, where: str, problems: list[str], sources: dict[str, str]
) -> Any:
    if not isinstance(raw, dict):
        problems.append(f"{where or 'configuration'}: expected a table, got {_kind(raw)}")
        return cls() if _all_defaults(cls) else None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            path = f"{where}.{key}" if where else key
            origin = [env for dotted, env in sources.items() if dotted.startswith(path)]
            note = f" (from {', '.join(origin)})" if origin else ""
            problems.append(_unknown(where, key, fields) + note)
    values: dict[str, Any] = {}
    for name, f in fields.items():
        path = f"{where}.{name}" if where else name
        if name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                problems.append(f"{path}: required")
            continue
        values[name] = _value(hints[name], raw[name], path, problems, sources)
    try:
        return cls(**values)
    except TypeError:
        return None


def _all_defaults(cls: type[Any]) -> bool:
    return all(
        f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        for f in dataclasses.fields(cls)
    )


def _unknown(where: str, key: str, fields: Mapping[str, object]) -> str:
    hint = difflib.get_close_matches(key, list(fields), n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"{where + '.' if where else ''}{key}: unknown key{suggestion}"


def _value(
    hint: Any, value: object, path: str, problems: list[str], sources: dict[str, str]
) -> Any:
    source = f" (from {value.name})" if isinstance(value, _EnvValue) else ""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value, path, problems, sources)
    origin = typing.get_origin(hint)
    if origin is tuple:  # tuple[ButtonConfig, ...]
        item = typing.get_args(hint)[0]
        if isinstance(value, _EnvValue):
            try:
                value = json.loads(value.text)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}{source}: not valid JSON: {exc}")
                return ()
        if not isinstance(value, list):
            problems.append(f"{path}{source}: expected a list, got {_kind(value)}")
            return ()
        built = [_build(item, v, f"{path}[{i}]", problems, sources) for i, v in enumerate(value)]
        return tuple(b for b in built if b is not None)
    optional = origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)
    base = next(a for a in typing.get_args(hint) if a is not type(None)) if optional else hint
    if isinstance(value, _EnvValue):
        return _parse_env(base, optional, value.text, path + source, problems)
    if optional and value is None:
        return None
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not base:
        problems.append(f"{path}: expected {base.__name__}, got {_kind(value)} {value!r}")
        return None
    return value


def _parse_env(base: type, optional: bool, text: str, where: str, problems: list[str]) -> Any:
    stripped = text.strip()
    if optional and stripped.lower() in ("", "none"):
        return None
    try:
        if base is bool:
            lowered = stripped.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if base is int:
            return int(stripped, 0) if stripped.lower().startswith("0x") else int(stripped)
        if base is float:
            return float(stripped)
    except ValueError:
        problems.append(f"{where}: expected {base.__name__}, got {text!r}")
        return None
    return text


def _kind(value: object) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


# -- checking values -------------------------------------------------------------------------


def _check(config: Config, problems: list[str]) -> None:
    flat = dict(_flatten(config_to_dict(config, redact=False)))
    for dotted, value in flat.items():
        if value is None:
            continue
        generic = re.sub(r"\[\d+\]", "", dotted)
        if generic in CHOICES and value not in CHOICES[generic]:
            allowed = ", ".join(str(c) for c in CHOICES[generic])
            problems.append(f"{dotted}: {value!r} is not one of {allowed}")
        if generic in POSITIVE and isinstance(value, int | float) and value <= 0:
            problems.append(f"{dotted}: must be greater than 0")
        if generic in NON_NEGATIVE and isinstance(value, int | float) and value < 0:
            problems.append(f"{dotted}: must not be negative")
        if generic in PORTS and isinstance(value, int) and not 1 <= value <= 65535:
            problems.append(f"{dotted}: {value} is not a port (1-65535)")
    pins: dict[int, str] = {}
    for i, button in enumerate(config.gpio.buttons):
        if isinstance(button.pin, int):
            _check_pin(button.pin, f"gpio.buttons[{i}].pin", pins, problems)
        if not button.service:
            problems.append(f"gpio.buttons[{i}].service: a service code is required")
    if isinstance(config.gpio.led_pin, int):
        _check_pin(config.gpio.led_pin, "gpio.led_pin", pins, problems)
    url = config.web.public_url
    if isinstance(url, str) and (
        urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname
    ):
        problems.append(f"web.public_url: {url!r} must be an http:// or https:// URL")
    if (
        isinstance(config.central.web.public_url, str)
        and config.central.web.public_url
        and urlsplit(config.central.web.public_url).scheme
        not in (
            "http",
            "https",
        )
    ):
        problems.append("central.web.public_url: must be an http:// or https:// URL")
    if isinstance(config.sync.broker, str) and config.sync.broker:
        _check_broker("sync.broker", config.sync.broker, problems)
        if not config.sync.site:
            problems.append("sync.site: required when sync.broker is set")
    if isinstance(config.central.broker, str):
        _check_broker("central.broker", config.central.broker, problems)
    db = config.central.database
    if isinstance(db, str) and not (
        db.startswith("sqlite:///") or db.startswith(("postgresql://", "postgres://"))
    ):
        problems.append(f"central.database: {db!r} must start with sqlite:/// or postgresql://")
    if config.printer.driver == "network" and not config.printer.host:
        problems.append("printer.host: required for the network driver")


def _check_pin(pin: int, where: str, used: dict[int, str], problems: list[str]) -> None:
    if not 0 <= pin <= 27:
        problems.append(f"{where}: {pin} is not a BCM GPIO pin (0-27)")
    elif pin in used:
        problems.append(f"{where}: pin {pin} is already used by {used[pin]}")
    else:
        used[pin] = where


def _check_broker(name: str, url: str, problems: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        problems.append(f"{name}: {url!r} must look like mqtt://host:port or mqtts://host:port")
        return
    try:
        _ = parts.port
    except ValueError:
        problems.append(f"{name}: {url!r} has a bad port")


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            out += _flatten(value, path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    out += _flatten(item, f"{path}[{i}]")
        else:
            out.append((path, value))
    return out


# -- showing ---------------------------------------------------------------------------------


def config_to_dict(config: Any, *, redact: bool = True, _where: str = "") -> dict[str, Any]:
    """Plain data for `mpp config show`; set secrets appear as "***"."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        path = f"{_where}.{f.name}" if _where else f.name
        if dataclasses.is_dataclass(value):
            out[f.name] = config_to_dict(value, redact=redact, _where=path)
        elif isinstance(value, tuple):
            out[f.name] = [config_to_dict(v, redact=redact, _where=path) for v in value]
        elif redact and path in SECRETS:
            out[f.name] = "***" if value else ""
        else:
            out[f.name] = value
    return out


def render_toml(data: Mapping[str, Any]) -> str:
    """A minimal TOML writer for `config_to_dict` output (None values are left out)."""
    lines: list[str] = []
    _render_table(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _render_table(
    data: Mapping[str, Any], name: str, lines: list[str], array: bool = False
) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping | list)}
    if name:
        lines.append("")
        lines.append(f"[[{name}]]" if array else f"[{name}]")
    for key, value in scalars.items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, value in data.items():
        child = f"{name}.{key}" if name else key
        if isinstance(value, Mapping):
            _render_table(value, child, lines)
        elif isinstance(value, list):
            for item in value:
                _render_table(item, child, lines, array=True)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)
