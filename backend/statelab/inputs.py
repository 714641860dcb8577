"""Reading request input, and the one JSON shape every error answer takes.

Below the API: the API's views, the demo blueprint, the slow-route cap, the cross-site
guard and the development server's own errors all answer in this shape.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import jsonify, request
from werkzeug.exceptions import HTTPException


_DIGITS = re.compile(r"[0-9]{1,9}", re.ASCII)


def error_name(phrase: str) -> str:
    """An HTTP reason phrase as an error code: "Not Found" -> "not_found"."""
    return phrase.lower().replace("-", "_").replace(" ", "_")


def error_body(status: int, error: str, message: str, **extra: Any) -> dict:
    """The error shape: ``{"error", "message", "status", ...extra}``."""
    return {"error": error, "message": message, "status": status, **extra}


class ApiError(Exception):
    """A client mistake, answered in the error shape (``error_body``)."""

    def __init__(self, status: int, error: str, message: str, *,
                 headers: dict | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def from_http(cls, error: HTTPException, name: str | None = None) -> "ApiError":
        """Werkzeug's HTTP error in the error shape, with its headers (e.g. Allow)."""
        code = error.code or 500
        headers = {k: v for k, v in error.get_headers() if k != "Content-Type"}
        return cls(code, name or error_name(error.name), error.description or error.name,
                   headers=headers)

    def body(self) -> dict:
        return error_body(self.status, self.error, self.message, **self.extra)

    def response(self):
        return jsonify(self.body()), self.status, self.headers


def read_body(required: bool = True) -> dict:
    """The body as a dict, from JSON or a form; empty when there is none and it is optional."""
    mimetype = request.mimetype
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.to_dict()
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise ApiError(400, "missing_body", "A JSON body is required")
        return {}
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       f"Send JSON (application/json) or a form, not {mimetype}")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_json", f"Request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "bad_json", "Request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "The JSON body must be an object")
    return body


def text(body: dict, name: str, *, max_len: int, required: bool = True,
         min_len: int = 1) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, "missing_field", f"'{name}' is required", field=name)
        return None
    if not isinstance(value, str):
        raise ApiError(400, "bad_field", f"'{name}' must be a string", field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, possible in JSON "\ud800"
        raise ApiError(400, "bad_field", f"'{name}' is not valid Unicode text",
                       field=name) from None
    if not min_len <= len(value) <= max_len:
        raise ApiError(400, "bad_field",
                       f"'{name}' must be {min_len} to {max_len} characters", field=name)
    return value


def integer(body: dict, name: str, *, low: int, high: int) -> int | None:
    """An optional whole number in [low, high]; forms send it as text."""
    value = body.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(400, "bad_field", f"'{name}' must be a whole number from {low} to {high}",
                       field=name)
    return value


def flag(body: dict, name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise ApiError(400, "bad_field", f"'{name}' must be true or false", field=name)
    return value


def optional_flag(body: dict, name: str) -> bool | None:
    """An optional boolean; forms send "true" / "false"."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return flag(body, name)


def choice(body: dict, name: str, allowed: tuple[str, ...]) -> str | None:
    """An optional value from a fixed list (None when absent)."""
    value = body.get(name)
    if value is None:
        return None
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ApiError(400, "bad_field", f"'{name}' must be one of {shown}", field=name)
    return value
