"""Online backups of the appliance database and SQLite's own integrity check.

The copy is taken page by page while the appliance keeps serving, checked, and only then put in
place, so a backup on a USB stick is either whole or absent.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def integrity_check(path: str | Path) -> list[str]:
    """SQLite's own integrity check on a file, plus foreign keys; [] when healthy."""
    conn = sqlite3.connect(str(path))
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key: {row}" for row in conn.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        conn.close()


def backup(db_path: str | Path, target: str | Path) -> int:
    """Online backup to `target` (pages copied while the appliance keeps serving), verified.

    Returns the number of tickets in the copy; raises RuntimeError if the copy is not intact.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(str(db_path), timeout=30)
    dest = sqlite3.connect(str(tmp))
    try:
        source.backup(dest, pages=256)
    finally:
        dest.close()
        source.close()
    problems = integrity_check(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        raise RuntimeError("backup copy failed its integrity check: " + "; ".join(problems))
    check = sqlite3.connect(str(tmp))
    try:
        (tickets,) = check.execute("SELECT count(*) FROM ticket").fetchone()
    finally:
        check.close()
    tmp.replace(target)
    return int(tickets)
