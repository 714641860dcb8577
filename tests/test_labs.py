"""Labs through the API: creation, ids, eviction, info."""

from __future__ import annotations

from statelab.labs import LAB_ID


def test_labs_have_unguessable_url_safe_ids(app):
    client = app.test_client()
    ids = {client.post("/api/labs").get_json()["id"] for _ in range(20)}
    assert len(ids) == 20 and all(LAB_ID.match(i) for i in ids)
    body = client.post("/api/labs").get_json()
    assert body["url"] == f"/?lab={body['id']}"


def test_the_number_of_labs_is_bounded(make_app):
    client = make_app(STATELAB_MAX_LABS=3).test_client()
    labs = [client.post("/api/labs").get_json()["id"] for _ in range(5)]
    statuses = [client.get("/api/state", headers={"X-Lab-Id": lab}).status_code for lab in labs]
    assert statuses == [404, 404, 200, 200, 200]


def test_lab_info(lab_client):
    lab_client.get("/api/state")
    info = lab_client.get("/api/labs/current").get_json()
    assert info["id"] == lab_client.lab and info["events"] > 0 and info["subscribers"] == 0
