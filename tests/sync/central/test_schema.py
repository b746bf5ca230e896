"""Central's tables match its peewee models, on a fresh database and on an older one.

Central has no migration files: `open_central_database` runs `create_tables` (which skips tables
that exist) and then adds the columns listed in `ADDED_COLUMNS` to older databases. So a column
added to a model and not to that list appears on a fresh database and never on a running
central's, and only an upgraded database shows it. Both are read back from what SQLite and
PostgreSQL report (PRAGMAs; information_schema and pg_index) and compared with the models.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peewee import Database

from sync.central.booking_models import BOOKING_TABLES
from sync.central.store import (
    ADDED_COLUMNS,
    MODELS,
    MOMENT_COLUMNS,
    WIDENED_COLUMNS,
    open_central_database,
)
from tests.support.schema import (
    Table,
    declared,
    postgres_kind,
    postgres_table,
    postgres_tables,
    sqlite_kind,
    sqlite_table,
    sqlite_tables,
)

# The columns of central's tables as the first release created them (sync/central/models.py
# before sites.timezone and central_users.active); frozen, like a migration.
FIRST_RELEASE: dict[str, tuple[str, ...]] = {
    "sites": (
        "code", "name", "online", "last_contact", "stored_through", "highest_seen",
        "events_stored", "duplicates_ignored", "conflicts", "rejected_batches",
        "backlog_reported", "edge_last_seq", "config_version", "clock_synced", "software",
    ),
    "events": (
        "id", "site", "seq", "event_id", "type", "at", "clock_synced", "data", "received_at",
    ),
    "quarantine": ("id", "site", "seq", "reason", "payload", "received_at"),
    "tickets": (
        "id", "site", "ticket_id", "business_date", "number", "service", "agency", "state",
        "priority", "status_token", "source", "issued_at", "called_at", "started_at",
        "finished_at", "counter", "recalls", "last_seq",
    ),
    "survey_responses": (
        "id", "site", "seq", "survey_id", "service", "business_date", "answers", "respondent",
    ),
    "catalogue_versions": ("id", "site", "version", "document", "pushed_at", "applied_at"),
    "outgoing": (
        "id", "site", "topic", "payload", "retain", "version", "created_at", "published_at",
    ),
    "central_state": ("key", "value"),
    "central_users": ("id", "username", "password_hash", "role", "created_at"),
    "central_tokens": ("id", "name", "role", "token_hash", "revoked", "created_at"),
}  # fmt: skip

# Indexes of the first release a later one replaced: (name, table, columns), all unique.
FIRST_RELEASE_INDEXES = (("ticketrow_site_ticket_id", "tickets", ("site", "ticket_id")),)

# Tables added after the first release: `create_tables` (safe=True) creates them on an older
# database, so they need no ADDED_COLUMNS entry.
LATER_TABLES = ("central_sessions", *BOOKING_TABLES)


class Reader:
    """The tables of one open central database, as its own engine reports them."""

    def __init__(self, db: Database, path: Path | None) -> None:
        self.db = db
        self.conn = sqlite3.connect(path) if path is not None else None
        self.kind = sqlite_kind(db) if path is not None else postgres_kind(db)

    def tables(self) -> set[str]:
        if self.conn is not None:
            return sqlite_tables(self.conn)
        with self.db.connection_context():
            return postgres_tables(self.db)

    def table(self, name: str) -> Table:
        if self.conn is not None:
            return sqlite_table(self.conn, name)
        with self.db.connection_context():
            return postgres_table(self.db, name)

    def drop_column(self, table: str, column: str) -> None:
        """As if the column had never been created (SQLite refuses to drop an indexed column,
        so its indexes go first; PostgreSQL drops them with it)."""
        if self.conn is not None:
            for index in self.conn.execute(f'PRAGMA index_list("{table}")').fetchall():
                covered = {row[2] for row in self.conn.execute(f'PRAGMA index_info("{index[1]}")')}
                if column in covered and index[3] == "c":
                    self.conn.execute(f'DROP INDEX "{index[1]}"')
            self.conn.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
            self.conn.commit()
            return
        with self.db.connection_context():
            self.db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')

    def create_unique_index(self, name: str, table: str, columns: tuple[str, ...]) -> None:
        listed = ", ".join(f'"{column}"' for column in columns)
        sql = f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({listed})'
        if self.conn is not None:
            self.conn.execute(sql)
            self.conn.commit()
            return
        with self.db.connection_context():
            self.db.execute_sql(sql)

    def retype_column(self, table: str, column: str, kind: str) -> None:
        """Back to the first release's type on PostgreSQL (SQLite kept neither a varchar's
        length nor a time zone, so its columns are as they were)."""
        if self.conn is None:
            with self.db.connection_context():
                self.db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {kind}')

    def drop_table(self, table: str) -> None:
        """As if the table had never been created."""
        if self.conn is not None:
            self.conn.execute(f'DROP TABLE "{table}"')
            self.conn.commit()
            return
        with self.db.connection_context():
            self.db.execute_sql(f'DROP TABLE "{table}"')

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path | None]:
    """A URL for an empty central database, and the SQLite file behind it (None: PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "central.db"
        return f"sqlite:///{path}", path
    return request.getfixturevalue("postgres_url"), None


@pytest.fixture
def opened(central_url: tuple[str, Path | None]) -> Iterator[Reader]:
    url, path = central_url
    reader = Reader(open_central_database(url), path)
    yield reader
    reader.close()


def assert_tables_match_models(reader: Reader) -> None:
    assert reader.tables() == {model._meta.table_name for model in MODELS}
    for model in MODELS:
        expected = declared(model, reader.kind)
        actual = reader.table(model._meta.table_name)
        name = model.__name__
        # name, type (and a varchar's length on PostgreSQL), NOT NULL: none missing, none extra
        assert actual.columns == expected.columns, name
        assert actual.primary_key == expected.primary_key, name
        assert actual.indexes == expected.indexes, name


def test_every_column_since_the_first_release_is_added_to_older_databases() -> None:
    now = {
        (model._meta.table_name, field.column_name)
        for model in MODELS
        if model._meta.table_name not in LATER_TABLES
        for field in model._meta.sorted_fields
    }
    first = {(table, column) for table, columns in FIRST_RELEASE.items() for column in columns}
    added = {(model._meta.table_name, name) for model, name in ADDED_COLUMNS}
    assert now - first == added, "a new column must be listed in ADDED_COLUMNS"
    assert first <= now, "a column of the first release is gone from the models"


def test_a_fresh_database_matches_the_models(opened: Reader) -> None:
    assert_tables_match_models(opened)


def test_an_older_database_is_brought_to_the_models(central_url: tuple[str, Path | None]) -> None:
    url, path = central_url
    older = Reader(open_central_database(url), path)
    try:
        for table in LATER_TABLES:
            older.drop_table(table)
        for model in MODELS:
            table = model._meta.table_name
            if table in LATER_TABLES:
                continue
            for column in [c for c in older.table(table).columns if c not in FIRST_RELEASE[table]]:
                older.drop_column(table, column)
        for model, name in WIDENED_COLUMNS:
            older.retype_column(model._meta.table_name, name, "varchar(64)")
        for model, name in MOMENT_COLUMNS:
            older.retype_column(model._meta.table_name, name, "timestamp")
        for index in FIRST_RELEASE_INDEXES:
            older.create_unique_index(*index)
        assert {t: tuple(older.table(t).columns) for t in older.tables()} == FIRST_RELEASE
    finally:
        older.close()

    upgraded = Reader(open_central_database(url), path)
    try:
        assert_tables_match_models(upgraded)
    finally:
        upgraded.close()


def test_opening_a_current_database_waits_for_no_writer(
    central_url: tuple[str, Path | None],
) -> None:
    """A central process starting beside a busy one only reads the schema: before, its
    `CREATE INDEX IF NOT EXISTS` waited for (and on PostgreSQL deadlocked with) a booking."""
    url, path = central_url
    open_central_database(url).close()
    if path is not None:
        writer: Any = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process's write transaction, in flight
    else:
        import psycopg

        writer = psycopg.connect(url)
        writer.execute("LOCK TABLE bookings IN ROW EXCLUSIVE MODE")  # a booking in flight
    opened: list[Database] = []
    thread = threading.Thread(target=lambda: opened.append(open_central_database(url)))
    thread.daemon = True
    try:
        thread.start()
        thread.join(30)
        assert opened, "opening a current database waited for another transaction"
    finally:
        writer.rollback()
        writer.close()
        thread.join(30)
        for db in opened:
            db.close()
