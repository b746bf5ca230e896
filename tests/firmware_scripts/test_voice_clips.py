"""firmware-scripts/make-voice-clips.sh: real espeak-ng and sox (dev.sh installs them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from appliance.voice.announce import ClipSet
from appliance.voice.speech import CLIP_NAMES
from tests.support.paths import REPO

ROOT = REPO
SCRIPT = ROOT / "firmware-scripts" / "make-voice-clips.sh"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: run firmware-scripts/dev.sh setup")


def test_vocabulary_matches_speech_module() -> None:
    result = run("--list")
    assert result.returncode == 0, result.stderr
    names = [line.split("|")[0] for line in result.stdout.splitlines()]
    assert sorted(names) == sorted(CLIP_NAMES) and len(names) == len(set(names))


def test_help_and_bad_option() -> None:
    shown = run("--help")
    assert shown.returncode == 0 and "--keep-existing" in shown.stdout
    bad = run("--louder")
    assert bad.returncode == 2 and "--keep-existing" in bad.stderr


def test_shellcheck_clean() -> None:
    require("shellcheck")
    result = subprocess.run(
        ["shellcheck", str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout


def test_generates_loadable_clips_idempotently_and_keeps_recordings(tmp_path: Path) -> None:
    for tool in ("espeak-ng", "sox", "soxi"):
        require(tool)
    out = tmp_path / "voice"
    first = run("--out", out)
    assert first.returncode == 0, first.stderr
    assert sorted(p.stem for p in out.glob("*.wav")) == sorted(CLIP_NAMES)
    clips = ClipSet.load(out)  # every generated file passes the announcer's format check
    assert all(src.startswith(str(out)) for src in clips.sources().values())
    for name in CLIP_NAMES:
        assert 0.1 < clips.clip(name).seconds < 2.0, name
    stamps = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("*.wav")}

    second = run("--out", out)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("unchanged") == len(CLIP_NAMES)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("*.wav")} == stamps

    # A human recording survives --keep-existing; a deleted clip is made again.
    human = out / "loket.wav"
    shutil.copyfile(out / "tiga.wav", human)
    (out / "dua.wav").unlink()
    third = run("--out", out, "--keep-existing")
    assert third.returncode == 0, third.stderr
    assert human.read_bytes() == (out / "tiga.wav").read_bytes()
    assert (out / "dua.wav").read_bytes() == stamps["dua.wav"][0]
    assert run("--out", out, "--check").returncode == 0


def test_check_reports_a_wrong_format(tmp_path: Path) -> None:
    require("sox")
    out = tmp_path / "voice"
    shutil.copytree(ROOT / "appliance" / "data" / "voice", out)
    subprocess.run(
        [
            "sox",
            "-n",
            "-r",
            "44100",
            "-c",
            "2",
            str(out / "satu.wav"),
            "synth",
            "0.3",
            "sine",
            "440",
        ],
        check=True,
        timeout=30,
    )
    (out / "nol.wav").unlink()
    result = run("--out", out, "--check")
    assert result.returncode == 1
    assert "wrong format" in result.stdout and "MISSING" in result.stdout
