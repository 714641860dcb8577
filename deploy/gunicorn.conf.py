"""gunicorn settings for Flask State Lab behind nginx (see deploy/nginx.conf, README).

    gunicorn -c deploy/gunicorn.conf.py 'statelab:create_app()'

Command-line options win over these (``-w 2``, ``-b 127.0.0.1:9000``).
"""

import os

# Only nginx talks to gunicorn: a slow client then costs an nginx connection, not one
# of this worker's (64 half-sent requests stalled gunicorn bound straight to the net).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Without Redis the hook log lives in one process: one worker. With
# STATELAB_REDIS_URL set, more workers share one world (measured: 2, bench/live.py).
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
# gevent: a live stream is a greenlet waiting on its lab's feed (fanout.py), not a
# thread, so a worker holds a class of viewers. redis-py and Flask run under gevent's
# monkey-patching; scrypt checks go to gevent's thread pool (accounts.py). Measured
# with bench/live.py (README, Benchmarks): gthread with 32 threads served 24 viewers.
worker_class = "gevent"
# Connections a worker holds at once; the app keeps a quarter (at least 4) of them
# for ordinary requests (see post_worker_init): 750 streams of 1000.
# Requests are parsed by gunicorn_h1c, a dependency (pyproject.toml): gunicorn's Python
# parser copies the whole head on every read, ~90 ms of this worker for a client that
# sends 800 KB of headers before gunicorn refuses them (bench/README.md). Even the C
# parser's reads copy the head so far each time: the head may hold 32 header lines of
# 8190 bytes (262 KB; gunicorn's 100 made it 819 KB, 10 times the copying), still far
# more than nginx passes on (deploy/nginx.conf: 4 buffers of 8k).
http_parser = "auto"
limit_request_fields = 32
limit_request_field_size = 8190
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", "1000"))


def post_worker_init(worker):
    """Tell the app how many connections this worker holds, so it caps live streams
    below that (unless STATELAB_MAX_STREAMS says otherwise). The workers share the crack
    processes (statelab/secret_keys.py: ~17 MiB each) and STATELAB_PASSWORD_CHECKS
    (scrypt: 32 MiB each while it runs). And freed big buffers go back to the system
    (statelab/malloc.py)."""
    from statelab.malloc import return_big_buffers
    from statelab.secret_keys import fit_workers

    return_big_buffers()
    fit_workers(worker.cfg.workers)
    statelab = getattr(worker.wsgi, "extensions", {}).get("statelab")
    if statelab is None:
        return
    statelab.passwords.fit_workers(worker.cfg.workers)
    pool = worker.cfg.worker_connections if worker.cfg.worker_class_str == "gevent" \
        else worker.cfg.threads
    statelab.streams.fit_threads(pool)
    worker.log.info("statelab: at most %d live streams of %d %s", statelab.streams.capacity,
                    pool, worker.cfg.worker_class_str)
