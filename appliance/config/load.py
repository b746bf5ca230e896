"""Configuration: typed defaults, a TOML file, `MPP_<SECTION>__<KEY>` overrides, secret files.

Every problem (unknown key, wrong type, value out of range) is collected and reported at once, each
naming the file or environment variable it came from, so an installer fixes everything in one go
instead of meeting one error per restart. Nothing is read until `load_config` is called.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.rules import (
    CATALOGUE,
    PATH,
    SECRET,
    SQLITE_URL,
    EnvText,
    is_secret,
    typed_config,
)


@dataclass(frozen=True)
class SiteConfig:
    catalogue: str = field(default="catalogue.json", metadata=CATALOGUE)
    code: str = ""  # overrides the catalogue's site code when set


@dataclass(frozen=True)
class StorageConfig:
    database: str = field(default="/var/lib/mpp/appliance.db", metadata=PATH)
    busy_timeout_ms: int = 5000


@dataclass(frozen=True)
class WebConfig:
    host: str = "0.0.0.0"  # noqa: S104 - the appliance serves the LAN
    port: int = 8080
    public_url: str = "http://mpp.local:8080"
    # 48: 40 busy counters each find a thread (B2 with 32 queued them: ~700 calls/s, not ~800)
    threads: int = 48
    max_streams: int = 24
    cpu: str = "last"  # `mpp run` on one CPU: "last" allowed one, a CPU number, or "any"
    secret_key: str = field(default="", metadata=SECRET)
    language: str = "id"
    session_hours: int = 12


@dataclass(frozen=True)
class PrinterConfig:
    driver: str = "none"
    folder: str = field(default="/var/lib/mpp/receipts", metadata=PATH)
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
    footer: str = "Terima kasih. Simpan tiket ini sampai dipanggil."
    query_status: bool = True  # ask the printer for paper/cover status before each job
    retry_s: float = 3.0  # how often a faulted printer is tried again
    stale_after_s: float = 120.0  # a receipt still unprinted after this is dropped (staff reprint)


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
    broker: str = ""  # "" = sync disabled
    site: str = ""
    username: str = ""
    password: str = field(default="", metadata=SECRET)
    ca_file: str = field(default="", metadata=PATH)
    cert_file: str = field(default="", metadata=PATH)
    key_file: str = field(default="", metadata=PATH)
    batch_size: int = 500
    window: int = 4
    compress_over_bytes: int = 4096
    keepalive_s: int = 30


@dataclass(frozen=True)
class CentralWebConfig:
    host: str = "0.0.0.0"  # noqa: S104
    port: int = 8090
    public_url: str = ""
    secret_key: str = field(default="", metadata=SECRET)


@dataclass(frozen=True)
class CentralConfig:
    database: str = field(default="sqlite:////var/lib/mpp/central.db", metadata=SQLITE_URL)
    broker: str = "mqtt://127.0.0.1:1883"
    username: str = ""
    password: str = field(default="", metadata=SECRET)
    ca_file: str = field(default="", metadata=PATH)
    workers: int = 2
    web: CentralWebConfig = field(default_factory=CentralWebConfig)


@dataclass(frozen=True)
class VoiceConfig:
    # A folder of human recordings, `<clip name>.wav` each, replacing the packaged clips file by
    # file; "" = the packaged clips only (docs/announcements.md).
    clips: str = field(default="", metadata=PATH)


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
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)


ENV_PREFIX = "MPP_"


class ConfigError(Exception):
    """Every problem found, one per line."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"- {p}" for p in self.problems))


def load_config(path: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Config:
    """Defaults, then the TOML file (if a path is given), then MPP_* environment variables."""
    sources = _Sources(Path(path) if path is not None else None, environ)
    raw = sources.read_file()
    sources.apply_env(raw)
    sources.prepare(Config, raw, "")
    config, problems = typed_config(Config, raw)
    sources.problems += [sources.describe(where, message) for where, message in problems]
    if config is None or sources.problems:
        raise ConfigError(sources.problems)
    return config


# -- where values come from ------------------------------------------------------------------


class _Sources:
    """One load: the file and variables each value came from, so every problem can name it."""

    def __init__(self, file: Path | None, environ: Mapping[str, str]) -> None:
        self.file = file
        self.base = file.absolute().parent if file is not None else None
        self.environ = environ
        self.file_keys: set[str] = set()
        self.env_names: dict[str, str] = {}  # dotted key -> the variable that set it
        self.problems: list[str] = []

    def read_file(self) -> dict[str, Any]:
        if self.file is None:
            return {}
        try:
            raw = tomllib.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{self.file}: configuration file not found"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{self.file}: cannot read: {exc}"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{self.file}: not valid TOML: {exc}"]) from None
        self.file_keys = set(_dotted_keys(raw))
        return raw

    def apply_env(self, raw: dict[str, Any]) -> None:
        """`MPP_WEB__PORT=8081` sets web.port; names without `__` (MPP_CONFIG) are not ours."""
        for name, value in sorted(self.environ.items()):
            if not name.startswith(ENV_PREFIX) or "__" not in name:
                continue
            parts = name[len(ENV_PREFIX) :].lower().split("__")
            if not all(re.fullmatch(r"[a-z][a-z0-9_]*", p) for p in parts):
                self.problems.append(f"{name}: not a MPP_<SECTION>__<KEY> variable name")
                continue
            node = raw
            for i, part in enumerate(parts[:-1]):
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    self.problems.append(f"{name}: {'.'.join(parts[: i + 1])} is not a section")
                    break
            else:
                node[parts[-1]] = EnvText(value, name)
                self.env_names[".".join(parts)] = name

    def prepare(self, cls: type[Any], raw: dict[str, Any], where: str) -> None:
        """Read secret files and anchor relative paths, walking `raw` along the sections."""
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            path = f"{where}.{f.name}" if where else f.name
            if is_secret(f):
                self.read_secret_file(raw, f.name, path)
            value, hint = raw.get(f.name), hints[f.name]
            if isinstance(value, str) and self.base is not None:
                raw[f.name] = _anchor(f.metadata.get("kind", ""), value, self.base)
            elif isinstance(value, dict) and dataclasses.is_dataclass(hint):
                self.prepare(typing.cast(type[Any], hint), value, path)
            elif isinstance(value, list) and typing.get_origin(hint) is tuple:
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        self.prepare(typing.get_args(hint)[0], item, f"{path}[{i}]")

    def read_secret_file(self, raw: dict[str, Any], key: str, where: str) -> None:
        """Replace `<key>_file` by the file's stripped content; the environment beats the file."""
        file_key = f"{key}_file"
        if file_key not in raw:
            return
        given = raw.pop(file_key)
        from_env = isinstance(given, EnvText)
        if key in raw and from_env == isinstance(raw[key], EnvText):
            self.problems.append(self.describe(where, f"give {key} or {file_key}, not both"))
            return
        if key in raw and not from_env:
            return  # MPP_<SECTION>__<KEY> beats the file's <key>_file
        text = given.text if isinstance(given, EnvText) else given
        if not isinstance(text, str) or not text:
            self.problems.append(self.describe(where + "_file", "expected a file path"))
            return
        path = Path(_expand(text, self.environ))
        if not from_env and self.base is not None:
            path = self.base / path
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.problems.append(self.describe(where + "_file", f"cannot read {path}: {reason}"))
            return
        if not secret:
            self.problems.append(self.describe(where + "_file", f"{path} is empty"))
            return
        raw[key] = secret
        if isinstance(given, EnvText):
            self.env_names[where] = given.name

    def source(self, where: str) -> str:
        """The variable(s) or the file a value came from; "" for a default."""
        cuts = [i for i in range(len(where), 0, -1) if i == len(where) or where[i] in ".["]
        prefixes = [where[:i] for i in cuts]
        for prefix in prefixes:
            if prefix in self.env_names:
                return self.env_names[prefix]
        below = sorted(v for k, v in self.env_names.items() if k.startswith(where + "."))
        if below:  # an unknown section named by a variable
            return ", ".join(below)
        if self.file is not None and any(p in self.file_keys for p in prefixes):
            return str(self.file)
        return ""

    def describe(self, where: str, message: str) -> str:
        origin = self.source(where)
        if origin.startswith(ENV_PREFIX):
            return f"{where} (from {origin}): {message}"
        return f"{where}: {message} (in {origin})" if origin else f"{where}: {message}"


def _dotted_keys(raw: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in raw.items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        items = value if isinstance(value, list) else []
        if isinstance(value, Mapping):
            yield from _dotted_keys(value, path)
        for i, item in enumerate(items):
            yield f"{path}[{i}]"
            if isinstance(item, Mapping):
                yield from _dotted_keys(item, f"{path}[{i}]")


def _expand(text: str, environ: Mapping[str, str]) -> str:
    """`$CREDENTIALS_DIRECTORY/broker-password`, from the environment given to `load_config`."""
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: environ.get(m[1] or m[2], m[0]), text)


def _anchor(kind: str, value: str, base: Path) -> str:
    """A relative path written in the file is relative to the file's folder, not to the cwd."""
    if not value or kind not in ("path", "catalogue", "sqlite-url"):
        return value
    if kind == "catalogue" and "/" not in value and not value.endswith(".json"):
        return value  # "kota-metro": a catalogue shipped with the package
    if kind == "sqlite-url":
        prefix = "sqlite:///"
        rest = value[len(prefix) :] if value.startswith(prefix) else ""
        if not rest or rest == ":memory:" or os.path.isabs(rest):
            return value
        return prefix + str(base / rest)
    return value if os.path.isabs(value) else str(base / value)


# -- showing ---------------------------------------------------------------------------------


def config_to_dict(config: Config, *, redact: bool = True) -> dict[str, object]:
    """Plain data for `mpp config show`; a set secret appears as "***", an empty one as ""."""
    return _section_to_dict(config, redact)


def _section_to_dict(section: Any, redact: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value):
            out[f.name] = _section_to_dict(value, redact)
        elif isinstance(value, tuple):
            out[f.name] = [_section_to_dict(v, redact) for v in value]
        elif redact and is_secret(f):
            out[f.name] = "***" if value else ""
        else:
            out[f.name] = value
    return out


def render_toml(data: Mapping[str, object]) -> str:
    """A minimal TOML writer for `config_to_dict` output; None (an unset option) is left out."""
    lines: list[str] = []
    _render_table(data, "", lines, array=False)
    return "\n".join(lines).lstrip("\n") + "\n"


def _render_table(data: Mapping[str, object], name: str, lines: list[str], array: bool) -> None:
    if name:
        lines += ["", f"[[{name}]]" if array else f"[{name}]"]
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping) or _is_table_list(v)}
    for key, value in data.items():
        if key not in tables and value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables.items():
        child = f"{name}.{_toml_key(key)}" if name else _toml_key(key)
        if isinstance(value, Mapping):
            _render_table(value, child, lines, array=False)
        else:
            for item in typing.cast(list[Mapping[str, object]], value):
                _render_table(item, child, lines, array=True)


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_string(str(value))


def _toml_string(text: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}

    def escape(char: str) -> str:
        if char in escapes:
            return escapes[char]
        return f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F else char

    return '"' + "".join(escape(c) for c in text) + '"'
