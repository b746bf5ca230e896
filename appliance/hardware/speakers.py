"""The speaker drivers: Debian's `aplay` for the box's loudspeaker, and a folder of WAV files.

`aplay` (alsa-utils) is run as a child process with the WAV on its standard input, never a
library loaded into the appliance: a sound card that hangs or a missing driver can only cost
the speech worker's thread the timeout, after which the player is killed. The file speaker is
the development and test stand-in, like the file printer: each sound becomes a `.wav` a person
can play, written under a temporary name and renamed so a reader never sees half a file.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from appliance.hardware.ports import SpeakerFault

APLAY = "aplay"
INSTALL_HINT = "apt-get install alsa-utils"


class AplaySpeaker:
    """Plays through ALSA with `aplay -q [-D device] -t wav -`; `device` "" = ALSA's default."""

    driver = "aplay"

    def __init__(self, *, device: str = "", timeout_s: float = 10.0, command: str = APLAY) -> None:
        self.device = device
        self.timeout_s = timeout_s
        self.command = command

    def command_line(self) -> list[str]:
        """The player's command line (the WAV goes to its standard input)."""
        device = ["-D", self.device] if self.device else []
        return [self.command, "-q", *device, "-t", "wav", "-"]

    def play(self, wav: bytes, name: str) -> None:
        try:
            done = subprocess.run(  # noqa: S603 - a fixed command line, no shell
                self.command_line(),
                input=wav,
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except FileNotFoundError:
            raise SpeakerFault(f"{self.command}: not found ({INSTALL_HINT})") from None
        except subprocess.TimeoutExpired:  # run() has killed and reaped the player
            raise SpeakerFault(
                f"{self.command}: {name} not played within {self.timeout_s:g} s, stopped"
            ) from None
        except OSError as exc:
            raise SpeakerFault(f"{self.command}: cannot start: {exc}") from None
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            detail = said[-1] if said else f"exit code {done.returncode}"
            raise SpeakerFault(f"{self.command}: {name} not played: {detail}")


class FileSpeaker:
    """Writes each sound to `<folder>/<name>.wav` (`<name>.2.wav`, … when the name is taken)."""

    driver = "file"

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def play(self, wav: bytes, name: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stem, copy = name, 1
            while (self.folder / f"{stem}.wav").exists():
                copy += 1
                stem = f"{name}.{copy}"
            partial = self.folder / f".{stem}.wav.part"
            partial.write_bytes(wav)
            partial.replace(self.folder / f"{stem}.wav")
        except OSError as exc:
            raise SpeakerFault(f"file: cannot write {name}.wav in {self.folder}: {exc}") from exc
