import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the notes package

from notes import create_app  # noqa: E402


@pytest.fixture
def app():
    return create_app({"STATELAB_TRACE_ENABLED": True})


@pytest.fixture
def client(app):
    return app.test_client()
