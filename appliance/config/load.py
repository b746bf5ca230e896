"""Loading: typed defaults, a TOML file, `MPP_<SECTION>__<KEY>` overrides, secret files.

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
from pathlib import Path
from typing import Any

from appliance.config.convert import typed_config
from appliance.config.fields import EnvText, is_secret, kind
from appliance.config.sections import Config

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
                raw[f.name] = _anchor(kind(f), value, self.base)
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
