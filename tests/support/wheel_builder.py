"""Build a real, installable wheel of this checkout without network or build backend.

The test machine has no internet and the venv's setuptools is older than the one pyproject asks
for, so `pip wheel` cannot run offline. A wheel is a zip with a `.dist-info` folder (PEP 427):
this writes the project's packages, METADATA, the `mpp` console script and RECORD, which pip
installs like any other wheel (`pip install --no-deps --no-index`).
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

PACKAGES = ("appliance", "web", "sync")


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(checkout: Path, version: str, out_dir: Path) -> Path:
    dist = f"mpp_appliance-{version}"
    wheel = out_dir / f"{dist}-py3-none-any.whl"
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for package in PACKAGES:
        root = checkout / package
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            # Generated voice clips are not part of the source: the installer makes them.
            generated = path.parent.name == "voice" and path.suffix == ".wav"
            if path.is_file() and "__pycache__" not in path.parts and not generated:
                files[path.relative_to(checkout).as_posix()] = path.read_bytes()
    info = f"{dist}.dist-info"
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: mpp-appliance\nVersion: {version}\n".encode()
    )
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests/helpers/wheel_builder.py\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{info}/entry_points.txt"] = b"[console_scripts]\nmpp = appliance.cli:main\n"
    files[f"{info}/top_level.txt"] = "\n".join(PACKAGES).encode() + b"\n"
    record = [_record_line(name, data) for name, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel
