"""Every stored field is bounded: refused with a 400, or cut and marked cut."""

from __future__ import annotations

import pytest

from statelab.jsonable import MAX_HEADER_KEPT, MAX_MESSAGE_KEPT, MAX_URL_PART_KEPT

BIG = 30_000


@pytest.mark.filterwarnings("ignore:The 'username' cookie is too large")
def test_a_huge_username_cookie_cannot_author_a_comment(lab_client):
    lab_client.client.set_cookie("username", "x" * BIG)
    response = lab_client.post("/api/cookie/comment", json={"text": "hi"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_cookie"
    assert lab_client.get("/api/comments").get_json()["comments"] == []


def test_a_forged_username_up_to_a_logins_length_still_comments(lab_client):
    """The plain cookie's lesson stands: whatever name it carries is believed."""
    lab_client.client.set_cookie("username", "Z" * 64)
    assert lab_client.post("/api/cookie/comment", json={"text": "hi"}).status_code == 201


def _cut(value: str, limit: int) -> None:
    assert len(value) <= limit + 40
    assert value.endswith("more characters)")


def test_huge_request_fields_are_cut_in_the_hook_log(live_lab):
    """Through a real HTTP server, as `make run` receives them."""
    path = "/nowhere/" + "p" * BIG
    live_lab.get(f"{live_lab.base}{path}?{'q' * BIG}", headers={
        "User-Agent": "u" * BIG, "Cookie": "big=" + "c" * BIG}, timeout=10)
    events = live_lab.get(f"{live_lab.base}/api/hooks", timeout=5).json()["events"]
    request = next(e for e in events if e["type"] == "request"
                   and e["path"].startswith("/nowhere/"))
    _cut(request["path"], MAX_URL_PART_KEPT)
    _cut(request["query"], MAX_URL_PART_KEPT)
    _cut(request["user_agent"], MAX_MESSAGE_KEPT)
    _cut(request["cookie_header"], MAX_HEADER_KEPT)


def test_an_exception_message_from_the_url_is_cut_in_the_log(lab_client):
    mechanism = "m" * BIG
    assert lab_client.post(f"/api/{mechanism}/login").status_code == 404
    steps = lab_client.last_trace()["steps"]
    handled = next(s for s in steps if s["name"] == "errorhandler")
    _cut(handled["detail"]["exception"]["message"], MAX_MESSAGE_KEPT)


def test_a_lab_has_a_bounded_number_of_comments(lab_client):
    from statelab.store import MAX_COMMENTS

    lab_client.login("cookie")
    for _ in range(MAX_COMMENTS + 3):
        lab_client.post("/api/cookie/comment", json={"text": "t" * 500})
    assert len(lab_client.get("/api/comments").get_json()["comments"]) == MAX_COMMENTS

