"""Cross-site requests (CSRF): refused when a browser says another site made them."""

from __future__ import annotations

import json

import pytest

from statelab.context import current

from .helpers import OWNERS, new_lab

EVIL = "http://localhost:9999"
ACTIONS = [("/api/cookie/comment", {"text": "as the victim"}),
           ("/api/session/comment", {"text": "as the victim"}),
           ("/api/server-session/comment", {"text": "as the victim"}),
           ("/api/cookie/logout", None), ("/api/session/logout", None),
           ("/api/server-session/logout", None), ("/api/cookies/clear", None),
           ("/api/session/login", {"username": "Tom", "password": "123"})]


@pytest.mark.parametrize("path, body", ACTIONS)
@pytest.mark.parametrize("headers", [
    {"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
    {"Origin": "null"}, {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}])
def test_another_sites_post_is_refused(lab_client, path, body, headers):
    response = lab_client.post(path, data=body, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"] == "cross_site"


def test_a_refused_comment_changes_nothing(lab_client):
    lab_client.login("cookie")
    response = lab_client.post("/api/cookie/comment", json={"text": "forged"},
                               headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert lab_client.get("/api/comments").get_json()["comments"] == []
    assert lab_client.get("/api/state").get_json()["mechanisms"]["cookie"]["user"] == "Tom"


def test_login_csrf_through_the_tutorials_form_route_is_refused(lab_client):
    response = lab_client.post("/login", data={"username": "Tom", "password": "123"},
                               headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "cross_site"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("headers", [
    {}, {"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}])
def test_same_origin_and_header_less_requests_pass(lab_client, headers):
    assert lab_client.login("session", headers=headers).status_code == 200
    assert lab_client.post("/api/session/comment", json={"text": "hi"},
                           headers=headers).status_code == 201


def test_reads_are_never_refused(lab_client):
    assert lab_client.get("/api/state", headers={"Origin": EVIL,
                                                 "Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_a_configured_cors_origin_may_post(make_app):
    client = make_app(STATELAB_CORS_ORIGINS=[EVIL]).test_client()
    lab = new_lab(client)
    response = client.post("/api/session/login", json={"username": "Tom", "password": "123"},
                           headers={"X-Lab-Id": lab, "Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EVIL


def test_own_origin_is_what_werkzeug_sees_on_a_real_server(live_lab):
    """Host and scheme as a real HTTP server passes them: its own origin passes, the
    same host on another port (another origin) does not."""
    own = live_lab.base
    other = own.rsplit(":", 1)[0] + ":1"
    body = {"username": "Tom", "password": "123"}
    assert live_lab.post(f"{own}/api/cookie/login", json=body,
                         headers={"Origin": own}).status_code == 200
    refused = live_lab.post(f"{own}/api/cookie/login", json=body, headers={"Origin": other})
    assert refused.status_code == 403


def test_a_refusal_runs_nothing_and_takes_no_room_in_the_log(lab_client):
    lab_client.get("/api/state")
    before = lab_client.events()
    assert lab_client.post("/api/cookie/logout", headers={"Origin": EVIL}).status_code == 403
    assert lab_client.events() == before


@pytest.mark.parametrize("name", ["session", "server_session"])
def test_session_cookies_are_samesite_lax_by_default(lab_client, name):
    mechanism = {"session": "session", "server_session": "server-session"}[name]
    cookie = lab_client.login(mechanism).headers["Set-Cookie"]
    assert cookie.startswith(f"{name}=")
    assert "SameSite=Lax" in cookie


def test_samesite_follows_flasks_own_setting(make_app):
    client = make_app(SESSION_COOKIE_SAMESITE="Strict").test_client()
    lab = new_lab(client)
    cookie = client.post("/api/server-session/login", headers={"X-Lab-Id": lab},
                         json={"username": "Tom", "password": "123"}).headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie


def test_cors_preflight_naming_the_lab_header_passes_without_a_lab(make_app):
    client = make_app(STATELAB_CORS_ORIGINS=[EVIL]).test_client()
    response = client.options("/api/session/login", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-lab-id, x-client-id"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EVIL
    assert "x-lab-id" in response.headers["Access-Control-Allow-Headers"].lower()



@pytest.mark.parametrize("kind", ["login-crash", "login-abort"])
def test_a_cross_site_navigation_cannot_log_the_visitor_in(lab_client, kind):
    """A top-level GET from another site carries and stores Lax cookies, and the guard
    lets every GET through: so no GET may write a session. The login kinds are POST only."""
    response = lab_client.get(f"/api/error/{kind}",
                              headers={"Sec-Fetch-Site": "cross-site", "Referer": EVIL})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.get_json()["error"] == "method_not_allowed"
    assert "Set-Cookie" not in response.headers
    assert lab_client.get("/api/state").get_json()["mechanisms"]["session"]["user"] is None


SAMPLE_ARGUMENTS = {"kind": ["500", "404", "403", "exception", "login-abort", "login-crash",
                             "unknown"],
                    "word": ["en"], "filename": ["app.js"]}


def _get_urls(app) -> list[str]:
    """Every GET route of the app, each argument filled with each sample value."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        fillings = [{}]
        for name in rule.arguments:
            fillings = [{**f, name: v} for f in fillings for v in SAMPLE_ARGUMENTS[name]]
        urls += [rule.build(f, append_unknown=False)[1] for f in fillings]
    return urls


def test_no_get_route_writes_a_session_or_a_cookie(app, lab_client):
    urls = _get_urls(app)
    assert "/api/error/login-crash" in urls and "/api/state" in urls
    for url in urls:
        # Not buffered: the headers (and the session save) come before a streamed body.
        response = lab_client.get(url, headers={"Sec-Fetch-Site": "cross-site"},
                                  buffered=False)
        response.close()
        assert response.headers.getlist("Set-Cookie") == [], url


def test_a_refused_request_makes_no_lab_and_logs_nothing(app):
    """The guard runs before the lab middleware: a forged POST naming a lab the server
    does not know does not make it again (which would write a ``lab`` event)."""
    statelab = current(app)
    unknown = "A" * 22
    response = app.test_client().post(f"/api/cookie/login?lab={unknown}",
                                      json={"username": "Tom", "password": "123"},
                                      headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and response.get_json()["error"] == "cross_site"
    assert not statelab.store.exists(unknown)
    assert statelab.bus.count(unknown) == 0


def test_a_refused_request_to_a_known_lab_logs_nothing_not_even_its_owner_token(lab_client):
    before = lab_client.events()
    token = OWNERS[lab_client.lab]
    response = lab_client.post(f"/api/cookie/login?owner={token}",
                               json={"username": "Tom", "password": "123"},
                               headers={"Origin": EVIL, "Referer": f"{EVIL}/?owner={token}"})
    assert response.status_code == 403
    after = lab_client.events()
    assert after == before
    assert token not in json.dumps(after)


UNKNOWN = "A" * 22  # a well-formed lab id the server does not know (it restarted)
CROSS_SITE = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
              {"Origin": EVIL}, {"Origin": EVIL, "Sec-Fetch-Site": "cross-site",
                                 "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
              {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
               "Sec-Fetch-Dest": "image"},
              {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
               "Sec-Fetch-Dest": "iframe"},
              # a script's navigation (location.href = ...): no user activation
              {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
               "Sec-Fetch-Dest": "document"},
              # a speculation-rules prefetch or prerender (Chromium), a <link rel=prefetch>
              {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
               "Sec-Fetch-Dest": "document", "Sec-Purpose": "prefetch"},
              {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
               "Sec-Fetch-Dest": "document", "Sec-Fetch-User": "?1",
               "Sec-Purpose": "prefetch;prerender"},
              {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
               "Sec-Fetch-Dest": "document", "Sec-Fetch-User": "?1", "Purpose": "prefetch"}]


@pytest.mark.parametrize("headers", CROSS_SITE)
@pytest.mark.parametrize("path", ["/api/hooks/stream", "/api/state", "/api/hooks"])
def test_another_sites_get_does_not_make_a_lab_again(app, path, headers):
    """An <img src> or a cross-origin EventSource on another site must not re-create
    labs by the visitors' browsers (each fills STATELAB_MAX_LABS)."""
    statelab = current(app)
    answer = app.test_client().get(f"{path}?lab={UNKNOWN}", headers=headers)
    assert "X-Lab-Recreated" not in answer.headers
    assert answer.status_code in (403, 404) and answer.is_json
    assert not statelab.store.exists(UNKNOWN)
    assert statelab.bus.count(UNKNOWN) == 0


def test_a_link_on_another_site_still_brings_the_lab_back(app):
    """A teacher's link posted elsewhere is a top-level navigation: after a restart it
    makes the class's lab again, as typing it would."""
    answer = app.test_client().get(f"/?lab={UNKNOWN}", headers={
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document", "Sec-Fetch-User": "?1"})
    assert answer.status_code == 200 and answer.headers["X-Lab-Recreated"] == "true"
    assert current(app).store.exists(UNKNOWN)


@pytest.mark.parametrize("headers", CROSS_SITE + [
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
     "Sec-Fetch-Dest": "document"}])
def test_another_sites_page_is_refused_a_live_stream_and_takes_nothing(lab_client,
                                                                         headers):
    statelab = current(lab_client.client.application)
    answer = lab_client.get("/api/hooks/stream", headers=headers, buffered=False)
    answer.close()
    assert answer.status_code == 403 and answer.get_json()["error"] == "cross_site"
    assert statelab.streams.in_use == 0
    assert statelab.bus.subscribers(lab_client.lab) == 0
    assert statelab.feeds.following() == 0


@pytest.mark.parametrize("headers", [
    {}, {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors",
         "Sec-Fetch-Dest": "empty"}, {"Origin": "http://localhost"}])
def test_the_pages_own_stream_and_header_less_clients_still_stream(lab_client, headers):
    answer = lab_client.get("/api/hooks/stream", headers=headers, buffered=False)
    assert answer.status_code == 200
    answer.close()


def test_a_configured_cors_origin_may_stream_and_make_a_lab_again(make_app):
    app = make_app(STATELAB_CORS_ORIGINS=[EVIL])
    answer = app.test_client().get(f"/api/hooks/stream?lab={UNKNOWN}", buffered=False,
                                   headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 200 and answer.headers["X-Lab-Recreated"] == "true"
    answer.close()


def test_a_script_navigation_lands_on_a_page_that_makes_no_lab(app):
    """A script on another site (location.href = ...) lands on a page, not the app: the
    app's own requests would make the lab. Its link, clicked, makes it."""
    client = app.test_client()
    answer = client.get(f"/?lab={UNKNOWN}", headers={
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document"})
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    assert f'href="/?lab={UNKNOWN}"' in page and "<script" not in page
    assert "Content-Security-Policy" in answer.headers
    assert not current(app).store.exists(UNKNOWN)
    clicked = client.get(f"/?lab={UNKNOWN}", headers={
        "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document", "Sec-Fetch-User": "?1"})
    assert clicked.status_code == 200 and clicked.headers["X-Lab-Recreated"] == "true"


@pytest.mark.parametrize("headers", [{"Sec-Purpose": "prefetch"},
                                     {"Sec-Purpose": "prefetch;anonymous-client-ip"},
                                     {"Purpose": "prefetch"}])
def test_a_prefetch_without_fetch_metadata_makes_no_lab(app, headers):
    """Chromium's cross-site speculation-rules prefetch (e2e/crosssite-labs.spec.js) is
    a guess of the browser, whatever else it says."""
    answer = app.test_client().get(f"/?lab={UNKNOWN}", headers=headers)
    assert answer.status_code == 404 and "X-Lab-Recreated" not in answer.headers
    assert not current(app).store.exists(UNKNOWN)
