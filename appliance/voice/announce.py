"""One WAV per call: the announcement's voice clips joined end to end.

The board fetches `/api/v1/announcements/<call_id>.wav` and plays it; building the file on the
appliance keeps every board saying exactly the same thing, with no speech engine in the browser
(PITFALLS.md "Voice"). Clips are plain PCM WAV files of one fixed format, so joining them is a
concatenation of their frames with the stdlib `wave` module: no resampling, no `audioop`.

The default clips ship in the package (appliance/data/voice, made by
firmware-scripts/make-voice-clips.sh); a site may put human recordings in a folder
(`[voice] clips`), which replaces the packaged clips file by file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import wave
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from peewee import SqliteDatabase

from appliance.queue.errors import NotFound
from appliance.storage.database import connected
from appliance.storage.models import Call
from appliance.voice.speech import (
    CLIP_NAMES,
    Delivery,
    announcement_playlist,
    issued_playlist,
    silence_ms,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipFormat:
    channels: int
    sample_width: int  # bytes per sample
    frame_rate: int

    def describe(self) -> str:
        return f"{self.frame_rate} Hz, {_channels(self.channels)}, {8 * self.sample_width}-bit"


# The one format every clip must have: enough for speech, small (32 KB per second).
CLIP_FORMAT = ClipFormat(channels=1, sample_width=2, frame_rate=16_000)

# How a site converts a recording into CLIP_FORMAT (said in every format error).
CONVERT_HINT = "convert it with: sox INPUT.wav -r 16000 -c 1 -b 16 -e signed-integer NAME.wav"


class ClipError(Exception):
    """Clip files that cannot be used, one problem per line, each naming its file."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Clip:
    name: str
    source: str  # the file it was read from, for messages and `mpp` diagnostics
    frames: bytes

    @property
    def seconds(self) -> float:
        return len(self.frames) / (CLIP_FORMAT.frame_rate * CLIP_FORMAT.sample_width)


def packaged_voice_folder() -> Path:
    """The default clips shipped with the package."""
    return Path(str(resources.files("appliance") / "data" / "voice"))


class ClipSet:
    """The vocabulary's clips, read into memory once (≈ 0.75 MB for the espeak set)."""

    def __init__(self, clips: Mapping[str, Clip], unknown: Iterable[str] = ()) -> None:
        self._clips = dict(clips)
        self._unknown = sorted(unknown)
        digest = hashlib.sha256()
        for name in sorted(self._clips):
            digest.update(name.encode() + b"\0" + self._clips[name].frames)
        self.fingerprint = digest.hexdigest()  # changes when any clip's sound changes

    @classmethod
    def load(cls, folder_override: Path | None = None) -> ClipSet:
        """The packaged clips, each replaced by `<folder_override>/<name>.wav` when that exists.

        Raises ClipError naming every unusable file at once (not a PCM WAV, or not 16 kHz mono
        16-bit) and a missing override folder: a bad recording is refused at start, never
        played distorted. Files of the override folder that are no clip name (a typo such as
        "lokett.wav") are logged and listed by `unknown()`.
        """
        folders = [packaged_voice_folder()]
        unknown: list[str] = []
        problems: list[str] = []
        if folder_override is not None:
            if not folder_override.is_dir():
                raise ClipError([f"{folder_override}: voice clip folder not found"])
            folders.append(folder_override)
            unknown = [
                p.name
                for p in folder_override.iterdir()
                if p.is_file() and not (p.suffix == ".wav" and p.stem in CLIP_NAMES)
            ]
            for name in unknown:
                log.warning("%s: not a voice clip name, ignored", folder_override / name)
        clips: dict[str, Clip] = {}
        for name in sorted(CLIP_NAMES):
            path = next(
                (f / f"{name}.wav" for f in reversed(folders) if (f / f"{name}.wav").is_file()),
                None,
            )
            if path is None:
                continue
            try:
                clips[name] = read_clip(name, path)
            except ClipError as exc:
                problems += exc.problems
        if problems:
            raise ClipError(problems)
        return cls(clips, unknown)

    def missing(self) -> list[str]:
        """Clip names with no file at all (the announcements that need them cannot be built)."""
        return sorted(CLIP_NAMES - self._clips.keys())

    def unknown(self) -> list[str]:
        """Files in the override folder that are not clip names."""
        return list(self._unknown)

    def clip(self, name: str) -> Clip:
        quiet = silence_ms(name)
        if quiet is not None:  # generated: the same format, all zero
            samples = CLIP_FORMAT.frame_rate * quiet // 1000 * CLIP_FORMAT.channels
            return Clip(name, "generated silence", b"\0" * samples * CLIP_FORMAT.sample_width)
        try:
            return self._clips[name]
        except KeyError:
            raise ClipError([f"{name}.wav: voice clip missing"]) from None

    def sources(self) -> dict[str, str]:
        """Clip name -> the file it came from (packaged or the site's recording)."""
        return {name: clip.source for name, clip in sorted(self._clips.items())}


def read_clip(name: str, path: Path) -> Clip:
    """One clip file, checked to be PCM WAV in CLIP_FORMAT."""
    try:
        with wave.open(str(path), "rb") as reader:
            found = ClipFormat(reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ClipError([f"{path}: not a PCM WAV file ({exc}); {CONVERT_HINT}"]) from None
    except OSError as exc:
        raise ClipError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    if found != CLIP_FORMAT:
        raise ClipError(
            [
                f"{path}: is {found.describe()}, clips must be {CLIP_FORMAT.describe()}; "
                f"{CONVERT_HINT}"
            ]
        )
    if not frames:
        raise ClipError([f"{path}: has no sound (0 frames)"])
    return Clip(name, str(path), frames)


def join_clips(clips: Iterable[Clip]) -> bytes:
    """One WAV file of the clips' frames, in order."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(CLIP_FORMAT.channels)
        writer.setsampwidth(CLIP_FORMAT.sample_width)
        writer.setframerate(CLIP_FORMAT.frame_rate)
        writer.writeframes(b"".join(clip.frames for clip in clips))
    return buffer.getvalue()


class Announcer:
    """Builds and caches the WAV of each call (a call or a recall: each has its own Call row).

    The phrase comes from the Call row's own snapshot of the ticket number and the counter's code
    and name, so an old call keeps its words after a counter is renamed. Built WAVs are kept in
    memory per call id (bounded, least recently used first out); with `cache_dir` they are also
    kept on disk under a name derived from the phrase and the clip set, so a restart, a restored
    database or a replaced clip can never serve a stale file. Thread-safe: request threads call
    `wav_for_call` concurrently.
    """

    def __init__(
        self,
        db: SqliteDatabase,
        clips: ClipSet,
        cache_dir: Path | None = None,
        *,
        cache_size: int = 64,
        cache_files: int = 512,
        delivery: Delivery | None = None,
    ) -> None:
        self._db = db
        self._delivery = delivery or Delivery()
        self._clips = clips
        self._cache_dir = cache_dir
        self._cache_size = cache_size
        self._cache_files = cache_files
        self._memory: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)

    def playlist_for_call(self, call_id: int) -> list[str]:
        """The clip names of a call's announcement; NotFound("call_not_found") if there is none."""
        with connected(self._db):
            call = Call.get_or_none(Call.id == call_id)
            if call is None:
                raise NotFound("call_not_found", "Panggilan {call} tidak ditemukan.", call=call_id)
            number, code, name = call.number, call.counter_id, call.counter_name
        return announcement_playlist(number, code, name, self._delivery)

    def wav_for_call(self, call_id: int) -> bytes:
        """The announcement of one call as a complete WAV file (16 kHz mono 16-bit PCM)."""
        with self._lock:
            cached = self._memory.get(call_id)
            if cached is not None:
                self._memory.move_to_end(call_id)
                return cached
        playlist = self.playlist_for_call(call_id)
        wav = self._from_disk(playlist)
        if wav is None:
            wav = join_clips(self._clips.clip(name) for name in playlist)
            self._to_disk(playlist, wav)
        with self._lock:
            self._memory[call_id] = wav
            self._memory.move_to_end(call_id)
            while len(self._memory) > self._cache_size:
                self._memory.popitem(last=False)
        return wav

    def wav_for_number(self, number: str) -> bytes:
        """A number just issued, spoken (speech.issued_playlist, with the calls' letter pause)
        as a WAV, cached on disk like a call's; ValueError for anything not a ticket number."""
        playlist = issued_playlist(number, self._delivery)
        wav = self._from_disk(playlist)
        if wav is None:
            wav = join_clips(self._clips.clip(name) for name in playlist)
            self._to_disk(playlist, wav)
        return wav

    def _file_for(self, playlist: list[str]) -> Path | None:
        if self._cache_dir is None:
            return None
        key = hashlib.sha256(f"{self._clips.fingerprint} {' '.join(playlist)}".encode())
        return self._cache_dir / f"{key.hexdigest()[:32]}.wav"

    def _from_disk(self, playlist: list[str]) -> bytes | None:
        path = self._file_for(playlist)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("announcement cache %s unreadable, rebuilding: %s", path, exc)
            return None

    def _to_disk(self, playlist: list[str], wav: bytes) -> None:
        """Write atomically (a reader never sees half a file), then drop the oldest files."""
        path = self._file_for(playlist)
        if path is None:
            return
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            temporary.write_bytes(wav)
            temporary.replace(path)
            files = sorted(path.parent.glob("*.wav"), key=lambda p: p.stat().st_mtime_ns)
            for old in files[: max(0, len(files) - self._cache_files)]:
                old.unlink(missing_ok=True)
        except OSError as exc:  # a full or read-only disk must not silence the board
            log.warning("announcement cache %s not written: %s", path, exc)
            temporary.unlink(missing_ok=True)


def _channels(count: int) -> str:
    return {1: "mono", 2: "stereo"}.get(count, f"{count} channels")
