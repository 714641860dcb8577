"""The API described as OpenAPI 3.1, served at /api/openapi.json (docs/API.md in prose).

Adding a route? Describe it here with one ``document(...)`` call beside the others:
its method and path, its success status and body, its request body and parameters.
tests/test_openapi.py fails for a route without a description and for a description
without a route, and a schema-based fuzzer (schemathesis) checks the answers against it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import demo_hooks
from ..labs import CLIENT_ID
from .errors import KINDS, POST_ONLY
from .logins import NAMES

bp = Blueprint("openapi", __name__)

PATHS: dict[str, dict] = {}

# The building blocks of bodies; ``ref("Name")`` points at one.
SCHEMAS: dict[str, dict] = {
    "Error": {"type": "object", "required": ["error", "message", "status"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "status": {"type": "integer"}}},
    "ShortCircuit": {
        "description": "The lab's short_circuit switch is on: a before_request hook "
                       "answered and the view did not run",
        "type": "object", "required": ["msg", "short_circuited"], "properties": {
            "msg": {"type": "string"}, "short_circuited": {"const": True}}},
    "Comment": {"type": "object", "required": ["id", "author", "text", "mechanism", "time"],
                "properties": {"id": {"type": "integer"}, "author": {"type": "string"},
                               "text": {"type": "string"}, "mechanism": {"type": "string"},
                               "time": {"type": "number"},
                               "by": {"type": "object", "description": "who posted it: "
                                      "public id and display name then",
                                      "properties": {"client": {"type": ["string", "null"]},
                                                     "name": {"type": ["string", "null"]}}}}},
    "Settings": {"type": "object", "required": ["custom_error_handlers", "short_circuit",
                                                "propagate_exceptions"],
                 "properties": {"custom_error_handlers": {"type": "boolean"},
                                "short_circuit": {"type": "boolean"},
                                "propagate_exceptions": {"type": "boolean"}}},
    "Event": {"type": "object", "required": ["id", "type"], "properties": {
        "id": {"type": "string"}, "type": {"type": "string"},
        # request and end events: what went over the wire (statelab_trace/wire.py)
        "headers": {"type": "array", "maxItems": 101, "items": {
            "type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}}},
        "body": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["type", "size", "text", "truncated"],
            "properties": {"type": {"type": "string"}, "size": {"type": "integer"},
                           "text": {"type": "string"}, "truncated": {"type": "boolean"}}}]},
        "traceback": {"type": ["string", "null"]}}},
    "ReceivedCookie": {
        "type": "object", "required": ["name", "value", "size", "foreign", "hint"],
        "properties": {
            "name": {"type": "string"}, "value": {"type": "string"},
            "size": {"type": "integer", "description": "bytes of name and value"},
            "foreign": {"type": "boolean", "description": "a name the lab never sets"},
            "hint": {"type": ["string", "null"], "description":
                     "why a session cookie the lab's key does not verify may be "
                     "another app's (cookies ignore the port)"}}},
    "Health": {"type": "object", "required": ["status", "backend"], "properties": {
        "status": {"enum": ["ok", "degraded"]},
        "backend": {"type": "object", "required": ["kind", "ok"], "properties": {
            "kind": {"enum": ["memory", "redis"]}, "ok": {"type": "boolean"}}},
        # False: a file cannot be written where the server-side sessions live (a full disk)
        "sessions": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}},
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(**properties: dict) -> dict:
    """An object whose every listed property is always there."""
    return {"type": "object", "required": list(properties), "properties": properties}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
NULLABLE_STRING = {"type": ["string", "null"]}
PERSON = {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]{8}$", "description":
          "This client's public id in the lab (X-Client-Id's HMAC under the instance "
          "key): what other viewers see as its client; null without X-Client-Id"}

LAB_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$"}
LAB_PARAMS = [
    {"name": "X-Lab-Id", "in": "header", "schema": LAB_ID,
     "description": "The lab (from POST /api/labs). One of X-Lab-Id and ?lab= is needed: "
                    "none is 400 lab_required, an unknown lab 404 unknown_lab"},
    {"name": "lab", "in": "query", "schema": LAB_ID,
     "description": "The lab, for clients that cannot send headers (EventSource)"},
    {"name": "X-Client-Id", "in": "header", "required": False, "schema": {
        "type": "string", "pattern": f"^{CLIENT_ID.pattern}$"},
     "description": "Tags this client's requests in the lab's log; anything else is ignored"},
    {"name": "X-Lab-Owner", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "The owner token POST /api/labs answered: owner-only routes answer "
                    "403 owner_only without it"},
]
# Paths a lab's short_circuit switch never answers for (GET /api/comments neither).
NEVER_SHORT = (*demo_hooks.NEVER_SHORT, "/api/comments")


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(ref("Error"), "A JSON error")
UNAVAILABLE = _json(ref("Error"), "backend_unavailable: the lab's Redis cannot be reached "
                                  "(with Retry-After)")


def document(method: str, path: str, summary: str, *, ok: dict | None, status: int = 200,
             body: dict | None = None, body_required: bool = True, params: list | None = None,
             lab: bool = True, content: str = "application/json",
             responses: dict | None = None) -> None:
    """Describe one operation: ``ok`` is the success body's schema (None: no body)."""
    success: dict = {"description": summary}
    if ok is not None:
        success["content"] = {content: {"schema": ok}}
    answers = {str(status): success, "4XX": ERROR, "503": UNAVAILABLE, **(responses or {})}
    if lab and not path.startswith(NEVER_SHORT):
        short = _json(ref("ShortCircuit"), "Answered by the lab's short-circuit hook")
        if status == 200 and content == "application/json":
            answers["200"] = {"description": summary, "content": {"application/json": {
                "schema": {"anyOf": [ok, ref("ShortCircuit")]}}}}
        elif status == 200:
            success.setdefault("content", {})["application/json"] = {
                "schema": ref("ShortCircuit")}
        else:
            answers["200"] = short
    operation: dict = {"summary": summary, "parameters": (LAB_PARAMS if lab else []) +
                       (params or []), "responses": answers}
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {
            "application/json": {"schema": body},
            "application/x-www-form-urlencoded": {"schema": body}}}
    PATHS.setdefault(path, {})[method] = operation


# Labs, health, this document.
document("get", "/api/health", "Liveness and whether the backend answers", ok=ref("Health"),
         lab=False, responses={"503": _json({"anyOf": [ref("Health"), ref("Error")]},
                                            "The backend is down (Error: it was needed to "
                                            "open the request's server-side session)")})
document("get", "/api/openapi.json", "This document", ok={"type": "object"}, lab=False)
document("post", "/api/labs", "Create a lab; its maker owns it (owner_token: keep it, "
         "send it as X-Lab-Owner). An address keeps STATELAB_LABS_PER_ADDRESS labs alive: "
         "its least recently used unwatched one makes way for the next (429 too_many_labs, "
         "with labs and Retry-After, when all are watched); 503 labs_full when no lab may "
         "go", status=201, lab=False,
         ok=obj(id=LAB_ID, url=STRING, owner_token=STRING, teacher_url=STRING, person=PERSON))
document("get", "/api/labs/current", "The named lab: counts, creation time, and whether "
         "this request's X-Lab-Owner owns it", ok=obj(
             id=LAB_ID, created={"type": "number"}, events=INTEGER, comments=INTEGER,
             subscribers=INTEGER, polling=INTEGER, owner=BOOLEAN, person=PERSON))
document("post", "/api/lab/reset", "Owner only: Flask's default switches, the instance "
         "key, an empty log (a settings event says who)", ok=ref("Settings"))
ME = obj(client=NULLABLE_STRING, person=PERSON, name=NULLABLE_STRING, owner=BOOLEAN)
document("get", "/api/me", "This client (X-Client-Id): its display name, whether it owns "
         "the lab", ok=ME)
document("put", "/api/me", "Set this client's display name (needs X-Client-Id; 1-32 "
         "printable characters, trimmed); carried as client_name on its request events. "
         "STATELAB_NAME_RATE (60/minute) per client address and lab: past it 429 "
         "rate_limited; past 1000 names a lab the least recently set goes",
         ok=ME, body=obj(name={"type": "string", "minLength": 1, "maxLength": 32}))
document("get", "/api/lab/settings", "The lab's switches", ok=ref("Settings"))
document("put", "/api/lab/settings", "Owner only: change the lab's switches (a settings "
         "event says who)", ok=ref("Settings"), body={
    "type": "object", "properties": {"custom_error_handlers": BOOLEAN,
                                     "short_circuit": BOOLEAN,
                                     "propagate_exceptions": BOOLEAN},
    "additionalProperties": False})

# The three login mechanisms.
LOGIN = {"type": "object", "required": ["username", "password"], "properties": {
    "username": {"type": "string", "minLength": 1, "maxLength": 64},
    "password": {"type": "string", "maxLength": 128},
    "max_age": {"type": ["integer", "null"], "minimum": 1, "maximum": 86400},
    "samesite": {"enum": ["Lax", "Strict", "None", ""],
                 "description": "the cookie's SameSite; \"\" = no attribute"},
    "secure": {"type": "boolean"}}}
COMMENT = {"type": "object", "required": ["text"], "properties": {
    "text": {"type": "string", "minLength": 1, "maxLength": 500}}}
for mechanism in NAMES:
    document("post", f"/api/{mechanism}/login", f"Log in with the {mechanism} mechanism",
             body=LOGIN, ok=obj(msg=STRING, mechanism=STRING, username=STRING,
                                max_age={"type": ["integer", "null"]},
                                samesite=NULLABLE_STRING, secure=BOOLEAN),
             responses={"507": _json(ref("Error"), "session_not_stored: the server-side "
                                     "session could not be written (a full disk)")}
             if mechanism == "server-session" else None)
    document("post", f"/api/{mechanism}/logout", f"Log out ({mechanism})",
             ok=obj(msg=STRING, mechanism=STRING, was=NULLABLE_STRING))
    document("post", f"/api/{mechanism}/comment", f"Comment; needs a {mechanism} login",
             body=COMMENT, status=201, ok=obj(msg=STRING, comment=ref("Comment")))
document("get", "/api/comments", "The lab's comments, oldest first",
         ok=obj(comments={"type": "array", "items": ref("Comment")}))

# Cookies and what the server received.
document("post", "/api/cookies/clear", "Expire cookies (all, or those named)",
         body={"type": "object", "properties": {"names": {"type": "array", "items": STRING}}},
         body_required=False, ok=obj(cleared={"type": "array", "items": STRING}))
document("put", "/api/cookies/{name}", "Set a cookie's raw value (the tamper tool)",
         params=[{"name": "name", "in": "path", "required": True,
                  "schema": {"enum": ["username", "session", "server_session"]}}],
         body={"type": "object", "required": ["value"], "properties": {
             "value": {"type": "string", "maxLength": 4000}}},
         ok=obj(name=STRING, value=STRING, httponly=BOOLEAN))
document("get", "/api/state", "What the server received, per mechanism, decoded", ok=obj(
    lab=LAB_ID, client=NULLABLE_STRING, cookie_header=NULLABLE_STRING,
    cookies={"type": "array", "maxItems": 100, "items": ref("ReceivedCookie")},
    mechanisms=obj(**{name: {"type": "object"} for name in NAMES}),
    settings=ref("Settings"), flask_version=STRING))

# The hook log.
AFTER = {"name": "after", "in": "query", "schema": STRING,
         "description": "Resume after this event id"}
document("get", "/api/hooks", "The lab's hook log", params=[AFTER, {
    "name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                               "maximum": 5000}}],
    ok=obj(events={"type": "array", "items": ref("Event")}, last_id=NULLABLE_STRING,
           epoch={"type": "string", "pattern": r"^[0-9]{1,12}\.[0-9]{6}$",
                  "description": "which log of the lab this is (its creation time): "
                                 "another one after a restart that forgot the lab"},
           dropped=BOOLEAN, dropped_before={
               "type": "integer", "minimum": 0,
               "description": "events before the first one given that the bounded log "
                              "pushed out"},
           viewers=obj(live={**INTEGER, "description": "streams open on the lab"},
                       polling={**INTEGER, "description": "clients that read the log in "
                                "the last 10 s (this worker; the owner not counted)"})))
document("delete", "/api/hooks", "Owner only: clear the lab's hook log for everyone (a "
         "clear event says who)", status=204, ok=None)
REFUSED_STREAM = _json({"allOf": [ref("Error"), {"properties": {
    "error": {"enum": ["lab_full", "too_many_streams", "too_many_streams_from_address",
                       "too_many_watched_labs"]},
    "viewers": {**INTEGER, "description": "lab_full: the lab's live viewers"},
    "streams": {**INTEGER, "description": "too_many_streams_from_address: streams one "
                                          "address may hold on this worker"},
    "labs": {**INTEGER, "description": "too_many_watched_labs: labs a worker follows "
                                       "at most"}}}]},
    "No live stream now (Retry-After says when to try again); the log can still be read "
    "(GET /api/hooks)")
document("get", "/api/hooks/stream",
         "The hook log live, as Server-Sent Events (each event's data is an Event); "
         "429 (with Retry-After) lab_full (with viewers: N; the owner has one more "
         "slot), too_many_streams, too_many_streams_from_address (with streams: N), or "
         "too_many_watched_labs (with labs: N, when this worker follows as many labs as "
         "STATELAB_MAX_WATCHED_LABS allows and this is not one of them); 403 "
         "cross_site when another site's page opened it (Sec-Fetch-Site, Origin)",
         content="text/event-stream", ok=STRING,
         responses={"429": REFUSED_STREAM, "403": _json(ref("Error"), "cross_site: "
                    "another site's page opened it; nothing was taken")},
         params=[AFTER, {
             "name": "Last-Event-ID", "in": "header", "schema": STRING,
             "description": "Resume after this event id (EventSource sends it on reconnect)"},
             {"name": "client", "in": "query", "schema": STRING,
              "description": "The viewer's client id (EventSource cannot send "
                             "X-Client-Id): its own cookie values come unmasked"},
             {"name": "epoch", "in": "query", "schema": STRING,
              "description": "The log `after` is of (GET /api/hooks answers it); another "
                             "one now: a `reset` message, then the whole log"}])

# Errors on purpose.
ON_PURPOSE = {"description": "The error asked for: JSON through the lab's custom handlers, "
                             "Werkzeug's HTML page when the lab switched them off",
              "content": {"application/json": {"schema": ref("Error")},
                          "text/html": {"schema": STRING}}}
# The login kinds write the session: POST only (a GET answers 405 with Allow: POST).
for method, kinds in (("get", [k for k in KINDS if k not in POST_ONLY]),
                      ("post", list(KINDS))):
    document(method, "/api/error/{kind}", "Trigger an error on purpose", status=500,
             ok=ON_PURPOSE["content"]["application/json"]["schema"],
             params=[{"name": "kind", "in": "path", "required": True,
                      "schema": {"enum": kinds}}],
             responses={"500": ON_PURPOSE, "404": ON_PURPOSE, "403": ON_PURPOSE})
document("get", "/api/slow", "A view that sleeps, to watch a request progress; 429 busy "
         "(with Retry-After) while STATELAB_MAX_SLOW slow requests run",
         ok=obj(slept_ms=INTEGER), params=[{"name": "ms", "in": "query", "schema": {
             "type": "integer", "minimum": 0, "maximum": 5000}}])

# The secret key lab, and the session fill.
KEY = obj(source={"enum": ["instance", "tutorial", "generated"]},
          fingerprint={"type": "string", "pattern": "^[0-9a-f]{8}$"},
          key={"type": ["string", "null"], "description": "only for the tutorial's public key"})
SECRET = obj(signing=KEY, fallbacks={"type": "array", "items": KEY, "maxItems": 3,
                                     "description": "oldest first"}, note=STRING)
document("get", "/api/lab/secret",
         "The lab's session signing keys (the instance key is never shown)", ok=SECRET)
document("put", "/api/lab/secret", "Owner only: sign with this key from now on; no "
         "fallbacks kept",
         body=obj(key={"enum": ["instance", "tutorial", "generated"]}), ok=SECRET)
document("post", "/api/lab/secret/rotate",
         "Owner only: a new generated key signs; keep_fallback keeps the old one in "
         "SECRET_KEY_FALLBACKS (it then only verifies)",
         body={"type": "object", "properties": {"keep_fallback": BOOLEAN}},
         body_required=False, ok=SECRET)
document("post", "/api/lab/secret/crack",
         "Find the key that signed a session cookie (default: the one this request carries) "
         "in the shipped wordlist; bounded in candidates and time",
         body={"type": "object", "properties": {"cookie": {"type": "string",
                                                           "maxLength": 4096}}},
         body_required=False,
         ok=obj(found=BOOLEAN, key={"type": ["string", "null"]}, tried=INTEGER,
                candidates=INTEGER, seconds={"type": "number"},
                stopped={"enum": ["found", "exhausted", "time_limit"]}, wordlist=STRING))
document("post", "/api/lab/secret/forge",
         "Sign {\"username\"} with a key through Flask's session serializer; set: true also "
         "sets the session cookie",
         body={"type": "object", "required": ["key", "username"], "properties": {
             "key": {"type": "string", "minLength": 1, "maxLength": 200},
             "username": {"type": "string", "minLength": 1, "maxLength": 64},
             "set": BOOLEAN}},
         ok=obj(value=STRING, payload=obj(username=STRING), set=BOOLEAN))
document("post", "/api/lab/first-request",
         "Re-arm the emulated before_first_request for the lab's next request (owner "
         "only: 403 owner_only; announced as a settings event)",
         ok=obj(armed={"const": True}))
document("post", "/api/session/fill",
         "Put this many characters of hex filler in the signed session (0 removes it)",
         body={"type": "object", "required": ["bytes"], "properties": {
             "bytes": {"type": "integer", "minimum": 0, "maximum": 8000}}},
         ok=obj(filler_bytes=INTEGER))

# The demo blueprint (§2c) and the tutorial's literal routes (§2a): traced into a lab
# when they name one, like every other route.
WORD = {"name": "word", "in": "path", "required": True, "schema": STRING,
        "description": "taken out of the view's arguments by the blueprint's "
                       "url_value_preprocessor"}
HTML = {"type": "string", "description": "the tutorial's HTML text"}
FORM_LOGIN = {"type": "object", "properties": {"username": STRING, "password": STRING}}
document("get", "/demo/{word}/hooks", "A view in the demo blueprint (its own before/after/"
         "teardown hooks and url_value_preprocessor)", params=[WORD],
         ok=obj(word=STRING, blueprint={"const": "demo"}))
document("get", "/demo/{word}/after-this-request", "Registers an after_this_request "
         "callback (sets X-After-This-Request: ran)", params=[WORD],
         ok=obj(word=STRING, registered=STRING))
document("get", "/demo/{word}/stream", "A body streamed with stream_with_context: one JSON "
         "line per chunk {chunk, word, produced_at, teardowns_before}",
         params=[WORD, {"name": "chunks", "in": "query", "schema": {
             "type": "integer", "minimum": 1, "maximum": 10}},
                 {"name": "delay_ms", "in": "query", "schema": {
                     "type": "integer", "minimum": 0, "maximum": 1000}}],
         ok=STRING, content="text/plain")
document("post", "/login", "The tutorial's form login (username cookie); 200 on failure too",
         body=FORM_LOGIN, ok=HTML, content="text/html")
document("post", "/session/login", "The tutorial's session login (session['username']); "
         "200 on failure too", body=FORM_LOGIN, ok=HTML, content="text/html")
document("get", "/comment", "The tutorial's comment: reads only the username cookie",
         ok=obj(msg=STRING))
document("get", "/error", "The tutorial's abort(500): its custom page", status=500, ok=HTML,
         content="text/html")
document("post", "/no-key/login", "The tutorial's session login run in its own app with no "
         "SECRET_KEY: what that app answered and what Flask raised (RuntimeError)",
         body=FORM_LOGIN, ok=obj(status=INTEGER, secret_key={"type": "null"}, body=STRING,
                                 error={"type": ["object", "null"], "properties": {
                                     "type": STRING, "message": STRING}}))

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Flask State Lab API", "version": "1"},
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)

