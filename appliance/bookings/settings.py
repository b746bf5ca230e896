"""The catalogue's booking words (SPEC §8), read and checked (pure).

All optional, so every catalogue written before bookings stays valid and exports as it was:

- `site.booking` — how the site's day is cut into bookable slots and how early or late a booked
  citizen may arrive: `{"slot_minutes": 60, "horizon_days": 14, "early_minutes": 30,
  "late_minutes": 15}` (each key optional, defaults shown).
- `services[].booking_quota` — bookable visits per business day (0 or absent: not bookable). It is
  its own number beside the walk-in `daily_quota`: a booking never uses a walk-in place.
- `booking_keys` (top level) — the public keys that sign this site's booking tokens,
  `[{"kid": ..., "public_key": ...}]`, every key valid now (the active one and those in their
  rotation overlap). Central puts them into the config document it pushes; the appliance keeps them
  in its key store (appliance/bookings/keys.py), not in the catalogue's rows.

Central and the appliance read the same document with `booking_settings` and `booking_quota`, so
both count slots and windows alike. The checks report into the catalogue checker's `problem`
callback (path, message), one problem per bad field, like the kiosk's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from appliance.bookings.token import key_id

Problem = Callable[[str, str], None]

SITE_KEY = "booking"
SERVICE_KEY = "booking_quota"
KEYS_KEY = "booking_keys"
MAX_BOOKING_QUOTA = 10_000  # per service per day; far above any MPP counter's day
MAX_KEYS = 8  # the active key and a few in their overlap
# Each setting's bounds, in its own unit: a slot from 5 minutes to a whole 8-hour day, bookings
# up to 90 days ahead, a window stretched by up to 4 hours either side.
LIMITS = {
    "slot_minutes": (5, 480),
    "horizon_days": (1, 90),
    "early_minutes": (0, 240),
    "late_minutes": (0, 240),
}
_KID = re.compile(r"[A-Za-z0-9_-]{4,32}")
_PUBLIC = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of 32 bytes (Ed25519), no padding


@dataclass(frozen=True)
class BookingSettings:
    """A site's booking settings (SPEC §8), the defaults when the catalogue names none."""

    slot_minutes: int = 60
    horizon_days: int = 14
    early_minutes: int = 30
    late_minutes: int = 15

    def to_doc(self) -> dict[str, int]:
        return asdict(self)


def booking_settings(catalogue_doc: Mapping[str, Any]) -> BookingSettings:
    """The settings of a checked catalogue document (defaults for what it leaves out)."""
    site = catalogue_doc.get("site")
    raw = site.get(SITE_KEY) if isinstance(site, Mapping) else None
    if not isinstance(raw, Mapping):
        return BookingSettings()
    defaults = BookingSettings().to_doc()
    values = {k: raw[k] if _whole(raw.get(k)) else v for k, v in defaults.items()}
    return BookingSettings(**values)


def booking_quota(catalogue_doc: Mapping[str, Any], service_code: str) -> int:
    """Bookable visits per business day of `service_code`; 0 = not bookable (or unknown)."""
    services = catalogue_doc.get("services")
    for service in services if isinstance(services, list) else ():
        if isinstance(service, Mapping) and service.get("code") == service_code:
            quota = service.get(SERVICE_KEY, 0)
            return quota if _whole(quota) and quota > 0 else 0
    return 0


def public_keys(catalogue_doc: Mapping[str, Any]) -> dict[str, str]:
    """{kid: public key} of a checked document's `booking_keys` (empty when it has none)."""
    keys = catalogue_doc.get(KEYS_KEY)
    return {k["kid"]: k["public_key"] for k in keys} if isinstance(keys, list) else {}


# -- checking -----------------------------------------------------------------------------------


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def site_extras(site: Mapping[str, Any], problem: Problem) -> dict[str, Any]:
    """`{"booking": {...}}` with every setting filled in, or {} when the site has none."""
    if SITE_KEY not in site:
        return {}
    raw = site[SITE_KEY]
    path = f"site.{SITE_KEY}"
    if not isinstance(raw, Mapping):
        problem(path, "expected an object like " + _example())
        return {}
    for key in raw:
        if key not in LIMITS:
            problem(f"{path}.{key}", f"unknown key (known: {', '.join(LIMITS)})")
    out = BookingSettings().to_doc()
    for key, (low, high) in LIMITS.items():
        if key not in raw:
            continue
        value = raw[key]
        if not _whole(value) or not low <= value <= high:
            problem(f"{path}.{key}", f"{value!r} is not a whole number {low}..{high}")
        else:
            out[key] = value
    return {SITE_KEY: out}


def service_extras(service: Mapping[str, Any], path: str, problem: Problem) -> dict[str, Any]:
    """`{"booking_quota": N}` when the service names one (0 kept: "not bookable" said aloud)."""
    if SERVICE_KEY not in service:
        return {}
    value = service[SERVICE_KEY]
    if not _whole(value) or not 0 <= value <= MAX_BOOKING_QUOTA:
        problem(
            f"{path}.{SERVICE_KEY}",
            f"{value!r} is not a whole number of bookings per day 0..{MAX_BOOKING_QUOTA} "
            "(0 or absent: not bookable)",
        )
        return {}
    return {SERVICE_KEY: value}


def keys_extras(doc: Mapping[str, Any], problem: Problem) -> dict[str, Any]:
    """`{"booking_keys": [...]}` checked: each a kid and the Ed25519 public key it names."""
    if KEYS_KEY not in doc:
        return {}
    raw = doc[KEYS_KEY]
    if not isinstance(raw, list):
        problem(KEYS_KEY, 'expected an array of {"kid": ..., "public_key": ...}')
        return {}
    if len(raw) > MAX_KEYS:
        problem(KEYS_KEY, f"{len(raw)} keys, at most {MAX_KEYS}")
    out: list[dict[str, str]] = []
    for i, item in enumerate(raw):
        key = _key(item, f"{KEYS_KEY}[{i}]", problem)
        if key is None:
            continue
        if any(k["kid"] == key["kid"] for k in out):
            problem(f"{KEYS_KEY}[{i}].kid", f"duplicate {key['kid']!r}")
            continue
        out.append(key)
    return {KEYS_KEY: out}


def _key(item: object, path: str, problem: Problem) -> dict[str, str] | None:
    if not isinstance(item, Mapping):
        problem(path, 'expected an object {"kid": ..., "public_key": ...}')
        return None
    for name in item:
        if name not in ("kid", "public_key"):
            problem(f"{path}.{name}", "unknown key (known: kid, public_key)")
    kid, public = item.get("kid"), item.get("public_key")
    if not isinstance(public, str) or not _PUBLIC.fullmatch(public):
        problem(f"{path}.public_key", "is not an Ed25519 public key (43 characters of base64url)")
        return None
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        problem(f"{path}.kid", f"{kid!r} is not a key id (4-32 characters A-Z a-z 0-9 _ -)")
        return None
    if kid != key_id(public):
        problem(
            f"{path}.kid", f"{kid!r} does not name this public key (its id is {key_id(public)!r})"
        )
        return None
    return {"kid": kid, "public_key": public}


def _example() -> str:
    return '{"slot_minutes": 60, "horizon_days": 14, "early_minutes": 30, "late_minutes": 15}'


# -- keeping ------------------------------------------------------------------------------------


def extras(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The booking words of a checked document the catalogue store keeps (keys live elsewhere)."""
    site = doc["site"]
    quotas = {s["code"]: s[SERVICE_KEY] for s in doc["services"] if SERVICE_KEY in s}
    return {"site": {SITE_KEY: site[SITE_KEY]} if SITE_KEY in site else {}, "services": quotas}


def merged(doc: dict[str, Any], kept: object) -> dict[str, Any]:
    """`doc` (an export) with the booking words `kept` by the store put back in place."""
    if not isinstance(kept, dict):
        return doc
    doc["site"].update(kept.get("site", {}))
    quotas = kept.get("services", {})
    for service in doc["services"]:
        if service["code"] in quotas:
            service[SERVICE_KEY] = quotas[service["code"]]
    return doc
