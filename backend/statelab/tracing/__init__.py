"""The hook tracer: records every lifecycle step of a request, for any Flask app.

It knows nothing of the demo. It wraps what the app has registered, so a hook
registered anywhere appears with no list to edit, and Flask's request signals. Parts,
one concern each:

- ``record``: ``Trace``, one request's steps (``add_step`` writes the layout, ``render``
  reads it) and ``annotate`` for a step to add facts about itself;
- ``output``: what a step printed, logged or warned, captured per request;
- ``instrument``: wrapping the app's registries, its session interface and
  ``after_this_request`` callbacks;
- ``signals``: Flask's signals as steps;
- ``flusher``: live hand-over of requests that run long;
- ``wsgi``: ``HookTracer``, the entry that wraps ``app.wsgi_app``.

Recording is cheap: a step is a few values appended to the request's trace; the
request's events go to the bus in one batch when it ends, and the memory bus makes
them JSON only when they are read.
"""

from .record import Trace, annotate, qualified_name
from .wsgi import HookTracer

__all__ = ["HookTracer", "Trace", "annotate", "qualified_name"]
