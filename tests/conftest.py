"""Shared pytest setup (each suite keeps its own fixtures beside its tests)."""
