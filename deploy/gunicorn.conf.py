"""gunicorn settings for Flask State Lab behind nginx (see deploy/nginx.conf, README).

    gunicorn -c deploy/gunicorn.conf.py 'statelab:create_app()'

Command-line options win over these (``--threads 16``, ``-b 127.0.0.1:9000``).
"""

import os

# Only nginx talks to gunicorn: a slow client then costs an nginx connection, not one
# of these threads (64 half-sent requests stalled gunicorn bound straight to the net).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Without Redis the hook log lives in one process: one worker. With
# STATELAB_REDIS_URL set, more workers share one world.
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
# Each live stream holds a thread; the app keeps a quarter of them (at least 4) for
# ordinary requests (see post_worker_init).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "32"))


def post_worker_init(worker):
    """Tell the app how many threads this worker has, so it caps live streams below
    the pool (unless STATELAB_MAX_STREAMS says otherwise)."""
    statelab = getattr(worker.wsgi, "extensions", {}).get("statelab")
    if statelab is not None:
        statelab.streams.fit_threads(worker.cfg.threads)
        worker.log.info("statelab: at most %d live streams of %d threads",
                        statelab.streams.capacity, worker.cfg.threads)
