"""The peewee models match the schema the SQL migrations build.

The migrations are frozen SQL and the models are Python: a column added to a model and not to a
new migration (or a migration that drops an index a model relies on) would pass every test that
builds its database through `open_database`… and fail on no test at all, only on a box. So a
fresh database, migrated the way every box migrates, is read back with SQLite's own PRAGMAs and
compared with what each model declares.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from peewee import SqliteDatabase

from appliance.storage import migrations
from appliance.storage.database import open_database
from appliance.storage.models import MODELS
from tests.support.schema import (
    declared,
    sql_default,
    sqlite_kind,
    sqlite_table,
    sqlite_tables,
)

KIND = sqlite_kind(SqliteDatabase(None))  # the affinity of the type peewee declares for a field


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("schema") / "appliance.db"
    open_database(path).close()
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def test_a_fresh_database_has_every_migration(migrated: sqlite3.Connection) -> None:
    (version,) = migrated.execute("PRAGMA user_version").fetchone()
    assert version == migrations.available()[-1][0]


def test_the_migrated_tables_are_the_models_tables(migrated: sqlite3.Connection) -> None:
    assert sqlite_tables(migrated) == {model._meta.table_name for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_columns_and_keys_match_the_model(migrated: sqlite3.Connection, model: Any) -> None:
    expected = declared(model, KIND)
    actual = sqlite_table(migrated, model._meta.table_name)
    # name, type affinity and NOT NULL of every column, none missing and none extra
    assert actual.columns == expected.columns
    assert actual.primary_key == expected.primary_key
    assert actual.foreign_keys == expected.foreign_keys


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_indexes_match_the_model(migrated: sqlite3.Connection, model: Any) -> None:
    """Every index and unique constraint the model declares exists; the migrations may add
    indexes of their own for speed (the queue head), but no uniqueness the model does not know."""
    expected = declared(model, KIND)
    actual = sqlite_table(migrated, model._meta.table_name)
    assert expected.indexes - actual.indexes == set(), "declared, missing from the migrations"
    unique = {index for index in actual.indexes if index.unique}
    assert unique - expected.indexes == set(), "unique in the migrations, not in the model"


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_sql_defaults_agree_with_the_model(migrated: sqlite3.Connection, model: Any) -> None:
    """A column a migration added to existing rows carries a SQL default; it must be the value
    the model writes for new rows, or old and new rows would disagree."""
    actual = sqlite_table(migrated, model._meta.table_name)
    for column, default in actual.defaults.items():
        assert default == sql_default(model, column), column
