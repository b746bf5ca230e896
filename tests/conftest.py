"""Shared pytest setup.

`tests` is a package and mirrors the product's packages (tests/appliance/queue/…, tests/web/…,
tests/sync/…); pytest puts the project root first on `sys.path`, so `import web` finds the product
and the fixtures are imported as `tests.support.…` everywhere — in helper processes too, which run
with the checkout on PYTHONPATH. Each suite keeps its own pytest fixtures in its conftest.py.
"""
