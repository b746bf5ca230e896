"""The JSON API of SPEC §4, one blueprint per area; `register_api(app)` adds them all."""

from __future__ import annotations

from flask import Flask

from web.api import (
    admin,
    board,
    bookings,
    counters,
    reports,
    services,
    status,
    surveys,
    tickets,
)


def register_api(app: Flask) -> None:
    for module in (services, tickets, bookings, counters, board, status, surveys, reports, admin):
        app.register_blueprint(module.bp)
