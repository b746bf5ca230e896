"""The public keys this site accepts booking tokens signed with (SPEC §8): its key store.

Two ways in. Central puts the site's current keys (the active one and those in their rotation
overlap) into every config document it pushes as `booking_keys`; applying that catalogue replaces
the keys that came from config, so a key central retired stops working at the next push. A site
that has never reached central gets a key by hand, `mpp bookings trust-key <public_key>` (copied
from central's admin page); a hand-trusted key stays until it is removed by hand, since only a
person knows why it was added.

Functions run on the models' database inside the caller's connection or transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from appliance.bookings.settings import keys_extras
from appliance.bookings.token import key_id
from appliance.storage.models import BookingKey

CONFIG = "config"
ADMIN = "admin"


class BadKey(ValueError):
    """A public key that is not an Ed25519 key in base64url."""


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    public_key: str
    origin: str  # CONFIG | ADMIN
    added_at: str


def public_keys() -> dict[str, str]:
    """{kid: public key} of every key the site trusts (what `token.verify` takes)."""
    return {str(k.kid): str(k.public_key) for k in BookingKey.select()}


def trusted_keys() -> list[TrustedKey]:
    rows = BookingKey.select().order_by(BookingKey.added_at, BookingKey.kid)
    return [TrustedKey(r.kid, r.public_key, r.origin, r.added_at) for r in rows]


def replace_config_keys(keys: Iterable[Mapping[str, str]], at: str) -> None:
    """The keys of an applied config document become the site's config keys (checked already
    by the catalogue check); hand-trusted keys stay. A key both trusted by hand and pushed is
    kept as pushed: central now vouches for it."""
    wanted = {k["kid"]: k["public_key"] for k in keys}
    BookingKey.delete().where(
        (BookingKey.origin == CONFIG) & BookingKey.kid.not_in(list(wanted))
    ).execute()
    for kid, public in wanted.items():
        BookingKey.insert(kid=kid, public_key=public, origin=CONFIG, added_at=at).on_conflict(
            conflict_target=[BookingKey.kid],
            update={BookingKey.public_key: public, BookingKey.origin: CONFIG},
        ).execute()


def trust_key(public_key: str, at: str) -> TrustedKey:
    """Trust `public_key` by hand (BadKey when it is not one); trusting it again is harmless."""
    public_key = public_key.strip()
    try:
        kid = key_id(public_key)
    except ValueError:
        kid = ""
    problems: list[str] = []
    doc = {"booking_keys": [{"kid": kid, "public_key": public_key}]}
    keys_extras(doc, lambda path, message: problems.append(f"{message}"))
    if problems:
        raise BadKey(problems[0])
    BookingKey.insert(
        kid=kid, public_key=public_key, origin=ADMIN, added_at=at
    ).on_conflict_ignore().execute()
    row = BookingKey.get(BookingKey.kid == kid)
    return TrustedKey(row.kid, row.public_key, row.origin, row.added_at)


def forget_key(kid: str) -> bool:
    """Remove a key (whatever its origin; a config key comes back with the next push)."""
    return bool(BookingKey.delete().where(BookingKey.kid == kid).execute())
