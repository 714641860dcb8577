"""A full disk under the file-backed server-side sessions (`make run`'s default): a
login that could not be stored fails loudly, and /api/health says so."""

from __future__ import annotations

import errno
import tempfile

import pytest

from .helpers import LabClient, new_lab


@pytest.fixture
def full_disk(app, monkeypatch):
    """Every file created in the instance folder fails as on a full disk (ENOSPC)."""
    real = tempfile.mkstemp
    instance = app.instance_path

    def mkstemp(*args, **kwargs):
        if str(kwargs.get("dir") or "").startswith(instance):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def test_a_server_side_login_on_a_full_disk_answers_507(app, full_disk):
    client = LabClient(app.test_client(), new_lab(app.test_client()))
    answer = client.login("server-session")
    assert answer.status_code == 507
    body = answer.get_json()
    assert body["error"] == "session_not_stored" and "disk" in body["message"]
    state = client.get("/api/state").get_json()["mechanisms"]["server-session"]
    assert not state.get("user")


def test_health_reports_a_full_session_disk(app, full_disk):
    answer = app.test_client().get("/api/health")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "degraded" and body["sessions"]["ok"] is False


def test_health_is_ok_with_room_on_the_disk(app):
    answer = app.test_client().get("/api/health")
    assert answer.status_code == 200 and answer.get_json()["sessions"]["ok"] is True
