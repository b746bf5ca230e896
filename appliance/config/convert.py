"""Raw configuration values into the declared types, without silent coercion.

"8080x" is not a port and `true` is not 1: a value from the TOML file must already have the
field's type, a value from the environment (`EnvText`) is parsed by it. Type problems and then
value problems (`appliance.config.rules`) come back together as (dotted path, message) pairs.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

from appliance.config.fields import EnvText, is_secret
from appliance.config.rules import Problem, check_values
from appliance.config.sections import Config

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


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
