"""Checking catalogue documents (`validate_catalogue`, `appliance.catalogue.check`): a broken
document yields every problem at once with the JSON path of the bad field, the checker never
crashes whatever is put anywhere, and normalising fills defaults."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.catalogue.store import (
    CatalogueError,
    validate_catalogue,
)
from tests.support.catalogue_fixtures import (
    small_document,
)


def problems_of(doc: object) -> tuple[str, ...]:
    with pytest.raises(CatalogueError) as caught:
        validate_catalogue(doc)
    assert caught.value.problems, "a refused catalogue must say why"
    return caught.value.problems


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
