"""What an app registered: its hooks and error handlers and those of each blueprint, by
the step name, function name and blueprint its steps carry when they run. The trace page
compares a request's steps with this list to say what was registered but not run."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .record import qualified_name

# Registries that map a blueprint name (None: the app) to a list of functions, and the
# step name their functions run as.
SCOPED = (
    ("url_value_preprocessors", "url_value_preprocessor"),
    ("before_request_funcs", "before_request"),
    ("after_request_funcs", "after_request"),
    ("teardown_request_funcs", "teardown_request"),
    ("url_default_functions", "url_defaults"),
)


def registered(app: Flask) -> dict[str, Any]:
    """``{"hooks": [{name, function, blueprint[, code, exception]}], "blueprints": [...]}``;
    ``blueprint`` is the registry's key: None for the app, a dotted name for a nested
    blueprint (as ``request.blueprints`` names it)."""
    hooks: list[dict[str, Any]] = []
    for attr, name in SCOPED:
        for scope, funcs in list(getattr(app, attr).items()):
            hooks.extend({"name": name, "function": qualified_name(f), "blueprint": scope}
                         for f in list(funcs))
    hooks.extend({"name": "teardown_appcontext", "function": qualified_name(f),
                  "blueprint": None} for f in list(app.teardown_appcontext_funcs))
    for scope, by_code in list(app.error_handler_spec.items()):
        for code, handlers in list(by_code.items()):
            hooks.extend({"name": "errorhandler", "function": qualified_name(handler),
                          "blueprint": scope, "code": code, "exception": exc_class.__name__}
                         for exc_class, handler in list(handlers.items()))
    return {"hooks": hooks, "blueprints": list(app.blueprints)}
