"""Importing a library with parts of what it imports deferred to their first use.

Some libraries import at module level much that our use of them never touches: python-escpos
loads Pillow, qrcode, yaml, pyusb and pyserial; qrcode itself loads Pillow (for its image
drawers) even when all we take from it is the matrix of dark modules. On a Pi with B5's 60 MB
that is the budget's margin (docs/performance.md, B5). `import_deferring` imports a module with
the pure-Python modules of the named packages loaded lazily (`importlib.util.LazyLoader`): such a
module is put in `sys.modules` but executed only on its first attribute access, so a library
that is only imported and never used costs next to nothing. Extension modules cannot be deferred
and load as usual.

CPython 3.11's LazyLoader is not safe against two threads touching the same not-yet-executed
module at once. Whoever uses a library that may have been deferred calls `load_deferred` first,
which executes it under one lock, so its first use is one thread's; `import_deferring` takes the
same lock.
"""

from __future__ import annotations
import __future__

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Sequence
from types import CodeType, ModuleType

# One lock for the whole process because what it guards is too: the modules in sys.modules.
# Re-entrant: an import under it may execute a deferred module.
_FIRST_USE = threading.RLock()


def is_deferred(module: object) -> bool:
    """Whether `module` is a lazy module not executed yet."""
    return module is not None and type(module) is not ModuleType


def load_deferred(*names: str) -> None:
    """Execute these modules now if an import deferred them (a no-op otherwise), one thread at
    a time: the first attribute access executes a lazy module, and two threads doing it at once
    on Python 3.11 may each see it half made."""
    with _FIRST_USE:
        for name in names:
            module = sys.modules.get(name)
            if is_deferred(module):
                getattr(module, "__doc__", None)  # any attribute: the loader runs the module


def import_deferring(
    name: str, packages: frozenset[str], postponed: frozenset[str] = frozenset()
) -> ModuleType:
    """Import (and execute) `name` with the modules of `packages` deferred, and the modules
    named in `postponed` compiled with postponed annotations (see `_PostponedAnnotationsLoader`).
    A module imported (or deferred) before is executed if need be and returned as it is."""
    finder = _LazyFinder(packages, postponed)
    with _FIRST_USE:
        sys.meta_path.insert(0, finder)
        try:
            module = importlib.import_module(name)
            load_deferred(name)  # deferred by an earlier import: its imports defer too now
        finally:
            sys.meta_path.remove(finder)
    return module


class _PostponedAnnotationsLoader(importlib.machinery.SourceFileLoader):
    """Compiles a module's source as if it began with `from __future__ import annotations`, so
    its annotations stay strings instead of touching the names in them at import (python-escpos
    3.1's `escpos.image` names `PIL.Image.Image` in one, which alone loaded Pillow). The
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
