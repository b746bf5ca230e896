"""The core's refusals reach each page in its language: same code, translated message."""

from __future__ import annotations

import ast
import io
import string
from pathlib import Path

from babel.messages.pofile import read_po

from appliance.storage.models import Service
from tests.support.web_site import Site
from web.refusals import REFUSALS

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# Where each refusal-like call takes its Indonesian template (the positional argument's index).
TEMPLATE_ARGUMENT = {
    "QueueError": 1,
    "NotFound": 1,
    "Conflict": 1,
    "Refused": 1,
    "Invalid": 1,
    "Forbidden": 1,
    "WindowNote": 1,  # appliance/bookings/checkin.py: why a booking queues as a walk-in
    "Opening": 2,
    "Verdict": 2,
}


def _fill_quota(site: Site) -> None:
    with site.core.db.write():
        Service.update(daily_quota=1).where(Service.code == "POLRES-SKCK").execute()
    assert site.kiosk().post("/api/v1/tickets", json={"service": "POLRES-SKCK"}).status_code == 201


def test_an_english_request_gets_an_english_refusal(site: Site) -> None:
    _fill_quota(site)
    over = site.kiosk().post("/api/v1/tickets?lang=en", json={"service": "POLRES-SKCK"})
    assert over.status_code == 422
    assert over.json["error"]["code"] == "quota_reached"
    message = over.json["error"]["message"]
    assert message.startswith("The daily quota of ") and "(1)" in message
    assert "Kuota" not in message


def test_the_language_cookie_chooses_it_too(site: Site) -> None:
    kiosk = site.kiosk()
    kiosk.set_cookie("mpp_lang", "en")
    empty = site.staff("budi")
    empty.client.set_cookie("mpp_lang", "en")
    response = empty.post("/api/v1/counters/L02/next")
    assert response.status_code == 404 and response.json["error"]["code"] == "queue_empty"
    assert response.json["error"]["message"] == "Nobody is waiting."
    unknown = kiosk.post("/api/v1/tickets", json={"service": "NOPE"})
    assert unknown.json["error"]["message"] == "Service 'NOPE' is unknown or not active."


def test_an_indonesian_request_keeps_the_engine_message(site: Site) -> None:
    _fill_quota(site)
    over = site.kiosk().post("/api/v1/tickets", json={"service": "POLRES-SKCK"})
    assert over.json["error"]["code"] == "quota_reached"
    assert over.json["error"]["message"].startswith("Kuota harian layanan ")


def test_the_kiosk_says_why_a_service_is_closed_in_its_language(site: Site) -> None:
    _fill_quota(site)
    english = site.client().get("/api/v1/services?lang=en").json["items"]
    skck = next(s for s in english if s["code"] == "POLRES-SKCK")
    assert skck["open"] is False and skck["closed_reason"] == "The daily quota is used up."
    indonesian = site.client().get("/api/v1/services").json["items"]
    skck = next(s for s in indonesian if s["code"] == "POLRES-SKCK")
    assert skck["closed_reason"] == "Kuota harian sudah habis."
    site.clock.jump_to(site.clock.now().replace(hour=20))  # outside the opening hours
    closed = site.client().get("/api/v1/services?lang=en").json["items"]
    english = ("Not open yet. Opens at ", "Already closed. Closed at ", "Closed today.")
    assert closed and all(s["closed_reason"].startswith(english) for s in closed), closed


def _raised_templates() -> set[str]:
    """Every constant template the core hands a refusal (or an opening/issuing answer)."""
    found: set[str] = set()
    for path in (ROOT / "appliance").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            index = TEMPLATE_ARGUMENT.get(name)
            if index is None or len(node.args) <= index:
                continue
            argument = node.args[index]
            branches = (
                [argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument]
            )
            for branch in branches:
                if isinstance(branch, ast.Constant) and isinstance(branch.value, str):
                    found.add(branch.value)
    return found


def test_every_template_the_core_raises_is_listed_for_translation() -> None:
    raised = _raised_templates()
    assert "Tidak ada antrean yang menunggu." in raised  # the scan sees the engine
    assert sorted(raised - set(REFUSALS)) == []


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_refusals_keep_their_placeholders() -> None:
    catalogue = read_po(io.BytesIO(ENGLISH.read_bytes()))
    for template in REFUSALS:
        message = catalogue.get(template)
        assert message is not None and message.string, template
        assert _fields(str(message.string)) == _fields(template), template
