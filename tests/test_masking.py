"""In a shared lab, a viewer never receives another client's session cookie values."""

from __future__ import annotations

import json
import threading

import requests

from statelab.api.logins import NAMES as MECHANISMS
from statelab.masking import MASK, mask_cookie_header, mask_set_cookie

from .helpers import LabClient

NAMES = frozenset({"username", "session", "server_session"})
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


def test_mask_cookie_header_keeps_other_cookies():
    assert mask_cookie_header("theme=dark; session=abc.def; username=Tom", NAMES) == \
        f"theme=dark; session={MASK}; username={MASK}"
    assert mask_cookie_header(None, NAMES) is None


def test_mask_set_cookie_keeps_the_attributes():
    assert mask_set_cookie("server_session=xyz; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                           "Max-Age=0; Path=/", NAMES) == \
        f"server_session={MASK}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
    assert mask_set_cookie("theme=dark; Path=/", NAMES) == "theme=dark; Path=/"


def test_a_cookie_header_cut_by_the_log_bound_still_yields_its_secrets():
    """The log cuts a long Cookie header with "… (N more characters)"; Werkzeug's
    parse_cookie cannot encode that to latin-1, and reading the log answered 500."""
    from statelab.masking import cookie_secrets

    value = "s" * 40
    cut = f"session={value}; username=Tom… (12 more characters)"
    assert value in cookie_secrets(cut.split(";"), frozenset({"session", "username"}))
