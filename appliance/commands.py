"""The `mpp` command group's interface for the packages that add subcommands to it.

`appliance.cli` builds the parser and runs a command; `web`, `sync` and the core's own
subsystems (hardware, doctor, demo) register theirs through the `mpp.commands` entry point
with these three types only, so none of them imports the CLI's main module (which imports
everything it may run).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from appliance.config.load import load_config
from appliance.config.sections import Config

Handler = Callable[[argparse.Namespace, "Context"], int]


class CommandError(Exception):
    """A failure to report to the person at the terminal (exit code 1 or 2)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    """What a subcommand needs: the config, loaded on first use."""

    config_path: Path | None
    environ: dict[str, str]
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, self.environ)
        return self._config


@dataclass
class Registry:
    """Handed to each `mpp.commands` entry point so it can add commands or extend ours."""

    subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
    parsers: dict[str, argparse.ArgumentParser] = field(default_factory=dict)
    hooks: dict[str, Handler] = field(default_factory=dict)

    def add(self, name: str, handler: Handler, **kwargs: object) -> argparse.ArgumentParser:
        parser = self.subparsers.add_parser(name, **kwargs)  # type: ignore[arg-type]
        parser.set_defaults(handler=handler)
        self.parsers[name] = parser
        return parser
