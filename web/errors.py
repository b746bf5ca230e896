"""The appliance's API errors: the kit's JSON errors, plus the core's own refusals translated.

The queue engine's `QueueError` and the catalogue's and accounts' errors are answered here, so
every refusal reaches the officer or the kiosk with a stable code a script can test and the
engine's message in the page's language (web.refusals); the shape and the generic handlers are
`web.kit.errors`.
"""

from __future__ import annotations

from flask import Flask, Response

from appliance.accounts import AccountError
from appliance.catalogue.store import CatalogueError
from appliance.queue.errors import QueueError
from web.kit import errors
from web.refusals import refusal_message


def install_error_handlers(app: Flask) -> None:
    errors.install_error_handlers(
        app,
        storage_trouble="Penyimpanan sedang bermasalah (disk penuh atau terkunci). Hubungi admin.",
        internal_trouble="Terjadi gangguan pada server antrean.",
    )

    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError) -> Response:
        return errors.error_response(exc.status, exc.code, refusal_message(exc))

    @app.errorhandler(CatalogueError)
    def _catalogue_error(exc: CatalogueError) -> Response:
        return errors.error_response(
            422, "invalid_catalogue", "Katalog tidak dapat dipakai.", list(exc.problems)
        )

    @app.errorhandler(AccountError)
    def _account_error(exc: AccountError) -> Response:
        return errors.error_response(422, "account_refused", str(exc))
