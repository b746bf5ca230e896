"""Showing a configuration (`mpp config show`): plain data with secrets redacted, and TOML."""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from appliance.config.fields import is_secret
from appliance.config.sections import Config


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
        elif redact and isinstance(value, str):
            out[f.name] = redact_url(value)
        else:
            out[f.name] = value
    return out


def redact_url(text: str) -> str:
    """A URL's password as "***" (`postgresql://mpp:***@db/mpp`): central's database URL may
    carry one, and `mpp config show`, `mpp config check` and `mpp init --central` print URLs.
    Anything else comes back unchanged."""
    if "://" not in text or "@" not in text:
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    user, _, host = parts.netloc.rpartition("@")
    name = user.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


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
