"""Reliability suite: a real `mpp run` (tests/support/live_appliance.py) pushed past normal use.

CI runs a bounded form; `MPP_RELIABILITY=long` runs the long one (more kills, a full simulated
day). Every test reports its figures on stdout (`pytest -s` shows them).
"""
