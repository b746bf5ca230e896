"""An OpenAPI 3 document built from a Flask app's own URL map.

Paths and methods come from the registered routes, and the required role from the guard on each
view (`Guard.require` marks it), so the document cannot list an endpoint that does not exist or
miss one that does. Each server gives its own title and its summaries and request bodies (`docs`:
endpoint -> (summary, body schema or None)); the session cookie's name is the app's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask

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
EMPTY = {"type": "object"}  # a body that may be left out (an action button's POST)
LOGIN = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}

Docs = Mapping[str, tuple[str, dict[str, Any] | None]]

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def login_docs(blueprint: str) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """The summaries of the routes `add_login_routes` put on `blueprint`."""
    return {
        f"{blueprint}.login": ("Log in; sets the session cookie and returns the CSRF token", LOGIN),
        f"{blueprint}.logout": ("Log out (this session ends on the server too)", None),
        f"{blueprint}.logout_everywhere": (
            "End every session of the logged-in user (sessions only; 400 not_a_session for "
            "tokens); returns sessions_ended",
            None,
        ),
        f"{blueprint}.me": ("Who am I (with the CSRF token for sessions)", None),
    }


def documented_rules(app: Flask) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") or rule.rule == "/healthz"
    ]


def build_openapi(
    app: Flask,
    *,
    title: str,
    version: str,
    docs: Docs,
    answers: Mapping[str, str],
    method_answers: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """`answers`: the success statuses every operation lists (status -> description);
    `method_answers`: more of them for one method (e.g. PUT's 202)."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(documented_rules(app), key=lambda r: r.rule):
        if rule.endpoint == "openapi":
            continue
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
                if kind == "int"
                else {"type": "string"},
            }
            for kind, name in _CONVERTER.findall(rule.rule)
        ]
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        summary, body = docs.get(rule.endpoint, (rule.endpoint, None))
        role = getattr(app.view_functions[rule.endpoint], "required_role", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            responses: dict[str, Any] = {
                status: {"description": text} for status, text in answers.items()
            }
            responses["4XX"] = {
                "description": "Refused; see error.code",
                "content": {"application/json": {"schema": ERROR}},
            }
            for status, text in (method_answers or {}).get(method, {}).items():
                responses[status] = {"description": text}
            operation: dict[str, Any] = {
                "operationId": rule.endpoint.replace(".", "_") + "_" + method.lower(),
                "summary": summary,
                "parameters": params,
                "responses": responses,
            }
            if role:
                operation["security"] = [{"session": []}, {"bearer": []}]
                operation["x-required-role"] = role
            else:
                operation["security"] = []
            if body is not None and method in ("POST", "PUT", "PATCH"):
                operation["requestBody"] = {
                    "required": body is not EMPTY,
                    "content": {"application/json": {"schema": body}},
                }
            paths.setdefault(path, {})[method.lower()] = operation
    cookie = str(app.config["SESSION_COOKIE_NAME"])
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": cookie},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {"Error": ERROR},
        },
    }
