"""Ticket buttons, receipt printer and button LED (SPEC §5); see docs/hardware.md.

The parts live in their modules (`hardware.hardware` builds them from the config). This package
file imports nothing, so `mpp --help` and `mpp press` start without loading the database layer,
and importing it touches no device (gpiozero and escpos load only when the config asks for them).
"""
