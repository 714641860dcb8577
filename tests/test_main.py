"""``make run`` (``python -m statelab``) on a port another program holds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from .helpers import free_port


def test_a_busy_port_says_how_to_choose_another(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", free_port()))
        holder.listen()
        port = holder.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "statelab"], capture_output=True, text=True, timeout=30,
            env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port),
                 "STATELAB_INSTANCE_PATH": str(tmp_path)})
    assert run.returncode == 1
    assert f"Port {port} on 127.0.0.1 is in use" in run.stderr
    assert f"make run PORT={port + 1}" in run.stderr
    assert "Flask State Lab on" not in run.stdout  # it never started
