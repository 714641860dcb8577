"""Who other viewers see: a public id the server derives from the client id (the
instance key, the lab and the id), never a part of the id a client chose itself. A
student who sends the teacher's first four characters is not the teacher to anyone."""

from __future__ import annotations

import json
import threading

import requests

from statelab.identity import public_id

from .helpers import LabClient, new_lab

TEACHER, SPOOFER = "teac7Qz9xKwm", "teacSPOOFED1"  # the same first four characters


def _class(app):
    client = app.test_client()
    teacher = LabClient(client, new_lab(client), TEACHER)
    spoofer = LabClient(app.test_client(), teacher.lab, SPOOFER, owner=False)
    return teacher, spoofer


def person(lab_client) -> str:
    return lab_client.get("/api/me").get_json()["person"]


def test_clients_sharing_a_prefix_get_different_public_ids(app):
    teacher, spoofer = _class(app)
    mine, theirs = person(teacher), person(spoofer)
    assert len(mine) == len(theirs) == 8
    assert mine != theirs and mine[:4] != TEACHER[:4]
    # What /api/me answers is the derivation, under the instance key, for this lab only.
    assert mine == public_id(app.config["SECRET_KEY"], teacher.lab, TEACHER)
    assert public_id(app.config["SECRET_KEY"], new_lab(app.test_client()), TEACHER) != mine
    assert public_id("another instance key", teacher.lab, TEACHER) != mine


def test_the_page_learns_its_public_id_with_the_lab(app):
    teacher, _ = _class(app)
    assert teacher.get("/api/labs/current").get_json()["person"] == person(teacher)
    made = app.test_client().post("/api/labs", headers={"X-Client-Id": TEACHER}).get_json()
    assert made["person"] == public_id(app.config["SECRET_KEY"], made["id"], TEACHER)
    assert app.test_client().post("/api/labs").get_json()["person"] is None


def test_a_spoofer_with_the_teachers_prefix_and_name_is_another_person(app):
    teacher, spoofer = _class(app)
    teacher.put("/api/me", json={"name": "Teacher"})
    spoofer.put("/api/me", json={"name": "Teacher"})
    spoofer.get("/api/comments")
    teacher.get("/api/comments")
    events = teacher.events()
    people = [e["by"]["client"] for e in events if e["type"] == "people"]
    assert people == [person(teacher), person(spoofer)]
    requests_ = [e for e in events if e["type"] == "request"]
    theirs, mine = requests_[-2], requests_[-1]
    assert theirs["client"] == theirs["person"] == person(spoofer)
    assert mine["client"] == TEACHER and mine["person"] == person(teacher)  # its own: whole


def _activity(teacher, spoofer):
    """The teacher does what every kind of event records: requests, a name, a setting."""
    teacher.put("/api/me", json={"name": "Ms Lee"})
    teacher.put("/api/lab/settings", json={"short_circuit": False})
    teacher.login("server-session")
    teacher.get("/api/state")
    teacher.get("/api/me")
    spoofer.get("/api/state")


def test_no_viewer_reads_another_clients_id_in_the_log(app):
    teacher, spoofer = _class(app)
    _activity(teacher, spoofer)
    events = spoofer.events()
    own = {e["trace"] for e in events if e["type"] == "request" and e["client"] == SPOOFER}
    seen = json.dumps([e for e in events if e.get("trace") not in own])
    assert TEACHER not in seen and TEACHER[:4] not in seen
    assert person(teacher) in seen
    assert TEACHER in json.dumps(teacher.events())  # its own requests, whole


def test_no_viewer_reads_another_clients_id_on_the_stream(live_server):
    made = requests.post(f"{live_server}/api/labs", timeout=5).json()
    lab = made["id"]
    received: list[str] = []
    connected = threading.Event()
    done = threading.Event()

    def follow():
        with requests.get(f"{live_server}/api/hooks/stream", stream=True, timeout=20,
                          params={"lab": lab, "client": SPOOFER}) as stream:
            connected.set()
            for line in stream.iter_lines(decode_unicode=True):
                received.append(line)
                # The teacher's three requests, each ending: PUT /api/me, login, GET /api/me.
                if sum('"type": "end"' in seen for seen in received) == 3:
                    done.set()
                    return

    viewer = threading.Thread(target=follow, daemon=True)
    viewer.start()
    assert connected.wait(5)
    session = requests.Session()
    session.headers.update({"X-Lab-Id": lab, "X-Client-Id": TEACHER,
                            "X-Lab-Owner": made["owner_token"]})
    session.put(f"{live_server}/api/me", json={"name": "Ms Lee"}, timeout=5)
    session.post(f"{live_server}/api/server-session/login", timeout=5,
                 json={"username": "Tom", "password": "123"})
    shown = session.get(f"{live_server}/api/me", timeout=5).json()["person"]
    assert done.wait(10)
    seen = "\n".join(received)
    assert TEACHER not in seen and TEACHER[:4] not in seen
    assert f'"client": "{shown}"' in seen
