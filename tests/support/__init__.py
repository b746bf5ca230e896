"""Fixtures and helpers shared by the test suites: plain modules, importable by helper processes."""
