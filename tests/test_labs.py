"""Labs through the API: creation, ids, eviction, info."""

from __future__ import annotations

from flask import request

from statelab.context import current
from statelab.labs import LAB_ID

from .helpers import LabClient, new_lab, owner_headers


def test_labs_have_unguessable_url_safe_ids(make_app):
    client = make_app(STATELAB_LABS_PER_ADDRESS=30).test_client()
    ids = {client.post("/api/labs").get_json()["id"] for _ in range(20)}
    assert len(ids) == 20 and all(LAB_ID.fullmatch(i) for i in ids)
    body = client.post("/api/labs").get_json()
    assert body["url"] == f"/?lab={body['id']}"


def test_the_number_of_labs_is_bounded(make_app):
    client = make_app(STATELAB_MAX_LABS=3, STATELAB_LAB_KEEP_SECONDS=0).test_client()
    labs = [client.post("/api/labs").get_json()["id"] for _ in range(5)]
    store = client.application.extensions["statelab"].store
    assert [store.exists(lab) for lab in labs] == [False, False, True, True, True]
    # A browser still holding an evicted lab's id gets it back, empty (labs.py).
    again = client.get("/api/state", headers={"X-Lab-Id": labs[0]})
    assert again.status_code == 200 and again.headers["X-Lab-Recreated"] == "true"
    assert sum(store.exists(lab) for lab in labs) == 3


def test_lab_info(lab_client):
    lab_client.get("/api/state")
    info = lab_client.get("/api/labs/current").get_json()
    assert info["id"] == lab_client.lab and info["events"] > 0 and info["subscribers"] == 0


def test_a_lab_evicted_while_its_request_runs_answers_unknown_lab(make_app):
    # Between the lab lookup and the view's write, another client's new lab evicts it:
    # one lab at most, none kept for being recently used.
    app = make_app(STATELAB_MAX_LABS=1, STATELAB_LAB_KEEP_SECONDS=0)
    store = current(app).store
    doomed = set()

    @app.before_request
    def evict_now():
        if doomed & {request.environ.get("HTTP_X_LAB_ID")}:
            current(app).labs.create()

    client = app.test_client()
    lab = new_lab(client)
    headers = {"X-Lab-Id": lab, **owner_headers(lab)}
    assert client.post("/api/cookie/login", json={"username": "Tom", "password": "123"},
                       headers=headers).status_code == 200
    doomed.add(lab)
    for method, path, body in (("post", "/api/cookie/comment", {"text": "late"}),
                               ("put", "/api/lab/settings", {"short_circuit": True})):
        res = getattr(client, method)(path, json=body, headers=headers)
        assert res.status_code == 404, path
        assert res.get_json()["error"] == "unknown_lab"
        assert not store.exists(lab)


def test_one_address_cannot_keep_everyone_else_out(make_app):
    """Labs used within the keep time are never evicted, so one address making and
    touching labs could keep all of them. It is refused at its cap instead."""
    client = make_app(STATELAB_MAX_LABS=25, STATELAB_LABS_PER_ADDRESS=20).test_client()
    mine = {"REMOTE_ADDR": "10.0.0.1"}
    answers = []
    for _ in range(25):
        made = client.post("/api/labs", environ_base=mine)
        answers.append(made.status_code)
        if made.status_code == 201:
            client.get("/api/comments", headers={"X-Lab-Id": made.get_json()["id"]},
                       environ_base=mine)
    assert answers == [201] * 20 + [429] * 5
    other = client.post("/api/labs", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 201


def test_an_address_at_its_cap_keeps_every_acknowledged_comment(make_app):
    """A class behind one NAT address: each group's lab keeps its comments; the lab one
    too many is refused (429 saying why), no recent lab is evicted for it."""
    client = make_app(STATELAB_LABS_PER_ADDRESS=3).test_client()
    labs = [new_lab(client) for _ in range(3)]
    for lab in labs:
        LabClient(client, lab).login()
        posted = client.post("/api/cookie/comment", json={"text": f"in {lab}"},
                             headers={"X-Lab-Id": lab})
        assert posted.status_code in (200, 201)
    refused = client.post("/api/labs")
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "too_many_labs" and body["labs"] == 3
    assert "3 labs" in body["message"] and int(refused.headers["Retry-After"]) >= 1
    for lab in labs:
        texts = [c["text"] for c in client.get("/api/comments",
                                               headers={"X-Lab-Id": lab}).get_json()["comments"]]
        assert texts == [f"in {lab}"]


def test_an_address_whose_labs_are_all_watched_is_told_how_many(make_app):
    client = make_app(STATELAB_LABS_PER_ADDRESS=1).test_client()
    lab = new_lab(client)
    watching = client.get(f"/api/hooks/stream?lab={lab}")
    refused = client.post("/api/labs")
    watching.close()
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "too_many_labs" and body["labs"] == 1
    assert int(refused.headers["Retry-After"]) >= 1


def test_a_request_that_outlives_its_evicted_lab_leaves_no_log_behind(make_app):
    """The request's trace is published after its lab was evicted (and its log dropped):
    the memory bus made the log again, kept for good, and a lab made again under that id
    began with the old request's events."""
    app = make_app(STATELAB_MAX_LABS=1, STATELAB_LAB_KEEP_SECONDS=0)
    statelab = current(app)
    doomed = set()

    @app.before_request
    def evict_now():
        if doomed & {request.environ.get("HTTP_X_LAB_ID")}:
            statelab.labs.create()

    client = app.test_client()
    lab = new_lab(client)
    doomed.add(lab)
    client.get("/api/comments", headers={"X-Lab-Id": lab})
    doomed.clear()
    assert not statelab.store.exists(lab)
    new_lab(client)  # the next lab made sweeps what the late request left
    assert statelab.bus.read(lab).events == []  # its old log went with it
    client.get("/api/comments", headers={"X-Lab-Id": lab})  # made again
    assert statelab.bus.read(lab).events[0]["type"] == "lab"
