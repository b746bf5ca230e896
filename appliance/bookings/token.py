"""The signed booking token a QR code carries (SPEC §8).

Central signs each booking with the site's Ed25519 key; the appliance holds only public keys, so
it can accept a booking it never received (a site offline since before the booking was made), and a
stolen appliance cannot forge one. The token is plain ASCII so a USB scanner acting as a keyboard
can type it:

    B1.<kid>.<payload>.<signature>

`kid` names the key (rotation keeps the old public key valid for an overlap period), `payload`
is base64url of compact JSON, `signature` is base64url of Ed25519 over the ASCII text
`B1.<kid>.<payload>`.

PyNaCl (libsodium) is imported only when a key is used: the appliance process keeps no crypto
library loaded until the first booking is checked in (B5's memory budget; docs/bookings.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

PREFIX = "B1"
MAX_TOKEN = 600
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{4,32}$")
_FIELDS = {
    "site": "s",
    "code": "c",
    "service": "v",
    "date": "d",
    "slot_start": "a",
    "slot_end": "b",
}


class TokenError(ValueError):
    """A token that cannot be accepted.

    `code` is `malformed_token`, `unknown_key` or `bad_signature`.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BookingClaim:
    """What central vouches for: this code is a booking at this site, service, day and slot."""

    site: str
    code: str
    service: str
    date: str  # ISO date, the site's business day
    slot_start: str  # "HH:MM", site time
    slot_end: str

    def to_doc(self) -> dict[str, str]:
        return asdict(self)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise TokenError("malformed_token", "not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise TokenError("malformed_token", f"not base64url: {exc}") from None


def new_key_pair() -> tuple[str, str]:
    """(private seed, public key), both base64url text; the seed never leaves central."""
    from nacl.signing import SigningKey

    key = SigningKey.generate()
    return b64(bytes(key)), b64(bytes(key.verify_key))


def key_id(public_key: str) -> str:
    """A short stable name for a public key (its hash), carried in every token it signed."""
    return b64(hashlib.sha256(unb64(public_key)).digest())[:12]


def sign(claim: BookingClaim, seed: str) -> str:
    """The token for `claim`, signed with the private seed (central only)."""
    from nacl.signing import SigningKey

    key = SigningKey(unb64(seed))
    kid = key_id(b64(bytes(key.verify_key)))
    body = {short: getattr(claim, name) for name, short in _FIELDS.items()}
    payload = b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    signed = f"{PREFIX}.{kid}.{payload}"
    return f"{signed}.{b64(key.sign(signed.encode('ascii')).signature)}"


def verify(token: str, public_keys: Mapping[str, str]) -> BookingClaim:
    """The claim in `token` if one of `public_keys` ({kid: key}) signed it, else TokenError."""
    token = token.strip()
    if len(token) > MAX_TOKEN or not token.isascii():
        raise TokenError("malformed_token", "not a booking token")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not _KID_RE.match(parts[1]):
        raise TokenError("malformed_token", "not a booking token")
    _, kid, payload, signature = parts
    public = public_keys.get(kid)
    if public is None:
        raise TokenError("unknown_key", f"signed with key {kid!r}, which this site does not know")
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    try:
        VerifyKey(unb64(public)).verify(
            f"{PREFIX}.{kid}.{payload}".encode("ascii"), unb64(signature)
        )
    except (BadSignatureError, ValueError):
        raise TokenError("bad_signature", "the signature does not match the booking") from None
    return _claim(unb64(payload))


def _claim(raw: bytes) -> BookingClaim:
    try:
        body: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TokenError("malformed_token", "payload is not JSON") from None
    if not isinstance(body, dict):
        raise TokenError("malformed_token", "payload is not an object")
    values: dict[str, str] = {}
    for name, short in _FIELDS.items():
        value = body.get(short)
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            raise TokenError("malformed_token", f"payload lacks {name}")
        values[name] = value
    return BookingClaim(**values)
