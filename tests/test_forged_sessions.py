"""Sessions forged with the tutorial's public key hold whatever the forger likes: the
server answers them with a clear 4xx or ignores what it cannot use, never a 500."""

from __future__ import annotations

import pytest

from .test_bounds import tutorial_cookie

NOT_NAMES = [5, True, 0.5, ["Tom"], {"name": "Tom"}]


@pytest.fixture
def forger(live_lab):
    """A live lab that signs with the tutorial's key, and a way to send a forged session."""
    live_lab.put(f"{live_lab.base}/api/lab/secret", json={"key": "tutorial"}, timeout=5)

    def send(method: str, path: str, data: dict, **kwargs):
        return live_lab.request(method, f"{live_lab.base}{path}", timeout=10,
                                headers={"Cookie": f"session={tutorial_cookie(data)}"},
                                **kwargs)

    send.lab = live_lab
    return send


@pytest.mark.parametrize("username", NOT_NAMES)
def test_a_username_that_is_not_a_name_cannot_comment(forger, username):
    answer = forger("POST", "/api/session/comment", {"username": username},
                    json={"text": "hi"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_cookie" and answer.json()["field"] == "session"
    lab = forger.lab
    assert lab.get(f"{lab.base}/api/comments", timeout=5).json()["comments"] == []


@pytest.mark.parametrize("username", NOT_NAMES)
def test_the_state_shows_no_user_for_a_username_that_is_not_a_name(forger, username):
    answer = forger("GET", "/api/state", {"username": username})
    assert answer.status_code == 200
    assert answer.json()["mechanisms"]["session"]["user"] is None
    logout = forger("POST", "/api/session/logout", {"username": username})
    assert logout.status_code == 200 and logout.json()["was"] is None


@pytest.mark.parametrize("choice", [
    {"samesite": 7}, {"samesite": ["Lax"]}, {"expires": 1e300}, {"expires": float("nan")},
    {"expires": float("inf")}, {"expires": "soon"}, {"expires": True},
    {"secure": "yes"}, {"secure": 1}, "Lax", [1, 2]])
def test_a_cookie_choice_no_login_makes_is_ignored(forger, choice):
    """The next save (here the session fill) sets the cookie with the defaults."""
    answer = forger("POST", "/api/session/fill", {"username": "Tom", "_cookie": choice},
                    json={"bytes": 10})
    assert answer.status_code == 200
    set_cookie = answer.headers["Set-Cookie"]
    assert "SameSite=Lax" in set_cookie and "Max-Age" not in set_cookie
    assert "Expires" not in set_cookie and "Secure" not in set_cookie


def test_a_lifetime_longer_than_a_login_grants_is_ignored(forger):
    import time

    answer = forger("POST", "/api/session/fill",
                    {"username": "Tom", "_cookie": {"expires": time.time() + 10 * 86400}},
                    json={"bytes": 10})
    assert answer.status_code == 200 and "Max-Age" not in answer.headers["Set-Cookie"]
    kept = forger("POST", "/api/session/fill",
                  {"username": "Tom", "_cookie": {"max_age": 60, "expires": time.time() + 60}},
                  json={"bytes": 10})
    assert "Max-Age=60" in kept.headers["Set-Cookie"] or \
        "Max-Age=59" in kept.headers["Set-Cookie"]
