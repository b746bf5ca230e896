"""The catalogue's booking words (SPEC §8): the site's `booking` settings, each service's
`booking_quota` and the pushed `booking_keys` — checked with a problem naming the field, read the
same way by central and the appliance, kept by the store and given back by an export."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from peewee import SqliteDatabase

from appliance.bookings.settings import BookingSettings, booking_quota, booking_settings
from appliance.bookings.token import key_id, new_key_pair
from appliance.catalogue.store import (
    CatalogueError,
    apply_catalogue,
    export_catalogue,
    validate_catalogue,
)
from appliance.clock import ManualClock
from tests.support.catalogue_fixtures import small_document


def booked() -> dict[str, Any]:
    doc = small_document()
    doc["site"]["booking"] = {"slot_minutes": 30, "late_minutes": 10}
    doc["services"][0]["booking_quota"] = 16
    doc["services"][1]["booking_quota"] = 0
    return doc


def test_settings_and_quota_read_with_defaults() -> None:
    doc = validate_catalogue(booked()).doc
    assert booking_settings(doc) == BookingSettings(
        slot_minutes=30, horizon_days=14, early_minutes=30, late_minutes=10
    )
    assert doc["site"]["booking"] == booking_settings(doc).to_doc()  # normalised: all four
    first, second, third = (s["code"] for s in doc["services"][:3])
    assert booking_quota(doc, first) == 16
    assert booking_quota(doc, second) == 0
    assert booking_quota(doc, third) == 0  # absent: not bookable
    assert booking_quota(doc, "NO-SUCH-SERVICE") == 0


def test_a_catalogue_without_booking_words_has_the_defaults() -> None:
    doc = validate_catalogue(small_document()).doc
    assert booking_settings(doc) == BookingSettings(60, 14, 30, 15)
    assert "booking" not in doc["site"]
    assert all("booking_quota" not in s for s in doc["services"])


def test_words_round_trip_through_apply_and_export(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    catalogue = validate_catalogue(booked())
    apply_catalogue(catalogue_db, catalogue, clock=clock)
    exported = export_catalogue(catalogue_db)
    exported.pop("version")
    assert exported == catalogue.doc
    # and the next document without them drops them
    apply_catalogue(catalogue_db, validate_catalogue(small_document()), clock=clock)
    plain = export_catalogue(catalogue_db)
    assert "booking" not in plain["site"]
    assert all("booking_quota" not in s for s in plain["services"])


def test_booking_keys_are_checked_and_kept_in_the_document() -> None:
    _, public = new_key_pair()
    _, other = new_key_pair()
    doc = small_document()
    doc["booking_keys"] = [
        {"kid": key_id(public), "public_key": public},
        {"kid": key_id(other), "public_key": other},
    ]
    checked = validate_catalogue(doc).doc
    assert checked["booking_keys"] == doc["booking_keys"]


def _key_doc(keys: object) -> dict[str, Any]:
    doc = small_document()
    doc["booking_keys"] = keys
    return doc


_, _PUBLIC = new_key_pair()
_KID = key_id(_PUBLIC)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["site"].update(booking=60), "site.booking: expected an object"),
        (lambda d: d["site"].update(booking={"slot": 60}), "site.booking.slot: unknown key"),
        (
            lambda d: d["site"].update(booking={"slot_minutes": 0}),
            "site.booking.slot_minutes: 0 is not a whole number 5..480",
        ),
        (
            lambda d: d["site"].update(booking={"horizon_days": True}),
            "site.booking.horizon_days: True is not a whole number 1..90",
        ),
        (
            lambda d: d["site"].update(booking={"early_minutes": -5}),
            "site.booking.early_minutes: -5 is not a whole number 0..240",
        ),
        (
            lambda d: d["site"].update(booking={"late_minutes": "15"}),
            "site.booking.late_minutes: '15' is not a whole number 0..240",
        ),
        (
            lambda d: d["services"][0].update(booking_quota=-1),
            "services[0].booking_quota: -1 is not a whole number of bookings per day",
        ),
        (
            lambda d: d["services"][0].update(booking_quota=2.5),
            "services[0].booking_quota: 2.5 is not",
        ),
        (lambda d: d.update(booking_keys={"kid": "x"}), "booking_keys: expected an array"),
        (lambda d: d.update(booking_keys=["k"]), "booking_keys[0]: expected an object"),
        (
            lambda d: d.update(booking_keys=[{"kid": _KID, "public_key": "short"}]),
            "booking_keys[0].public_key: is not an Ed25519 public key",
        ),
        (
            lambda d: d.update(booking_keys=[{"kid": "abcdefghijkl", "public_key": _PUBLIC}]),
            "booking_keys[0].kid: 'abcdefghijkl' does not name this public key",
        ),
        (
            lambda d: d.update(
                booking_keys=[{"kid": _KID, "public_key": _PUBLIC, "private_key": "x"}]
            ),
            "booking_keys[0].private_key: unknown key",
        ),
        (
            lambda d: d.update(booking_keys=[{"kid": _KID, "public_key": _PUBLIC}] * 2),
            "booking_keys[1].kid: duplicate",
        ),
    ],
)
def test_bad_words_are_problems_naming_the_field(change: Any, problem: str) -> None:
    doc = copy.deepcopy(small_document())
    change(doc)
    with pytest.raises(CatalogueError) as caught:
        validate_catalogue(doc)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_misspelt_booking_key_gets_a_hint() -> None:
    doc = small_document()
    doc["services"][0]["bookin_quota"] = 3
    with pytest.raises(CatalogueError) as caught:
        validate_catalogue(doc)
    assert 'services[0].bookin_quota: unknown key (did you mean "booking_quota"?)' in (
        caught.value.problems
    )
