"""Central's pages in English on request, Indonesian by default (issue 17 item 6): `?lang=en`
once, then central's cookie keeps it; the dashboard's, login's and status page's words, the words
the scripts redraw with, and numbers and times written the page's way. The catalogue is checked
whole: every Indonesian message has its English, and the compiled `.mo` says what the `.po` says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from sync.central.http.formats import local_time, number
from sync.central.http.language import COOKIE, TRANSLATIONS
from tests.sync.central.http.world import SITE, World

# Words of the Indonesian dashboard that no English page may show.
INDONESIAN = ("Dasbor pusat", "Semua situs", "Kontak terakhir", "Daring", "Keluar", "Diperbarui",
              "Menunggu", "Tampilkan", "Perangkat", "Unduh")  # fmt: skip


def words(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="words">(.*?)</script>', html, re.S)
    assert found is not None, "the scripts' words are not in the page"
    loaded: dict[str, object] = json.loads(found.group(1))
    return loaded


def test_the_dashboard_is_indonesian_by_default_and_english_on_request(world: World) -> None:
    client, _csrf = world.staff("kepala")
    default = client.get("/dashboard").get_data(as_text=True)
    assert '<html lang="id">' in default and "Dasbor pusat MPP" in default
    assert ">Daring<" in default and ">English</a>" in default
    assert words(default)["states"] == {
        "online": "Daring",
        "offline": "Luring",
        "unknown": "Tidak diketahui",
    }

    answer = client.get("/dashboard?lang=en")
    english = answer.get_data(as_text=True)
    assert f"{COOKIE}=en" in answer.headers["Set-Cookie"]
    assert '<html lang="en">' in english and "MPP central dashboard" in english
    assert ">Online<" in english and ">Last contact<" in english and ">Log out<" in english
    assert "Public Satisfaction Survey (SKM)" in english and ">Bahasa Indonesia</a>" in english
    visible = re.sub(r"<script.*?</script>", "", english, flags=re.S)
    for word in INDONESIAN:
        assert word not in visible, word
    said = words(english)
    assert said["states"] == {"online": "Online", "offline": "Offline", "unknown": "Unknown"}
    assert said["printer"] == "Printer: {state}" and said["clock"] == "Clock: {state}"
    row = english[english.index("<tr data-site=") :]
    assert re.search(r"<td>\d\d/\d\d \d\d:\d\d WIB</td>", row), "an English time"

    kept = client.get("/dashboard").get_data(as_text=True)  # the cookie keeps the choice
    assert '<html lang="en">' in kept
    back = client.get("/dashboard?lang=id").get_data(as_text=True)
    assert '<html lang="id">' in back and ">Daring<" in back
    assert '<html lang="id">' in client.get("/dashboard").get_data(as_text=True)


def test_login_and_the_citizens_status_page_in_english(world: World) -> None:
    client = world.client()
    login = client.get("/login?next=/dashboard").get_data(as_text=True)
    assert "Masuk ke dasbor pusat" in login
    switch = re.search(r'<a href="([^"]+)"[^>]*id="lang-switch"', login)
    assert switch is not None and "next=" in switch.group(1) and "lang=en" in switch.group(1)
    english = client.get(switch.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Log in to the central dashboard" in english and ">Username<" in english
    assert 'data-next="/dashboard"' in english
    assert words(english)["wrong_password"] == "Wrong username or password."

    waiting = world.tickets["t5"]
    page = client.get(f"/t/{SITE}/{waiting.status_token}").get_data(as_text=True)
    assert "Queue number" in page and ">Waiting" in page
    assert re.search(r'<dd id="ahead">\d+ (person|people)</dd>', page), page
    indonesian = world.client().get(f"/t/{SITE}/{waiting.status_token}").get_data(as_text=True)
    assert "Nomor antrean" in indonesian and re.search(r'<dd id="ahead">\d+ orang</dd>', indonesian)
    missing = client.get(f"/t/{SITE}/{'x' * 20}")
    assert missing.status_code == 404 and "Ticket not found" in missing.get_data(as_text=True)


def test_numbers_and_times_on_an_english_page() -> None:
    assert number(84.09, "en") == "84.09" and number(12345, "en") == "12,345"
    assert number(84.09) == "84,09"
    assert local_time("2025-03-14T01:05:00+00:00", "Asia/Jakarta", "en") == "14/03 08:05 WIB"


def plain(text: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    """A message's id or text; a plural's forms as a tuple (the .mo reader gives a list)."""
    return text if isinstance(text, str) else tuple(text)


def test_every_message_has_its_english_and_is_compiled() -> None:
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        wanted = {plain(m.id) for m in read_po(f) if m.id}
    po_path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as f:
        po = {plain(m.id): plain(m.string) for m in read_po(f, locale="en") if m.id}
    with open(Path(po_path).with_suffix(".mo"), "rb") as f:
        mo = {plain(m.id): plain(m.string) for m in read_mo(f) if m.id}
    assert wanted <= set(po), "run pybabel update (translations/README.md)"
    untranslated = [i for i, s in po.items() if not (all(s) if isinstance(s, tuple) else s)]
    assert untranslated == []
    assert mo == po, "run pybabel compile (translations/README.md)"
