"""The pure report builders over plain dicts (what central calls too): SKM and operations."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from appliance.reports.operations import minutes_between, operations_report, percentile
from appliance.skm.pdf import latin1, render_skm_pdf
from appliance.skm.questionnaire import load_questionnaire
from appliance.skm.report import skm_report

ELEMENTS = [f"U{i}" for i in range(1, 10)]
WIB = ZoneInfo("Asia/Jakarta")


def response(scores: list[int], **profile: str) -> dict[str, object]:
    return {"answers": dict(zip(ELEMENTS, scores, strict=True)), "respondent": profile}


def test_skm_report_from_event_shaped_dicts() -> None:
    q = load_questionnaire()
    responses = [
        response([4] * 9, jenis_kelamin="L", pekerjaan="LAINNYA", pekerjaan_lainnya="Petani"),
        response([3, 3, 3, 3, 3, 3, 3, 3, 4], jenis_kelamin="P", saran="Tambah kursi"),
        response([2] * 9),
    ]
    report = skm_report(responses, 40, q, scope={"from": "2025-01-01", "to": "2025-03-31"})
    # U1: (4+3+2)/3 = 3; U9: (4+4+2)/3 = 10/3 = 3.3333, converted 25 x 10/3 = 83.33
    u1, u9 = report["elements"][0], report["elements"][8]
    assert (u1["nrr"], u1["ikm"], u1["total"]) == ("3.0000", "75.00", 9)
    assert (u9["nrr"], u9["weighted_nrr"], u9["ikm"]) == ("3.3333", "0.3704", "83.33")
    assert u9["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 2}
    # Sum of NRR = 8 x 3 + 10/3 = 82/3; IKM = 25 x 82/27 = 75.925.. -> 75.93 (C)
    assert report["ikm"] == "75.93" and report["category"]["letter"] == "C"
    # 0,11: 82/3 x 0.11 x 25 = 75.1666.. -> 75.17
    assert report["printed_weight"] == {"ikm": "75.17", "category": "C", "changes_category": False}
    # Krejcie-Morgan N=40 -> 36
    assert (report["population"], report["minimum_sample"], report["sample_met"]) == (40, 36, False)
    gender = report["profile"][0]
    assert gender["field"] == "jenis_kelamin" and gender["not_answered"] == 1
    assert [(o["code"], o["count"]) for o in gender["options"]] == [("L", 1), ("P", 1)]
    job = next(p for p in report["profile"] if p["field"] == "pekerjaan")
    assert next(o["count"] for o in job["options"] if o["code"] == "LAINNYA") == 1
    assert report["remarks"] == ["Tambah kursi"]
    assert report["scope"]["from"] == "2025-01-01"


def test_empty_skm_report_is_still_a_report() -> None:
    report = skm_report([], 0, load_questionnaire())
    assert report["respondents"] == 0 and report["ikm"] is None and report["category"] is None
    assert all(e["nrr"] is None for e in report["elements"])
    pdf = render_skm_pdf({**report, "scope": {"from": "2025-01-01", "to": "2025-01-31"}})
    assert pdf.startswith(b"%PDF-")


def test_latin1_folding_keeps_indonesian_and_drops_the_rest() -> None:
    assert latin1("Kota Metro – “Pelayanan” ’") == 'Kota Metro - "Pelayanan" \''
    assert latin1("Café ✓ 漢") == "Café ? ?"


def test_percentiles_are_nearest_rank() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 0.5) == 3.0  # ceil(2.5) = 3rd
    assert percentile(values, 0.9) == 5.0  # ceil(4.5) = 5th
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.0
    assert percentile([], 0.5) is None


def test_minutes_between_refuses_time_running_back() -> None:
    assert minutes_between("2025-03-12T02:00:00+00:00", "2025-03-12T02:07:30+00:00") == 7.5
    assert minutes_between("2025-03-12T02:07:30+00:00", "2025-03-12T02:00:00+00:00") is None
    assert minutes_between(None, "2025-03-12T02:00:00+00:00") is None


def stamp(hh_mm: str) -> str:
    return f"2025-03-12T{hh_mm}:00.000+00:00"  # UTC; 01:xx UTC is 08:xx WIB


def test_operations_report_by_hand() -> None:
    tickets = [
        # done at L01 by Budi: waited 10, handled 5
        {"state": "done", "service": "A", "counter": "L01", "officer": "Budi",
         "issued_at": stamp("01:00"), "called_at": stamp("01:10"), "started_at": stamp("01:11"),
         "finished_at": stamp("01:16")},
        # done at L01 by Budi, never pressed start: handling from the call, 4 min
        {"state": "done", "service": "A", "counter": "L01", "officer": "Budi",
         "issued_at": stamp("01:30"), "called_at": stamp("01:50"), "started_at": None,
         "finished_at": stamp("01:54")},
        # no-show at L02 by Sari: waited 30
        {"state": "no_show", "service": "B", "counter": "L02", "officer": "Sari",
         "issued_at": stamp("02:05"), "called_at": stamp("02:35"), "started_at": None,
         "finished_at": None},
        # expired without a call, issued at 03:59 UTC = 10:59 WIB
        {"state": "expired", "service": "B", "counter": None, "officer": None,
         "issued_at": stamp("03:59"), "called_at": None, "started_at": None,
         "finished_at": None},
    ]  # fmt: skip
    report = operations_report(tickets, WIB, service_names={"A": "KTP"}, counter_names={})
    t = report["totals"]
    assert (t["issued"], t["served"], t["no_show"], t["expired"], t["waiting"]) == (4, 2, 1, 1, 0)
    # Waits 10, 20, 30: p50 = 20, p90 = 30. Handling 5, 4: p50 = 4, p90 = 5.
    assert (t["wait_p50_minutes"], t["wait_p90_minutes"]) == (20.0, 30.0)
    assert (t["handling_p50_minutes"], t["handling_p90_minutes"]) == (4.0, 5.0)
    assert report["arrivals_per_hour"] == [
        {"hour": 8, "count": 2},
        {"hour": 9, "count": 1},
        {"hour": 10, "count": 1},
    ]
    services = {s["service"]: s for s in report["services"]}
    assert services["A"]["service_name"] == "KTP" and services["B"]["service_name"] == "B"
    counters = {c["counter"]: c for c in report["counters"]}
    assert counters["L01"]["served"] == 2 and counters["L02"]["no_show"] == 1
    assert [o["officer"] for o in report["officers"]] == ["Budi", "Sari"]
    assert report["officers"][0]["handling_p90_minutes"] == 5.0
