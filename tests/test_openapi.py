"""Every API route is in the OpenAPI document the app serves."""

from __future__ import annotations

import re


def test_every_api_rule_is_documented(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "api.unknown_mechanism":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


LESSON_ROUTES = [("/api/lab/secret", "get"), ("/api/lab/secret", "put"),
                 ("/api/lab/secret/rotate", "post"), ("/api/lab/secret/crack", "post"),
                 ("/api/lab/secret/forge", "post"), ("/api/lab/first-request", "post"),
                 ("/api/session/fill", "post"), ("/api/lab/settings", "put"),
                 ("/demo/{word}/hooks", "get"), ("/demo/{word}/after-this-request", "get"),
                 ("/demo/{word}/stream", "get"), ("/session/login", "post")]


def test_lesson_routes_document_their_success_body(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    for path, method in LESSON_ROUTES:
        responses = spec["paths"][path][method]["responses"]
        success = next(v for k, v in responses.items() if k.startswith("2"))
        assert success["content"], (path, method)
    settings = spec["paths"]["/api/lab/settings"]["put"]["requestBody"]["content"]
    assert "propagate_exceptions" in settings["application/json"]["schema"]["properties"]
