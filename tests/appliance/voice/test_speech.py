"""What an announcement says: Indonesian number words, ticket and counter words, the playlist."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.voice.speech import (
    CHIME,
    CLIP_NAMES,
    LOKET,
    MAX_TERBILANG,
    NOMOR_ANTREAN,
    PAUSE,
    SILAKAN_MENUJU,
    Delivery,
    announcement_playlist,
    announcement_text,
    counter_words,
    issued_playlist,
    label_words,
    letter_words,
    playlist_text,
    terbilang,
    terbilang_text,
    ticket_words,
)

# Checked by hand against KBBI usage ("sebelas", "seratus", "seribu" take the se- form).
HAND_CHECKED = [
    (0, "nol"),
    (1, "satu"),
    (2, "dua"),
    (7, "tujuh"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (15, "lima belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (45, "empat puluh lima"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (112, "seratus dua belas"),
    (199, "seratus sembilan puluh sembilan"),
    (200, "dua ratus"),
    (305, "tiga ratus lima"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1011, "seribu sebelas"),
    (1100, "seribu seratus"),
    (1999, "seribu sembilan ratus sembilan puluh sembilan"),
    (2000, "dua ribu"),
    (2025, "dua ribu dua puluh lima"),
    (10000, "sepuluh ribu"),
    (11000, "sebelas ribu"),
    (12000, "dua belas ribu"),
    (21000, "dua puluh satu ribu"),
    (100000, "seratus ribu"),
    (101000, "seratus satu ribu"),
    (111111, "seratus sebelas ribu seratus sebelas"),
    (999999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan"),
]


@pytest.mark.parametrize(("n", "words"), HAND_CHECKED)
def test_terbilang_hand_checked(n: int, words: str) -> None:
    assert terbilang_text(n) == words
    assert terbilang(n) == words.split()


@pytest.mark.parametrize("bad", [-1, MAX_TERBILANG + 1, 10**9])
def test_terbilang_refuses_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match=r"0\.\.999999"):
        terbilang(bad)


@pytest.mark.parametrize("bad", [True, 1.0, "12", None])
def test_terbilang_refuses_non_int(bad: object) -> None:
    with pytest.raises(TypeError):
        terbilang(bad)  # type: ignore[arg-type]


# An independent reading of the words back into a number: the oracle for the property below.
_UNITS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7}
_UNITS |= {"delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11}


def read_back(words: list[str]) -> int:
    total, group, last = 0, 0, 0
    for word in words:
        if word in _UNITS:
            last = _UNITS[word]
            group += last
        elif word == "belas":
            group += 10  # "dua belas": the 2 was already added
        elif word == "puluh":
            group += last * 9
        elif word == "ratus":
            group += last * 99
        elif word == "seratus":
            group += 100
        elif word == "ribu":
            total, group = total + group * 1000, 0
        elif word == "seribu":
            total += 1000
        else:
            raise AssertionError(f"unexpected word {word!r} in {words}")
    return total + group


@given(st.integers(min_value=1, max_value=MAX_TERBILANG))
def test_terbilang_reads_back_to_the_number(n: int) -> None:
    words = terbilang(n)
    assert read_back(words) == n
    assert "nol" not in words
    assert set(words) <= CLIP_NAMES
    # A lone one before ratus/puluh/belas, or a thousands group of just one, takes the se- form;
    # "satu ribu" is right only inside a larger group ("dua puluh satu ribu", "seratus satu ribu").
    pairs = list(itertools.pairwise(words))
    assert ("satu", "ratus") not in pairs
    assert ("satu", "puluh") not in pairs and ("satu", "belas") not in pairs
    assert words[:2] != ["satu", "ribu"]
    assert len(words) <= 12


@pytest.mark.parametrize(
    ("number", "clips"),
    [
        ("A-001", ["huruf_a", "satu"]),
        ("A-012", ["huruf_a", "dua", "belas"]),
        ("A-010", ["huruf_a", "sepuluh"]),
        ("A-100", ["huruf_a", "seratus"]),
        ("BK-007", ["huruf_b", "huruf_k", "tujuh"]),
        ("I-1000", ["huruf_i", "seribu"]),
        ("DN-999", ["huruf_d", "huruf_n", "sembilan", "ratus", "sembilan", "puluh", "sembilan"]),
        ("a012", ["huruf_a", "dua", "belas"]),
    ],
)
def test_ticket_words(number: str, clips: list[str]) -> None:
    assert ticket_words(number) == clips


@pytest.mark.parametrize("bad", ["", "A-", "-012", "012", "A-000", "Á-012", "A-1234567", "A 1 2"])
def test_ticket_words_refuses_what_is_not_a_ticket_number(bad: str) -> None:
    with pytest.raises(ValueError, match="not a ticket number"):
        ticket_words(bad)


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2),
    st.integers(min_value=1, max_value=MAX_TERBILANG),
)
def test_ticket_words_property(prefix: str, sequence: int) -> None:
    clips = ticket_words(f"{prefix}-{sequence:03d}")
    assert clips[: len(prefix)] == [f"huruf_{c.lower()}" for c in prefix]
    assert read_back(clips[len(prefix) :]) == sequence
    assert "nol" not in clips
    assert set(clips) <= CLIP_NAMES


@pytest.mark.parametrize(
    ("code", "name", "said"),
    [
        ("L03", "Loket 3", "tiga"),
        ("L12", "Loket 12", "dua belas"),
        ("L01", "Loket 1", "satu"),
        ("L10", "Loket 10", "sepuluh"),
        ("L11", "Loket 11", "sebelas"),
        # the name's number wins: it is what the sign says
        ("L07", "Loket 3", "tiga"),
        ("X9", "Loket Dukcapil 2", "dua"),
        ("A", "Meja-5", "lima"),
        ("L01A", "Loket 1A", "satu huruf_a"),
        ("B2", "Loket B2", "huruf_b dua"),
        # a name without a number: the code's number, leading zeros unsaid
        ("3", "", "tiga"),
        ("K-02", "Kasir", "dua"),
        ("L12", "Loket Informasi", "dua belas"),
        ("LOKET-020", "Loket", "dua puluh"),
        # neither: the code read aloud
        ("INFO", "Informasi", "huruf_i huruf_n huruf_f huruf_o"),
        ("L1A", "Pengaduan", "huruf_l satu huruf_a"),
        ("A-B", "", "huruf_a huruf_b"),
        # a long word ending in digits is not a label; the code decides
        ("L04", "Ruang12345", "empat"),
    ],
)
def test_counter_words(code: str, name: str, said: str) -> None:
    assert counter_words(code, name) == [LOKET, *said.split()]


@given(st.text(max_size=12), st.text(max_size=30))
def test_counter_words_only_known_clips(code: str, name: str) -> None:
    clips = counter_words(code, name)
    assert clips[0] == LOKET
    assert set(clips) <= CLIP_NAMES


@given(st.integers(min_value=1, max_value=MAX_TERBILANG), st.sampled_from(["L", "K-", "", "LK"]))
def test_counter_code_number_reads_back(n: int, letters: str) -> None:
    clips = counter_words(f"{letters}{n:02d}", "")
    assert read_back(clips[1:]) == n and "nol" not in clips


@given(st.integers(min_value=1, max_value=9999))
def test_counter_name_number_reads_back(n: int) -> None:
    clips = counter_words("X", f"Loket {n:02d}")
    assert read_back(clips[1:]) == n and "nol" not in clips


def test_label_words_reads_very_long_digit_runs_digit_by_digit() -> None:
    digits = ["satu", "dua", "tiga", "empat", "lima", "enam", "tujuh"]
    assert label_words("L1234567") == ["huruf_l", *digits]
    assert label_words("1-0") == ["satu", "nol"]


def test_letter_words_refuses_non_ascii() -> None:
    with pytest.raises(ValueError, match="cannot spell"):
        letter_words("É")


def test_playlist_order_and_text() -> None:
    playlist = announcement_playlist("A-012", "L03", "Loket 3")
    assert playlist == [
        CHIME,
        NOMOR_ANTREAN,
        "huruf_a",
        "dua",
        "belas",
        PAUSE,
        SILAKAN_MENUJU,
        LOKET,
        "tiga",
    ]
    assert playlist_text(playlist) == "Nomor antrean A dua belas, silakan menuju loket tiga"
    assert announcement_text("BK-1000", "INFO", "Informasi") == (
        "Nomor antrean B K seribu, silakan menuju loket I N F O"
    )


def test_playlist_text_refuses_unknown_clip() -> None:
    with pytest.raises(ValueError, match="not a voice clip"):
        playlist_text(["chime", "halo"])


@given(
    st.from_regex(r"[A-Z]{1,2}-[0-9]{3,6}", fullmatch=True).filter(lambda t: t[-3:] != "000"),
    st.from_regex(r"[A-Z0-9]{1,6}(-[A-Z0-9]{1,4})?", fullmatch=True),
    st.text(max_size=40),
)
def test_playlist_properties(number: str, code: str, name: str) -> None:
    playlist = announcement_playlist(number, code, name)
    assert set(playlist) <= CLIP_NAMES
    assert playlist[:2] == [CHIME, NOMOR_ANTREAN]
    assert playlist.count(PAUSE) == 1 and playlist.count(CHIME) == 1
    pause = playlist.index(PAUSE)
    assert playlist[pause + 1 : pause + 3] == [SILAKAN_MENUJU, LOKET]
    assert "nol" not in playlist[2:pause]  # a ticket number is never read with "nol"
    assert 6 <= len(playlist) <= 40


def test_a_number_handed_out_is_said_as_the_listeners_own() -> None:
    """The kiosk and the button's speaker: "Nomor antrean Anda, A dua belas" — "Anda" tells it
    from the board's calls in the same hall; the letters get the calls' pause."""
    assert issued_playlist("A-012") == [
        "chime",
        "nomor_antrean",
        "anda",
        "jeda",
        "huruf_a",
        "dua",
        "belas",
    ]
    assert playlist_text(issued_playlist("A-012")) == "Nomor antrean anda, A dua belas"
    paced = issued_playlist("BK-007", Delivery(letter_pause_ms=200, pause_ms=300))
    assert paced == [
        "chime", "nomor_antrean", "anda", "jeda",
        "huruf_b", "sunyi_200", "huruf_k", "sunyi_200", "tujuh",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="not a ticket number"):
        issued_playlist("A-000")
