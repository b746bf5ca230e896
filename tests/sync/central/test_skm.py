"""Central's SKM across sites: two real appliances' surveys shipped through `Ingest`, and every
figure checked against arithmetic done here from the answers the test itself submitted
(Permenpan RB 14/2017: NRR = mean score per element, IKM = 25 x mean NRR, Krejcie-Morgan)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from appliance.queue import outbox
from appliance.queue.transaction import QueueSettings
from appliance.skm.questionnaire import load_questionnaire
from appliance.skm.surveys import submit_survey
from appliance.storage.database import connected
from sync import protocol
from sync.central.accounts import create_token
from sync.central.http import CentralWebSettings, create_central_app
from sync.central.ingest import Ingest
from sync.central.store import open_central_database
from tests.support.engine_fixtures import EngineSite, make_site

DAY = "2025-03-12"
CODES = [f"U{n}" for n in range(1, 10)]


def answers(*scores: int) -> dict[str, int]:
    assert len(scores) == 9
    return dict(zip(CODES, scores, strict=True))


# (service, counter, answers or None, profile) per served citizen; None = did not answer.
SITE_A = "1101-MPP"
SITE_B = "2202-MPP"
SERVED: dict[str, list[tuple[str, str, dict[str, int] | None, dict[str, str]]]] = {
    SITE_A: [
        ("KTP", "L02", answers(4, 4, 3, 3, 4, 4, 4, 3, 4), {"jenis_kelamin": "L", "usia": "20-29"}),
        ("KTP", "L02", answers(3, 3, 3, 2, 3, 4, 3, 3, 3), {"jenis_kelamin": "P"}),
        ("KK", "L02", answers(2, 3, 3, 3, 2, 3, 3, 2, 1), {"jenis_kelamin": "P", "usia": "30-39"}),
        ("INFO", "L01", answers(4, 4, 4, 4, 4, 4, 4, 4, 4), {"pendidikan": "S1"}),
        ("INFO", "L01", None, {}),
        ("KTP", "L02", None, {}),
    ],
    SITE_B: [
        ("KTP", "L03", answers(1, 2, 2, 3, 3, 2, 2, 3, 4), {"jenis_kelamin": "L", "usia": "20-29"}),
        ("KK", "L02", answers(3, 4, 3, 4, 3, 4, 3, 4, 3), {}),
        ("KK", "L02", None, {}),
    ],
}


@dataclass
class World:
    app: Flask
    token: str
    ingest: Ingest

    def get(self, path: str) -> Any:
        return self.app.test_client().get(path, headers={"Authorization": f"Bearer {self.token}"})


def serve_all(site: EngineSite, code: str) -> None:
    q = load_questionnaire()
    for service, counter, given, profile in SERVED[code]:
        ticket = site.engine.issue(service)
        site.clock.advance(timedelta(minutes=3))
        site.engine.call_next(counter)
        site.engine.start(counter)
        site.clock.advance(timedelta(minutes=6))
        site.engine.done(counter)
        if given is not None:
            submit_survey(site.db, site.clock, q, ticket.status_token, given, profile)
    site.engine.issue("KTP")  # still waiting: not in the population


def ship(site: EngineSite, code: str, ingest: Ingest) -> None:
    with connected(site.db):
        events = [e.to_wire() for e in outbox.pending(0, 100_000)]
    batch = protocol.make_batch(code, events)
    reply = ingest.handle(protocol.topic(code, protocol.EVENTS), protocol.encode_batch(batch))
    assert reply is not None and reply.ack.acked_through == batch.last_seq


@pytest.fixture
def world(tmp_path: Path, central_url: str) -> World:
    db = open_central_database(central_url)
    ingest = Ingest(db)
    clock = None
    for code in (SITE_A, SITE_B):
        site = make_site(tmp_path / f"{code}.db", settings=QueueSettings(enforce_hours=False))
        serve_all(site, code)
        ship(site, code, ingest)
        clock = site.clock
    assert clock is not None
    settings = CentralWebSettings(secret_key="k" * 40, now=clock.now)
    return World(create_central_app(db, settings), create_token(db, "layar", "supervisor"), ingest)


# -- the arithmetic, done here ------------------------------------------------------------------


def dec(value: Fraction, places: int) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def expected(given: Sequence[Mapping[str, int]], population: int) -> dict[str, Any]:
    nrr = {c: Fraction(sum(a[c] for a in given), len(given)) for c in CODES}
    ikm = 25 * sum(nrr.values(), Fraction(0)) / 9
    ikm_text = dec(ikm, 2)
    letter = next(
        letter
        for letter, low in (("A", "88.31"), ("B", "76.61"), ("C", "65.00"), ("D", "25.00"))
        if Decimal(ikm_text) >= Decimal(low)
    )
    p = 3.841 * 0.25
    minimum = int(3.841 * population * 0.25 / (0.0025 * (population - 1) + p) + 0.5)
    return {
        "respondents": len(given),
        "population": population,
        "nrr": {c: dec(v, 4) for c, v in nrr.items()},
        "ikm": ikm_text,
        "letter": letter,
        "minimum": minimum,
        "met": len(given) >= minimum,
    }


def answered(code: str, services: tuple[str, ...] | None = None) -> list[dict[str, int]]:
    return [a for s, _c, a, _p in SERVED[code] if a is not None and (not services or s in services)]


def done(code: str, services: tuple[str, ...] | None = None) -> int:
    return sum(1 for s, *_ in SERVED[code] if not services or s in services)


def check(body: Mapping[str, Any], want: Mapping[str, Any]) -> None:
    assert body["respondents"] == want["respondents"]
    assert body["population"] == want["population"]
    assert {e["code"]: e["nrr"] for e in body["elements"]} == want["nrr"]
    assert body["ikm"] == want["ikm"]
    assert body["category"]["letter"] == want["letter"]
    assert body["minimum_sample"] == want["minimum"]
    assert body["sample_met"] is want["met"]


# -- tests --------------------------------------------------------------------------------------


def test_all_sites_combined_and_per_site_rows(world: World) -> None:
    r = world.get(f"/api/v1/central/reports/skm?from={DAY}&to={DAY}")
    assert r.status_code == 200, r.json
    body = r.json
    everyone = answered(SITE_A) + answered(SITE_B)
    check(body, expected(everyone, done(SITE_A) + done(SITE_B)))
    assert body["invalid_responses"] == 0
    assert body["scope"]["sites"] == [SITE_A, SITE_B] and body["scope"]["site"] is None
    rows = {row["site"]: row for row in body["sites"]}
    for code in (SITE_A, SITE_B):
        row = rows[code]
        want = expected(answered(code), done(code))
        assert row["respondents"] == want["respondents"]
        assert row["population"] == want["population"]
        assert row["ikm"] == want["ikm"] and row["category"]["letter"] == want["letter"]
        assert row["minimum_sample"] == want["minimum"] and row["sample_met"] is want["met"]
        assert {e["code"]: e["nrr"] for e in row["elements"]} == want["nrr"]
    # respondent profile: counted from the profiles submitted above
    profile = {f["field"]: f for f in body["profile"]}
    sex = {o["code"]: o["count"] for o in profile["jenis_kelamin"]["options"]}
    assert sex == {"L": 2, "P": 2}
    assert profile["jenis_kelamin"]["not_answered"] == 2
    ages = {o["code"]: o["count"] for o in profile["usia"]["options"]}
    assert ages["20-29"] == 2 and ages["30-39"] == 1 and profile["usia"]["not_answered"] == 3


def test_one_site_endpoints_agree(world: World) -> None:
    a = world.get(f"/api/v1/central/sites/{SITE_B}/reports/skm?from={DAY}&to={DAY}").json
    b = world.get(f"/api/v1/central/reports/skm?site={SITE_B}&from={DAY}&to={DAY}").json
    assert a == b
    check(a, expected(answered(SITE_B), done(SITE_B)))
    assert [row["site"] for row in a["sites"]] == [SITE_B]


def test_service_and_agency_filters(world: World) -> None:
    kk = world.get(f"/api/v1/central/reports/skm?from={DAY}&to={DAY}&service=KK").json
    check(kk, expected(answered(SITE_A, ("KK",)) + answered(SITE_B, ("KK",)), 1 + 2))
    dukcapil = ("KTP", "KK")
    by_agency = world.get(f"/api/v1/central/reports/skm?from={DAY}&to={DAY}&agency=DUKCAPIL").json
    want = expected(
        answered(SITE_A, dukcapil) + answered(SITE_B, dukcapil),
        done(SITE_A, dukcapil) + done(SITE_B, dukcapil),
    )
    check(by_agency, want)
    assert by_agency["scope"]["agency"] == "DUKCAPIL"
    other_day = world.get("/api/v1/central/reports/skm?from=2025-03-01&to=2025-03-11").json
    assert other_day["respondents"] == 0 and other_day["ikm"] is None
    assert other_day["category"] is None and len(other_day["sites"]) == 2


def test_csv_and_pdf(world: World) -> None:
    r = world.get(f"/api/v1/central/reports/skm?from={DAY}&to={DAY}&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    want = expected(answered(SITE_A) + answered(SITE_B), done(SITE_A) + done(SITE_B))
    assert ["IKM", want["ikm"]] in rows and ["Lokasi", "Semua situs"] in rows
    site_b = expected(answered(SITE_B), done(SITE_B))
    row_b = next(row for row in rows if row[:1] == [SITE_B])
    met = "ya" if site_b["met"] else "tidak"
    assert row_b[2:7] == ["2", "3", str(site_b["minimum"]), met, site_b["ikm"]]
    assert row_b[8:] == [site_b["nrr"][c] for c in CODES]
    pdf = world.get(f"/api/v1/central/reports/skm.pdf?from={DAY}&to={DAY}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) > 1000
    one = world.get(f"/api/v1/central/reports/skm.pdf?site={SITE_A}")
    assert one.status_code == 200 and one.data.startswith(b"%PDF")


def test_bad_queries_are_refused(world: World) -> None:
    for query, status, code in (
        ("site=NOPE-MPP", 404, "unknown_site"),
        ("site=bad%20site", 404, "unknown_site"),
        ("from=2025-03-13&to=2025-03-12", 400, "invalid_period"),
        ("from=2024-01-01&to=2025-03-12", 400, "invalid_period"),
        ("to=12-03-2025", 400, "invalid_date"),
        ("format=xml", 400, "invalid_query"),
        ("service=" + "x" * 100, 400, "invalid_query"),
    ):
        for path in ("/api/v1/central/reports/skm", "/api/v1/central/reports/skm.pdf"):
            if path.endswith(".pdf") and query.startswith("format"):
                continue
            r = world.get(f"{path}?{query}")
            assert r.status_code == status and r.json["error"]["code"] == code, (path, query)
    anonymous = world.app.test_client().get("/api/v1/central/reports/skm")
    assert anonymous.status_code == 401
