"""`GET /api/v1/announcements/number/{number}.wav`: the number the kiosk just issued, spoken."""

from __future__ import annotations

import io
import wave

from appliance.voice.announce import ClipSet
from appliance.voice.speech import Delivery, issued_playlist
from tests.support.web_site import Site

DELIVERY = Delivery(letter_pause_ms=200, pause_ms=300, repeat_counter=True)  # [voice]'s defaults


def test_a_number_is_spoken_as_chime_nomor_antrean_anda_and_the_number(site: Site) -> None:
    assert issued_playlist("A-012") == [
        "chime", "nomor_antrean", "anda", "jeda", "huruf_a", "dua", "belas",
    ]  # fmt: skip
    response = site.client().get("/api/v1/announcements/number/A-012.wav")
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    with wave.open(io.BytesIO(response.data)) as spoken:
        seconds = spoken.getnframes() / spoken.getframerate()
    clips = ClipSet.load()
    # the site's [voice] delivery: the default letter pause after the "A"
    expected = sum(clips.clip(name).seconds for name in issued_playlist("A-012", DELIVERY))
    assert abs(seconds - expected) < 0.01


def test_anything_but_a_number_is_refused(site: Site) -> None:
    for bad in ("A-000", "hello", "A-12345678901"):
        response = site.client().get(f"/api/v1/announcements/number/{bad}.wav")
        assert response.status_code == 400
        assert response.json["error"]["code"] == "invalid_number"
