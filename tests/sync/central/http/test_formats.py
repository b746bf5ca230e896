"""How central's dashboard writes times and numbers (issue 17 item 6): raw UTC ISO text and
"84.09" beside "84,09" before; now the site's own zone with its name, and Indonesian numbers,
as the dashboard's script writes them with Intl (tests/browser/test_central_dashboard.py)."""

from __future__ import annotations

import re

from sync.central.http.formats import local_time, number
from tests.sync.central.http.world import World


def test_a_time_is_written_in_the_zone_it_is_given_with_the_zone_name() -> None:
    stamp = "2025-03-14T01:05:00+00:00"
    assert local_time(stamp, "Asia/Jakarta") == "14/03 08.05 WIB"
    assert local_time(stamp, "Asia/Makassar") == "14/03 09.05 WITA"
    assert local_time(stamp, "Asia/Jayapura") == "14/03 10.05 WIT"
    assert local_time(stamp, "Not/AZone") == "14/03 08.05 WIB"  # central's default, not a 500
    assert local_time(None, "Asia/Jakarta") == "–"
    assert local_time("kemarin", "Asia/Jakarta") == "kemarin"  # not a time: kept, not dropped


def test_numbers_are_written_the_indonesian_way() -> None:
    assert number(84.09) == "84,09"
    assert number(12345) == "12.345"
    assert number(13.0) == "13"
    assert number(1234.5) == "1.234,5"
    assert number(0.12345) == "0,123"
    assert number(0) == "0"
    assert number(None) == "–"


def test_the_dashboard_shows_no_raw_iso_time_and_no_decimal_point(world: World) -> None:
    client, _csrf = world.staff()
    page = client.get("/dashboard").get_data(as_text=True)
    row = page[page.index("<tr data-site=") : page.index("</tr>", page.index("<tr data-site="))]
    assert not re.search(r"\d{4}-\d\d-\d\dT", row), row
    assert re.search(r"<td>\d\d/\d\d \d\d\.\d\d WIB</td>", row), row
    ikm = client.get("/api/v1/central/sites").json["items"][0]["today"]["ikm"]
    assert isinstance(ikm, float) and not ikm.is_integer()
    assert f"<td>{number(ikm)}</td>" in row and "," in number(ikm)
