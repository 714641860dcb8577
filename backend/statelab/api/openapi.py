"""The API described as OpenAPI 3.1, served at /api/openapi.json (docs/API.md in prose)."""

from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__)

_LAB = {"name": "X-Lab-Id", "in": "header", "required": True, "schema": {"type": "string"},
        "description": "The lab (or ?lab=)"}
_ERROR = {"description": "A JSON error", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}


def _op(summary: str, *, body: dict | None = None, params: list | None = None,
        ok: str = "200", lab: bool = True, returns: dict | None = None,
        media: str = "application/json") -> dict:
    success: dict = {"description": "OK"}
    if returns is not None:
        success["content"] = {media: {"schema": returns}}
    op: dict = {"summary": summary,
                "parameters": ([_LAB] if lab else []) + (params or []),
                "responses": {ok: success, "4XX": _ERROR}}
    if body:
        op["requestBody"] = {"content": {
            "application/json": {"schema": body},
            "application/x-www-form-urlencoded": {"schema": body}}}
    return op


_LOGIN = {"type": "object", "required": ["username", "password"], "properties": {
    "username": {"type": "string", "maxLength": 64},
    "password": {"type": "string", "maxLength": 128},
    "max_age": {"type": ["integer", "null"], "minimum": 1, "maximum": 86400}}}
_COMMENT = {"type": "object", "required": ["text"], "properties": {
    "text": {"type": "string", "minLength": 1, "maxLength": 500}}}


def _obj(**properties: dict) -> dict:
    return {"type": "object", "required": list(properties), "properties": properties}


_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_SETTINGS = _obj(custom_error_handlers=_BOOL, short_circuit=_BOOL, propagate_exceptions=_BOOL)
_KEY = _obj(source={"enum": ["instance", "tutorial", "generated"]},
            fingerprint={"type": "string", "pattern": "^[0-9a-f]{8}$"},
            key={"type": ["string", "null"],
                 "description": "only for the tutorial's public key"})
_SECRET = _obj(signing=_KEY, fallbacks={"type": "array", "items": _KEY,
                                        "maxItems": 3, "description": "oldest first"},
               note=_STR)
_WORD = {"name": "word", "in": "path", "required": True, "schema": _STR,
         "description": "taken out of the view's arguments by the blueprint's "
                        "url_value_preprocessor"}
_HTML = {"type": "string", "description": "the tutorial's HTML text"}
_FORM_LOGIN = {"type": "object", "properties": {"username": _STR, "password": _STR}}


def _lesson_paths() -> dict:
    """Issue 7's routes: the secret key lab, session fill, demo blueprint, tutorial."""
    secret = "/api/lab/secret"
    return {
        secret: {
            "get": _op("The lab's session signing keys (the instance key is never shown)",
                       returns=_SECRET),
            "put": _op("Sign with this key from now on; no fallbacks kept", body=_obj(
                key={"enum": ["instance", "tutorial", "generated"]}), returns=_SECRET)},
        f"{secret}/rotate": {"post": _op(
            "A new generated key signs; keep_fallback keeps the old one in "
            "SECRET_KEY_FALLBACKS (it then only verifies)",
            body={"type": "object", "properties": {"keep_fallback": _BOOL}}, returns=_SECRET)},
        f"{secret}/crack": {"post": _op(
            "Find the key that signed a session cookie (default: the one this request "
            "carries) in the shipped wordlist; bounded in candidates and time",
            body={"type": "object", "properties": {"cookie": {"type": "string",
                                                              "maxLength": 4096}}},
            returns=_obj(found=_BOOL, key={"type": ["string", "null"]}, tried=_INT,
                         candidates=_INT, seconds=_NUM,
                         stopped={"enum": ["found", "exhausted", "time_limit"]},
                         wordlist=_STR))},
        f"{secret}/forge": {"post": _op(
            "Sign {\"username\"} with a key through Flask's session serializer; "
            "set: true also sets the session cookie",
            body={"type": "object", "required": ["key", "username"], "properties": {
                "key": {"type": "string", "minLength": 1, "maxLength": 200},
                "username": {"type": "string", "minLength": 1, "maxLength": 64},
                "set": _BOOL}},
            returns=_obj(value=_STR, payload=_obj(username=_STR), set=_BOOL))},
        "/api/lab/first-request": {"post": _op(
            "Re-arm the emulated before_first_request for the lab's next request",
            returns=_obj(armed={"const": True}))},
        "/api/session/fill": {"post": _op(
            "Put this many characters of hex filler in the signed session (0 removes it)",
            body={"type": "object", "required": ["bytes"], "properties": {
                "bytes": {"type": "integer", "minimum": 0, "maximum": 8000}}},
            returns=_obj(filler_bytes=_INT))},
        "/demo/{word}/hooks": {"get": _op(
            "A view in the demo blueprint (its own before/after/teardown hooks and "
            "url_value_preprocessor)", params=[_WORD],
            returns=_obj(word=_STR, blueprint={"const": "demo"}))},
        "/demo/{word}/after-this-request": {"get": _op(
            "Registers an after_this_request callback (sets X-After-This-Request: ran)",
            params=[_WORD], returns=_obj(word=_STR, registered=_STR))},
        "/demo/{word}/stream": {"get": _op(
            "A body streamed with stream_with_context: one JSON line per chunk "
            "{chunk, word, produced_at, teardowns_before}",
            params=[_WORD,
                    {"name": "chunks", "in": "query", "schema": {
                        "type": "integer", "minimum": 1, "maximum": 10}},
                    {"name": "delay_ms", "in": "query", "schema": {
                        "type": "integer", "minimum": 0, "maximum": 1000}}],
            returns=_STR, media="text/plain")},
        "/login": {"post": _op("The tutorial's form login (username cookie); 200 on failure too",
                               body=_FORM_LOGIN, returns=_HTML, media="text/html")},
        "/session/login": {"post": _op(
            "The tutorial's session login (session['username']); 200 on failure too",
            body=_FORM_LOGIN, returns=_HTML, media="text/html")},
        "/comment": {"get": _op("The tutorial's comment: reads only the username cookie",
                                returns=_obj(msg=_STR))},
        "/error": {"get": _op("The tutorial's abort(500)", ok="500", returns=_HTML,
                              media="text/html")},
    }


def _mechanism_paths() -> dict:
    paths = {}
    for mechanism in ("cookie", "session", "server-session"):
        paths[f"/api/{mechanism}/login"] = {"post": _op(
            f"Log in with the {mechanism} mechanism", body=_LOGIN)}
        paths[f"/api/{mechanism}/logout"] = {"post": _op(f"Log out ({mechanism})")}
        paths[f"/api/{mechanism}/comment"] = {"post": _op(
            f"Comment; needs a {mechanism} login", body=_COMMENT, ok="201")}
    return paths


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Flask State Lab API", "version": "1"},
    "paths": {
        "/api/health": {"get": _op("Liveness", lab=False)},
        "/api/openapi.json": {"get": _op("This document", lab=False)},
        "/api/labs": {"post": _op("Create a lab", ok="201", lab=False)},
        "/api/labs/current": {"get": _op("The named lab: counts and creation time")},
        "/api/lab/settings": {
            "get": _op("The lab's switches", returns=_SETTINGS),
            "put": _op("Change the lab's switches", body={"type": "object", "properties": {
                "custom_error_handlers": _BOOL, "short_circuit": _BOOL,
                "propagate_exceptions": _BOOL}, "additionalProperties": False},
                returns=_SETTINGS)},
        **_lesson_paths(),
        **_mechanism_paths(),
        "/api/comments": {"get": _op("The lab's comments, oldest first")},
        "/api/cookies/clear": {"post": _op("Expire cookies (all, or those named)", body={
            "type": "object", "properties": {"names": {"type": "array", "items": {
                "type": "string"}}}})},
        "/api/cookies/{name}": {"put": _op(
            "Set a cookie's raw value (the tamper tool)",
            params=[{"name": "name", "in": "path", "required": True,
                     "schema": {"enum": ["username", "session", "server_session"]}}],
            body={"type": "object", "required": ["value"], "properties": {
                "value": {"type": "string", "maxLength": 4000}}})},
        "/api/state": {"get": _op("What the server received, per mechanism, decoded")},
        "/api/hooks": {
            "get": _op("The lab's hook log", params=[
                {"name": "after", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": 5000}}]),
            "delete": _op("Clear the lab's hook log", ok="204")},
        "/api/hooks/stream": {"get": _op(
            "The hook log live, as Server-Sent Events (resumable with Last-Event-ID)",
            params=[{"name": "after", "in": "query", "schema": {"type": "string"}}])},
        "/api/error/{kind}": {method: _op(
            "Trigger an error on purpose",
            params=[{"name": "kind", "in": "path", "required": True, "schema": {
                "enum": ["500", "404", "403", "exception", "login-abort", "login-crash"]}}])
            for method in ("get", "post")},
        "/api/slow": {"get": _op("A view that sleeps, to watch a request progress", params=[
            {"name": "ms", "in": "query", "schema": {
                "type": "integer", "minimum": 0, "maximum": 5000}}])},
    },
    "components": {"schemas": {"Error": {"type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                       "status": {"type": "integer"}}}}},
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)


@bp.get("/health")
def health():
    return jsonify(ok=True)
