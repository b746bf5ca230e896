"""Announcement WAVs: calls made through the real engine on a real SQLite file, clips joined.

The order test uses clips of constant sample values and distinct lengths, so every segment of
the joined file can be traced back to the clip it came from.
"""

from __future__ import annotations

import array
import contextlib
import io
import threading
import wave
from pathlib import Path

import pytest

from appliance.queue.errors import NotFound, QueueError
from appliance.storage.database import connected
from appliance.storage.models import Call, Counter
from appliance.voice.announce import (
    CLIP_FORMAT,
    Announcer,
    Clip,
    ClipError,
    ClipSet,
    packaged_voice_folder,
)
from appliance.voice.speech import CLIP_NAMES, Delivery, announcement_playlist, playlist_text
from tests.support.engine_fixtures import EngineSite, make_site

NAMES = sorted(CLIP_NAMES)


def write_wav(
    path: Path, samples: list[int], *, rate: int = 16_000, channels: int = 1, width: int = 2
) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        if width == 2:
            writer.writeframes(array.array("h", samples * channels).tobytes())
        else:
            writer.writeframes(bytes(128 + s // 256 for s in samples * channels))


def marker(name: str) -> tuple[int, int]:
    """(sample value, length in frames), distinct for every clip name."""
    i = NAMES.index(name)
    return 100 * (i + 1), 40 + 7 * i


def tone_folder(folder: Path, names: list[str] = NAMES) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        value, length = marker(name)
        write_wav(folder / f"{name}.wav", [value] * length)
    return folder


def read_wav(data: bytes) -> tuple[tuple[int, int, int], list[int]]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        fmt = (reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
        samples = array.array("h", reader.readframes(reader.getnframes()))
    return fmt, list(samples)


def segments(samples: list[int]) -> list[tuple[int, int]]:
    """Runs of equal samples: (value, length)."""
    runs: list[tuple[int, int]] = []
    for sample in samples:
        if runs and runs[-1][0] == sample:
            runs[-1] = (sample, runs[-1][1] + 1)
        else:
            runs.append((sample, 1))
    return runs


def last_call(site: EngineSite) -> Call:
    with connected(site.db):
        return Call.select().order_by(Call.id.desc()).get()


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return make_site(tmp_path / "a.db")


@pytest.fixture(scope="module")
def packaged() -> ClipSet:
    return ClipSet.load(None)


def call_ticket(site: EngineSite, service: str, counter: str, *, skip: int = 0) -> int:
    """Issue `skip` + 1 tickets of `service`, call them in turn at `counter`; the last call's id.

    A ticket still called at the counter is finished first, as an officer would.
    """
    for _ in range(skip + 1):
        site.engine.issue(service)
    for _ in range(skip + 1):
        with contextlib.suppress(QueueError):  # nothing current at the counter
            site.engine.done(counter)
        site.engine.call_next(counter)
    return int(last_call(site).id)


# -- the packaged clip set ---------------------------------------------------------------


def test_packaged_clips_are_complete_uniform_and_small(packaged: ClipSet) -> None:
    assert packaged.missing() == []
    folder = packaged_voice_folder()
    assert all(Path(src).parent == folder for src in packaged.sources().values())
    assert sorted(p.stem for p in folder.glob("*.wav")) == NAMES  # nothing stray shipped
    total = sum(p.stat().st_size for p in folder.glob("*.wav"))
    assert total < 2_000_000, f"packaged voice clips grew to {total} bytes"
    for name in NAMES:
        assert 0.1 < packaged.clip(name).seconds < 2.0, name


def test_board_chime_is_the_packaged_chime() -> None:
    web_chime = Path(__file__).resolve().parents[3] / "web" / "static" / "audio" / "chime.wav"
    assert web_chime.read_bytes() == (packaged_voice_folder() / "chime.wav").read_bytes(), (
        "web/static/audio/chime.wav must be a copy of appliance/data/voice/chime.wav: "
        "run firmware-scripts/make-voice-clips.sh"
    )


# -- building announcements --------------------------------------------------------------


def test_wav_is_the_playlist_clips_in_order(site: EngineSite, tmp_path: Path) -> None:
    clips = ClipSet.load(tone_folder(tmp_path / "tones"))
    announcer = Announcer(site.db, clips)
    call_id = call_ticket(site, "KTP", "L03", skip=11)  # A-012 at L03 "Loket 3"
    playlist = announcer.playlist_for_call(call_id)
    assert playlist == announcement_playlist("A-012", "L03", "Loket 3")
    fmt, samples = read_wav(announcer.wav_for_call(call_id))
    assert fmt == (1, 2, 16_000)
    assert segments(samples) == [marker(name) for name in playlist]


def test_packaged_wav_duration_is_the_sum_of_its_clips(site: EngineSite, packaged: ClipSet) -> None:
    announcer = Announcer(site.db, packaged)
    call_id = call_ticket(site, "INFO", "L01")
    data = announcer.wav_for_call(call_id)
    with wave.open(io.BytesIO(data), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (
            1,
            2,
            16000,
        )
        seconds = reader.getnframes() / reader.getframerate()
        frames = reader.readframes(reader.getnframes())
    playlist = announcer.playlist_for_call(call_id)
    assert playlist == announcement_playlist("I-001", "L01", "Loket 1")
    expected = sum(packaged.clip(name).seconds for name in playlist)
    assert seconds == pytest.approx(expected, abs=1 / 16_000)
    assert frames == b"".join(packaged.clip(name).frames for name in playlist)
    assert 3.0 < seconds < 8.0  # a whole phrase, neither clipped nor padded with minutes
    assert len(data) == 44 + len(frames)  # a plain RIFF header, nothing else


def test_recall_is_its_own_call_with_its_own_wav(site: EngineSite, packaged: ClipSet) -> None:
    """queue.recall calls _announce, which creates a Call row (recall=True) with a new id."""
    announcer = Announcer(site.db, packaged)
    first = call_ticket(site, "KTP", "L02")
    site.engine.recall("L02")
    second = int(last_call(site).id)
    assert second != first
    with connected(site.db):
        rows = [(c.number, c.counter_id, c.recall) for c in Call.select().order_by(Call.id)]
    assert rows == [("A-001", "L02", False), ("A-001", "L02", True)]
    assert announcer.wav_for_call(second) == announcer.wav_for_call(first)  # same phrase
    assert announcer.playlist_for_call(second) == announcement_playlist("A-001", "L02", "Loket 2")


def test_unknown_call_is_not_found(site: EngineSite, packaged: ClipSet) -> None:
    announcer = Announcer(site.db, packaged)
    with pytest.raises(NotFound) as caught:
        announcer.wav_for_call(12345)
    assert caught.value.code == "call_not_found" and caught.value.status == 404


def test_old_call_keeps_its_words_after_a_counter_rename(site: EngineSite, tmp_path: Path) -> None:
    announcer = Announcer(site.db, ClipSet.load(tone_folder(tmp_path / "tones")))
    call_id = call_ticket(site, "KTP", "L03")
    with connected(site.db):
        Counter.update(name="Loket 9").where(Counter.code == "L03").execute()
    assert announcer.playlist_for_call(call_id)[-1] == "tiga"


def test_memory_cache_is_per_call_and_bounded(site: EngineSite, tmp_path: Path) -> None:
    announcer = Announcer(site.db, ClipSet.load(tone_folder(tmp_path / "tones")), cache_size=2)
    ids = [call_ticket(site, "INFO", "L01") for _ in range(3)]
    built = [announcer.wav_for_call(i) for i in ids]
    assert announcer.wav_for_call(ids[2]) is built[2]  # served from memory
    with connected(site.db):
        Call.delete().execute()  # from now on only the cache can answer
    assert announcer.wav_for_call(ids[1]) is built[1]
    assert announcer.wav_for_call(ids[2]) is built[2]
    with pytest.raises(NotFound):
        announcer.wav_for_call(ids[0])  # the least recently used went out


def test_disk_cache_is_keyed_by_phrase_and_clips(site: EngineSite, tmp_path: Path) -> None:
    tones = ClipSet.load(tone_folder(tmp_path / "tones"))
    cache = tmp_path / "cache"
    call_id = call_ticket(site, "KTP", "L02")
    wav = Announcer(site.db, tones, cache).wav_for_call(call_id)
    (stored,) = cache.glob("*.wav")
    assert stored.read_bytes() == wav
    stored.write_bytes(b"from disk")  # a fresh process reads the file instead of rebuilding
    assert Announcer(site.db, tones, cache).wav_for_call(call_id) == b"from disk"
    # Another clip set (a recording replaced) never gets the old file.
    other = tone_folder(tmp_path / "other")
    write_wav(other / "loket.wav", [7] * 99)
    fresh = Announcer(site.db, ClipSet.load(other), cache).wav_for_call(call_id)
    assert fresh != b"from disk" and read_wav(fresh)[0] == (1, 2, 16_000)
    assert len(list(cache.glob("*.wav"))) == 2


def test_disk_cache_keeps_the_newest_files(site: EngineSite, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    announcer = Announcer(site.db, ClipSet.load(tone_folder(tmp_path / "t")), cache, cache_files=2)
    for counter in ("L01", "L02", "L03"):  # three different phrases
        site.engine.issue("KTP" if counter != "L01" else "INFO")
        site.engine.call_next(counter)
        announcer.wav_for_call(int(last_call(site).id))
    assert len(list(cache.glob("*.wav"))) == 2
    assert not list(cache.glob(".*"))  # no temporary files left


def test_concurrent_requests(site: EngineSite, packaged: ClipSet) -> None:
    announcer = Announcer(site.db, packaged, cache_size=4)
    ids = [call_ticket(site, "INFO", "L01") for _ in range(6)]
    expected = {i: Announcer(site.db, packaged).wav_for_call(i) for i in ids}
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with connected(site.db):
                for _ in range(5):
                    for i in ids:
                        assert announcer.wav_for_call(i) == expected[i]
        except BaseException as exc:
            errors.append(exc)
        finally:
            site.db.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_missing_clip_names_itself(site: EngineSite, packaged: ClipSet) -> None:
    partial = ClipSet({n: packaged.clip(n) for n in NAMES if n != "tiga"})
    assert partial.missing() == ["tiga"]
    announcer = Announcer(site.db, partial)
    call_id = call_ticket(site, "KTP", "L03")
    with pytest.raises(ClipError, match=r"tiga\.wav: voice clip missing"):
        announcer.wav_for_call(call_id)
    assert isinstance(announcer.wav_for_call(call_ticket(site, "INFO", "L01")), bytes)


# -- human recordings --------------------------------------------------------------------


def test_override_replaces_only_its_files(
    site: EngineSite, tmp_path: Path, packaged: ClipSet
) -> None:
    human = tmp_path / "rekaman"
    human.mkdir()
    write_wav(human / "loket.wav", [1234] * 800)
    (human / "lokett.wav").write_bytes(b"typo")  # not a clip name: ignored, reported
    (human / "README.txt").write_text("rekaman petugas")
    clips = ClipSet.load(human)
    assert clips.sources()["loket"] == str(human / "loket.wav")
    assert clips.sources()["tiga"] == str(packaged_voice_folder() / "tiga.wav")
    assert clips.unknown() == ["README.txt", "lokett.wav"]
    assert clips.fingerprint != packaged.fingerprint
    announcer = Announcer(site.db, clips)
    call_id = call_ticket(site, "KTP", "L03")
    _, samples = read_wav(announcer.wav_for_call(call_id))
    before = sum(
        len(packaged.clip(n).frames) // 2 for n in announcer.playlist_for_call(call_id)[:-2]
    )
    assert samples[before : before + 800] == [1234] * 800
    assert samples[before + 800 :] == list(array.array("h", packaged.clip("tiga").frames))


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"rate": 44_100}, "is 44100 Hz, mono, 16-bit, clips must be 16000 Hz, mono, 16-bit"),
        ({"channels": 2}, "is 16000 Hz, stereo, 16-bit"),
        ({"width": 1}, "is 16000 Hz, mono, 8-bit"),
    ],
)
def test_mismatched_recording_refused_naming_the_file(
    tmp_path: Path, kwargs: dict[str, int], said: str
) -> None:
    write_wav(tmp_path / "satu.wav", [500] * 100, **kwargs)
    with pytest.raises(ClipError) as caught:
        ClipSet.load(tmp_path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{tmp_path / 'satu.wav'}: {said}")
    assert "sox INPUT.wav -r 16000 -c 1 -b 16" in problem


def test_every_bad_recording_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "dua.wav").write_bytes(b"ID3\x04 this is an mp3 renamed")
    write_wav(tmp_path / "tiga.wav", [1] * 10, rate=48_000)
    write_wav(tmp_path / "empat.wav", [])
    with pytest.raises(ClipError) as caught:
        ClipSet.load(tmp_path)
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        str(tmp_path / f"{n}.wav") for n in ("dua", "empat", "tiga")
    ]
    assert "not a PCM WAV file" in problems[0]
    assert "has no sound" in problems[1]
    assert "48000 Hz" in problems[2]


def test_missing_override_folder_refused(tmp_path: Path) -> None:
    with pytest.raises(ClipError, match="voice clip folder not found"):
        ClipSet.load(tmp_path / "nowhere")


def test_clip_seconds() -> None:
    one_second = Clip("jeda", "x", b"\0\0" * CLIP_FORMAT.frame_rate)
    assert one_second.seconds == 1.0


def test_delivery_spaces_the_letters_pauses_and_says_the_counter_twice(
    site: EngineSite, tmp_path: Path
) -> None:
    """A 0.3 s letter runs into the next word: quiet follows each letter, more quiet follows the
    number, and the counter is said again; the quiet is generated in the clips' own format."""
    clips = ClipSet.load(tone_folder(tmp_path / "tones"))
    delivery = Delivery(letter_pause_ms=200, pause_ms=300, repeat_counter=True)
    announcer = Announcer(site.db, clips, delivery=delivery)
    call_id = call_ticket(site, "KTP", "L03", skip=11)  # A-012 at L03 "Loket 3"
    playlist = announcer.playlist_for_call(call_id)
    assert playlist == [
        "chime", "nomor_antrean", "huruf_a", "sunyi_200", "dua", "belas", "jeda", "sunyi_300",
        "silakan_menuju", "loket", "tiga", "jeda", "loket", "tiga",
    ]  # fmt: skip
    plain = Announcer(site.db, clips).wav_for_call(call_id)
    spoken = announcer.wav_for_call(call_id)
    _, plain_samples = read_wav(plain)
    _, samples = read_wav(spoken)
    again = sum(len(clips.clip(name).frames) // 2 for name in ("jeda", "loket", "tiga"))
    assert len(samples) == len(plain_samples) + (0.2 + 0.3) * 16_000 + again
    assert clips.clip("sunyi_200").frames == b"\0" * 6400  # 200 ms of 16 kHz 16-bit mono
    # The caption says what is heard; the quiet is not written.
    assert (
        playlist_text(playlist)
        == "Nomor antrean A dua belas, silakan menuju loket tiga, loket tiga"
    )
