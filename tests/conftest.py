"""Shared pytest setup (each suite keeps its own fixtures beside its tests).

`tests` is a package, so pytest puts the project root first on `sys.path` and `import web` or
`import sync` finds the product, never `tests/web` or `tests/sync`. The fixture modules that
helper scripts (run as subprocesses) import by plain name stay importable: this folder goes at
the END of the path, where it cannot shadow a product package.
"""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.append(_HERE)
