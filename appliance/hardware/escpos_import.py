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
  and pyserial that escpos imports loaded lazily (`importlib.util.LazyLoader`): a module is
  executed on its first attribute access. qrcode, yaml and Pillow load only when a job needs
  them (a profile without native QR prints an image QR; a yaml parse the child could not do),
  pyusb or pyserial when a USB or serial printer is opened. Measured: the import group
  9.8 -> 3.9 MB resident (docs/performance.md, B5);
- `escpos.image` compiled with postponed annotations (`from __future__ import annotations`, as
  `escpos.escpos` already is): python-escpos 3.1 names `Image.Image` in an annotation evaluated
  when the module is executed, which alone loaded Pillow's `PIL.Image` and its C library
  (2.1 MB) into every `mpp run` with a receipt printer. Measured: 3.9 -> 1.8 MB.

CPython 3.11's LazyLoader is not safe against two threads touching the same not-yet-loaded
module at once. The deferred libraries are the print worker's, with one exception: the admin's
kiosk-pairing QR code (`web.kiosk_link`) draws with qrcode on a request thread. Both places call
`load_deferred` first, which executes a deferred module under one lock, so its first use is one
thread's.

Only the printer's build path calls this (`appliance.hardware.build.make_printer`), never an
import of our modules; a process that imported escpos already (tests) is left as it is.
"""

from __future__ import annotations
import __future__

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import platform
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

log = logging.getLogger(__name__)

PICKLE_DIR_VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"
LAZY_PACKAGES = frozenset({"PIL", "qrcode", "yaml", "defusedxml", "usb", "serial"})
# escpos's modules that name a deferred library in an annotation evaluated at import; compiled
# with postponed annotations (PEP 563), which escpos.escpos itself already uses.
POSTPONED_ANNOTATIONS = frozenset({"escpos.image"})
ESCPOS_FOLDER = "escpos"  # inside the cache folder: the capabilities pickle
# One lock for the whole process because what it guards is too: the modules in sys.modules.
_FIRST_USE = threading.Lock()


def load_deferred(*names: str) -> None:
    """Execute these modules now if `import_escpos` deferred them (a no-op otherwise), one
    thread at a time: the first attribute access executes a lazy module, and two threads doing
    it at once on Python 3.11 may each see it half made."""
    with _FIRST_USE:
        for name in names:
            module = sys.modules.get(name)
            if module is not None and type(module) is not ModuleType:
                getattr(module, "__doc__", None)  # any attribute: the loader runs the module


class _PostponedAnnotationsLoader(importlib.machinery.SourceFileLoader):
    """Compiles a module's source as if it began with `from __future__ import annotations`,
    so its annotations stay strings instead of touching the names in them at import. The
    bytecode cache is neither read (it was compiled without the flag) nor written."""

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        source = self.get_data(path)
        flags = __future__.annotations.compiler_flag
        code: CodeType = compile(source, path, "exec", flags=flags, dont_inherit=True)
        return code


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds modules of `packages` as the other finders do, to be executed on first use, and
    the `postponed` modules, to be compiled with postponed annotations."""

    def __init__(self, packages: frozenset[str], postponed: frozenset[str]) -> None:
        self.packages = packages
        self.postponed = postponed

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        lazy = fullname.partition(".")[0] in self.packages
        if not lazy and fullname not in self.postponed:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            # Only plain source modules: an extension module cannot be deferred nor compiled.
            if not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
                return spec
            if lazy:
                spec.loader = importlib.util.LazyLoader(spec.loader)
            elif spec.origin is not None:
                spec.loader = _PostponedAnnotationsLoader(fullname, spec.origin)
            return spec
        return None


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
    finder = _LazyFinder(LAZY_PACKAGES, POSTPONED_ANNOTATIONS)
    saved_tempdir = tempfile.tempdir
    sys.meta_path.insert(0, finder)
    try:
        if scratch is not None:
            tempfile.tempdir = str(scratch)
        importlib.import_module("escpos.printer")
    finally:
        sys.meta_path.remove(finder)
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
