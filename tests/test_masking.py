"""In a shared lab, a viewer never receives another client's session cookie values."""

from __future__ import annotations

import json
import threading

import requests

from statelab.api.logins import NAMES as MECHANISMS
from statelab.masking import MASK, mask_cookie_header, mask_set_cookie

from .helpers import LabClient

ALICE, BOB = "alice1234567", "bob123456789"


def _pair(app, lab_client):
    alice = LabClient(app.test_client(), lab_client.lab, ALICE)
    bob = LabClient(app.test_client(), lab_client.lab, BOB)
    return alice, bob


def test_the_cookie_header_and_set_cookie_are_masked_for_others(app, lab_client):
    alice, bob = _pair(app, lab_client)
    for mechanism in MECHANISMS:
        alice.login(mechanism)
    alice.get("/api/state")
    sid = alice.get("/api/state").get_json()["mechanisms"]["server-session"]["sid"]
    signed = alice.client.get_cookie("session").value

    seen_by_bob = json.dumps(bob.events())
    assert sid not in seen_by_bob and signed not in seen_by_bob
    assert ALICE not in seen_by_bob
    trace = next(t for t in bob.traces() if t["request"]["path"] == "/api/state")
    assert trace["request"]["client"] == alice.person()
    assert f"server_session={MASK}" in trace["request"]["cookie_header"]
    assert f"username={MASK}" in trace["request"]["cookie_header"]
    login = next(t for t in bob.traces() if t["request"]["path"] == "/api/server-session/login")
    assert login["end"]["set_cookie"][0].startswith(f"server_session={MASK}; ")
    saved = next(s for s in login["steps"] if s["name"] == "save_session")
    assert saved["detail"]["server_session"]["sid"] == MASK

    seen_by_alice = json.dumps(alice.events())
    assert sid in seen_by_alice and signed in seen_by_alice


def test_a_viewer_cannot_claim_to_be_someone_it_only_saw(app, lab_client):
    """What bob receives of alice's id (her public id) is not enough to read as alice."""
    alice, bob = _pair(app, lab_client)
    alice.login("server-session")
    shown = bob.traces()[-1]["request"]["client"]
    assert shown == alice.person()
    bob.client_id = shown
    sid = alice.client.get_cookie("server_session").value
    assert sid not in json.dumps(bob.events())


def test_a_viewer_without_a_client_id_sees_every_value_masked(app, lab_client):
    lab_client.login("server-session")
    anonymous = app.test_client().get("/api/hooks", headers={"X-Lab-Id": lab_client.lab})
    sid = lab_client.client.get_cookie("server_session").value
    assert sid not in anonymous.get_data(as_text=True)


def test_the_stream_masks_too_and_takes_the_client_from_the_query(live_server):
    lab = requests.post(f"{live_server}/api/labs", timeout=5).json()["id"]
    received: list[str] = []
    connected = threading.Event()

    def follow(client):
        with requests.get(f"{live_server}/api/hooks/stream", stream=True, timeout=10,
                          params={"lab": lab, "client": client}) as stream:
            connected.set()
            for line in stream.iter_lines(decode_unicode=True):
                if line.startswith("data:") and '"type": "end"' in line:
                    received.append(line)
                    return

    bob = threading.Thread(target=follow, args=(BOB,))
    bob.start()
    connected.wait(5)
    login = requests.post(f"{live_server}/api/server-session/login", timeout=10,
                          headers={"X-Lab-Id": lab, "X-Client-Id": ALICE},
                          json={"username": "Tom", "password": "123"})
    bob.join(10)
    sid = login.cookies["server_session"]
    assert received and sid not in received[0]
    end = json.loads(received[0].removeprefix("data:"))
    assert end["set_cookie"][0].startswith(f"server_session={MASK}; ")


def test_mask_cookie_header_masks_every_value_and_keeps_the_names():
    assert mask_cookie_header("theme=dark; session=abc.def; username=Tom") == \
        f"theme={MASK}; session={MASK}; username={MASK}"
    assert mask_cookie_header(None) is None


def test_mask_set_cookie_keeps_the_attributes():
    assert mask_set_cookie("server_session=xyz; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                           "Max-Age=0; Path=/") == \
        f"server_session={MASK}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
    assert mask_set_cookie("theme=dark; Path=/") == f"theme={MASK}; Path=/"


def test_a_cookie_header_cut_by_the_log_bound_still_yields_its_secrets():
    """The log cuts a long Cookie header with "… (N more characters)"; Werkzeug's
    parse_cookie cannot encode that to latin-1, and reading the log answered 500."""
    from statelab.masking import cookie_secrets

    value = "s" * 40
    cut = f"session={value}; username=Tom… (12 more characters)"
    assert value in cookie_secrets(cut.split(";"))


SECRETS = {"campus": "SSO-campus-7f3a9", "remember": "remember-8c2b1",
           "api": "apikey-55d0e", "bearer": "bearer-91aa4", "token": "xauth-3e3e3"}


def _sends_its_credentials(alice):
    alice.client.set_cookie("campus_sso", SECRETS["campus"])
    alice.client.set_cookie("remember_token", SECRETS["remember"])
    return alice.get("/api/state", headers={
        "X-Api-Key": SECRETS["api"],
        "Authorization": f"Bearer {SECRETS['bearer']}", "X-Auth-Token": SECRETS["token"]})


def test_every_cookie_and_credential_header_of_another_client_is_masked(app, lab_client):
    """Any cookie the browser sends to the lab's host (a campus SSO, a remember_token)
    and any credential-like header reach the log: other viewers see none of their
    values (Cookie header, headers, the /api/state body), on a read and on the stream;
    the client itself sees them all."""
    alice, bob = _pair(app, lab_client)
    assert _sends_its_credentials(alice).status_code == 200
    statelab = app.extensions["statelab"]
    feed = statelab.feeds.join(lab_client.lab)
    try:
        frames = feed.next_after(0, 5).frames  # once the feed's follower has read the log
        streamed = b"".join(frame.bytes_for(BOB) for frame in frames).decode()
        own = b"".join(frame.bytes_for(ALICE) for frame in frames).decode()
    finally:
        statelab.feeds.leave(feed)
    seen_by_bob = json.dumps(bob.events())
    for secret in SECRETS.values():
        assert secret not in seen_by_bob, secret
        assert secret not in streamed, secret
        assert secret in json.dumps(alice.events()) and secret in own
    trace = next(t for t in bob.traces() if t["request"]["path"] == "/api/state")
    assert f"campus_sso={MASK}" in trace["request"]["cookie_header"]
    headers = dict(trace["request"]["headers"])
    assert headers["X-Api-Key"] == headers["X-Auth-Token"] == MASK
    assert headers["User-Agent"] != MASK  # an ordinary header stays readable
