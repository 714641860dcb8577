"""``python -m statelab``: serve the playground (HOST, PORT from the environment)."""

import errno
import os
import socket
import sys

from . import create_app
from .devserver import JsonErrorRequestHandler
from .malloc import return_big_buffers


def port_in_use(host: str, port: int) -> bool:
    """Whether binding ``host:port`` fails as taken. SO_REUSEADDR as Werkzeug's server
    sets it, so a port only in TIME_WAIT (a server just stopped) counts as free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    # Werkzeug would say only "Port ... is in use": say how to pick another.
    if port_in_use(host, port):
        print(f" * Port {port} on {host} is in use (another State Lab, or another app).\n"
              f"   Stop it, or choose another port: make run PORT={port + 1}",
              file=sys.stderr, flush=True)
        sys.exit(1)
    return_big_buffers()
    app = create_app()
    print(f" * Flask State Lab on http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False,
            request_handler=JsonErrorRequestHandler)


if __name__ == "__main__":
    main()
