"""Shared pytest setup.

`tests/pending/` holds suites whose product code has not landed yet (the browser suite waits for
the Flask app of issue 4). They are parked, not skipped: the issue stays open until they run.
"""

collect_ignore = ["pending"]
