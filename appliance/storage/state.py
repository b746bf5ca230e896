"""The appliance's small key/value facts (business date, sync progress, health): the state table.

Plain SQL on the models' database: read on every action, where peewee's query building cost more
than the read itself.
"""

from __future__ import annotations

import json

from appliance.storage.models import State

# The catalogue's optional kiosk words (appliance/catalogue/kiosk.py: short names, icons, groups,
# aliases, the priority button), kept as one JSON fact beside the catalogue's rows: the catalogue
# store writes it, the kiosk's service list reads it, an export puts it back into the document.
KIOSK_WORDS = "catalogue.kiosk"
# The catalogue's booking words (appliance/bookings/settings.py: the site's slot settings, each
# service's booking_quota), kept the same way so an export round-trips them.
BOOKING_WORDS = "catalogue.booking"


def get_state(key: str, default: str | None = None) -> str | None:
    row = State._meta.database.execute_sql("SELECT value FROM state WHERE key = ?", (key,))
    found = row.fetchone()
    return str(found[0]) if found is not None else default


def set_state(key: str, value: str) -> None:
    State._meta.database.execute_sql(
        "INSERT INTO state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def delete_state(key: str) -> None:
    State._meta.database.execute_sql("DELETE FROM state WHERE key = ?", (key,))


def get_state_json(key: str, default: object = None) -> object:
    raw = get_state(key)
    return json.loads(raw) if raw is not None else default
