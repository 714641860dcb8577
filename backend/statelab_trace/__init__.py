"""statelab_trace: see every step of a Flask app's request lifecycle, live.

    from statelab_trace import StateLabTrace

    app = Flask(__name__)
    StateLabTrace(app)

A package of its own: it needs Flask and nothing of the playground (``statelab``
depends on it, never the reverse). Parts, one concern each:

- ``extension``: ``StateLabTrace``, the extension and its page;
- ``record``: ``Trace``, one request's steps (``Trace.add`` writes a step, ``Trace.step``
  reads it) and ``annotate`` for a step to add facts about itself;
- ``output``: what a step printed, logged or warned, captured per request;
- ``instrument``: every function Flask calls for a request (through ``ensure_sync``) and
  the session interface's open and save, without replacing what the app registered;
- ``signals``: Flask's signals as steps;
- ``flusher``: live hand-over of requests that run long;
- ``wire``: what went over the wire (headers, bodies, tracebacks);
- ``wsgi``: ``HookTracer``, the entry that wraps ``app.wsgi_app``;
- ``bus``: the bounded event log (``Bus`` and its in-memory ``MemoryBus``);
- ``jsonable``: the JSON shape of exceptions and session values, and the caps.

Recording is cheap: a step is a few values appended to the request's trace; the
request's events go to the bus in one batch when it ends, and the memory bus makes
them JSON only when they are read.
"""

from .extension import StateLabTrace
from .record import Trace, annotate, qualified_name
from .wsgi import HookTracer

__all__ = ["HookTracer", "StateLabTrace", "Trace", "annotate", "qualified_name"]
