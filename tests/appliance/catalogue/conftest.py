"""The catalogue suite's fixtures: an empty migrated database on a real file, a clock standing on
a weekday morning."""

from __future__ import annotations

from pathlib import Path

import pytest
from peewee import SqliteDatabase

from appliance.clock import ManualClock
from appliance.storage.database import open_database
from tests.support.catalogue_fixtures import WEEKDAY_MORNING


@pytest.fixture
def catalogue_db(tmp_path: Path) -> SqliteDatabase:
    """An empty, migrated appliance database on a real file."""
    return open_database(tmp_path / "a.db")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEEKDAY_MORNING)
