"""A site's booking key pair: made on first need, rotated by the admin with an overlap.

Central signs every booking token with the site's active Ed25519 seed; the site verifies with the
public keys it received in its config (`booking_keys` on `down/config`). On rotation the old key
stops signing at once but stays published until `horizon_days + 1` days later, so every booking it
signed (at most `horizon_days` ahead) can still be checked in. The seed never leaves central:
nothing here returns it to a caller outside this package, and no page, API answer or log shows it.
Call inside a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import Database

from appliance.bookings.token import key_id, new_key_pair
from sync.central.booking_models import BookingKeyRow
from sync.central.store import serialise


@dataclass(frozen=True)
class PublicKey:
    kid: str
    public_key: str
    created_at: str
    active: bool
    valid_until: str | None  # None while active

    def to_config(self) -> dict[str, str]:
        return {"kid": self.kid, "public_key": self.public_key}


def signing_key(db: Database, site: str, now: datetime) -> BookingKeyRow:
    """The site's active key row, made now when it has none (locked: one key per site)."""
    serialise(db, f"booking-keys:{site}")
    row = _active(site)
    if row is not None:
        return row
    seed, public = new_key_pair()
    created: BookingKeyRow = BookingKeyRow.create(
        site=site, kid=key_id(public), public_key=public, seed=seed, created_at=now.isoformat()
    )
    return created


def rotate(db: Database, site: str, now: datetime, horizon_days: int) -> PublicKey:
    """A new active key; the old one keeps being published until horizon_days + 1 days on."""
    serialise(db, f"booking-keys:{site}")
    old = _active(site)
    if old is not None:
        old.retired_at = now.isoformat()
        old.valid_until = (now + timedelta(days=horizon_days + 1)).isoformat()
        old.save()
    seed, public = new_key_pair()
    BookingKeyRow.create(
        site=site, kid=key_id(public), public_key=public, seed=seed, created_at=now.isoformat()
    )
    return next(k for k in site_keys(site, now) if k.active)


def site_keys(site: str, now: datetime) -> list[PublicKey]:
    """Every key valid now, the active one first: what the site's config carries."""
    rows = (
        BookingKeyRow.select().where(BookingKeyRow.site == site).order_by(BookingKeyRow.id.desc())
    )
    keys = []
    for row in rows:
        if row.valid_until is not None and datetime.fromisoformat(row.valid_until) <= now:
            continue
        keys.append(
            PublicKey(
                str(row.kid),
                str(row.public_key),
                str(row.created_at),
                row.retired_at is None,
                row.valid_until,
            )
        )
    return keys


def config_keys(db: Database, site: str, now: datetime) -> list[dict[str, str]]:
    """`booking_keys` for the site's config document (a key is made when the site has none)."""
    signing_key(db, site, now)
    return [key.to_config() for key in site_keys(site, now)]


def _active(site: str) -> BookingKeyRow | None:
    row: BookingKeyRow | None = (
        BookingKeyRow.select()
        .where((BookingKeyRow.site == site) & BookingKeyRow.retired_at.is_null())
        .order_by(BookingKeyRow.id.desc())
        .first()
    )
    return row
