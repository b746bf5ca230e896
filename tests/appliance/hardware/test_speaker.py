"""The box says a button's number aloud: mock pins, a real SQLite site, the packaged voice.

The file speaker stands in for the loudspeaker; the `aplay` driver is run against a small
stand-in player on disk (a Python script that records its command line and the WAV it was given,
then waits until the test lets it go), so its command line, its timeout and its failures are
checked without a sound card.
"""

from __future__ import annotations

import os
import sys
import wave
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest

from appliance.clock import ManualClock
from appliance.config.load import load_config
from appliance.hardware.build import make_speaker, make_speech
from appliance.hardware.ports import SpeakerFault
from appliance.hardware.speakers import AplaySpeaker, FileSpeaker
from appliance.hardware.speech_worker import SpeechWorker
from appliance.runtime import build_runtime
from appliance.storage.database import open_database
from appliance.voice.announce import Announcer, ClipSet
from appliance.voice.speech import issued_playlist
from tests.appliance.config.config_files import problems, write
from tests.support.engine_fixtures import WEEKDAY_MORNING, build_site, make_site
from tests.support.hardware_fixtures import PRIORITY_PIN, Front, make_front, wait_for

STAND_IN = """#!{python}
import json, os, sys, time
from pathlib import Path
here = Path({folder!r})
wav = sys.stdin.buffer.read()
calls = len(list(here.glob("args-*.json"))) + 1
(here / f"got-{{calls}}.wav").write_bytes(wav)
(here / f"args-{{calls}}.json").write_text(json.dumps({{"argv": sys.argv[1:], "pid": os.getpid()}}))
if {fail!r}:
    sys.stderr.write("aplay: main:831: audio open error: No such file or directory\\n")
    sys.exit(1)
while not (here / "release").exists():
    time.sleep(0.01)
"""


def stand_in_player(folder: Path, *, fail: bool = False) -> Path:
    """An executable that behaves like a busy `aplay` until `<folder>/release` exists."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "aplay"
    script.write_text(STAND_IN.format(python=sys.executable, folder=str(folder), fail=fail))
    script.chmod(0o755)
    return script


def seconds(wav: bytes) -> float:
    with wave.open(BytesIO(wav), "rb") as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (
            16_000,
            1,
            2,
        )
        return reader.getnframes() / reader.getframerate()


@pytest.fixture
def clips() -> ClipSet:
    return ClipSet.load()


@pytest.fixture
def spoken(tmp_path: Path) -> Iterator[tuple[Front, Path]]:
    folder = tmp_path / "speech"
    front = make_front(tmp_path / "appliance.db", speaker=FileSpeaker(folder))
    front.hardware.start()
    yield front, folder
    front.hardware.stop()


def test_a_button_press_says_the_number_it_issued(
    spoken: tuple[Front, Path], clips: ClipSet
) -> None:
    front, folder = spoken
    front.press()
    wav_file = wait_for(lambda: folder / "I-001.wav" if (folder / "I-001.wav").exists() else None)
    said = wav_file.read_bytes()
    expected = Announcer(front.site.db, clips).wav_for_number("I-001")
    assert said == expected
    # "Nomor antrean Anda, I satu" after the chime: every clip of the phrase, end to end
    assert issued_playlist("I-001") == ["chime", "nomor_antrean", "anda", "jeda", "huruf_i", "satu"]
    length = sum(clips.clip(name).seconds for name in issued_playlist("I-001"))
    assert seconds(said) == pytest.approx(length, abs=0.001) and seconds(said) > 1.0
    status = wait_for(lambda: front.hardware.status()["speaker"]["spoken"] == 1 or None)
    assert status is True


def test_numbers_from_the_kiosk_or_desk_are_not_said_by_the_box(
    spoken: tuple[Front, Path],
) -> None:
    front, folder = spoken
    front.site.engine.issue("INFO", source="kiosk")  # I-001: the kiosk says it in its browser
    front.press()  # I-002
    wait_for(lambda: (folder / "I-002.wav").exists(), what="the button's number spoken")
    assert sorted(p.name for p in folder.iterdir()) == ["I-002.wav"]


def test_a_hanging_player_never_delays_a_ticket_and_is_given_the_wav(
    tmp_path: Path, clips: ClipSet
) -> None:
    player_dir = tmp_path / "player"
    player = stand_in_player(player_dir)
    speaker = AplaySpeaker(device="plughw:1,0", timeout_s=60, command=str(player))
    front = make_front(tmp_path / "appliance.db", speaker=speaker)
    front.hardware.start()
    try:
        front.press()
        wait_for(lambda: (player_dir / "args-1.json").exists(), what="the player started")
        front.press(PRIORITY_PIN)  # while the player still holds the first number
        assert [t.number for t in front.site.tickets()] == ["I-001", "I-002"]
        wait_for(lambda: len(front.paper.jobs) >= 2, what="both receipts printed")
        assert not (player_dir / "args-2.json").exists()  # the first is still being played
        args = (player_dir / "args-1.json").read_text()
        assert '"argv": ["-q", "-D", "plughw:1,0", "-t", "wav", "-"]' in args
        expected = Announcer(front.site.db, clips).wav_for_number("I-001")
        assert (player_dir / "got-1.wav").read_bytes() == expected
        (player_dir / "release").touch()
        wait_for(lambda: front.hardware.status()["speaker"]["spoken"] == 2, what="both spoken")
    finally:
        (player_dir / "release").touch()
        front.hardware.stop()


def test_a_player_past_its_timeout_is_killed_and_the_next_number_still_spoken(
    tmp_path: Path, clips: ClipSet
) -> None:
    player_dir = tmp_path / "player"
    speaker = AplaySpeaker(timeout_s=0.5, command=str(stand_in_player(player_dir)))
    site = make_site(tmp_path / "appliance.db")
    worker = SpeechWorker(speaker, Announcer(site.db, clips).wav_for_number)
    worker.start()
    try:
        worker.submit("A-012")
        wait_for(lambda: worker.status()["dropped"] == 1, what="the timeout")
        assert (
            worker.status()["last_error"]
            == f"{player_dir}/aplay: A-012 not played within 0.5 s, stopped"
        )
        pid = int((player_dir / "args-1.json").read_text().split('"pid": ')[1].rstrip("}"))
        with pytest.raises(ProcessLookupError):  # killed and reaped, not left behind
            os.kill(pid, 0)
        assert '"argv": ["-q", "-t", "wav", "-"]' in (player_dir / "args-1.json").read_text()
        (player_dir / "release").touch()
        worker.submit("A-013")
        wait_for(lambda: worker.status()["spoken"] == 1, what="the next number")
    finally:
        (player_dir / "release").touch()
        worker.stop()


def test_a_failing_or_missing_player_says_why_and_the_button_still_issues(
    tmp_path: Path,
) -> None:
    player_dir = tmp_path / "player"
    speaker = AplaySpeaker(command=str(stand_in_player(player_dir, fail=True)))
    front = make_front(tmp_path / "appliance.db", speaker=speaker)
    front.hardware.start()
    try:
        front.press()
        assert [t.number for t in front.site.tickets()] == ["I-001"]
        wait_for(lambda: front.hardware.status()["speaker"]["dropped"] == 1, what="the failure")
        error = front.hardware.status()["speaker"]["last_error"]
        assert error.endswith(
            "I-001 not played: aplay: main:831: audio open error: No such file or directory"
        )
        wait_for(lambda: len(front.paper.jobs) == 1, what="the receipt")
    finally:
        front.hardware.stop()
    missing = AplaySpeaker(command=str(tmp_path / "no-such-aplay"))
    with pytest.raises(SpeakerFault, match="not found \\(apt-get install alsa-utils\\)"):
        missing.play(b"RIFF", "A-001")


def test_old_numbers_and_a_full_queue_are_dropped_not_said_late(tmp_path: Path) -> None:
    now = [100.0]
    player_dir = tmp_path / "player"
    blocking = AplaySpeaker(timeout_s=60, command=str(stand_in_player(player_dir)))
    worker = SpeechWorker(
        blocking, lambda number: number.encode(), max_queued=1, monotonic=lambda: now[0]
    )
    worker.start()
    try:
        worker.submit("A-001")
        wait_for(lambda: (player_dir / "args-1.json").exists(), what="the player started")
        worker.submit("A-002")  # waits
        worker.submit("A-003")  # the queue is full: dropped at once
        assert worker.status()["dropped"] == 1
        now[0] += 21  # A-002 has waited past stale_after_s (20 s) when the player is free
        (player_dir / "release").touch()
        wait_for(lambda: worker.status()["dropped"] == 2, what="the stale number dropped")
        assert worker.status()["spoken"] == 1
        assert not (player_dir / "args-2.json").exists()
    finally:
        (player_dir / "release").touch()
        worker.stop()


def test_the_file_speaker_keeps_every_sound(tmp_path: Path) -> None:
    speaker = FileSpeaker(tmp_path / "speech")
    speaker.play(b"one", "A-001")
    speaker.play(b"two", "A-001")
    assert (tmp_path / "speech/A-001.wav").read_bytes() == b"one"
    assert (tmp_path / "speech/A-001.2.wav").read_bytes() == b"two"
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(SpeakerFault, match=r"cannot write A-001\.wav"):
        FileSpeaker(tmp_path / "blocked").play(b"x", "A-001")


def test_the_speaker_is_chosen_in_the_configuration(tmp_path: Path) -> None:
    default = load_config(None, {})
    assert default.speaker.driver == "none" and make_speaker(default.speaker) is None
    assert make_speech(default.speaker, lambda n: b"") is None
    path = write(tmp_path, '[speaker]\ndriver = "file"\nfolder = "suara"\n')
    chosen = make_speaker(load_config(path, {}).speaker)
    assert isinstance(chosen, FileSpeaker) and chosen.folder == tmp_path / "suara"
    aplay = load_config(
        None, {"MPP_SPEAKER__DRIVER": "aplay", "MPP_SPEAKER__DEVICE": "plughw:1,0"}
    ).speaker
    player = make_speaker(aplay)
    assert isinstance(player, AplaySpeaker)
    assert player.command_line() == ["aplay", "-q", "-D", "plughw:1,0", "-t", "wav", "-"]
    assert player.timeout_s == 10.0
    assert problems(write(tmp_path, '[speaker]\ndriver = "bluetooth"\ntimeout_s = 0\n')) == (
        "speaker.driver: 'bluetooth' is not one of aplay, file, none (in "
        f"{tmp_path / 'appliance.toml'})",
        f"speaker.timeout_s: must be greater than 0, got 0.0 (in {tmp_path / 'appliance.toml'})",
    )


def test_the_appliance_built_from_its_configuration_says_a_pressed_number(tmp_path: Path) -> None:
    """`build_runtime` as `mpp run` does it: [speaker] file, mock pins, the site's [voice]."""
    db = open_database(tmp_path / "appliance.db")
    build_site(db)
    db.close()
    path = write(
        tmp_path,
        'storage.database = "appliance.db"\n'
        '[speaker]\ndriver = "file"\nfolder = "suara"\n'
        '[gpio]\npin_factory = "mock"\n[[gpio.buttons]]\npin = 17\nservice = "INFO"\n',
    )
    runtime = build_runtime(load_config(path, {}), clock=ManualClock(WEEKDAY_MORNING))
    assert runtime.hardware is not None and runtime.announcer is not None
    runtime.hardware.start()
    try:
        pressed = runtime.hardware.press(17)
        assert pressed["via"] == "mock_pin" and pressed["result"]["number"] == "I-001"
        said = wait_for(lambda: list((tmp_path / "suara").glob("*.wav")), what="the number said")
        assert [p.name for p in said] == ["I-001.wav"]
        # the kiosk's WAV for the same number, with the site's letter pause (200 ms by default)
        assert said[0].read_bytes() == runtime.announcer.wav_for_number("I-001")
        plain = Announcer(runtime.core.db, ClipSet.load()).wav_for_number("I-001")
        assert seconds(said[0].read_bytes()) == pytest.approx(seconds(plain) + 0.2, abs=0.001)
    finally:
        runtime.hardware.stop()
