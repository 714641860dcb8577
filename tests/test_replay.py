"""Replay and revoke: a copy of each cookie, replayed after logout; filling the session
until Flask compresses it and Werkzeug warns that browsers may drop it."""

from __future__ import annotations

import random

import pytest

from statelab.api.logins import NAMES

WARNING = "cookie is too large"


def state(client) -> dict:
    return client.get("/api/state").get_json()


def test_a_copy_replayed_after_logout_per_mechanism(lab_client):
    for mechanism in NAMES:
        lab_client.login(mechanism, "Tom")
    copy = {c["name"]: c["value"] for c in state(lab_client)["cookies"]}
    assert set(copy) == {"username", "session", "server_session"}
    for mechanism in NAMES:
        lab_client.post(f"/api/{mechanism}/logout")
    assert all(m["user"] is None for m in state(lab_client)["mechanisms"].values())
    for name, value in copy.items():
        assert lab_client.put(f"/api/cookies/{name}", json={"value": value}).status_code == 200
    believed = {name: m["user"] for name, m in state(lab_client)["mechanisms"].items()}
    # The plain cookie is believed as sent; the signed session cannot be revoked by
    # logout (its signature is still good); the server-side one was deleted at logout.
    assert believed == {"cookie": "Tom", "session": "Tom", "server-session": None}


def test_fill_until_compressed_and_too_large(lab_client):
    lab_client.login("session", "Tom")
    small = state(lab_client)["mechanisms"]["session"]
    assert small["decoded"]["compressed"] is False and small["raw"][0] != "."
    assert small["bytes"] == len(small["raw"])

    assert lab_client.post("/api/session/fill", json={"bytes": 200}).get_json() == {
        "filler_bytes": 200}
    filled = state(lab_client)["mechanisms"]["session"]
    assert filled["raw"].startswith(".") and filled["decoded"]["compressed"] is True
    assert filled["user"] == "Tom" and len(filled["decoded"]["payload"]["filler"]) == 200

    with pytest.warns(UserWarning, match=WARNING):
        lab_client.post("/api/session/fill", json={"bytes": 6000})
    big = state(lab_client)["mechanisms"]["session"]
    assert big["bytes"] > 4093 and big["decoded"]["compressed"] is True

    lab_client.post("/api/session/fill", json={"bytes": 0})
    emptied = state(lab_client)["mechanisms"]["session"]
    assert "filler" not in emptied["decoded"]["payload"] and emptied["user"] == "Tom"


def test_fill_is_bounded(lab_client):
    for body in ({"bytes": 8001}, {"bytes": -1}, {"bytes": "lots"}, {"other": 1}):
        response = lab_client.post("/api/session/fill", json=body)
        assert response.status_code == 400 and response.get_json()["field"] == "bytes"


def _warned(client) -> bool:
    trace = client.last_trace("/api/session/fill")
    return any(WARNING in line for step in trace["steps"] for line in step.get("output", []))


def test_every_lab_sees_werkzeugs_size_warning_not_only_the_first(app, monkeypatch):
    """Python shows a warning once per code location and text by default: on a shared
    server only the first learner whose cookie reached a given size would see Werkzeug's
    warning. The app shows it every time. (The filler is fixed here, so both labs' cookies
    have the same size and the warning the same text.)"""
    from statelab.api import session as session_api

    from .helpers import LabClient, new_lab

    def fixed_hex(n: int) -> str:  # as random as token_hex's, the same every time
        return random.Random(7).randbytes(n).hex()

    monkeypatch.setattr(session_api.secrets, "token_hex", fixed_hex)
    for _ in range(2):
        test_client = app.test_client()
        client = LabClient(test_client, new_lab(test_client))
        client.login("session", "Tom")
        client.post("/api/session/fill", json={"bytes": 8000})
        assert _warned(client)
