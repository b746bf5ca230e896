"""Central's tests run on both of its backends: `central_url` is a fresh, empty database on
SQLite (the embedded default) and on PostgreSQL (the production default), a parameter, not a
copy of each test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/central.db"
    url: str = request.getfixturevalue("postgres_url")
    return url
