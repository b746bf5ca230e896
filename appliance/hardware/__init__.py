"""Ticket buttons, receipt printer and button LED (SPEC §5); see docs/hardware.md.

Importing this package touches no device and imports neither gpiozero nor escpos: the drivers
are imported when the config asks for them.
"""

from appliance.hardware.hardware import (
    Hardware,
    PrinterUnavailable,
    build_hardware,
    make_board,
    make_printer,
)

__all__ = ["Hardware", "PrinterUnavailable", "build_hardware", "make_board", "make_printer"]
