"""SKM and operations reports over HTTP: figures checked against hand computation, scopes,
roles, CSV and PDF; the counter tablet's `awaiting` endpoint; anonymity of stored responses."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from pypdf import PdfReader

from appliance.storage.database import connected
from tests.support.web_site import Site

ELEMENTS = [f"U{i}" for i in range(1, 10)]
DAY = "2025-03-12"


def serve(site: Site, service: str, counter: str, *, wait_min: int = 0, handle_min: int = 0) -> str:
    """Issue a ticket, let it wait, call, serve and finish it at `counter`; its status token."""
    site.kiosk().post("/api/v1/tickets", json={"service": service})
    site.clock.advance(timedelta(minutes=wait_min))
    supervisor = site.staff("kepala")
    called = supervisor.post(f"/api/v1/counters/{counter}/next")
    assert called.status_code == 200, called.json
    supervisor.post(f"/api/v1/counters/{counter}/start")
    site.clock.advance(timedelta(minutes=handle_min))
    assert supervisor.post(f"/api/v1/counters/{counter}/done").status_code == 200
    return str(called.json["status_token"])


def rate(
    site: Site, token: str, scores: list[int], respondent: dict[str, str] | None = None
) -> Any:
    body = {"status_token": token, "answers": dict(zip(ELEMENTS, scores, strict=True))}
    if respondent is not None:
        body["respondent"] = respondent
    return site.client().post("/api/v1/surveys", json=body)


def places(value: Fraction, digits: int) -> str:
    """Half-up rounding with decimal, independent of appliance.skm.arithmetic's own rounding."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


KTP_ANSWERS = [
    [4, 3, 3, 4, 3, 4, 4, 3, 3],
    [3, 3, 2, 4, 3, 3, 4, 2, 3],
    [4, 4, 3, 4, 4, 4, 4, 3, 4],
]
SKCK_ANSWERS = [[2, 2, 1, 3, 2, 2, 3, 1, 2]]


@pytest.fixture
def rated(site: Site) -> Site:
    """Four KTP tickets served at L02 (three rated), two SKCK at L03 (one rated)."""
    tokens = [serve(site, "DUKCAPIL-KTP", "L02", wait_min=2, handle_min=5) for _ in range(4)]
    for token, scores in zip(tokens, KTP_ANSWERS, strict=False):
        profile = {"jenis_kelamin": "P", "pendidikan": "SMA"} if scores[0] == 4 else {}
        assert rate(site, token, scores, profile).status_code == 201
    skck = [serve(site, "POLRES-SKCK", "L03", wait_min=1, handle_min=3) for _ in range(2)]
    assert rate(site, skck[0], SKCK_ANSWERS[0]).status_code == 201
    return site


def expected(rows: list[list[int]]) -> tuple[list[Fraction], str]:
    """NRR per element and IKM, computed here from the answers (not by appliance.skm.arithmetic)."""
    nrrs = [Fraction(sum(r[i] for r in rows), len(rows)) for i in range(9)]
    ikm = Fraction(25) * sum(nrrs, Fraction(0)) / 9
    return nrrs, places(ikm, 2)


def test_skm_report_of_one_service_matches_hand_computation(rated: Site) -> None:
    report = rated.staff("kepala").get(
        f"/api/v1/reports/skm?from={DAY}&to={DAY}&service=DUKCAPIL-KTP"
    )
    assert report.status_code == 200, report.json
    body = report.json
    nrrs, ikm = expected(KTP_ANSWERS)
    # U1: 4+3+4 = 11/3 = 3.6667. Row sums 31+27+34 = 92, so the NRRs add up to 92/3 and
    # IKM = 25 x 92/3 / 9 = 2300/27 = 85.185.. -> 85.19 (B: 76.61-88.30)
    assert body["elements"][0]["nrr"] == "3.6667"
    assert [e["nrr"] for e in body["elements"]] == [places(n, 4) for n in nrrs]
    assert body["ikm"] == ikm == "85.19"
    assert body["category"] == {"letter": "B", "label": "Baik", "label_en": "Good"}
    assert (body["respondents"], body["population"]) == (3, 4)
    # Krejcie-Morgan for N=4 is 4: three respondents do not meet it.
    assert (body["minimum_sample"], body["sample_met"]) == (4, False)
    assert body["scope"]["service_name"] == "KTP-el"
    assert body["scope"]["agency"] == "DUKCAPIL"
    gender = next(p for p in body["profile"] if p["field"] == "jenis_kelamin")
    assert {o["code"]: o["count"] for o in gender["options"]} == {"L": 0, "P": 2}
    assert gender["not_answered"] == 1


def test_whole_site_and_agency_scopes(rated: Site) -> None:
    kepala = rated.staff("kepala")
    whole = kepala.get(f"/api/v1/reports/skm?from={DAY}&to={DAY}").json
    _, ikm = expected(KTP_ANSWERS + SKCK_ANSWERS)
    assert whole["ikm"] == ikm
    assert (whole["respondents"], whole["population"]) == (4, 6)
    polres = kepala.get(f"/api/v1/reports/skm?from={DAY}&to={DAY}&agency=POLRES").json
    # One respondent: sum 18, IKM = 25*18/9 = 50.00 -> D
    assert polres["ikm"] == "50.00" and polres["category"]["letter"] == "D"
    assert (polres["respondents"], polres["population"]) == (1, 2)
    # Default period is this month so far, which holds the same day.
    assert kepala.get("/api/v1/reports/skm").json["ikm"] == ikm
    empty = kepala.get("/api/v1/reports/skm?from=2025-01-01&to=2025-01-31").json
    assert empty["respondents"] == 0 and empty["ikm"] is None and empty["category"] is None


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=2025-03-12&to=2025-03-01", 400, "invalid_period"),
        ("from=12-03-2025", 400, "invalid_date"),
        ("from=2020-01-01&to=2025-03-12", 400, "invalid_period"),
        ("service=NOPE", 404, "unknown_unit"),
        ("agency=NOPE", 404, "unknown_unit"),
        ("agency=POLRES&service=DUKCAPIL-KTP", 404, "unknown_unit"),
        ("service=%3Cscript%3E", 400, "invalid_query"),
        ("format=xlsx", 400, "invalid_query"),
    ],
)
def test_bad_report_queries(site: Site, query: str, status: int, code: str) -> None:
    response = site.staff("kepala").get("/api/v1/reports/skm?" + query)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/skm",
        "/api/v1/reports/skm.pdf",
        "/api/v1/reports/operations",
        "/api/v1/reports/daily",
    ],
)
def test_reports_need_a_supervisor(site: Site, path: str) -> None:
    assert site.client().get(path).status_code == 401
    assert site.kiosk().get(path).status_code == 403
    assert site.staff("budi").get(path).status_code == 403
    assert site.staff("kepala").get(path).status_code == 200
    assert site.staff("admin").get(path).status_code == 200


def test_skm_csv_has_a_bom_and_the_figures(rated: Site) -> None:
    response = rated.staff("kepala").get(
        f"/api/v1/reports/skm?from={DAY}&to={DAY}&service=DUKCAPIL-KTP&format=csv"
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    facts = {r[0]: r[1] for r in rows if len(r) == 2}
    assert facts["IKM"] == "85.19" and facts["Mutu"] == "B" and facts["Responden"] == "3"
    u1 = next(r for r in rows if r and r[0] == "U1")
    assert u1[1] == "Persyaratan" and u1[4] == "3.6667" and u1[-4:] == ["0", "0", "1", "2"]


def test_skm_pdf_carries_the_key_figures(rated: Site) -> None:
    response = rated.staff("kepala").get(
        f"/api/v1/reports/skm.pdf?from={DAY}&to={DAY}&service=DUKCAPIL-KTP"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) == 1  # the whole report, follow-up plan and signature on one A4 sheet
    text = pages[0].extract_text()
    assert "KTP-el" in text and "12 Maret 2025" in text
    assert "85,19" in text  # IKM, Indonesian decimal comma
    assert "B (Baik)" in text
    assert "3,6667" in text  # NRR U1
    assert "Rencana tindak lanjut" in text
    assert "BELUM terpenuhi" in text  # 3 respondents < minimum 4


def test_operations_report_figures(rated: Site) -> None:
    body = rated.staff("kepala").get(f"/api/v1/reports/operations?from={DAY}&to={DAY}").json
    totals = body["totals"]
    assert (totals["issued"], totals["served"], totals["no_show"], totals["expired"]) == (
        6,
        6,
        0,
        0,
    )
    # Each ticket waited exactly its wait_min (issued, clock advanced, then called).
    counters = {c["counter"]: c for c in body["counters"]}
    assert counters["L02"]["served"] == 4 and counters["L03"]["served"] == 2
    assert counters["L02"]["wait_p50_minutes"] == 2.0
    assert counters["L02"]["handling_p90_minutes"] == 5.0
    assert counters["L03"]["handling_p50_minutes"] == 3.0
    # 4 waits of 2 min and 2 of 1 min: p50 (3rd of 6 sorted) = 2, p90 (6th) = 2
    assert (totals["wait_p50_minutes"], totals["wait_p90_minutes"]) == (2.0, 2.0)
    assert sum(h["count"] for h in body["arrivals_per_hour"]) == 6
    assert body["arrivals_per_hour"][0]["hour"] == 9  # 09:00 WIB, not 02:00 UTC
    # Tokens act for nobody; the supervisor's session is recorded as the officer.
    assert [o["officer"] for o in body["officers"]] == ["kepala"]
    daily = rated.staff("kepala").get("/api/v1/reports/daily").json
    assert daily["date"] == DAY and daily["total"] == 2
    assert daily["totals"]["served"] == 6 and len(daily["counters"]) == 2
    csv_text = rated.staff("kepala").get("/api/v1/reports/daily?format=csv").data
    assert csv_text.startswith(b"\xef\xbb\xbf") and b"loket,L02,Loket 2,4,4" in csv_text


def test_survey_response_keeps_no_link_to_the_ticket(rated: Site) -> None:
    with connected(rated.core.db):
        columns = [row[1] for row in rated.core.db.execute_sql("PRAGMA table_info(survey)")]
        assert "ticket_id" not in columns
        assert set(columns) == {
            "id",
            "service_code",
            "business_date",
            "answers",
            "respondent",
            "submitted_at",
        }
        stamps = [r[0] for r in rated.core.db.execute_sql("SELECT submitted_at FROM survey")]
        assert all(":00:00.000" in s for s in stamps)  # to the hour only
        marked = rated.core.db.execute_sql("SELECT COUNT(*) FROM ticket WHERE surveyed").fetchone()
        assert marked[0] == 4


def test_second_response_is_409_and_changes_nothing(site: Site) -> None:
    token = serve(site, "DUKCAPIL-KTP", "L02")
    assert rate(site, token, [4] * 9).status_code == 201
    again = rate(site, token, [1] * 9)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_submitted"
    report = site.staff("kepala").get("/api/v1/reports/skm").json
    assert report["ikm"] == "100.00" and report["respondents"] == 1


# --- the counter tablet ---------------------------------------------------------------------


def test_tablet_token_sees_only_its_counters_fresh_unrated_ticket(site: Site) -> None:
    tablet_token = site.core.accounts.create_token("survei-L02", "kiosk", counters=["L02"])
    tablet = site.app.test_client()
    tablet.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + tablet_token
    url = "/api/v1/surveys/awaiting?counter=L02"
    assert tablet.get(url).json["ticket"] is None
    serve(site, "POLRES-SKCK", "L03")  # another counter's citizen is never offered here
    assert tablet.get(url).json["ticket"] is None
    first = serve(site, "DUKCAPIL-KTP", "L02")
    offered = tablet.get(url).json
    assert offered["ticket"]["status_token"] == first and offered["counter_name"] == "Loket 2"
    second = serve(site, "DUKCAPIL-KK", "L02")
    assert tablet.get(url).json["ticket"]["status_token"] == second  # only the latest
    assert rate(site, second, [3] * 9).status_code == 201
    assert tablet.get(url).json["ticket"] is None  # rated: not offered again, nor the older one
    third = serve(site, "DUKCAPIL-KTP", "L02")
    site.clock.advance(timedelta(minutes=9))
    assert tablet.get(url).json["ticket"]["status_token"] == third
    site.clock.advance(timedelta(minutes=2))
    assert tablet.get(url).json["ticket"] is None  # finished too long ago
    refused = tablet.get("/api/v1/surveys/awaiting?counter=L03")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_your_counter"


def test_awaiting_roles_and_errors(site: Site) -> None:
    url = "/api/v1/surveys/awaiting?counter=L02"
    assert site.client().get(url).status_code == 401
    assert site.kiosk().get(url).status_code == 403  # a lobby kiosk token has no counter
    assert site.staff("budi").get(url).status_code == 200  # officer of L02
    assert site.staff("sari").get(url).status_code == 403  # officer of L03
    assert site.staff("kepala").get(url).status_code == 200
    assert site.staff("kepala").get("/api/v1/surveys/awaiting").status_code == 400
    missing = site.staff("kepala").get("/api/v1/surveys/awaiting?counter=L99")
    assert missing.status_code == 404


def test_openapi_lists_the_new_routes(site: Site) -> None:
    paths = site.client().get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/reports/skm",
        "/api/v1/reports/skm.pdf",
        "/api/v1/reports/operations",
        "/api/v1/surveys/awaiting",
    ):
        assert path in paths
        assert not paths[path]["get"]["summary"].startswith("api_")
