"""Importing python-escpos the way `mpp run` wants it: once, lean, and leaving nothing in /tmp.

python-escpos loads at import much that a receipt with the printer's own QR command never uses:
`escpos.escpos` imports qrcode and python-barcode's image writer at module level, `escpos.image`
Pillow, and `escpos.capabilities` parses its printer database with yaml, or reads the pickle it
keeps of it in `ESCPOS_CAPABILITIES_PICKLE_DIR`, else in a fresh `tempfile.mkdtemp()` on every
import that is never removed (and it calls `mkdtemp()` even when the variable is set).

`import_escpos(cache)` imports escpos and its printers with:

- the capabilities pickle kept in `cache`/escpos (the appliance's state folder), so the yaml parse
  runs once per escpos version rather than at every start, and then in a child interpreter
  (`_write_pickle`): this process always reads the pickle, never loads yaml;
- `tempfile.tempdir` pointed, for the length of the import, at a scratch folder of this process
  inside that folder, removed afterwards with the empty folder escpos made in it;
- the pure-Python modules of Pillow, qrcode, yaml, defusedxml (Pillow's, for XMP data), pyusb
  and pyserial that escpos imports loaded lazily (`appliance.deferred`): a module is
  executed on its first attribute access. qrcode, yaml and Pillow load only when a job needs
  them (a profile without native QR prints an image QR; a yaml parse the child could not do),
  pyusb or pyserial when a USB or serial printer is opened. Measured: the import group
  9.8 -> 3.9 MB resident (docs/performance.md, B5);
- `escpos.image` compiled with postponed annotations (`from __future__ import annotations`, as
  `escpos.escpos` already is): python-escpos 3.1 names `Image.Image` in an annotation evaluated
  when the module is executed, which alone loaded Pillow's `PIL.Image` and its C library
  (2.1 MB) into every `mpp run` with a receipt printer. Measured: 3.9 -> 1.8 MB.

The deferred libraries are the print worker's, with one exception: qrcode, which the admin's
kiosk-pairing QR code (`appliance.qr`) uses on a request thread. Both places call
`deferred.load_deferred` (or `import_deferring`) first, so a first use is one thread's.

Only the printer's build path calls this (`appliance.hardware.build.make_printer`), never an
import of our modules; a process that imported escpos already (tests) is left as it is.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from appliance.deferred import import_deferring

log = logging.getLogger(__name__)

PICKLE_DIR_VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"
LAZY_PACKAGES = frozenset({"PIL", "qrcode", "yaml", "defusedxml", "usb", "serial"})
# escpos's modules that name a deferred library in an annotation evaluated at import; compiled
# with postponed annotations (PEP 563), which escpos.escpos itself already uses.
POSTPONED_ANNOTATIONS = frozenset({"escpos.image"})
ESCPOS_FOLDER = "escpos"  # inside the cache folder: the capabilities pickle


def import_escpos(cache: Path | None) -> None:
    """Import `escpos.printer` (and all it needs) as described above. Without `cache`, or when
    its folder cannot be written: escpos's own way (its pickle in a new temporary folder)."""
    if "escpos.capabilities" in sys.modules:
        return
    pickles = scratch = None
    if cache is not None:
        try:
            pickles = cache / ESCPOS_FOLDER
            pickles.mkdir(parents=True, exist_ok=True)
            # Proves the folder writable (escpos writes its pickle there) and, being this
            # process's own, cannot be removed under another process importing escpos too.
            scratch = Path(tempfile.mkdtemp(prefix="import-", dir=pickles))
        except OSError as exc:
            log.warning("escpos cache folder %s unusable (%s); using a temporary one", cache, exc)
            pickles = scratch = None
    if pickles is not None and scratch is not None:
        os.environ.setdefault(PICKLE_DIR_VARIABLE, str(pickles))
        if not _pickle_fresh(Path(os.environ[PICKLE_DIR_VARIABLE])):
            _write_pickle(scratch)
    saved_tempdir = tempfile.tempdir
    try:
        if scratch is not None:
            tempfile.tempdir = str(scratch)
        import_deferring("escpos.printer", LAZY_PACKAGES, POSTPONED_ANNOTATIONS)
    finally:
        tempfile.tempdir = saved_tempdir
        if scratch is not None:
            _remove_empty(scratch)


def _pickle_fresh(folder: Path) -> bool:
    """Whether escpos will read its pickle (written by this Python, newer than its data)."""
    pickle = folder / f"{platform.python_version()}.capabilities.pickle"
    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return False
    data = os.environ.get("ESCPOS_CAPABILITIES_FILE") or os.path.join(
        spec.submodule_search_locations[0], "capabilities.json"
    )
    try:
        return pickle.stat().st_mtime >= os.stat(data).st_mtime
    except OSError:
        return False


def _write_pickle(scratch: Path) -> None:
    """The first start: escpos parses its data with yaml and writes the pickle in a child
    interpreter, so this process never holds yaml nor the parse's garbage."""
    env = dict(os.environ, TMPDIR=str(scratch))  # the child's mkdtemp() folder: in the scratch
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import escpos.capabilities"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("escpos capabilities not prepared in a child (%s); parsed here", exc)
        return
    if done.returncode != 0:
        log.warning("escpos capabilities not prepared in a child: %s", done.stderr.strip()[-500:])


def _remove_empty(folder: Path) -> None:
    """The scratch folder and the empty folders escpos made in it; a file is left alone."""
    for child in folder.iterdir():
        try:
            child.rmdir()
        except OSError:
            log.debug("left %s (not an empty folder)", child)
    try:
        folder.rmdir()
    except OSError:
        log.debug("left %s (not empty)", folder)
