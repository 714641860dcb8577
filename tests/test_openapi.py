"""The OpenAPI document the app serves: exactly the API's routes, each described."""

from __future__ import annotations

import re
import time
import warnings

from statelab.api import openapi


def served_operations(app) -> set[tuple[str, str]]:
    """Every (path, method) of the lab's API, the demo blueprint and the tutorial's
    routes, in OpenAPI's path syntax."""
    found = set()
    for rule in app.url_map.iter_rules():
        if (not rule.endpoint.startswith(("api.", "demo.", "classic."))
                or rule.endpoint == "api.unknown_mechanism"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_the_document_describes_exactly_the_routes(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    routes = served_operations(app)
    assert routes - documented == set(), "routes without a description"
    assert documented - routes == set(), "descriptions without a route"


def test_a_stale_description_fails_the_check(app, monkeypatch):
    monkeypatch.setitem(openapi.PATHS, "/api/gone", {"get": {"responses": {}}})
    spec = app.test_client().get("/api/openapi.json").get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented - served_operations(app) == {("/api/gone", "get")}


def test_every_operation_describes_its_answers(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            success = [code for code in op["responses"] if code.startswith("2")]
            assert success, (method, path)
            for code in success:
                answer = op["responses"][code]
                assert code == "204" or answer.get("content"), (method, path, code)
            if "requestBody" in op:
                assert "required" in op["requestBody"], (method, path)
    error = spec["paths"]["/api/error/{kind}"]["get"]["responses"]["500"]
    assert "application/json" in error["content"]
    stream = spec["paths"]["/api/hooks/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    names = {p["name"] for p in stream["parameters"]}
    assert {"X-Lab-Id", "lab", "X-Client-Id", "Last-Event-ID"} <= names
    login = spec["paths"]["/api/session/login"]["post"]
    assert login["requestBody"]["required"] is True
    settings = spec["paths"]["/api/lab/settings"]["put"]["requestBody"]["content"]
    assert "propagate_exceptions" in settings["application/json"]["schema"]["properties"]


# The fuzzer: every operation, cases generated from the served document (positive
# mode), each answer checked against it. Derandomized, so a run is the same every time.
# Per operation: ~385 calls, ~32 s on the 2-core machine at a load average of 5-11. Each
# of the 41 operations answered the same status codes as with 20 (which ran out of the
# budget before two of them at that load); with 5, four saw fewer (bench/README.md).
EXAMPLES = 10
SLOW_EXAMPLES = 3  # /api/slow sleeps up to 5 s a call
BUDGET_SECONDS = 60  # past it (a loaded machine) no more cases are sent, and it says so
NEVER_ENDS = {("GET", "/api/hooks/stream")}  # a live stream; test_hooks.py reads it


# What a fuzzer's hundreds of labs and logins from one address need (the test below).
UNLIMITED = {"STATELAB_LAB_RATE": "100000/minute", "STATELAB_LOGIN_RATE": "100000/minute",
             "STATELAB_LOGIN_ADDRESS_RATE": "100000/minute",
             "STATELAB_CRACK_RATE": "100000/minute", "STATELAB_LABS_PER_ADDRESS": 5000,
             "STATELAB_MAX_LABS": 5000}


def test_the_served_document_holds_under_a_fuzzer(make_app, live_server_for):
    import requests
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import checks

    # A fresh lab a case, and logins by the hundred: the rate limits and the lab cap
    # (test_ratelimits.py, test_store.py) would answer most of them 429 or 503
    # labs_full, which is not what this test is about.
    live_server = live_server_for(make_app(**UNLIMITED))
    schema = schemathesis.openapi.from_url(f"{live_server}/api/openapi.json")
    calls, unsent, server_errors, violations = 0, 0, [], []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NEVER_ENDS:
            continue
        if time.monotonic() - started > BUDGET_SECONDS:
            unsent += 1  # not even generated: generating costs time too
            continue
        names_lab = any(p.name == "X-Lab-Id" for p in operation.headers)
        on_purpose = operation.path.startswith("/api/error/") or operation.path == "/error"
        wanted = [checks.response_schema_conformance, checks.status_code_conformance,
                  checks.content_type_conformance]
        if not on_purpose:
            wanted.append(checks.not_a_server_error)

        @settings(max_examples=SLOW_EXAMPLES if operation.path == "/api/slow" else EXAMPLES,
                  derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            nonlocal calls, unsent
            if time.monotonic() - started > BUDGET_SECONDS:
                unsent += 1
                return
            # A fresh lab a case: what one case switches (short_circuit, say) is not
            # what the next one sees.
            headers = {"X-Lab-Id": requests.post(f"{live_server}/api/labs", timeout=5)
                       .json()["id"]} if names_lab else {}
            response = case.call(base_url=live_server, headers=headers, timeout=10)
            calls += 1
            if response.status_code >= 500 and not on_purpose:
                server_errors.append((case.method, case.formatted_path, response.status_code))
            try:
                case.validate_response(response, checks=wanted, headers=headers)
            except (AssertionError, BaseExceptionGroup) as failure:  # counted below
                violations.append((case.method, case.formatted_path, response.status_code,
                                   str(failure)[:400]))

        exercise()
    elapsed = time.monotonic() - started
    print(f"schemathesis: {calls} calls in {elapsed:.1f} s ({unsent} cases or operations "
          f"unsent past the budget); {len(server_errors)} server errors outside /api/error; "
          f"{len(violations)} answers against the document")
    if unsent:
        warnings.warn(f"the fuzzer's {BUDGET_SECONDS} s budget ran out: {unsent} cases unsent")
    assert calls > 100
    assert server_errors == []
    assert violations == [], violations[:5]
