"""The page and its static files, compressed (Flask-Compress) and revalidated.

Only the views wrapped by ``compressed`` are compressed: the JSON API stays as the
hook log shows it (the tracer records response bodies), and the event stream is never
buffered. Flask's ``send_file`` answers ``Cache-Control: no-cache`` with an ETag and
Last-Modified: the browser keeps the file and asks again each time, and an unchanged
file costs a bodiless ``304``. Flask-Compress gives the compressed copy its own strong
ETag (``"etag:br"``) and answers the conditional request against it, so a cached
compressed copy is revalidated as such.
"""

from __future__ import annotations

import functools
from typing import Callable

from flask import Flask
from flask_compress import Compress

SETTINGS = {
    "COMPRESS_REGISTER": False,  # not every response: only the wrapped views
    # A file is read whole and compressed with its Content-Length (it is small: the
    # page's largest module is ~30 KB), never as a stream.
    "COMPRESS_STREAMS": False,
    # Measured on the page's 18 files (145 KB): br 5 gives 44.7 KB in ~34 ms for all,
    # br 4 (the default) 48.2 KB, gzip 6 47.4 KB, zstd 3 50.1 KB; br 9 gains 0.3 KB for
    # 13 times the CPU. Equal preferences (Chromium sends all four) pick the first here.
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_ALGORITHM": ["br", "gzip", "zstd", "deflate"],
}


def install(app: Flask) -> Callable[[Callable], Callable]:
    """Set Flask-Compress up on ``app``; answers the decorator for the views to compress."""
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    compress = Compress()
    compress.init_app(app)

    def compressed(view: Callable) -> Callable:
        @functools.wraps(view)
        def send(*args, **kwargs):
            response = view(*args, **kwargs)
            # send_file streams the file (direct passthrough); a whole 200 is read into
            # memory so it can be compressed. A 206 range or a 304 is left as it is.
            if response.status_code == 200 and response.direct_passthrough:
                response.direct_passthrough = False
                response.make_sequence()
            return compress.after_request(response)
        return send
    return compressed
