"""What a call announcement says, as a playlist of voice clip names (pure).

The board plays a chime and then "Nomor antrean A dua belas, silakan menuju loket tiga". A
speech engine reads "A-012" as "A nol dua belas", so the phrase is built here from number words
(terbilang) and spelled letters, each one a clip from a small fixed vocabulary. Keeping the
vocabulary fixed and small lets a site replace the generated voice with human recordings: one
file per name in `CLIP_NAMES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TERBILANG = 999_999

CHIME = "chime"
PAUSE = "jeda"  # a short breath where the written phrase has its comma
NOMOR_ANTREAN = "nomor_antrean"
ANDA = "anda"  # "your": the number handed out is the listener's own, not a call
SILAKAN_MENUJU = "silakan_menuju"
LOKET = "loket"
# Quiet of a given length, generated, not a file: "sunyi_200" is 200 ms (see `Delivery`).
SILENCE = "sunyi_"


@dataclass(frozen=True)
class Delivery:
    """How a call is said beyond its words ([voice] settings; docs/announcements.md).

    A spelled letter clip is about 0.3 s and runs into the next word ("BK tujuh" heard as one
    sound), so `letter_pause_ms` of quiet follows each letter; `pause_ms` more quiet follows the
    number, before "silakan menuju"; `repeat_counter` says the counter a second time. The
    defaults here say a call exactly as the clips alone do (tests and the kiosk rely on it).
    """

    letter_pause_ms: int = 0
    pause_ms: int = 0
    repeat_counter: bool = False


def silence(ms: int) -> list[str]:
    """The playlist entry for `ms` milliseconds of quiet (none for 0)."""
    return [f"{SILENCE}{ms}"] if ms > 0 else []


def silence_ms(clip: str) -> int | None:
    """The length of a silence entry, None for a clip name."""
    if clip.startswith(SILENCE) and clip[len(SILENCE) :].isdigit():
        return int(clip[len(SILENCE) :])
    return None


# Letter clips are named by the letter; this is how the letter is said in Indonesian.
LETTER_NAMES: dict[str, str] = {
    "a": "a",
    "b": "be",
    "c": "ce",
    "d": "de",
    "e": "e",
    "f": "ef",
    "g": "ge",
    "h": "ha",
    "i": "i",
    "j": "je",
    "k": "ka",
    "l": "el",
    "m": "em",
    "n": "en",
    "o": "o",
    "p": "pe",
    "q": "ki",
    "r": "er",
    "s": "es",
    "t": "te",
    "u": "u",
    "v": "ve",
    "w": "we",
    "x": "eks",
    "y": "ye",
    "z": "zet",
}

_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")

NUMBER_WORDS: frozenset[str] = frozenset(
    (*_DIGITS, "sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu")
)
LETTER_CLIPS: frozenset[str] = frozenset(f"huruf_{letter}" for letter in LETTER_NAMES)
CLIP_NAMES: frozenset[str] = frozenset(
    {CHIME, PAUSE, NOMOR_ANTREAN, ANDA, SILAKAN_MENUJU, LOKET} | LETTER_CLIPS | NUMBER_WORDS
)

_TICKET = re.compile(r"\s*([A-Za-z]{1,4})\s*-?\s*([0-9]{1,6})\s*")
# A short label at the end of a counter name: "3", "12", "1A", "B2" (at least one digit).
_LABEL = re.compile(r"(?=[A-Za-z]*[0-9])[A-Za-z0-9]{1,4}")
# A counter code that is letters (and separators) then a number: "L03", "K-02", "3", "LOKET-12".
_NUMBERED_CODE = re.compile(r"[A-Za-z_\-. ]*?([0-9]{1,6})")
_RUNS = re.compile(r"[A-Za-z]|[0-9]+")


def terbilang(n: int) -> list[str]:
    """Indonesian number words for 0..999999: 12 -> ["dua", "belas"], 1000 -> ["seribu"]."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"terbilang needs an int, not {type(n).__name__}")
    if n < 0 or n > MAX_TERBILANG:
        raise ValueError(f"terbilang covers 0..{MAX_TERBILANG}, not {n}")
    if n == 0:
        return ["nol"]
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands == 1:
        words.append("seribu")
    elif thousands > 1:
        words += [*_below_thousand(thousands), "ribu"]
    return words + _below_thousand(rest)


def _below_thousand(n: int) -> list[str]:
    """Words for 0..999, empty for 0 (a zero inside a larger number is not said)."""
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_DIGITS[hundreds], "ratus"]
    tens, ones = divmod(rest, 10)
    if tens == 0:
        if ones:
            words.append(_DIGITS[ones])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif tens == 1:
        words += [_DIGITS[ones], "belas"]
    else:
        words += [_DIGITS[tens], "puluh"]
        if ones:
            words.append(_DIGITS[ones])
    return words


def terbilang_text(n: int) -> str:
    """The number as one string: 12 -> "dua belas"."""
    return " ".join(terbilang(n))


def letter_words(letters: str) -> list[str]:
    """Clip names spelling ASCII letters one by one: "BK" -> ["huruf_b", "huruf_k"]."""
    clips = []
    for letter in letters.lower():
        if letter not in LETTER_NAMES:
            raise ValueError(f"cannot spell {letter!r}: only the letters a-z have clips")
        clips.append(f"huruf_{letter}")
    return clips


def ticket_words(number: str) -> list[str]:
    """Clip names for a ticket number: the prefix spelled, the sequence in words.

    "A-012" -> ["huruf_a", "dua", "belas"]; "BK-007" -> ["huruf_b", "huruf_k", "tujuh"]: the
    leading zeros are padding on paper and are never said. Raises ValueError for anything that is
    not a ticket number (including sequence 0, which the numbering never gives).
    """
    match = _TICKET.fullmatch(number)
    if match is None:
        raise ValueError(f"not a ticket number: {number!r}")
    prefix, digits = match.groups()
    if int(digits) == 0:
        raise ValueError(f"not a ticket number: {number!r} (sequences start at 1)")
    return letter_words(prefix) + terbilang(int(digits))


def label_words(label: str) -> list[str]:
    """Clip names reading a short code aloud: letters spelled, each run of digits as a number.

    "1A" -> ["satu", "huruf_a"]; "L01A" -> ["huruf_l", "satu", "huruf_a"]. Separators and any
    other character are skipped; a run of digits too long for terbilang is read digit by digit.
    """
    words: list[str] = []
    for run in _RUNS.findall(label):
        if run.isdigit():
            value = int(run)
            words += terbilang(value) if value <= MAX_TERBILANG else [_DIGITS[int(d)] for d in run]
        else:
            words += letter_words(run)
    return words


def counter_words(counter_code: str, counter_name: str) -> list[str]:
    """Clip names for the counter to go to: "loket" and what the sign above it says.

    The citizen looks for the sign, so the name decides first, then the code:

    1. the name's last word, when it is a short label with a digit ("Loket 3", "Loket Dukcapil
       12", "Loket 1A", "Meja B2"): that label, read aloud ("tiga", "dua belas", "satu a", ...);
    2. a code that is letters then a number ("L03", "K-02", "3", "LOKET-12"): the number, because
       the letters of such codes are an internal convention and leading zeros are not said;
    3. otherwise the whole code read aloud ("INFO" -> "i en ef o", "L1A" -> "el satu a").

    "loket" is always said first; a name's own leading "Loket" is therefore never repeated.
    """
    last_word = counter_name.replace("-", " ").split()[-1:] or [""]
    if _LABEL.fullmatch(last_word[0]):
        return [LOKET, *label_words(last_word[0])]
    numbered = _NUMBERED_CODE.fullmatch(counter_code.strip())
    if numbered is not None:
        return [LOKET, *terbilang(int(numbered.group(1)))]
    return [LOKET, *label_words(counter_code)]


def announcement_playlist(
    number: str, counter_code: str, counter_name: str, delivery: Delivery | None = None
) -> list[str]:
    """Every clip of one call announcement, in order, starting with the chime."""
    delivery = delivery or Delivery()
    spoken = _number_spoken(number, delivery)
    counter = counter_words(counter_code, counter_name)
    again = [PAUSE, *counter] if delivery.repeat_counter else []
    return [
        CHIME,
        NOMOR_ANTREAN,
        *spoken,
        PAUSE,
        *silence(delivery.pause_ms),
        SILAKAN_MENUJU,
        *counter,
        *again,
    ]


def issued_playlist(number: str, delivery: Delivery | None = None) -> list[str]:
    """What the kiosk and the ticket button's speaker say as they hand out a number, so a blind
    citizen knows what they hold: the chime, "nomor antrean Anda", the number ("A dua belas").
    "Anda" tells it from a call the board is making in the same hall. The letters get the same
    pause as in a call. ValueError for a non-number."""
    return [CHIME, NOMOR_ANTREAN, ANDA, PAUSE, *_number_spoken(number, delivery or Delivery())]


def _number_spoken(number: str, delivery: Delivery) -> list[str]:
    """The ticket number's clips, with the delivery's quiet after each spelled letter."""
    spoken: list[str] = []
    for clip in ticket_words(number):
        spoken.append(clip)
        if clip.startswith("huruf_"):
            spoken += silence(delivery.letter_pause_ms)
    return spoken


def playlist_text(playlist: Iterable[str]) -> str:
    """The written form of a playlist, for captions: letters upper case, the pause a comma."""
    words: list[str] = []
    for clip in playlist:
        if clip == CHIME or silence_ms(clip) is not None:
            continue
        if clip == PAUSE:
            if words:
                words[-1] += ","
            continue
        if clip not in CLIP_NAMES:
            raise ValueError(f"not a voice clip: {clip!r}")
        if clip.startswith("huruf_"):
            words.append(clip.removeprefix("huruf_").upper())
        else:
            words.append(clip.replace("_", " "))
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def announcement_text(number: str, counter_code: str, counter_name: str) -> str:
    """The phrase as text: "Nomor antrean A dua belas, silakan menuju loket tiga"."""
    return playlist_text(announcement_playlist(number, counter_code, counter_name))
