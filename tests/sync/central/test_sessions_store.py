"""Central's session records (`central_sessions`, sync/central/accounts.py) on SQLite and on
PostgreSQL: a session opens its user until it is ended or expires, a password change or disabling
ends all of the user's, and expired records are swept at the next login."""

from __future__ import annotations

import time

from peewee import Database

from sync.central import accounts
from sync.central.store import CentralSession, CentralUser, open_central_database

PASSWORD = "rahasia-pusat-1"


def user_id(db: Database, username: str) -> int:
    with db.connection_context():
        return int(CentralUser.get(CentralUser.username == username).id)


def open_count(db: Database) -> int:
    with db.connection_context():
        return int(CentralSession.select().count())


def test_sessions_open_end_and_expire(central_url: str) -> None:
    db = open_central_database(central_url)
    try:
        accounts.add_user(db, "pusat", PASSWORD, "admin")
        accounts.add_user(db, "kepala", PASSWORD, "supervisor")
        pusat, kepala = user_id(db, "pusat"), user_id(db, "kepala")
        later = time.time() + 3600
        accounts.start_session(db, pusat, "a" * 64, later)
        accounts.start_session(db, pusat, "b" * 64, later)
        accounts.start_session(db, kepala, "c" * 64, later)
        found = accounts.session_user(db, pusat, "a" * 64)
        assert found is not None and found.username == "pusat"
        assert accounts.session_user(db, kepala, "a" * 64) is None  # not kepala's session
        assert accounts.session_user(db, pusat, "d" * 64) is None  # never opened

        accounts.end_session(db, "a" * 64)
        assert accounts.session_user(db, pusat, "a" * 64) is None
        assert accounts.session_user(db, pusat, "b" * 64) is not None

        accounts.set_password(db, "pusat", "kata-sandi-baru-1")
        assert accounts.session_user(db, pusat, "b" * 64) is None
        assert accounts.session_user(db, kepala, "c" * 64) is not None
        accounts.set_active(db, "kepala", False)
        accounts.set_active(db, "kepala", True)
        assert accounts.session_user(db, kepala, "c" * 64) is None

        accounts.start_session(db, kepala, "e" * 64, later)
        accounts.start_session(db, kepala, "f" * 64, later)
        assert accounts.end_sessions_of(db, "kepala") == 2
        assert accounts.end_sessions(db, kepala) == 0

        accounts.start_session(db, pusat, "g" * 64, time.time() - 1)  # already expired
        assert accounts.session_user(db, pusat, "g" * 64) is None
        accounts.start_session(db, pusat, "h" * 64, later)  # the next login sweeps it
        assert open_count(db) == 1
    finally:
        db.close()
