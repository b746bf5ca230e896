"""The survey pages (phone and counter tablet) and the printable SKM report, as HTML."""

from __future__ import annotations

import re

from appliance.skm.questionnaire import load_questionnaire
from tests.support.web_site import Site
from tests.web.test_skm_reports_api import rate, serve
from web.pages.survey_words import QUESTIONNAIRE_WORDS

DAY = "2025-03-12"


def test_survey_page_of_a_done_ticket_has_nine_questions_with_four_answers(site: Site) -> None:
    token = serve(site, "DUKCAPIL-KTP", "L02")
    page = site.client().get(f"/survey/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-state="open"' in html and f'data-token="{token}"' in html
    codes = re.findall(r'data-element="(U\d)"', html)
    # The regulation's sample form asks U9 (facilities) before U8 (complaints).
    assert codes == ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "U8"]
    for code in codes:
        assert len(re.findall(rf'name="{code}" value="[1-4]"', html)) == 4
    assert "Sangat sopan dan ramah" in html and "Dikelola dengan baik" in html
    assert 'data-profile="jenis_kelamin"' in html and 'data-profile="saran"' in html
    assert "nik" not in html.lower().replace("teknik", "")  # anonymous: nothing asks for a NIK
    assert "<script>" not in html  # CSP: scripts only from files
    assert "js/survey.js" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_survey_page_in_english(site: Site) -> None:
    token = serve(site, "DUKCAPIL-KTP", "L02")
    html = site.client().get(f"/survey/{token}?lang=en").get_data(as_text=True)
    assert "Community Satisfaction Survey" in html
    assert "Requirements" in html and "Very polite and friendly" in html
    assert "Send rating" in html


def test_survey_page_states(site: Site) -> None:
    client = site.client()
    unknown = client.get("/survey/no-such-token-here")
    assert unknown.status_code == 404 and 'data-state="unknown"' in unknown.get_data(as_text=True)
    assert client.get("/survey/bad!").status_code == 404
    site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    waiting = site.staff("kepala").get("/api/v1/tickets").json["items"][0]["status_token"]
    page = client.get(f"/survey/{waiting}").get_data(as_text=True)
    assert 'data-state="not_done"' in page and f"/t/{waiting}" in page
    assert "survey-form" not in page
    token = serve(site, "DUKCAPIL-KTP", "L02")
    assert rate(site, token, [3] * 9).status_code == 201
    done = client.get(f"/survey/{token}").get_data(as_text=True)
    assert 'data-state="submitted"' in done and "sudah diisi" in done
    assert "survey-form" not in done


def test_counter_tablet_page(site: Site) -> None:
    page = site.client().get("/survey?counter=L02")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-mode="counter"' in html and 'data-counter="L02"' in html
    assert 'id="survey-wait"' in html and "survey-counter" in html
    missing = site.client().get("/survey")
    assert missing.status_code == 400 and "counter=L02" in missing.get_data(as_text=True)


def test_status_page_links_to_the_survey(site: Site) -> None:
    token = serve(site, "DUKCAPIL-KTP", "L02")
    html = site.client().get(f"/t/{token}").get_data(as_text=True)
    assert f'href="/survey/{token}"' in html and 'id="survey"' in html


def test_printable_report(site: Site) -> None:
    tokens = [serve(site, "DUKCAPIL-KTP", "L02") for _ in range(2)]
    rate(site, tokens[0], [4] * 9)
    rate(site, tokens[1], [3, 3, 3, 3, 3, 3, 3, 3, 4])
    query = f"from={DAY}&to={DAY}&agency=DUKCAPIL"
    anonymous = site.client().get("/admin/reports/skm?" + query)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=")
    assert site.staff("budi").get("/admin/reports/skm?" + query).status_code == 403
    page = site.staff("kepala").get("/admin/reports/skm?" + query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Sum of NRR: 8 x 3.5 + 4 = 32; IKM = 25 x 32/9 = 88.888.. -> 88,89 (A)
    assert re.search(r'id="report-ikm">88,89<', html)
    assert "A (Sangat Baik)" in html
    assert re.search(r'id="report-respondents">2<', html)
    assert "Dinas Kependudukan" in html and "Rencana tindak lanjut" in html
    assert f"/api/v1/reports/skm.pdf?{query}" in html.replace("&amp;", "&")


def test_every_questionnaire_text_is_marked_for_translation() -> None:
    q = load_questionnaire()
    texts = {"Survei Kepuasan Masyarakat"}
    for element in q.elements:
        texts |= {element.name, element.question, *(a.label for a in element.answers)}
    for field in q.profile:
        texts |= {field.label, *(label for _, label in field.options)}
    texts |= {f.label for f in q.free_text_fields}
    assert texts == set(QUESTIONNAIRE_WORDS)
