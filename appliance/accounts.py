"""Staff accounts and machine tokens.

Passwords are kept only as argon2id hashes; tokens only as their SHA-256 (a token is long and
random, so a fast hash is enough and lookups stay cheap). No account exists until an administrator
creates one: there is no default password anywhere. An officer's open sessions are rows of
`staff_session` (the web's `kit.guard` keeps the SHA-256 of each session id there); a password
change or disabling the officer deletes them in the same transaction, so no copy of an old
session cookie outlives either.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from peewee import SqliteDatabase

from appliance.clock import Clock
from appliance.queue.tickets import stamp
from appliance.storage.database import connected
from appliance.storage.models import (
    ROLES,
    ApiToken,
    Counter,
    Officer,
    OfficerCounter,
    StaffSession,
)

STAFF_ROLES = ("officer", "supervisor", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "mpp_"  # noqa: S105 - a marker, not a secret


class AccountError(ValueError):
    """A refused account change, with a message for the administrator."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in officer or a machine token."""

    kind: str  # "officer" | "token"
    id: int
    name: str
    role: str
    counters: frozenset[str]

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def may_act_on(self, counter_code: str) -> bool:
        """Supervisors and admins act on every counter; officers only on their own."""
        return self.at_least("supervisor") or counter_code in self.counters


class Accounts:
    def __init__(self, db: SqliteDatabase, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # Cheap enough for a Pi (~50 ms), still far beyond guessing speed.
        self._hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
        self._dummy_hash: str | None = None
        self._dummy_lock = threading.Lock()

    def _dummy(self) -> str:
        """A hash to check an unknown username's password against, so that answer takes as
        long as a wrong password. Made on first use, not in `__init__`: it is 36 ms of CPU
        (argon2, 19 MiB), which every `mpp run` start and CLI command paid, about 0.18 s of
        a start at B11's 20 % of a core."""
        with self._dummy_lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
            return self._dummy_hash

    def check_password_strength(self, password: str, username: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
        if username.lower() in password.lower():
            raise AccountError("Kata sandi tidak boleh memuat nama pengguna.")

    def add_officer(
        self,
        username: str,
        password: str,
        role: str,
        *,
        display_name: str = "",
        counters: Iterable[str] = (),
    ) -> Officer:
        if not USERNAME.match(username):
            raise AccountError(
                "Nama pengguna: 2-32 huruf kecil, angka, titik, garis bawah atau tanda hubung."
            )
        if role not in STAFF_ROLES:
            raise AccountError(f"Peran harus salah satu dari: {', '.join(STAFF_ROLES)}.")
        self.check_password_strength(password, username)
        counter_codes = sorted(set(counters))
        with connected(self.db), self.db.atomic():
            if Officer.get_or_none(Officer.username == username) is not None:
                raise AccountError(f"Pengguna {username!r} sudah ada.")
            self._check_counters(counter_codes)
            officer: Officer = Officer.create(
                username=username,
                display_name=display_name or username,
                password_hash=self._hasher.hash(password),
                role=role,
                created_at=stamp(self.clock.now()),
            )
            for code in counter_codes:
                OfficerCounter.create(officer=officer.id, counter=code)
        return officer

    def _check_counters(self, codes: list[str]) -> None:
        known = {c.code for c in Counter.select(Counter.code).where(Counter.code.in_(codes))}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise AccountError("Loket tidak dikenal: " + ", ".join(unknown))

    def set_password(self, username: str, password: str) -> None:
        """A new password; every open session of the officer ends (whoever knew the old one
        may have logged in with it)."""
        self.check_password_strength(password, username)
        with connected(self.db), self.db.atomic():
            updated = (
                Officer.update(password_hash=self._hasher.hash(password))
                .where(Officer.username == username)
                .execute()
            )
            self._end_sessions_of(username)
        if updated != 1:
            raise AccountError(f"Pengguna {username!r} tidak ditemukan.")

    def set_counters(self, username: str, counters: Iterable[str]) -> None:
        codes = sorted(set(counters))
        with connected(self.db), self.db.atomic():
            officer = Officer.get_or_none(Officer.username == username)
            if officer is None:
                raise AccountError(f"Pengguna {username!r} tidak ditemukan.")
            self._check_counters(codes)
            OfficerCounter.delete().where(OfficerCounter.officer == officer.id).execute()
            for code in codes:
                OfficerCounter.create(officer=officer.id, counter=code)

    def set_active(self, username: str, active: bool) -> None:
        """Disable or enable; disabling ends every open session, so enabling the officer again
        does not bring an old cookie back to life."""
        with connected(self.db), self.db.atomic():
            updated = Officer.update(active=active).where(Officer.username == username).execute()
            if not active:
                self._end_sessions_of(username)
        if updated != 1:
            raise AccountError(f"Pengguna {username!r} tidak ditemukan.")

    def officers(self) -> list[tuple[Officer, list[str]]]:
        with connected(self.db):
            result = []
            for officer in Officer.select().order_by(Officer.username):
                counters = [
                    oc.counter_id
                    for oc in OfficerCounter.select().where(OfficerCounter.officer == officer.id)
                ]
                result.append((officer, sorted(counters)))
            return result

    def authenticate(self, username: str, password: str) -> Principal | None:
        """The officer for these credentials, or None (same work whether or not they exist)."""
        with connected(self.db):
            officer = Officer.get_or_none((Officer.username == username) & Officer.active)
            stored = officer.password_hash if officer is not None else self._dummy()
            try:
                self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return None
            if officer is None:
                return None
            if self._hasher.check_needs_rehash(stored):
                Officer.update(password_hash=self._hasher.hash(password)).where(
                    Officer.id == officer.id
                ).execute()
            return self.principal_for_officer(officer.id)

    def principal_for_officer(self, officer_id: int) -> Principal | None:
        with connected(self.db):
            row = self.db.execute_sql(
                "SELECT username, role FROM officer WHERE id = ? AND active = 1", (officer_id,)
            ).fetchone()
            return None if row is None else self._principal(officer_id, row[0], row[1])

    def principal_for_session(self, officer_id: int, session: str) -> Principal | None:
        """The officer of an open, unexpired session (`session`: the SHA-256 the web keeps);
        None when it was ended or the officer is disabled. Plain SQL, one indexed join: asked
        on every request of a logged-in officer."""
        with connected(self.db):
            row = self.db.execute_sql(
                "SELECT o.username, o.role FROM staff_session s "
                "JOIN officer o ON o.id = s.officer_id "
                "WHERE s.id = ? AND s.officer_id = ? AND s.expires_at > ? AND o.active = 1",
                (session, officer_id, time.time()),
            ).fetchone()
            return None if row is None else self._principal(officer_id, row[0], row[1])

    def start_session(self, officer_id: int, session: str, expires_at: float) -> None:
        """Record a session at login, and sweep the expired ones (so the table holds only the
        sessions open now)."""
        with connected(self.db), self.db.atomic():
            StaffSession.delete().where(StaffSession.expires_at <= time.time()).execute()
            StaffSession.create(
                id=session,
                officer=officer_id,
                started_at=stamp(self.clock.now()),
                expires_at=expires_at,
            )

    def end_session(self, session: str) -> None:
        with connected(self.db), self.db.atomic():
            StaffSession.delete().where(StaffSession.id == session).execute()

    def end_sessions(self, officer_id: int) -> int:
        """End every session of an officer (log out everywhere); how many were open."""
        with connected(self.db), self.db.atomic():
            return int(StaffSession.delete().where(StaffSession.officer == officer_id).execute())

    def end_sessions_of(self, username: str) -> int:
        """`end_sessions` by username (an administrator's "log out everywhere" for someone)."""
        with connected(self.db), self.db.atomic():
            if Officer.get_or_none(Officer.username == username) is None:
                raise AccountError(f"Pengguna {username!r} tidak ditemukan.")
            return self._end_sessions_of(username)

    def _end_sessions_of(self, username: str) -> int:
        officer = Officer.select(Officer.id).where(Officer.username == username)
        return int(StaffSession.delete().where(StaffSession.officer.in_(officer)).execute())

    def _principal(self, officer_id: int, username: str, role: str) -> Principal:
        """An officer with their counters (inside the caller's connection)."""
        counters = frozenset(
            code
            for (code,) in self.db.execute_sql(
                "SELECT counter_code FROM officer_counter WHERE officer_id = ?", (officer_id,)
            )
        )
        return Principal("officer", officer_id, username, role, counters)

    def create_token(self, name: str, role: str, *, counters: Iterable[str] = ()) -> str:
        """A new random token; only its hash is stored, so it is shown exactly once."""
        if role not in ROLES:
            raise AccountError(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
        if not name.strip():
            raise AccountError("Token memerlukan nama.")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with connected(self.db), self.db.atomic():
            if ApiToken.get_or_none(ApiToken.name == name) is not None:
                raise AccountError(f"Token bernama {name!r} sudah ada.")
            codes = sorted(set(counters))
            self._check_counters(codes)
            ApiToken.create(
                name=name,
                role=role,
                token_hash=_digest(token),
                created_at=stamp(self.clock.now()),
                counters=",".join(codes),
            )
        return token

    def revoke_token(self, name: str) -> None:
        with connected(self.db), self.db.atomic():
            updated = ApiToken.update(revoked=True).where(ApiToken.name == name).execute()
        if updated != 1:
            raise AccountError(f"Token {name!r} tidak ditemukan.")

    def principal_for_token(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with connected(self.db):  # plain SQL: asked on every request of a machine client
            row = self.db.execute_sql(
                "SELECT id, name, role, counters FROM api_token "
                "WHERE token_hash = ? AND revoked = 0",
                (_digest(token),),
            ).fetchone()
        if row is None:
            return None
        counters = frozenset(c for c in row[3].split(",") if c)
        return Principal("token", row[0], row[1], row[2], counters)

    def tokens(self) -> list[ApiToken]:
        with connected(self.db):
            return list(ApiToken.select().order_by(ApiToken.name))

    def has_admin(self) -> bool:
        with connected(self.db):
            return bool(Officer.select().where((Officer.role == "admin") & Officer.active).exists())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
