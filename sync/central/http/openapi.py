"""The OpenAPI 3 document of central's API: what its routes are for.

The document is built from the app's own URL map by `web.kit.openapi`, so it cannot list an
endpoint that does not exist; summaries and request bodies come from `DOCS` (a test fails when a
route has no entry there).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from appliance import __version__
from sync.central.http.booking_openapi import BOOKING_DOCS
from web.kit import openapi
from web.kit.openapi import login_docs

CATALOGUE = {
    "type": "object",
    "description": "A whole mpp-catalogue/1 document; without `version` the next one is taken",
    "required": ["format", "site", "hours", "agencies", "services", "counters"],
    "additionalProperties": True,
}
NEW_USER = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,31}$"},
        "password": {"type": "string", "minLength": 10},
        "role": {"type": "string", "enum": ["supervisor", "admin"], "default": "supervisor"},
    },
}
PASSWORD = {
    "type": "object",
    "required": ["password"],
    "properties": {"password": {"type": "string", "minLength": 10}},
}
NEW_TOKEN = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "maxLength": 64},
        "role": {"type": "string", "enum": ["supervisor", "admin"], "default": "supervisor"},
    },
}

DOCS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "central_api.healthz": ("200 when central can serve (database reachable)", None),
    **login_docs("central_auth"),
    "central_api.list_sites": (
        "Every site: online, last contact, stored_through, counters, today's figures, IKM",
        None,
    ),
    "central_api.get_site": ("One site, as in the list", None),
    "central_api.site_tickets": ("A day's tickets rebuilt from the events (?date=)", None),
    "central_api.site_skm": (
        "SKM of one site, same body as /reports/skm?site= (?from=&to=&service=&agency=&format=)",
        None,
    ),
    "central_api.skm": (
        "SKM across sites: combined NRR/IKM/category/sample/profile plus one row per site "
        "(?from=&to=&site=&service=&agency=&format=json|csv)",
        None,
    ),
    "central_api.skm_pdf": ("The SKM report as a printable PDF (same query)", None),
    "central_api.catalogue_versions": ("Catalogue versions pushed, published, applied", None),
    "central_api.put_catalogue": ("Push a new catalogue version to the site (202)", CATALOGUE),
    "central_admin.list_users": ("Central users (username, role, active)", None),
    "central_admin.add_user": ("Add a central user (201; 409 if the name exists)", NEW_USER),
    "central_admin.set_password": (
        "Set a central user's password; every session of that user ends",
        PASSWORD,
    ),
    "central_admin.logout_user_everywhere": (
        "End every session of a central user; returns sessions_ended (404 unknown user)",
        None,
    ),
    "central_admin.disable_user": (
        "Disable a central user (409 for the last active admin); sessions end at once",
        None,
    ),
    "central_admin.enable_user": ("Enable a central user again", None),
    "central_admin.list_tokens": (
        "Central API tokens (name, role, revoked; never the token)",
        None,
    ),
    "central_admin.create_token": ("Create a central API token; shown once in the 201", NEW_TOKEN),
    "central_admin.revoke_token": ("Revoke a central API token by name", None),
    "central_api.track": ("Public status of one synced ticket (no personal data)", None),
    **BOOKING_DOCS,
}


def build_openapi(app: Flask) -> dict[str, Any]:
    return openapi.build_openapi(
        app,
        title="MPP central API",
        version=__version__,
        docs=DOCS,
        answers={"200": "OK"},
        method_answers={"PUT": {"202": "Recorded, queued to publish"}},
    )
