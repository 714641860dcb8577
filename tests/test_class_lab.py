"""A class in one lab: the owner's powers, display names, capacity said
plainly, page state from the stream, and labs that survive a restart."""

from __future__ import annotations

import pytest

from statelab.labs import CLIENT_ID
from statelab.masking import MASK

from .helpers import LabClient, new_lab


@pytest.fixture
def owner(app):
    client = app.test_client()
    return LabClient(client, new_lab(client), client_id="teacher-0001")


@pytest.fixture
def student(app, owner):
    return LabClient(app.test_client(), owner.lab, client_id="student-0002", owner=False)


def lab_events(lab_client, kind):
    return [e for e in lab_client.events() if e["type"] == kind]


def test_the_lab_maker_gets_an_owner_token_and_a_teacher_link(app):
    body = app.test_client().post("/api/labs").get_json()
    assert len(body["owner_token"]) == 43
    assert body["teacher_url"] == f"/?lab={body['id']}&owner={body['owner_token']}"
    other = app.test_client().post("/api/labs").get_json()
    assert other["owner_token"] != body["owner_token"]  # one lab's token owns no other
    refused = app.test_client().delete("/api/hooks", headers={
        "X-Lab-Id": other["id"], "X-Lab-Owner": body["owner_token"]})
    assert refused.status_code == 403


@pytest.mark.parametrize("call", [
    lambda c: c.put("/api/lab/settings", json={"short_circuit": True}),
    lambda c: c.put("/api/lab/secret", json={"key": "tutorial"}),
    lambda c: c.post("/api/lab/secret/rotate", json={}),
    lambda c: c.delete("/api/hooks"),
    lambda c: c.post("/api/lab/reset"),
    lambda c: c.post("/api/lab/first-request"),
])
def test_only_the_owner_changes_the_lab(owner, student, call):
    refused = call(student)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "owner_only"
    assert call_with(student, call, "x" * 43).status_code == 403  # a token, not its
    assert call(owner).status_code in (200, 204)


def call_with(lab_client, call, token):
    forged = LabClient(lab_client.client, lab_client.lab, lab_client.client_id, owner=False)
    forged.owner = {"X-Lab-Owner": token}
    return call(forged)


def test_a_refused_change_changes_nothing(owner, student):
    student.put("/api/lab/settings", json={"short_circuit": True})
    student.delete("/api/hooks")
    assert owner.get("/api/lab/settings").get_json()["short_circuit"] is False
    assert lab_events(owner, "clear") == []


def test_settings_changes_and_clears_say_who_did_them(owner):
    owner.put("/api/me", json={"name": "Ms Lee"})
    owner.put("/api/lab/settings", json={"short_circuit": True})
    [settings] = lab_events(owner, "settings")
    assert settings["by"] == {"client": owner.person(), "name": "Ms Lee"}
    assert settings["changes"] == {"short_circuit": True}
    assert settings["settings"]["short_circuit"] is True
    owner.delete("/api/hooks")
    [clear] = owner.events()
    assert clear["type"] == "clear" and clear["by"] == {"client": owner.person(), "name": "Ms Lee"}


def test_reset_restores_flasks_defaults_and_the_instance_key(owner):
    owner.put("/api/me", json={"name": "Ms Lee"})
    owner.put("/api/lab/settings", json={"custom_error_handlers": False})
    owner.put("/api/lab/secret", json={"key": "tutorial"})
    assert owner.post("/api/lab/reset").get_json()["custom_error_handlers"] is True
    assert owner.get("/api/lab/secret").get_json()["signing"]["source"] == "instance"
    clear, settings = owner.events()[:2]
    assert [clear["type"], settings["type"]] == ["clear", "settings"]
    # Who emptied everyone's log, so pages can name them.
    assert clear["by"] == settings["by"] == {"client": owner.person(), "name": "Ms Lee"}
    assert clear["time"] == pytest.approx(settings["time"], abs=5)


def test_rearming_the_first_request_is_announced_and_changes_nothing_when_refused(owner,
                                                                                 student):
    student.get("/api/comments")  # the lab's first request is behind it
    assert student.post("/api/lab/first-request").status_code == 403
    assert "before_first_request" not in _steps_of_next_request(student)
    owner.put("/api/me", json={"name": "Ms Lee"})
    assert owner.post("/api/lab/first-request").get_json() == {"armed": True}
    assert "before_first_request" in _steps_of_next_request(student)
    [announced] = lab_events(owner, "settings")
    assert announced["changes"] == {"first_request": True}
    assert announced["by"] == {"client": owner.person(), "name": "Ms Lee"}
    assert announced["settings"] == owner.get("/api/lab/settings").get_json()


def _steps_of_next_request(lab_client) -> list[str]:
    lab_client.get("/api/comments")
    trace = [e["trace"] for e in lab_client.events() if e["type"] == "request"][-1]
    return [e["name"] for e in lab_client.events()
            if e.get("trace") == trace and e["type"] == "step"]


def test_labs_current_and_me_tell_a_page_whether_it_owns_the_lab(owner, student):
    assert owner.get("/api/labs/current").get_json()["owner"] is True
    assert student.get("/api/labs/current").get_json()["owner"] is False
    assert student.get("/api/me").get_json() == {"client": "student-0002", "name": None,
                                                  "owner": False, "person": student.person()}


def test_a_display_name_is_carried_on_that_clients_request_events(owner, student):
    assert student.put("/api/me", json={"name": " Ada 李 "}).get_json()["name"] == "Ada 李"
    student.get("/api/comments")
    request = [e for e in owner.events() if e["type"] == "request"][-1]
    assert request["client_name"] == "Ada 李"
    assert request["client"] == request["person"] == student.person()
    assert "user_agent" in request
    [people] = lab_events(owner, "people")
    assert people["name"] == "Ada 李" and people["by"]["client"] == student.person()


@pytest.mark.parametrize("name", ["", "   ", "x" * 33, "tab\there", "bell\x07", 42, None,
                                  "line\nbreak", "\u202e"])
def test_a_display_name_is_validated(student, name):
    response = student.put("/api/me", json={"name": name})
    assert response.status_code == 400
    assert response.get_json()["field"] == "name"
    assert student.get("/api/me").get_json()["name"] is None


def test_a_name_needs_a_client_id(app, owner):
    response = app.test_client().put("/api/me", json={"name": "Ann"},
                                     headers={"X-Lab-Id": owner.lab})
    assert response.status_code == 400 and response.get_json()["error"] == "client_required"


def test_the_client_required_message_gives_the_lengths_a_client_id_may_have(app, owner):
    """The message's bounds are the ones labs.CLIENT_ID enforces: a 7-character id is
    no id at all (it would name a client by what other viewers see of it)."""
    lengths = [n for n in range(1, 100) if CLIENT_ID.fullmatch("a" * n)]
    shortest, longest = lengths[0], lengths[-1]
    for bad in ("a" * (shortest - 1), "a" * (longest + 1)):
        response = app.test_client().put("/api/me", json={"name": "Ann"},
                                         headers={"X-Lab-Id": owner.lab, "X-Client-Id": bad})
        assert response.get_json()["error"] == "client_required"
        assert f"{shortest}-{longest} letters" in response.get_json()["message"]
    fine = app.test_client().put("/api/me", json={"name": "Ann"},
                                 headers={"X-Lab-Id": owner.lab, "X-Client-Id": "a" * shortest})
    assert fine.status_code == 200


def test_comments_and_page_reads_are_told_by_the_stream(owner, student):
    student.login()
    student.post("/api/cookie/comment", json={"text": "hi"})
    [event] = lab_events(owner, "comments")
    assert event["comment"]["text"] == "hi" and event["comment"]["author"] == "Tom"
    for path in ("/api/state", "/api/comments", f"/?lab={owner.lab}"):
        student.get(path)
    requests_ = [e for e in owner.events() if e["type"] == "request"]
    read = {e["path"]: e.get("page_read", False) for e in requests_}
    assert read["/api/state"] and read["/api/comments"] and read["/"]
    assert read["/api/cookie/comment"] is False and read["/api/cookie/login"] is False


def test_a_full_lab_says_so_with_the_count(make_app):
    client = make_app(STATELAB_MAX_VIEWERS=2).test_client()
    lab = new_lab(client)
    held = [client.get(f"/api/hooks/stream?lab={lab}"),
            LabClient(client, lab).get("/api/hooks/stream")]  # the owner's place
    refused = client.get(f"/api/hooks/stream?lab={lab}")
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "lab_full"
    assert refused.get_json()["viewers"] == 2
    assert "This lab is full (2 viewers; " in refused.get_json()["message"]
    for stream in held:
        stream.close()


def test_the_default_viewer_cap_fits_a_class(app):
    assert app.extensions["statelab"].bus.max_subscribers >= 200


def test_a_late_joiner_is_told_how_many_events_were_dropped(make_app):
    client = make_app(STATELAB_LAB_EVENTS=60).test_client()
    lab = LabClient(client, new_lab(client))
    for _ in range(10):
        lab.get("/api/comments")
    body = lab.get("/api/hooks").get_json()
    first = int(body["events"][0]["id"])
    assert body["dropped_before"] == first - 1 > 0
    assert len(body["events"]) <= 60
    lab.delete("/api/hooks")
    assert lab.get("/api/hooks").get_json()["dropped_before"] == 0


def test_an_unknown_well_formed_lab_is_made_again_on_demand(app):
    client = app.test_client()
    lab = "K" * 22
    response = client.get("/api/comments", headers={"X-Lab-Id": lab})
    assert response.status_code == 200
    assert response.headers["X-Lab-Recreated"] == "true"
    events = LabClient(client, lab).events()
    assert events[0]["type"] == "lab" and events[0]["recreated"] is True
    assert client.get("/api/comments", headers={"X-Lab-Id": lab}).headers.get(
        "X-Lab-Recreated") is None
    bad = client.get("/api/comments", headers={"X-Lab-Id": "<script>"})
    assert bad.status_code == 404


def test_after_a_restart_the_owner_keeps_the_lab_and_no_participant_can_claim_it(make_app):
    """A restart of the embedded default forgets every lab; the class's pages make it
    again under the same id. The first token shown must not claim the ownerless lab:
    any participant (every page is told of the restart) could take it."""
    before = make_app().test_client()
    made = before.post("/api/labs").get_json()
    lab, token = made["id"], made["owner_token"]
    after = make_app().test_client()  # a new process: nothing of the lab is left
    base = {"X-Lab-Id": lab}
    assert after.get("/api/comments", headers=base).headers["X-Lab-Recreated"] == "true"
    for forged in ("t" * 43, token[:-1] + ("A" if token[-1] != "A" else "B"), token[:32]):
        claim = after.put("/api/lab/settings", json={"short_circuit": True},
                          headers={**base, "X-Lab-Owner": forged})
        assert claim.status_code == 403
    assert after.get("/api/lab/settings", headers=base).get_json()["short_circuit"] is False
    kept = after.put("/api/lab/settings", json={"short_circuit": True},
                     headers={**base, "X-Lab-Owner": token})
    assert kept.status_code == 200
    assert after.get("/api/labs/current", headers={**base, "X-Lab-Owner": token}
                     ).get_json()["owner"] is True


def test_a_new_instance_key_ends_every_owner_token(make_app):
    made = make_app().test_client().post("/api/labs").get_json()
    other_key = make_app(SECRET_KEY="another-instance-key").test_client()
    answer = other_key.delete("/api/hooks", headers={"X-Lab-Id": made["id"],
                                                     "X-Lab-Owner": made["owner_token"]})
    assert answer.status_code == 403


def test_recreating_labs_is_rate_limited_like_making_them(make_app):
    client = make_app(STATELAB_LAB_RATE="2/minute").test_client()
    answers = [client.get("/api/comments", headers={"X-Lab-Id": f"{n}" * 22}).status_code
               for n in range(4)]
    assert answers == [200, 200, 404, 404]


def test_the_stream_masks_others_cookies_and_shares_one_rendering(owner, student, app,
                                                                  monkeypatch):
    from statelab import fanout

    renders = []
    real = fanout.Feed.render
    monkeypatch.setattr(fanout.Feed, "render",
                        lambda self, event: renders.append(event["id"]) or real(self, event))
    student.login()
    feeds = app.extensions["statelab"].feeds
    feed = feeds.join(owner.lab)
    try:
        frames = feed.next_after(0, 5).frames  # once the feed's follower has read the log
        login_end = next(f for f in frames if f.kind == "end")
        mine, theirs = login_end.bytes_for("student-0002"), login_end.bytes_for("teacher-0001")
        assert MASK.encode() not in mine and b"username=" in mine
        assert b"\\u2039masked\\u203a" in theirs
        assert login_end.bytes_for("someone-else") is theirs  # the same bytes for all
        assert sorted(renders) == sorted({*renders})  # each event rendered once
    finally:
        feeds.leave(feed)


def test_the_streams_shared_rendering_masks_headers_and_bodies_as_a_read_does(owner, student,
                                                                               app):
    """The fan-out renders other viewers' bytes once; they must be what GET /api/hooks
    gives the same viewer: headers and bodies (statelab_trace/wire.py) masked alike."""
    import json

    student.login(password="s3cret-pw")
    student.get("/api/state")
    feeds = app.extensions["statelab"].feeds
    feed = feeds.join(owner.lab)
    try:
        frames = feed.next_after(0, 5).frames
        read = {e["id"]: e for e in owner.events()}
        streamed = {}
        for frame in frames:
            data = frame.bytes_for("teacher-0001").decode().split("data: ", 1)[1]
            streamed[str(frame.number)] = json.loads(data)
        assert streamed == {key: read[key] for key in streamed}
        text = json.dumps(list(streamed.values()))
        assert "s3cret-pw" not in text and "student-0002" not in text
        state_end = next(e for e in streamed.values()
                         if e["type"] == "end" and e["endpoint"] == "api.state.state")
        assert state_end["body"]["text"] not in ("", MASK)  # masked in part, not whole
    finally:
        feeds.leave(feed)


def test_the_owner_token_never_reaches_the_log_a_har_or_another_viewer(owner, student, app):
    """Every viewer reads the lab's log (and exports it, copies rows as curl): the
    owner's header, a teacher link opened (`/?lab=..&owner=..`) and a Referer carrying
    one must not put the token there, e.g. a student's GET /api/hooks after the owner
    changed a setting."""
    token = owner.owner["X-Lab-Owner"]
    owner.put("/api/lab/settings", json={"short_circuit": False})
    owner.client.get(f"/?lab={owner.lab}&owner={token}")
    owner.get("/api/state", headers={"Referer": f"http://x/?lab={owner.lab}&owner={token}"})
    for viewer in (student, owner):
        log = viewer.get("/api/hooks").get_data(as_text=True)
        assert token not in log
        assert "owner=%5Bnot%20recorded%5D" in log  # the link and the Referer, blanked
    assert owner.get("/api/labs/current").get_json()["owner"] is True  # still works


def test_a_client_id_others_can_read_whole_is_no_client_id(owner, app):
    """Others see a client's first 4 characters; a 4-character id would be shown whole,
    and anyone could stream as that client (?client=) and read its cookies unmasked."""
    short = LabClient(app.test_client(), owner.lab, client_id="abcd", owner=False)
    short.get("/api/state")
    [request] = [e for e in owner.events() if e["type"] == "request"][-1:]
    assert request["client"] is None


def test_making_a_lab_is_traced_into_no_lab(owner, student):
    """POST /api/labs answers an owner token and a teacher link: naming an existing lab
    (X-Lab-Id) on it must not put that answer in the named lab's log."""
    made = student.post("/api/labs").get_json()
    for viewer in (student, owner):
        log = viewer.get("/api/hooks").get_data(as_text=True)
        assert made["owner_token"] not in log and made["id"] not in log


@pytest.mark.parametrize("name", ["%6Fwner", "own%65r", "%6F%77%6E%65%72", "owner"])
def test_an_owner_token_under_an_encoded_name_is_not_recorded(owner, student, name):
    """The page reads the teacher link with URLSearchParams, which decodes the name:
    redaction goes by the parsed name too."""
    token = owner.owner["X-Lab-Owner"]
    owner.client.get(f"/?lab={owner.lab}&{name}={token}")
    owner.get("/api/state", headers={"Referer": f"http://x/?lab={owner.lab}&{name}={token}"})
    for viewer in (student, owner):
        assert token not in viewer.get("/api/hooks").get_data(as_text=True)


def test_each_comment_names_the_person_who_posted_it(app, owner, student):
    """A class logged in as one demo account: the account says "Tom" each time, the
    comment's ``by`` tells the people apart (public ids and display names)."""
    other = LabClient(app.test_client(), owner.lab, client_id="student-0003", owner=False)
    student.put("/api/me", json={"name": "Ann"})
    for pupil in (student, other):
        pupil.login()
        pupil.post("/api/cookie/comment", json={"text": f"from {pupil.client_id}"})
    listed = owner.get("/api/comments").get_json()["comments"]
    assert [c["author"] for c in listed] == ["Tom", "Tom"]
    assert [c["by"] for c in listed] == [{"client": student.person(), "name": "Ann"},
                                         {"client": other.person(), "name": None}]
    told = [e["comment"] for e in lab_events(owner, "comments")]
    assert told == listed


def test_the_owner_keeps_a_live_place_in_a_full_lab(make_app):
    client = make_app(STATELAB_MAX_VIEWERS=3).test_client()
    lab = new_lab(client)
    stream = "/api/hooks/stream"
    pupils = [LabClient(client, lab, client_id=f"pupil-000{i}", owner=False) for i in range(4)]
    held = [pupils[i].get(stream) for i in range(3)]
    assert [r.status_code for r in held] == [200, 200, 200]
    refused = pupils[3].get(stream)
    assert refused.status_code == 429 and refused.get_json()["error"] == "lab_full"
    teacher = LabClient(client, lab, client_id="teacher-0001").get(stream)
    assert teacher.status_code == 200
    for response in (*held, teacher):
        response.close()


def test_the_log_says_how_many_viewers_follow_it_and_poll_it(owner, student):
    """A read of the log after an event id counts its reader as polling for a while (the
    owner's own reads are not counted: its page asks for the figure)."""
    stream = student.get("/api/hooks/stream")
    for reader in (student, LabClient(student.client, owner.lab, client_id="poller-0004",
                                      owner=False)):
        reader.get("/api/hooks?after=1")
    body = owner.get("/api/hooks?limit=1").get_json()
    assert body["viewers"] == {"live": 1, "polling": 2}
    stream.close()
