"""Benchmarks B1–B10 (BENCHMARKS.md): `python -m tests.bench [--smoke]` runs them all."""
