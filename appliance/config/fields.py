"""Field markers: what kind of value a configuration field holds, beyond its Python type.

A secret may be given as `<name>_file` (a path whose stripped content is the value, e.g. a
systemd credential) and is redacted when shown; a relative path given in the file is taken
relative to the file's folder. The loader, the converter and `mpp config show` all read these
markers, so they live apart from each of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SECRET: Mapping[str, str] = {"kind": "secret"}
PATH: Mapping[str, str] = {"kind": "path"}
CATALOGUE: Mapping[str, str] = {"kind": "catalogue"}  # a path, or the bare name of a packaged one
SQLITE_URL: Mapping[str, str] = {"kind": "sqlite-url"}  # sqlite:///relative.db is a path too


@dataclass(frozen=True)
class EnvText:
    """A string from the environment, parsed by the type of the field it lands on."""

    text: str
    name: str


def kind(f: dataclasses.Field[Any]) -> str:
    """The field's marker ("secret", "path", ...), "" for a plain value."""
    return str(f.metadata.get("kind", ""))


def is_secret(f: dataclasses.Field[Any]) -> bool:
    return kind(f) == "secret"
