"""The catalogue's optional kiosk words (short name, icon, groups, aliases, priority button):
checked with a problem naming the field, kept by the store, given back by an export."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from peewee import SqliteDatabase

from appliance.catalogue import kiosk
from appliance.catalogue.store import (
    CatalogueError,
    apply_catalogue,
    export_catalogue,
    validate_catalogue,
)
from appliance.clock import ManualClock
from appliance.queue.views import services
from tests.support.catalogue_fixtures import WEEKDAY_MORNING, small_document
from tests.support.paths import REPO


def worded() -> dict[str, Any]:
    doc = small_document()
    doc["site"]["kiosk_priority"] = False
    first = doc["agencies"][1]
    first.update(short_name="Disdukcapil", icon="id-card")
    service = next(s for s in doc["services"] if s["agency"] == first["code"])
    service.update(group="KTP-el", aliases=["e-ktp", "ktp elektronik"])
    return doc


def test_words_round_trip_through_apply_and_export(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    catalogue = validate_catalogue(worded())
    apply_catalogue(catalogue_db, catalogue, clock=clock)
    exported = export_catalogue(catalogue_db)
    exported.pop("version")
    assert exported == catalogue.doc
    assert validate_catalogue(exported).doc == catalogue.doc  # and imports again as it was


def test_a_document_without_them_exports_without_them(
    catalogue_db: SqliteDatabase, clock: ManualClock
) -> None:
    apply_catalogue(catalogue_db, validate_catalogue(worded()), clock=clock)
    plain = validate_catalogue(small_document())  # the words are dropped by the next document
    apply_catalogue(catalogue_db, plain, clock=clock)
    exported = export_catalogue(catalogue_db)
    exported.pop("version")
    assert exported == plain.doc
    assert "kiosk_priority" not in exported["site"]


def test_the_kiosk_list_carries_them(catalogue_db: SqliteDatabase, clock: ManualClock) -> None:
    doc = worded()
    apply_catalogue(catalogue_db, validate_catalogue(doc), clock=clock)
    found = services(
        catalogue_db, WEEKDAY_MORNING.date(), WEEKDAY_MORNING, enforce_hours=True, window=20
    )
    assert found.kiosk_priority is False
    worded_service = next(s for s in found.items if s.group)
    assert worded_service.aliases == ("e-ktp", "ktp elektronik")
    assert worded_service.agency_short_name == "Disdukcapil"
    assert worded_service.agency_icon == "id-card"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["site"].update(kiosk_priority="yes"), "site.kiosk_priority"),
        (lambda d: d["agencies"][0].update(icon="../../etc/passwd"), "agencies[0].icon"),
        (lambda d: d["agencies"][0].update(icon="rocket"), "agencies[0].icon"),
        (lambda d: d["agencies"][0].update(short_name=" "), "agencies[0].short_name"),
        (lambda d: d["agencies"][0].update(short_name="x" * 41), "agencies[0].short_name"),
        (lambda d: d["services"][0].update(group=""), "services[0].group"),
        (lambda d: d["services"][0].update(aliases="ktp"), "services[0].aliases"),
        (lambda d: d["services"][0].update(aliases=["a" * 41]), "services[0].aliases[0]"),
        (lambda d: d["services"][0].update(aliases=["x"] * 21), "services[0].aliases"),
    ],
)
def test_bad_words_are_problems_naming_the_field(change: Any, problem: str) -> None:
    doc = copy.deepcopy(small_document())
    change(doc)
    with pytest.raises(CatalogueError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        validate_catalogue(doc)


def test_every_icon_named_is_shipped() -> None:
    shipped = {p.stem for p in (REPO / "web" / "static" / "img" / "agency").glob("*.svg")}
    assert shipped == set(kiosk.ICONS)
