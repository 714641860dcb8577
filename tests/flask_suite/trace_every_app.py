"""A pytest plugin: StateLabTrace on every Flask app built, right after ``Flask(...)``.

Loaded with ``-p trace_every_app`` into Flask's own test suite (``run.py``), it puts
the tracer, enabled, on each app the suite makes, as a developer would, and runs the
suite's tests unchanged.
"""

from __future__ import annotations

import flask

from statelab_trace import StateLabTrace

_flask_init = flask.Flask.__init__


def _traced_init(self, *args, **kwargs):
    _flask_init(self, *args, **kwargs)
    self.config["STATELAB_TRACE_ENABLED"] = True
    StateLabTrace(self)


def pytest_configure(config):
    flask.Flask.__init__ = _traced_init


def pytest_unconfigure(config):
    flask.Flask.__init__ = _flask_init
