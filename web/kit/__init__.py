"""The HTTP glue written once: JSON errors, reading inputs, the guard (sessions, CSRF, bearer
tokens, roles), the security headers of pages and the OpenAPI builder.

The appliance's app (`web.app`) and central's server (`sync.central.http`) both stand on it; it
imports nothing else of `web` and nothing of `appliance` or `sync`, which is what lets central use
it (the one named exception to "sync never imports web", stated in pyproject.toml's contracts).
"""
