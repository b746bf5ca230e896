"""Writing a configuration file into a test's folder, and the problems `load_config` refuses it
with (the config tests' shared steps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.config.load import ConfigError, load_config


def write(folder: Path, text: str, name: str = "appliance.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | None, environ: dict[str, str] | None = None) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ or {})
    return caught.value.problems
