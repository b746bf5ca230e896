"""Central accounts: administrators (argon2id) and API tokens (only their SHA-256 is stored).

Same rules as the appliance's accounts (appliance.accounts): a token is long and random, shown
once; a password is at least 10 characters. Users: add, change password, disable/enable (never
the last active administrator); tokens: create, list, revoke. Used by the CLI (`sync.cli`) and
the admin API (`sync.central.http.admin`). Open sessions are rows of `central_sessions` (the
SHA-256 of each session id, kept by `web.kit.guard`); a password change or disabling a user ends
all of theirs in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import UTC, datetime

from argon2 import PasswordHasher
from peewee import Database, IntegrityError

from sync.central.store import CentralSession, CentralToken, CentralUser, serialise

ROLES = ("supervisor", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "mppc_"  # noqa: S105 - a marker, not a secret


class CentralAccountError(ValueError):
    pass


def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def add_user(db: Database, username: str, password: str, role: str = "admin") -> None:
    if not USERNAME.match(username):
        raise CentralAccountError(f"username {username!r}: 2-32 of a-z 0-9 . _ -")
    if len(password) < MIN_PASSWORD:
        raise CentralAccountError(f"password must have at least {MIN_PASSWORD} characters")
    if role not in ROLES:
        raise CentralAccountError(f"role must be one of {', '.join(ROLES)}")
    with db.connection_context(), db.atomic():
        try:
            CentralUser.create(
                username=username,
                password_hash=_hasher().hash(password),
                role=role,
                created_at=datetime.now(UTC),
            )
        except IntegrityError:
            raise CentralAccountError(f"user {username!r} already exists") from None


def authenticate(db: Database, username: str, password: str) -> CentralUser | None:
    from argon2.exceptions import VerifyMismatchError

    with db.connection_context():
        user = CentralUser.get_or_none(CentralUser.username == username)
    if user is None or not user.active:
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except VerifyMismatchError:
        return None
    found: CentralUser = user
    return found


def create_token(db: Database, name: str, role: str = "admin") -> str:
    if role not in ROLES:
        raise CentralAccountError(f"role must be one of {', '.join(ROLES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.connection_context(), db.atomic():
        try:
            CentralToken.create(
                name=name, role=role, token_hash=_digest(token), created_at=datetime.now(UTC)
            )
        except IntegrityError:
            raise CentralAccountError(f"token {name!r} already exists") from None
    return token


def token_role(db: Database, token: str) -> str | None:
    with db.connection_context():
        row = CentralToken.get_or_none(
            (CentralToken.token_hash == _digest(token)) & ~CentralToken.revoked
        )
    return str(row.role) if row is not None else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def users(db: Database) -> list[CentralUser]:
    with db.connection_context():
        return list(CentralUser.select().order_by(CentralUser.username))


def _user(username: str) -> CentralUser:
    user = CentralUser.get_or_none(CentralUser.username == username)
    if user is None:
        raise CentralAccountError(f"user {username!r} does not exist")
    found: CentralUser = user
    return found


def set_password(db: Database, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise CentralAccountError(f"password must have at least {MIN_PASSWORD} characters")
    with db.connection_context(), db.atomic():
        user = _user(username)
        user.password_hash = _hasher().hash(password)
        user.save()
        _end_sessions(int(user.id))  # whoever knew the old password may have logged in with it


def set_active(db: Database, username: str, active: bool) -> None:
    """Disable or enable a user; the last active administrator cannot be disabled (central
    would be left without anyone to manage it). Disabling ends every session of the user, so
    enabling them again brings no old cookie back to life."""
    with db.connection_context(), db.atomic():
        serialise(db, "central_users.admins")  # two admins disabling each other at once
        user = _user(username)
        if not active and user.role == "admin" and user.active:
            others = (
                CentralUser.select()
                .where(
                    (CentralUser.role == "admin") & CentralUser.active & (CentralUser.id != user.id)
                )
                .count()
            )
            if others == 0:
                raise CentralAccountError("the last active administrator cannot be disabled")
        user.active = active
        user.save()
        if not active:
            _end_sessions(int(user.id))


def session_user(db: Database, user_id: int, session: str) -> CentralUser | None:
    """The active user of an open, unexpired session (`session`: the SHA-256 the web keeps).
    Asked on every request made with a session."""
    with db.connection_context():
        found: CentralUser | None = (
            CentralUser.select()
            .join(CentralSession, on=(CentralSession.user_id == CentralUser.id))
            .where(
                (CentralSession.id == session)
                & (CentralSession.user_id == user_id)
                & (CentralSession.expires_at > time.time())
                & CentralUser.active
            )
            .first()
        )
    return found


def start_session(db: Database, user_id: int, session: str, expires_at: float) -> None:
    """Record a session at login, and sweep the expired ones."""
    with db.connection_context(), db.atomic():
        CentralSession.delete().where(CentralSession.expires_at <= time.time()).execute()
        CentralSession.create(
            id=session,
            user_id=user_id,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            expires_at=expires_at,
        )


def end_session(db: Database, session: str) -> None:
    with db.connection_context(), db.atomic():
        CentralSession.delete().where(CentralSession.id == session).execute()


def end_sessions(db: Database, user_id: int) -> int:
    """End every session of a user (log out everywhere); how many were open."""
    with db.connection_context(), db.atomic():
        return _end_sessions(user_id)


def end_sessions_of(db: Database, username: str) -> int:
    """`end_sessions` by username (an administrator's "log out everywhere" for someone)."""
    with db.connection_context(), db.atomic():
        return _end_sessions(int(_user(username).id))


def _end_sessions(user_id: int) -> int:
    return int(CentralSession.delete().where(CentralSession.user_id == user_id).execute())


def tokens(db: Database) -> list[CentralToken]:
    with db.connection_context():
        return list(CentralToken.select().order_by(CentralToken.name))


def revoke_token(db: Database, name: str) -> None:
    """Revoke a token by name (kept, marked revoked: the list shows it was there)."""
    with db.connection_context(), db.atomic():
        changed = CentralToken.update(revoked=True).where(CentralToken.name == name).execute()
    if changed == 0:
        raise CentralAccountError(f"token {name!r} does not exist")
