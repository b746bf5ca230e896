"""The pages themselves, without a browser: every page renders in both languages, and nothing
on them or in the static files points outside the appliance (the LAN has no internet)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from web.i18n import COOKIE, init_i18n
from web.pages import bp
from web.pages.strings import js_strings

WEB = Path(__file__).resolve().parents[2] / "web"
PAGES = [
    "/home",
    "/kiosk",
    "/counter",
    "/desk",
    "/display",
    "/t/AbCdEfGhIjKlMnOpQrStUv",
    "/login",
    "/admin",
]
# XML namespace names are identifiers, never fetched; everything else must be local.
NAMESPACES = {"http://www.w3.org/2000/svg"}
OUTSIDE = re.compile(r"""(?:https?:)?//[A-Za-z0-9][A-Za-z0-9.-]*(?::\d+)?[^\s"'()<>]*""")


@pytest.fixture
def client():
    app = Flask("pages_only")
    app.config["TESTING"] = True
    init_i18n(app)
    app.register_blueprint(bp)
    return app.test_client()


def outside_references(text: str) -> list[str]:
    found = []
    for match in OUTSIDE.finditer(text):
        url = match.group(0)
        if url in NAMESPACES:
            continue
        # A JS or CSS comment starting with // is not a URL: require a dotted host or localhost.
        host = re.sub(r"^(?:https?:)?//", "", url).split("/")[0].split(":")[0]
        if "." in host or host == "localhost":
            found.append(url)
    return found


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_renders_local_only(client, path, lang):
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert outside_references(html) == []
    assert "'self'" in response.headers["Content-Security-Policy"]
    for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', html):
        with client.get(asset) as fetched:
            assert fetched.status_code == 200, asset


def test_static_files_reference_nothing_outside():
    files = [p for p in (WEB / "static").rglob("*") if p.suffix in {".js", ".css", ".svg"}]
    files += list((WEB / "templates").rglob("*.html"))
    assert len(files) >= 10
    offenders = {str(p): outside_references(p.read_text("utf-8")) for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_outside_reference_detector_catches_cdn_links():
    assert outside_references('<script src="https://cdn.example.com/x.js">') != []
    assert outside_references("@import url(//fonts.googleapis.com/css?family=Roboto);") != []
    assert outside_references("// a comment, then /assets/js/common.js") == []


def test_language_choice_is_kept_in_a_cookie(client):
    assert "Silakan pilih layanan" in client.get("/kiosk").get_data(as_text=True)
    response = client.get("/kiosk?lang=en")
    assert COOKIE in response.headers["Set-Cookie"]
    assert "Please choose a service" in response.get_data(as_text=True)
    assert "Please choose a service" in client.get("/kiosk").get_data(as_text=True)
    assert "Silakan pilih layanan" in client.get("/kiosk?lang=id").get_data(as_text=True)


def test_language_switch_keeps_the_query(client):
    html = client.get("/login?next=/counter").get_data(as_text=True)
    assert 'href="/login?next=/counter&amp;lang=en"' in html


def test_login_refuses_to_send_users_elsewhere(client):
    assert 'data-next="/home"' in client.get("/login?next=//evil.example").get_data(as_text=True)
    assert 'data-next="/admin"' in client.get("/login?next=/admin").get_data(as_text=True)


def test_unknown_status_token_is_a_404_page(client):
    response = client.get("/t/not%20a%20token")
    assert response.status_code == 404
    assert "Tiket tidak ditemukan" in response.get_data(as_text=True)


def test_root_goes_to_the_landing_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")


def test_english_catalogue_is_complete_and_compiled():
    folder = WEB / "translations" / "en" / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po_file:
        po = read_po(po_file)
    with (folder / "messages.mo").open("rb") as mo_file:
        mo = read_mo(mo_file)
    untranslated = [m.id for m in po if m.id and not m.string]
    assert untranslated == []
    assert {m.id: m.string for m in po if m.id} == {m.id: m.string for m in mo if m.id}


def test_indonesian_catalogue_has_no_plural_forms():
    text = (WEB / "translations" / "id" / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    assert "nplurals=1; plural=0;" in text


def test_script_strings_keep_their_placeholders_in_english():
    app = Flask("strings")
    init_i18n(app)
    with app.test_request_context("/?lang=id"):
        indonesian = js_strings()
    with app.test_request_context("/?lang=en"):
        english = js_strings()
    assert indonesian.keys() == english.keys()
    assert english["kiosk_your_number"] == "Your queue number"
    for key, text in indonesian.items():
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", english[key])), key
