"""Two workers whose clocks differ: a session one signed is not refused by the other."""

from __future__ import annotations

import time

import pytest

from .helpers import LabClient, new_lab


@pytest.mark.parametrize("ahead", [60, 5])
def test_a_session_signed_by_a_worker_ahead_in_clock_is_accepted(app, monkeypatch, ahead):
    """itsdangerous refuses a timestamp in the future ("Signature age -60 < 0"): a
    cookie signed by a worker whose clock runs ahead was an empty session here."""
    client = LabClient(app.test_client(), new_lab(app.test_client()))
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + ahead)  # the other worker
    assert client.login("session").status_code == 200
    monkeypatch.setattr(time, "time", real)  # this worker
    state = client.get("/api/state").get_json()["mechanisms"]["session"]
    assert state["user"] == "Tom"


def test_a_timestamp_far_in_the_future_is_still_refused(app, monkeypatch):
    client = LabClient(app.test_client(), new_lab(app.test_client()))
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    client.login("session")
    monkeypatch.setattr(time, "time", real)
    assert not client.get("/api/state").get_json()["mechanisms"]["session"].get("user")
