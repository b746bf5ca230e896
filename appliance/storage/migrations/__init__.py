"""Schema migrations, applied in order and recorded in SQLite's `user_version`.

Each migration is a frozen SQL file `NNNN_name.sql` (never edited once released) so a box that
updates from any older release reaches today's schema.
"""

from __future__ import annotations

import re
from importlib import resources

from peewee import SqliteDatabase

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, str]]:
    """(version, file name) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files(__package__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name))
    return sorted(found)


def current_version(db: SqliteDatabase) -> int:
    row = db.execute_sql("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(db: SqliteDatabase) -> list[str]:
    """Apply the missing migrations, each in its own IMMEDIATE transaction; returns their names."""
    applied: list[str] = []
    for version, name in available():
        with db.atomic("IMMEDIATE"):
            if current_version(db) >= version:
                continue
            sql = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
            for statement in _statements(sql):
                db.execute_sql(statement)
            db.execute_sql(f"PRAGMA user_version = {version:d}")
            applied.append(name)
    return applied


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
