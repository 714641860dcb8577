"""``python -m statelab``: serve the playground (HOST, PORT from the environment)."""

import os

from . import create_app
from .devserver import JsonErrorRequestHandler


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    print(f" * Flask State Lab on http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False,
            request_handler=JsonErrorRequestHandler)


if __name__ == "__main__":
    main()
