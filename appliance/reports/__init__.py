"""Operational reports: the scope of a report, the pure figures, CSV tables."""
