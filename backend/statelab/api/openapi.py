"""The API described as OpenAPI 3.1, served at /api/openapi.json (docs/API.md in prose)."""

from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__)

_LAB = {"name": "X-Lab-Id", "in": "header", "required": True, "schema": {"type": "string"},
        "description": "The lab (or ?lab=)"}
_ERROR = {"description": "A JSON error", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}


def _op(summary: str, *, body: dict | None = None, params: list | None = None,
        ok: str = "200", lab: bool = True) -> dict:
    op: dict = {"summary": summary,
                "parameters": ([_LAB] if lab else []) + (params or []),
                "responses": {ok: {"description": "OK"}, "4XX": _ERROR}}
    if body:
        op["requestBody"] = {"content": {
            "application/json": {"schema": body},
            "application/x-www-form-urlencoded": {"schema": body}}}
    return op


_LOGIN = {"type": "object", "required": ["username", "password"], "properties": {
    "username": {"type": "string", "maxLength": 64},
    "password": {"type": "string", "maxLength": 128},
    "max_age": {"type": ["integer", "null"], "minimum": 1, "maximum": 86400},
    "samesite": {"enum": ["Lax", "Strict", "None", ""],
                 "description": "the cookie's SameSite; \"\" = no attribute"},
    "secure": {"type": "boolean"}}}
_COMMENT = {"type": "object", "required": ["text"], "properties": {
    "text": {"type": "string", "minLength": 1, "maxLength": 500}}}


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
            "get": _op("The lab's switches"),
            "put": _op("Change the lab's switches", body={"type": "object", "properties": {
                "custom_error_handlers": {"type": "boolean"},
                "short_circuit": {"type": "boolean"}}, "additionalProperties": False})},
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
            params=[{"name": "after", "in": "query", "schema": {"type": "string"}},
                    {"name": "client", "in": "query", "schema": {"type": "string"},
                     "description": "the viewer's client id: its own cookie values unmasked"}])},
        "/api/error/{kind}": {method: _op(
            "Trigger an error on purpose",
            params=[{"name": "kind", "in": "path", "required": True, "schema": {
                "enum": ["500", "404", "403", "exception", "login-abort"]}}])
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
