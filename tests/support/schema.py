"""What a peewee model declares and what a database reports about a table, in one shape.

The appliance builds its schema from frozen SQL migrations and central from `create_tables` plus
columns added to older databases; in both, nothing but a test notices when a model and the real
table drift apart (a column added to a model and forgotten in a migration fails only on a real
box, at the first write). The schema tests compare `declared(model)` with `sqlite_table` or
`postgres_table`. Plain module, no pytest.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from peewee import CharField, Database, Field, ForeignKeyField


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # SQLite's type affinity, or PostgreSQL's own name of the type
    not_null: bool


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str
    on_delete: str


@dataclass
class Table:
    columns: dict[str, Column]
    primary_key: tuple[str, ...]
    indexes: set[Index]
    foreign_keys: set[ForeignKey] = field(default_factory=set)
    defaults: dict[str, str] = field(default_factory=dict)  # SQL defaults, by column


def sqlite_affinity(declared_type: str) -> str:
    """The affinity SQLite gives a declared column type (its documentation, "Datatypes", 3.1)."""
    name = declared_type.upper()
    if "INT" in name:
        return "INTEGER"
    if any(part in name for part in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in name or not name:
        return "BLOB"
    if any(part in name for part in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def sqlite_kind(db: Database) -> Callable[[Field], str]:
    """The affinity of the column type `db` (a SQLite database) would declare for a field."""
    types = db.get_context_options()["field_types"]
    return lambda f: sqlite_affinity(types.get(f.field_type, f.field_type))


# PostgreSQL's own names (information_schema) of the types peewee declares.
POSTGRES_NAMES = {
    "SERIAL": "integer",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "VARCHAR": "character varying",
    "TEXT": "text",
    "BOOLEAN": "boolean",
    "BYTEA": "bytea",
    "TIMESTAMP": "timestamp without time zone",
    "TIMESTAMPTZ": "timestamp with time zone",
    "DATE": "date",
    "DOUBLE PRECISION": "double precision",
}


def postgres_kind(db: Database) -> Callable[[Field], str]:
    """PostgreSQL's name of the type `db` (a PostgreSQL database) would declare, with a
    varchar's length (PostgreSQL enforces it; SQLite does not)."""
    types = db.get_context_options()["field_types"]

    def kind(f: Field) -> str:
        name = POSTGRES_NAMES[types.get(f.field_type, f.field_type)]
        if isinstance(f, CharField) and f.field_type == "VARCHAR":
            return f"{name}({f.max_length})"
        return name

    return kind


def declared(model: Any, kind: Callable[[Field], str]) -> Table:
    """The table `model` declares: its fields, primary key, indexes (unique fields, indexed and
    foreign-key fields, `Meta.indexes`) and foreign keys; no SQL defaults (peewee keeps them in
    Python)."""
    meta = model._meta
    columns = {
        f.column_name: Column(f.column_name, kind(f), not f.null) for f in meta.sorted_fields
    }
    if meta.composite_key:
        primary_key = tuple(meta.fields[name].column_name for name in meta.primary_key.field_names)
    else:
        primary_key = (meta.primary_key.column_name,)
    indexes = {
        Index(tuple(e.column_name for e in index._expressions), bool(index._unique))
        for index in meta.fields_to_index()
    }
    foreign_keys = {
        ForeignKey(
            f.column_name,
            f.rel_model._meta.table_name,
            f.rel_field.column_name,
            (f.on_delete or "NO ACTION").upper(),
        )
        for f in meta.sorted_fields
        if isinstance(f, ForeignKeyField)
    }
    return Table(columns, primary_key, indexes, foreign_keys)


def sql_default(model: Any, column: str) -> str | None:
    """The model's default for `column` as SQLite would print it, None when it has none."""
    found = next(f for f in model._meta.sorted_fields if f.column_name == column)
    if found.default is None or callable(found.default):
        return None
    value = found.db_value(found.default)
    return str(int(value) if isinstance(value, bool) else value)  # SQLite keeps a bool as 0/1


def sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows if not name.startswith("sqlite_")}


def sqlite_table(conn: sqlite3.Connection, table: str) -> Table:
    """What SQLite reports: PRAGMA table_info, index_list/index_info, foreign_key_list."""
    info = list(conn.execute(f'PRAGMA table_info("{table}")'))
    columns = {
        name: Column(name, sqlite_affinity(type_), bool(notnull))
        for _cid, name, type_, notnull, _default, _pk in info
    }
    primary_key = tuple(row[1] for row in sorted(info, key=lambda row: row[5]) if row[5])
    indexes = set()
    for _seq, name, unique, origin, _partial in conn.execute(f'PRAGMA index_list("{table}")'):
        if origin == "pk":
            continue
        parts = sorted(conn.execute(f'PRAGMA index_info("{name}")'))
        indexes.add(Index(tuple(column for _rank, _cid, column in parts), bool(unique)))
    foreign_keys = {
        ForeignKey(row[3], row[2], row[4], row[6])
        for row in conn.execute(f'PRAGMA foreign_key_list("{table}")')
    }
    defaults = {
        name: str(default).strip("'")
        for _cid, name, _type, _notnull, default, _pk in info
        if default is not None
    }
    return Table(columns, primary_key, indexes, foreign_keys, defaults)


def postgres_tables(db: Database) -> set[str]:
    rows = db.execute_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    return {name for (name,) in rows}


def postgres_table(db: Database, table: str) -> Table:
    """What PostgreSQL reports: information_schema's columns, pg_index's keys and indexes.
    (Central declares no foreign keys, so none are read.)"""
    columns = {}
    for name, type_, length, nullable in db.execute_sql(
        "SELECT column_name, data_type, character_maximum_length, is_nullable "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ):
        kind = f"{type_}({length})" if length is not None else type_
        columns[name] = Column(name, kind, nullable == "NO")
    primary_key: tuple[str, ...] = ()
    indexes = set()
    for primary, unique, names in db.execute_sql(
        "SELECT i.indisprimary, i.indisunique, array_agg(a.attname::text ORDER BY k.n) "
        "FROM pg_index i "
        "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = %s::regclass GROUP BY i.indexrelid, i.indisprimary, i.indisunique",
        (f'"{table}"',),
    ):
        if primary:
            primary_key = tuple(names)
        else:
            indexes.add(Index(tuple(names), bool(unique)))
    return Table(columns, primary_key, indexes)
