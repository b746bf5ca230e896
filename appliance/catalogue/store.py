"""Loading, applying and exporting `mpp-catalogue/1` documents.

A catalogue is applied whole, in one write transaction with its `config.applied` outbox event, so
the queue never sees half a catalogue and central learns of every change. Rows missing from a new
document are deactivated, never deleted: tickets already issued for them must still render. The
checks themselves live in `catalogue_check` (pure).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from peewee import SQL, Model, SqliteDatabase

from appliance.bookings import settings as booking
from appliance.bookings.keys import replace_config_keys
from appliance.catalogue import kiosk
from appliance.catalogue.check import FORMAT, check_catalogue, show
from appliance.clock import Clock
from appliance.queue import events, outbox
from appliance.storage.database import connected
from appliance.storage.models import Agency, Counter, CounterService, Service, Site
from appliance.storage.state import BOOKING_WORDS, KIOSK_WORDS, get_state_json, set_state

__all__ = [
    "FORMAT",
    "ApplyResult",
    "Catalogue",
    "CatalogueError",
    "apply_catalogue",
    "export_catalogue",
    "load_catalogue",
    "packaged_catalogue",
    "packaged_catalogues",
    "validate_catalogue",
]

_SECTIONS = ("agencies", "services", "counters")


class CatalogueError(ValueError):
    """A catalogue that cannot be used, with every problem found (one per line in `str()`)."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass(frozen=True)
class Catalogue:
    """A validated, normalised catalogue document; only `validate_catalogue` makes one."""

    doc: dict[str, Any]
    site_code: str
    version: int | None

    @property
    def agency_count(self) -> int:
        return len(self.doc["agencies"])

    @property
    def service_count(self) -> int:
        return len(self.doc["services"])

    @property
    def counter_count(self) -> int:
        return len(self.doc["counters"])

    @property
    def counts(self) -> dict[str, int]:
        """`{"agencies": n, "services": n, "counters": n}`."""
        return {section: len(self.doc[section]) for section in _SECTIONS}


@dataclass(frozen=True)
class ApplyResult:
    """What an apply changed, per section (`agencies`, `services`, `counters`).

    `updated` counts existing rows that changed in any way (name, position, a counter's service
    list, or being reactivated); `deactivated` counts rows the new document no longer has.
    """

    version: int
    added: dict[str, int]
    updated: dict[str, int]
    deactivated: dict[str, int]


# -- reading and checking ---------------------------------------------------------------------


def validate_catalogue(doc: object) -> Catalogue:
    """Check a parsed document; CatalogueError lists every problem with its JSON path."""
    problems, normalised = check_catalogue(doc)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(normalised, normalised["site"]["code"], normalised.get("version"))


def load_catalogue(path: str | Path) -> Catalogue:
    """Read and check a catalogue file; errors name the file (and line/column for bad JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # office editors on Windows write a BOM
    except FileNotFoundError:
        raise CatalogueError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    repeated: list[str] = []
    try:
        doc = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, path, repeated))
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    try:
        catalogue = validate_catalogue(doc)
    except CatalogueError as error:
        raise CatalogueError([*repeated, *error.problems]) from None
    if repeated:
        raise CatalogueError(repeated)
    return catalogue


def _object(pairs: list[tuple[str, Any]], path: Path, repeated: list[str]) -> dict[str, Any]:
    """A JSON object, noting keys given twice (a JSON parser silently keeps the last one)."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            repeated.append(
                f"{path}: key {show(key)} given twice in one object "
                f"({show(obj[key])}, then {show(value)})"
            )
        obj[key] = value
    return obj


def packaged_catalogues() -> list[str]:
    """Names of the catalogues shipped inside the package (for `mpp init` and the demo)."""
    folder = resources.files("appliance") / "data" / "catalogues"
    return sorted(
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )


def packaged_catalogue(name: str) -> Path:
    """The file of a shipped catalogue, e.g. `"kota-metro"`; CatalogueError if unknown."""
    name = name.removesuffix(".json")
    known = packaged_catalogues()
    if name not in known:
        raise CatalogueError(f"no packaged catalogue {name!r} (known: {', '.join(known)})")
    return Path(str(resources.files("appliance") / "data" / "catalogues" / f"{name}.json"))


# -- applying ---------------------------------------------------------------------------------


def apply_catalogue(
    db: SqliteDatabase,
    catalogue: Catalogue,
    *,
    clock: Clock,
    replace_site: bool = False,
) -> ApplyResult:
    """Make the database match `catalogue` in one transaction, with its outbox event.

    Refuses another site's catalogue unless `replace_site`, and a version older than the one
    applied (a late or replayed push from central must not roll the catalogue back).
    """
    doc = catalogue.doc
    with connected(db), db.atomic():
        site = Site.select().first()
        stored = 0
        if site is not None:
            if site.code != catalogue.site_code and not replace_site:
                raise CatalogueError(
                    f"site.code: this appliance serves site {site.code!r}, the catalogue is for "
                    f"{catalogue.site_code!r}; replace the site explicitly to switch"
                )
            if site.code == catalogue.site_code:
                stored = int(site.catalogue_version)
        if catalogue.version is not None and catalogue.version < stored:
            raise CatalogueError(
                f"version: {catalogue.version} is older than applied version {stored}"
            )
        version = catalogue.version if catalogue.version is not None else stored + 1
        _write_site(doc, version)
        set_state(KIOSK_WORDS, json.dumps(kiosk.extras(doc), ensure_ascii=False))
        set_state(BOOKING_WORDS, json.dumps(booking.extras(doc), ensure_ascii=False))
        if booking.KEYS_KEY in doc:  # central's keys; an admin's own edit carries none
            replace_config_keys(doc[booking.KEYS_KEY], clock.now().isoformat(timespec="seconds"))
        added: dict[str, int] = {}
        updated: dict[str, int] = {}
        deactivated: dict[str, int] = {}
        for section, model, rows in (
            ("agencies", Agency, [_agency_row(a) for a in doc["agencies"]]),
            ("services", Service, [_service_row(s) for s in doc["services"]]),
            ("counters", Counter, [_counter_row(c) for c in doc["counters"]]),
        ):
            added[section], changed, deactivated[section] = _sync_rows(model, rows)
            if section == "counters":
                changed |= _link_counters(doc["counters"])
            updated[section] = len(changed)
        outbox.append(
            db,
            events.CONFIG_APPLIED,
            {
                "version": version,
                "site": catalogue.site_code,
                # Central learns the site's zone and name from here (and from the hello), so
                # a WITA/WIT site's "today" is right there even if central never pushed to it.
                "timezone": doc["site"]["timezone"],
                "site_name": doc["site"]["name"],
                **catalogue.counts,
            },
            at=clock.now(),
            clock_synced=clock.synchronised(),
        )
    return ApplyResult(version, added, updated, deactivated)


def _write_site(doc: Mapping[str, Any], version: int) -> None:
    site = doc["site"]
    Site.delete().where(Site.code != site["code"]).execute()  # one row: the site served
    values = {
        "name": site["name"],
        "region_code": site["region_code"],
        "timezone": site["timezone"],
        "address": site["address"],
        "hours": json.dumps(doc["hours"], ensure_ascii=False),
        "catalogue_version": version,
    }
    Site.insert(code=site["code"], **values).on_conflict(
        conflict_target=[Site.code], update=values
    ).execute()


def _agency_row(agency: Mapping[str, Any]) -> dict[str, Any]:
    return {"code": agency["code"], "name": agency["name"], "kind": agency["kind"]}


def _service_row(service: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": service["code"],
        "agency": service["agency"],
        "name": service["name"],
        "prefix": service["prefix"],
        "avg_service_minutes": service["avg_service_minutes"],
        "daily_quota": service["daily_quota"],
        "requirements": list(service["requirements"]),
        "fee": service["fee"],
    }


def _counter_row(counter: Mapping[str, Any]) -> dict[str, Any]:
    return {"code": counter["code"], "name": counter["name"], "agency": counter["agency"]}


def _sync_rows(model: type[Model], rows: list[dict[str, Any]]) -> tuple[int, set[str], int]:
    """Upsert `rows` in document order, deactivate the rest.

    Returns (added, codes of changed rows, deactivated). Only catalogue columns are written: a
    counter's pause, streak and current ticket survive a new catalogue.
    """
    existing = {row["code"]: _decoded(row) for row in model.select().dicts()}
    added = 0
    changed: set[str] = set()
    for position, row in enumerate(rows):
        values = {**row, "active": True, "position": position}
        old = existing.get(row["code"])
        if old is None:
            model.insert(**_encoded(values)).execute()
            added += 1
        elif any(old[key] != value for key, value in values.items()):
            model.update(**_encoded(values)).where(model.code == row["code"]).execute()
            changed.add(row["code"])
    wanted = {row["code"] for row in rows}
    gone = [code for code, old in existing.items() if old["active"] and code not in wanted]
    for start in range(0, len(gone), 500):
        model.update(active=False).where(model.code.in_(gone[start : start + 500])).execute()
    return added, changed, len(gone)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row in document types (requirements is a JSON list in a text column)."""
    if "requirements" in row:
        row["requirements"] = json.loads(row["requirements"] or "[]")
    return row


def _encoded(values: dict[str, Any]) -> dict[str, Any]:
    if "requirements" in values:
        return {**values, "requirements": json.dumps(values["requirements"], ensure_ascii=False)}
    return values


def _link_counters(counters: list[dict[str, Any]]) -> set[str]:
    """Replace every counter's service set, in document order; codes of counters whose set changed.

    Rewriting all links keeps their rowid order equal to the document order, which export uses.
    """
    before: dict[str, list[str]] = {}
    for counter_code, service_code in _links():
        before.setdefault(counter_code, []).append(service_code)
    CounterService.delete().execute()
    rows = [{"counter": c["code"], "service": s} for c in counters for s in c["services"]]
    for start in range(0, len(rows), 200):
        CounterService.insert_many(rows[start : start + 200]).execute()
    return {
        c["code"] for c in counters if c["code"] in before and before[c["code"]] != c["services"]
    }


def _links() -> list[tuple[str, str]]:
    query = CounterService.select(CounterService.counter, CounterService.service).order_by(
        SQL("rowid")
    )
    return [(str(c), str(s)) for c, s in query.tuples()]


# -- exporting --------------------------------------------------------------------------------


def export_catalogue(db: SqliteDatabase) -> dict[str, Any]:
    """The applied catalogue as a document (active rows, document order, stored version)."""
    with connected(db):
        site = Site.select().first()
        if site is None:
            raise CatalogueError("no catalogue has been applied to this database")
        agencies = [{"code": a.code, "name": a.name, "kind": a.kind} for a in _active(Agency)]
        services = [
            {
                "code": s.code,
                "agency": s.agency_id,
                "name": s.name,
                "prefix": s.prefix,
                "avg_service_minutes": s.avg_service_minutes,
                "daily_quota": s.daily_quota,
                "requirements": json.loads(s.requirements),
                "fee": s.fee,
            }
            for s in _active(Service)
        ]
        active_services = {s["code"] for s in services}
        links: dict[str, list[str]] = {}
        for counter_code, service_code in _links():
            if service_code in active_services:
                links.setdefault(counter_code, []).append(service_code)
        counters = [
            {
                "code": c.code,
                "name": c.name,
                "agency": c.agency_id,
                "services": links.get(c.code, []),
            }
            for c in _active(Counter)
        ]
        document = {
            "format": FORMAT,
            "version": site.catalogue_version,
            "site": {
                "code": site.code,
                "name": site.name,
                "region_code": site.region_code,
                "timezone": site.timezone,
                "address": site.address,
            },
            "hours": json.loads(site.hours),
            "agencies": agencies,
            "services": services,
            "counters": counters,
        }
        document = kiosk.merged(document, get_state_json(KIOSK_WORDS))
        return booking.merged(document, get_state_json(BOOKING_WORDS))


def _active(model: type[Model]) -> list[Any]:
    return list(model.select().where(model.active).order_by(model.position, model.code))
