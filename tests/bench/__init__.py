"""Benchmarks B1–B13 (BENCHMARKS.md): `python -m tests.bench [--smoke]` runs them all."""
