"""Refusals of the queue: a stable code for scripts and screens, a message for people.

The message is an Indonesian template (the product's first language) with `{name}` placeholders
filled from `params`. Keeping the template and its values apart lets the web look the template up
in its translation catalogue, whose message ids are the Indonesian texts, and fill in the same
values, so an English page shows an English refusal (web.refusals). Everything else (the CLI, the
button, the logs) reads `message`, the Indonesian text as before.
"""

from __future__ import annotations


class QueueError(Exception):
    """A refused action, with a stable code for the API and a message for people."""

    status = 409

    def __init__(self, code: str, template: str, /, **params: object) -> None:
        message = template.format(**params) if params else template
        super().__init__(message)
        self.code = code
        self.template = template
        self.params = params
        self.message = message


class NotFound(QueueError):
    status = 404


class Forbidden(QueueError):
    """A request whose proof does not hold (a booking token not signed by a key of this site)."""

    status = 403


class Conflict(QueueError):
    status = 409


class Refused(QueueError):
    """Valid request that breaks a rule (closed, quota reached)."""

    status = 422


class Invalid(QueueError):
    status = 400
