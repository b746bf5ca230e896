"""The OpenAPI document is built from the app itself: every route is in it, with its role."""

from __future__ import annotations

from tests.support.web_site import Site
from web.kit.openapi import documented_rules
from web.openapi import all_docs


def test_every_api_route_has_a_summary(site: Site) -> None:
    docs = all_docs(site.app)
    missing = [
        rule.endpoint
        for rule in documented_rules(site.app)
        if rule.endpoint != "openapi" and rule.endpoint not in docs
    ]
    assert missing == []


def test_document_lists_each_route_once_with_its_role(site: Site) -> None:
    doc = site.client().get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert paths["/api/v1/tickets"]["post"]["x-required-role"] == "kiosk"
    assert paths["/api/v1/tickets/{ticket_id}/cancel"]["post"]["x-required-role"] == "supervisor"
    assert paths["/api/v1/counters/{code}/next"]["post"]["x-required-role"] == "officer"
    assert paths["/api/v1/admin/catalogue"]["put"]["x-required-role"] == "admin"
    assert paths["/api/v1/track/{status_token}"]["get"]["security"] == []
    assert "requestBody" in paths["/api/v1/tickets"]["post"]
    operations = [(p, m) for p, item in paths.items() for m in item]
    rules = {
        (rule.rule, method.lower())
        for rule in documented_rules(site.app)
        if rule.endpoint != "openapi"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert len(operations) == len(rules)
    ids = [paths[p][m]["operationId"] for p, m in operations]
    assert len(ids) == len(set(ids))


def test_roles_in_the_document_are_enforced(site: Site) -> None:
    """Anonymous callers get 401 from every operation that names a role, and nothing else does."""
    doc = site.client().get("/api/v1/openapi.json").json
    client = site.client()
    for path, item in doc["paths"].items():
        concrete = path.replace("{ticket_id}", "1").replace("{code}", "L01")
        concrete = concrete.replace("{status_token}", "x" * 22).replace("{call_id}", "1")
        concrete = concrete.replace("{username}", "budi").replace("{name}", "kiosk-lobby")
        for method, operation in item.items():
            if operation["summary"].startswith("Server-Sent"):
                continue
            response = client.open(concrete, method=method.upper(), json={})
            if operation.get("x-required-role"):
                assert response.status_code == 401, (method, path, response.status_code)
            else:
                assert response.status_code != 401, (method, path)
            assert response.status_code < 500, (method, path)
