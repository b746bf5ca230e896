"""The OpenAPI 3 document of central's API, built from the app's own URL map.

Paths, methods and required roles come from the registered routes and their `require` guards,
so the document cannot list an endpoint that does not exist; summaries and request bodies come
from `DOCS` (a test fails when a route has no entry there).
"""

from __future__ import annotations

import re
from typing import Any

from appliance import __version__

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "string"}},
            },
        }
    },
}
LOGIN = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}
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
    "central_auth.login": ("Log in; sets the session cookie and returns the CSRF token", LOGIN),
    "central_auth.logout": ("Log out", None),
    "central_auth.me": ("Who am I (with the CSRF token for sessions)", None),
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
    "central_admin.set_password": ("Set a central user's password", PASSWORD),
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
}

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def documented_rules(app: Any) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if (rule.rule.startswith("/api/v1/") or rule.rule == "/healthz")
        and rule.endpoint != "openapi"
    ]


def build_openapi(app: Any) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(documented_rules(app), key=lambda r: r.rule):
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for _kind, name in _CONVERTER.findall(rule.rule)
        ]
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        summary, body = DOCS.get(rule.endpoint, (rule.endpoint, None))
        role = getattr(app.view_functions[rule.endpoint], "required_role", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": rule.endpoint.replace(".", "_") + "_" + method.lower(),
                "summary": summary,
                "parameters": params,
                "responses": {
                    "200": {"description": "OK"},
                    "4XX": {
                        "description": "Refused; see error.code",
                        "content": {"application/json": {"schema": ERROR}},
                    },
                },
                "security": [{"session": []}, {"bearer": []}] if role else [],
            }
            if role:
                operation["x-required-role"] = role
            if method == "PUT":
                operation["responses"]["202"] = {"description": "Recorded, queued to publish"}
            if body is not None and method in ("POST", "PUT"):
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                }
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "MPP central API", "version": __version__},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "mpp_central_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {"Error": ERROR},
        },
    }
