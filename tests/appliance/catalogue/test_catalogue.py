"""Catalogue loading, checking, applying and exporting (`appliance.catalogue.store`).

The three real-world-shaped catalogues must load, apply and come back out unchanged; broken
documents must yield every problem at once with the JSON path of the bad field and never crash
the checker; re-applying must deactivate (not delete) what a new document drops, keep issued
tickets readable, and refuse rollbacks and foreign sites.
"""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from peewee import SqliteDatabase

from appliance.catalogue.store import (
    ApplyResult,
    Catalogue,
    CatalogueError,
    apply_catalogue,
    export_catalogue,
    load_catalogue,
    packaged_catalogue,
    packaged_catalogues,
    validate_catalogue,
)
from appliance.clock import ManualClock
from appliance.queue import events, outbox
from appliance.queue.engine import QueueEngine
from appliance.queue.errors import NotFound, Refused
from appliance.queue.tickets import ticket_info
from appliance.queue.transaction import QueueSettings
from appliance.storage.database import connected, open_database
from appliance.storage.models import Agency, Counter, CounterService, Service, Site, Ticket
from tests.support.catalogue_fixtures import (
    REAL_CATALOGUES,
    WEEKDAY_MORNING,
    shared_catalogue,
    site_with_catalogue,
    small_document,
)


@pytest.fixture
def catalogue_db(tmp_path: Path) -> SqliteDatabase:
    """An empty, migrated appliance database on a real file."""
    return open_database(tmp_path / "a.db")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEEKDAY_MORNING)


def problems_of(doc: object) -> tuple[str, ...]:
    with pytest.raises(CatalogueError) as caught:
        validate_catalogue(doc)
    assert caught.value.problems, "a refused catalogue must say why"
    return caught.value.problems


def counts(agencies: int, services: int, counters: int) -> dict[str, int]:
    return {"agencies": agencies, "services": services, "counters": counters}


def config_events(db: SqliteDatabase) -> list[outbox.Event]:
    with connected(db):
        return [e for e in outbox.pending(0, 10**6) if e.type == events.CONFIG_APPLIED]


def engine(db: SqliteDatabase, clock: ManualClock, *, enforce_hours: bool = False) -> QueueEngine:
    return QueueEngine(db, clock, QueueSettings(enforce_hours=enforce_hours))


# -- the real catalogues ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "agencies", "services", "counters"), REAL_CATALOGUES)
def test_real_catalogue_loads_applies_and_round_trips(
    name: str,
    agencies: int,
    services: int,
    counters: int,
    catalogue_db: SqliteDatabase,
    clock: ManualClock,
) -> None:
    catalogue = load_catalogue(shared_catalogue(name))
    assert catalogue.counts == counts(agencies, services, counters)
    assert (catalogue.agency_count, catalogue.service_count, catalogue.counter_count) == (
        agencies,
        services,
        counters,
    )
    assert catalogue.version is None
    # Already normalised files: validation changes nothing.
    assert catalogue.doc == json.loads(shared_catalogue(name).read_text(encoding="utf-8"))

    result = apply_catalogue(catalogue_db, catalogue, clock=clock)

    assert result == ApplyResult(
        version=1,
        added=counts(agencies, services, counters),
        updated=counts(0, 0, 0),
        deactivated=counts(0, 0, 0),
    )
    exported = export_catalogue(catalogue_db)
    assert exported.pop("version") == 1
    assert exported == catalogue.doc
    # Same order everywhere, keys included.
    assert json.dumps(exported, ensure_ascii=False) == json.dumps(catalogue.doc, ensure_ascii=False)
    with connected(catalogue_db):
        assert Service.select().count() == services
        assert CounterService.select().count() == sum(
            len(c["services"]) for c in catalogue.doc["counters"]
        )


@pytest.mark.parametrize("name", [row[0] for row in REAL_CATALOGUES])
def test_packaged_catalogue_is_the_shared_file(name: str) -> None:
    path = packaged_catalogue(name)
    assert path.is_file()
    assert path.parent.parent.parent.name == "appliance"
    assert path.read_bytes() == shared_catalogue(name).read_bytes()
    assert packaged_catalogue(f"{name}.json") == path


def test_packaged_catalogue_refuses_unknown_names() -> None:
    assert packaged_catalogues() == ["kota-langsa", "kota-metro", "lampung-timur"]
    for name in ("kota-metroo", "../models", "", "KOTA-METRO"):
        with pytest.raises(CatalogueError, match="known: kota-langsa, kota-metro"):
            packaged_catalogue(name)


def test_applied_real_catalogue_issues_within_its_hours(tmp_path: Path) -> None:
    db, clock = site_with_catalogue(tmp_path / "a.db", "kota-langsa")
    queue = engine(db, clock, enforce_hours=True)
    assert queue.issue("MPP-INFORMASI").number == "I-001"
    clock.jump_to(datetime(2025, 3, 15, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # Saturday
    with pytest.raises(Refused) as refused:
        queue.issue("MPP-INFORMASI")
    assert refused.value.code == "closed_today"


# -- reading files ------------------------------------------------------------------------------


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "mpp-catalogue/1",\n  "site": {,\n}\n', encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(caught.value).startswith(f"{path}: invalid JSON at line 3, column 12: ")


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no such file"):
        load_catalogue(tmp_path / "nothing.json")
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"name": "Kantor Camat Sukadana é"}'.encode("latin-1"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(latin)


def test_keys_given_twice_are_problems_and_a_bom_is_fine(tmp_path: Path) -> None:
    text = json.dumps(small_document(), ensure_ascii=False)
    path = tmp_path / "c.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # as Notepad saves it
    assert load_catalogue(path).doc == small_document()
    path.write_text(text.replace('"fee": "Gratis"', '"fee": "Gratis", "fee": "Rp0"', 1))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems == (
        f'{path}: key "fee" given twice in one object ("Gratis", then "Rp0")',
    )


def test_file_problems_are_the_document_problems(tmp_path: Path) -> None:
    doc = small_document()
    doc["services"][0]["prefix"] = "i"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems == ('services[0].prefix: "i" is not 1-2 uppercase letters',)


# -- checking -----------------------------------------------------------------------------------


def test_broken_document_lists_every_problem_with_its_path() -> None:
    doc = small_document()
    doc["format"] = "mpp-catalogue/2"
    doc["verison"] = 2
    doc["site"]["timezone"] = "Asia/Jakartaa"
    doc["site"]["adress"] = doc["site"].pop("address")
    doc["hours"]["weekly"]["sat"] = ["15:00", "09:00"]
    doc["hours"]["breaks"][0]["days"][1] = "Tue"
    doc["agencies"][2]["kind"] = "polri"
    doc["services"][0]["requirements"] = "KTP"
    doc["services"][1]["prefix"] = "a1"
    doc["services"][2]["avg_service_minutes"] = True
    doc["services"][3]["daily_quota"] = 0
    doc["services"][3]["agency"] = "POLRI"
    doc["counters"][1]["services"].append("X")
    doc["counters"][2]["code"] = "L01"

    problems = problems_of(doc)

    expected = [
        'format: "mpp-catalogue/2" is not "mpp-catalogue/1"',
        'verison: unknown key (did you mean "version"?)',
        'site.adress: unknown key (did you mean "address"?)',
        'site.timezone: "Asia/Jakartaa" is not an IANA time zone (e.g. Asia/Jakarta) '
        "or WIB/WITA/WIT",
        "hours.weekly.sat: opening 15:00 is not before 09:00",
        'hours.breaks[0].days[1]: "Tue" is not one of mon..sun',
        'agencies[2].kind: "polri" is not one of opd, vertikal, bumn, bumd, swasta',
        "services[0].requirements: expected an array, got a string",
        'services[1].prefix: "a1" is not 1-2 uppercase letters',
        "services[2].avg_service_minutes: true is not a whole number of minutes 1..480",
        "services[3].daily_quota: 0 is neither null nor a positive integer",
        'services[3].agency: unknown agency "POLRI" (did you mean "POLRES"?)',
        'counters[1].services[2]: unknown service "X"',
        'counters[2].code: duplicate "L01" (first at counters[0])',
    ]
    assert sorted(problems) == sorted(expected)


def test_error_text_lists_problems_one_per_line() -> None:
    doc = small_document()
    doc["services"][1]["prefix"] = "a1"
    doc["counters"][0]["services"] = []
    with pytest.raises(CatalogueError) as caught:
        validate_catalogue(doc)
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error).splitlines() == list(error.problems)
    assert error.problems == (
        'services[1].prefix: "a1" is not 1-2 uppercase letters',
        "counters[0].services: must not be empty",
        'services[0]: "MPP-INFORMASI" is not served by any counter',
    )


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ((), None, "document: expected an object, got null"),
        ((), [], "document: expected an object, got an array"),
        (("services",), 5, "services: expected an array, got a number"),
        (("counters", 0), "x", "counters[0]: expected an object, got a string"),
        (("agencies", 0), None, "agencies[0]: expected an object, got null"),
        (("site",), [], "site: expected an object, got an array"),
        (("hours", "weekly"), [], "hours.weekly: expected an object, got an array"),
        (
            ("hours", "weekly", "mon"),
            "08:00-16:00",
            'hours.weekly.mon: expected null or ["HH:MM", "HH:MM"], got "08:00-16:00"',
        ),
        (
            ("hours", "weekly", "tue", 1),
            "16.00",
            'hours.weekly.tue[1]: "16.00" is not a time HH:MM',
        ),
        (("hours", "weekly", "wed", 0), 8, "hours.weekly.wed[0]: 8 is not a time HH:MM"),
        (("hours", "breaks"), {}, "hours.breaks: expected an array, got an object"),
        (
            ("hours", "breaks", 1, "from"),
            "14:00",
            "hours.breaks[1]: break from 14:00 is not before 13:30",
        ),
        (
            ("counters", 1, "services"),
            "L02",
            "counters[1].services: expected an array, got a string",
        ),
        (
            ("counters", 1, "services", 0),
            7,
            "counters[1].services[0]: expected a string, got a number",
        ),
        (
            ("services", 1, "requirements", 0),
            1,
            "services[1].requirements[0]: expected a string, got a number",
        ),
        (("services", 0, "fee"), None, "services[0].fee: expected a string, got null"),
        (("services", 0, "name"), "  ", "services[0].name: must not be empty"),
        (
            ("services", 0, "code"),
            "mpp-info",
            'services[0].code: "mpp-info" is not an UPPER-KEBAB code',
        ),
        (
            ("services", 1, "avg_service_minutes"),
            481,
            "services[1].avg_service_minutes: 481 is not a whole number of minutes 1..480",
        ),
        (
            ("services", 1, "avg_service_minutes"),
            7.5,
            "services[1].avg_service_minutes: 7.5 is not a whole number of minutes 1..480",
        ),
        (
            ("services", 1, "daily_quota"),
            False,
            "services[1].daily_quota: false is neither null nor a positive integer",
        ),
        (("agencies", 0, "code"), 5, "agencies[0].code: expected a string, got a number"),
        (
            ("site", "code"),
            "1872 mpp",
            'site.code: "1872 mpp" is not uppercase letters, digits and dashes',
        ),
        (("site", "timezone"), None, "site.timezone: expected a string, got null"),
        (("version",), 0, "version: 0 is not a positive integer"),
        (("version",), True, "version: true is not a positive integer"),
        (("version",), "3", 'version: "3" is not a positive integer'),
        (("version",), 2**63, "version: 9223372036854775808 is not a positive integer"),
        (
            ("services", 1, "daily_quota"),
            2**64,
            "services[1].daily_quota: 18446744073709551616 is neither null nor a positive integer",
        ),
        (("agencies",), [], "agencies: must not be empty"),
    ],
)
def test_wrong_types_are_problems_not_crashes(
    path: tuple[str | int, ...], value: object, expected: str
) -> None:
    doc: Any = small_document()
    if path:
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    else:
        doc = value
    assert expected in problems_of(doc)


def test_missing_fields_and_misspelt_keys() -> None:
    doc = small_document()
    del doc["services"][0]["name"]
    del doc["counters"]
    doc["hours"]["weekly"]["monday"] = doc["hours"]["weekly"].pop("mon")
    doc["services"][1]["avg_service_minute"] = doc["services"][1].pop("avg_service_minutes")
    assert sorted(problems_of(doc)) == sorted(
        [
            "services[0].name: is missing",
            "counters: is missing",
            'hours.weekly.monday: unknown key (did you mean "mon"?)',
            "hours.weekly.mon: is missing",
            'services[1].avg_service_minute: unknown key (did you mean "avg_service_minutes"?)',
            "services[1].avg_service_minutes: is missing",
        ]
    )


def test_prefix_owned_by_one_agency_and_prefix_free() -> None:
    doc = small_document()
    doc["services"][3]["prefix"] = "A"  # POLRES takes Dukcapil's letter
    assert problems_of(doc) == (
        'services[3].prefix: "A" is already the prefix of agency "DUKCAPIL" (services[1].prefix)',
    )
    doc["services"][3]["prefix"] = "AK"
    assert problems_of(doc) == (
        'services[3].prefix: "AK" (agency "POLRES") starts with the prefix "A" of agency '
        '"DUKCAPIL" (services[1].prefix); prefixes must be prefix-free',
    )
    doc["services"][3]["prefix"] = "KA"  # two letters without a clash: fine
    doc["services"][2]["prefix"] = "B"  # an agency may use a second prefix
    assert validate_catalogue(doc).doc["services"][3]["prefix"] == "KA"


def test_every_service_needs_a_counter_and_counters_list_each_once() -> None:
    doc = small_document()
    doc["counters"][2]["services"] = ["POLRES-SKCK", "DUKCAPIL-KTP", "POLRES-SKCK"]
    doc["counters"][1]["services"] = ["DUKCAPIL-KTP", "DUKCAPIL-KTPP"]
    doc["services"].append({**doc["services"][3], "code": "DUKCAPIL-KK"})
    assert sorted(problems_of(doc)) == sorted(
        [
            'counters[2].services[2]: duplicate "POLRES-SKCK"',
            'counters[1].services[1]: unknown service "DUKCAPIL-KTPP" (did you mean '
            '"DUKCAPIL-KTP"?)',
            'services[2]: "DUKCAPIL-KK" is not served by any counter',
            'services[4].code: duplicate "DUKCAPIL-KK" (first at services[2])',
        ]
    )


def test_normalisation_fills_defaults_and_maps_zone_names() -> None:
    doc = small_document()
    doc["site"]["timezone"] = "wita"
    del doc["site"]["address"], doc["site"]["region_code"]
    for key in ("daily_quota", "requirements", "fee"):
        del doc["services"][0][key]
    del doc["hours"]["breaks"]
    doc["version"] = 4

    catalogue = validate_catalogue(doc)

    assert catalogue.version == 4
    assert catalogue.site_code == "9999-MPP"
    assert catalogue.doc["site"] == {
        "code": "9999-MPP",
        "name": "Mal Pelayanan Publik Uji",
        "region_code": "",
        "timezone": "Asia/Makassar",
        "address": "",
    }
    assert catalogue.doc["hours"]["breaks"] == []
    assert catalogue.doc["services"][0] == {
        **small_document()["services"][0],
        "daily_quota": None,
        "requirements": [],
        "fee": "",
    }
    assert list(catalogue.doc) == [
        "format",
        "version",
        "site",
        "hours",
        "agencies",
        "services",
        "counters",
    ]
    label_free = small_document()
    del label_free["hours"]["breaks"][1]["label"]
    assert validate_catalogue(label_free).doc["hours"]["breaks"][1]["label"] == "Istirahat"
    assert validate_catalogue({**small_document(), "version": None}).version is None


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 600)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(small_document())
TOP_KEYS = ("format", "version", "site", "hours", "agencies", "services", "counters")


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(PATHS), value=JSON, delete=st.booleans())
def test_any_mutation_is_accepted_or_explained(
    path: tuple[Any, ...], value: object, delete: bool
) -> None:
    """Whatever is put anywhere, the checker answers with problems (each with a path), no crash."""
    doc: Any = small_document()
    if not path:
        doc = value
    else:
        target = doc
        for step in path[:-1]:
            target = target[step]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    try:
        catalogue = validate_catalogue(doc)
    except CatalogueError as error:
        assert error.problems
        heads = ("document", *TOP_KEYS, *(doc if isinstance(doc, dict) else ()))
        for problem in error.problems:
            assert any(problem.startswith(f"{head}") for head in heads), problem
            assert ": " in problem, problem
    else:
        assert validate_catalogue(catalogue.doc) == catalogue  # normalising is idempotent


# -- applying -----------------------------------------------------------------------------------


def test_removed_service_is_deactivated_and_its_tickets_still_read(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    queue = engine(db, clock)
    kk = queue.issue("DUKCAPIL-KK")
    skck = queue.issue("POLRES-SKCK")

    doc = small_document()
    doc["services"] = doc["services"][:2]  # without DUKCAPIL-KK and POLRES-SKCK
    doc["counters"] = doc["counters"][:2]  # without L03 (POLRES)
    doc["counters"][1]["services"] = ["DUKCAPIL-KTP"]
    doc["agencies"] = doc["agencies"][:2]  # without POLRES
    result = apply_catalogue(db, validate_catalogue(doc), clock=clock)

    assert result == ApplyResult(
        version=2,
        added=counts(0, 0, 0),
        updated=counts(0, 0, 1),  # L02 lost a service
        deactivated=counts(1, 2, 1),
    )
    with connected(db):
        assert not Service.get_by_id("DUKCAPIL-KK").active
        assert not Agency.get_by_id("POLRES").active
        assert not Counter.get_by_id("L03").active
        assert Service.select().count() == 4  # nothing deleted
        for issued, service_name, agency_name in (
            (kk, "Kartu Keluarga", "Dinas Kependudukan"),
            (skck, "SKCK", "Kepolisian Resor"),
        ):
            info = ticket_info(Ticket.get_by_id(issued.id))
            assert (info.number, info.service_name, info.agency_name) == (
                issued.number,
                service_name,
                agency_name,
            )
    assert queue.ticket(kk.id).state == "waiting"
    with pytest.raises(NotFound):
        queue.issue("DUKCAPIL-KK")
    exported = export_catalogue(db)
    assert [s["code"] for s in exported["services"]] == ["MPP-INFORMASI", "DUKCAPIL-KTP"]
    assert [c["code"] for c in exported["counters"]] == ["L01", "L02"]

    comeback = apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    assert comeback.updated == counts(1, 2, 2)  # reactivated (L02 also got its service back)
    assert comeback.added == counts(0, 0, 0)
    assert queue.issue("DUKCAPIL-KK").number == "A-002"  # same prefix, same day: numbering goes on
    assert export_catalogue(db)["services"] == small_document()["services"]


def test_changes_are_counted_and_order_follows_the_document(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    doc = small_document()
    doc["services"].reverse()
    doc["services"][0]["name"] = "SKCK Baru"
    doc["services"][0]["requirements"] = ["KTP-el", "Pas foto 4x6"]
    doc["counters"][1]["services"].reverse()
    doc["counters"].append(
        {"code": "L04", "name": "Loket 4", "agency": "POLRES", "services": ["POLRES-SKCK"]}
    )

    result = apply_catalogue(db, validate_catalogue(doc), clock=clock)

    assert result.added == counts(0, 0, 1)
    assert result.updated == counts(0, 4, 1)  # every service moved; L02's order changed
    assert result.deactivated == counts(0, 0, 0)
    exported = export_catalogue(db)
    assert exported.pop("version") == 2
    assert exported == doc
    with connected(db):
        assert [s.code for s in Service.select().order_by(Service.position)] == [
            s["code"] for s in doc["services"]
        ]


def test_counter_state_survives_a_new_catalogue(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    queue = engine(db, clock)
    queue.issue("DUKCAPIL-KTP")
    called = queue.call_next("L02")
    queue.pause("L01")
    doc = small_document()
    doc["counters"][1]["name"] = "Loket 2 (Dukcapil)"

    apply_catalogue(db, validate_catalogue(doc), clock=clock)

    with connected(db):
        assert Counter.get_by_id("L01").paused
        l02 = Counter.get_by_id("L02")
        assert (l02.name, l02.current_ticket_id) == ("Loket 2 (Dukcapil)", called.id)
    assert queue.ticket(called.id).counter_name == "Loket 2 (Dukcapil)"


def test_versions_never_go_backwards(catalogue_db: SqliteDatabase, clock: ManualClock) -> None:
    db = catalogue_db
    doc = small_document()
    assert apply_catalogue(db, validate_catalogue({**doc, "version": 5}), clock=clock).version == 5
    before = len(config_events(db))

    with pytest.raises(CatalogueError, match="older than applied version 5"):
        apply_catalogue(db, validate_catalogue({**doc, "version": 3}), clock=clock)

    assert len(config_events(db)) == before
    with connected(db):
        assert Site.get().catalogue_version == 5
    assert export_catalogue(db)["version"] == 5
    assert apply_catalogue(db, validate_catalogue(doc), clock=clock).version == 6
    assert apply_catalogue(db, validate_catalogue({**doc, "version": 6}), clock=clock).version == 6
    assert apply_catalogue(db, validate_catalogue({**doc, "version": 9}), clock=clock).version == 9


def test_another_site_is_refused_unless_replaced(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue({**small_document(), "version": 7}), clock=clock)
    langsa = load_catalogue(shared_catalogue("kota-langsa"))

    with pytest.raises(CatalogueError, match=r"'9999-MPP'.*'1174-MPP'"):
        apply_catalogue(db, langsa, clock=clock)
    with connected(db):
        assert [s.code for s in Site.select()] == ["9999-MPP"]
        assert Agency.select().count() == 3
    assert len(config_events(db)) == 1

    result = apply_catalogue(db, langsa, clock=clock, replace_site=True)

    assert result.version == 1  # versions count per site
    # Langsa has MPP, DUKCAPIL, MPP-INFORMASI, DUKCAPIL-KK and L01-L14 too.
    assert result.deactivated == counts(1, 2, 0)
    with connected(db):
        assert [s.code for s in Site.select()] == ["1174-MPP"]
    exported = export_catalogue(db)
    exported.pop("version")
    assert exported == langsa.doc


def test_one_outbox_event_per_apply(catalogue_db: SqliteDatabase, clock: ManualClock) -> None:
    db = catalogue_db
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    clock.advance(timedelta(minutes=5))
    clock.set_synchronised(False)
    metro = load_catalogue(shared_catalogue("kota-metro"))
    apply_catalogue(db, metro, clock=clock, replace_site=True)

    with connected(db):
        every = outbox.pending(0, 100)
    assert [e.type for e in every] == [events.CONFIG_APPLIED] * 2
    first, second = every
    assert first.data == {
        "version": 1,
        "site": "9999-MPP",
        "timezone": "Asia/Jakarta",
        "site_name": "Mal Pelayanan Publik Uji",
        "agencies": 3,
        "services": 4,
        "counters": 3,
    }
    assert first.clock_synced
    assert second.data == {
        "version": 1,
        "site": "1872-MPP",
        "timezone": "Asia/Jakarta",
        "site_name": "Mal Pelayanan Publik Kota Metro",
        "agencies": 32,
        "services": 246,
        "counters": 58,
    }
    assert not second.clock_synced
    assert datetime.fromisoformat(second.at) == WEEKDAY_MORNING + timedelta(minutes=5)


def test_site_row_carries_hours_and_zone(catalogue_db: SqliteDatabase, clock: ManualClock) -> None:
    doc = small_document()
    doc["site"]["timezone"] = "WIB"
    apply_catalogue(catalogue_db, validate_catalogue(doc), clock=clock)
    with connected(catalogue_db):
        site = Site.get()
    assert site.timezone == "Asia/Jakarta"
    assert json.loads(site.hours) == small_document()["hours"]
    assert export_catalogue(catalogue_db)["site"]["timezone"] == "Asia/Jakarta"


def test_export_needs_an_applied_catalogue(catalogue_db: SqliteDatabase) -> None:
    with pytest.raises(CatalogueError, match="no catalogue has been applied"):
        export_catalogue(catalogue_db)


@settings(max_examples=25, deadline=None)
@given(
    keep=st.lists(st.booleans(), min_size=4, max_size=4),
    shuffle=st.randoms(use_true_random=False),
)
def test_export_gives_back_the_last_document_applied(keep: list[bool], shuffle: Any) -> None:
    """After any smaller, reordered document replaces the first, export gives back exactly it."""
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "a.db")
        _apply_subset(db, keep, shuffle)


def _apply_subset(db: SqliteDatabase, keep: list[bool], shuffle: Any) -> None:
    clock = ManualClock(WEEKDAY_MORNING)
    apply_catalogue(db, validate_catalogue(small_document()), clock=clock)
    doc = small_document()
    kept = [s for s, k in zip(doc["services"], keep, strict=True) if k] or doc["services"][:1]
    codes = {s["code"] for s in kept}
    doc["services"] = kept
    doc["counters"] = [
        {**c, "services": [s for s in c["services"] if s in codes]}
        for c in doc["counters"]
        if any(s in codes for s in c["services"])
    ]
    used = {s["agency"] for s in kept}
    doc["agencies"] = [a for a in doc["agencies"] if a["code"] in used]
    shuffle.shuffle(doc["services"])
    shuffle.shuffle(doc["counters"])

    catalogue: Catalogue = validate_catalogue(doc)
    apply_catalogue(db, catalogue, clock=clock)

    exported = export_catalogue(db)
    assert exported.pop("version") == 2
    assert exported == catalogue.doc
