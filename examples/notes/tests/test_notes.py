"""The timeline StateLabTrace records for the notes app, checked against what Flask
really ran: every hook of the app prints one line, and the real standard output (what
pytest captured, in the order it was written) must be the trace's steps, in order."""

import pytest

# What each printed line says ran: the step the trace must show for it.
PRINTED_BY = {
    "app before_request": ("before_request", "app_before", None),
    "auth load_logged_in_user": ("before_request", "load_logged_in_user", None),
    "notes before_request": ("before_request", "require_user", "notes"),
    "auth login": ("view", "login", "auth"),
    "notes after_this_request": ("after_this_request", "count_header", None),
    "notes after_request": ("after_request", "notes_after", "notes"),
    "auth after_request": ("after_request", "auth_after", "auth"),
    "app after_request": ("after_request", "app_after", None),
    "app errorhandler 404": ("errorhandler", "not_found", None),
    "notes teardown_request": ("teardown_request", "notes_teardown", "notes"),
    "app teardown_request": ("teardown_request", "app_teardown", None),
}


def traces(app):
    grouped = {}
    for event in app.extensions["statelab_trace"].events():
        if "trace" in event:  # not the log's own "clear"
            grouped.setdefault(event["trace"], []).append(event)
    return list(grouped.values())


def said_by(line):
    """The step a printed line names: its words without the ``key=value`` ones."""
    return PRINTED_BY[" ".join(word for word in line.split() if "=" not in word)]


def printed_steps(events):
    """(step name, function, blueprint, line) for each line the trace says a step printed."""
    return [(step["name"], step["function"].rsplit(".", 1)[-1], step["blueprint"], line)
            for step in events if step["type"] == "step"
            for line in step.get("output", []) if not line.startswith("WARNING ")]


@pytest.mark.parametrize("method, path, login, status", [
    ("post", "/auth/login", False, 200),
    ("get", "/notes/", True, 200),
    ("get", "/notes/", False, 401),       # a blueprint before_request answers: no view
    ("get", "/notes/99", True, 404),      # abort(404) in the view: the handler answers
    ("get", "/nowhere", False, 404),      # routing error: before_request still runs
])
def test_the_timeline_is_what_flask_ran(app, client, capsys, method, path, login, status):
    if login:
        client.post("/auth/login", json={"username": "ann"})
        app.extensions["statelab_trace"].bus.clear("app")
    capsys.readouterr()
    kwargs = {"json": {"username": "ann"}} if method == "post" else {}
    assert getattr(client, method)(path, **kwargs).status_code == status
    really_printed = capsys.readouterr().out.splitlines()
    assert really_printed  # the tracer tees: the console still shows every print
    (events,) = [t for t in traces(app) if t[0]["type"] == "request"]
    assert printed_steps(events) == [(*said_by(line), line) for line in really_printed]
    assert events[-1]["type"] == "end" and events[-1]["status"] == status


def test_blueprint_hooks_run_before_app_hooks_on_the_way_out(app, client):
    client.post("/auth/login", json={"username": "ann"})
    client.get("/notes/")
    steps = [e for e in traces(app)[-1] if e["type"] == "step"]
    outgoing = [(s["name"], s["blueprint"]) for s in steps
                if s["name"] in ("after_this_request", "after_request", "teardown_request")]
    assert outgoing == [("after_this_request", None), ("after_request", "notes"),
                        ("after_request", None), ("teardown_request", "notes"),
                        ("teardown_request", None)]


def test_a_log_record_is_output_of_the_view_that_logged_it(app, client):
    client.post("/auth/login", json={"username": "ann"})
    client.get("/notes/")
    view = next(e for e in traces(app)[-1] if e.get("name") == "view")
    assert view["output"] == ["WARNING notes.notes: listing 2 notes for ann"]


def test_the_session_the_login_saved_is_on_its_save_session_step(app, client):
    client.post("/auth/login", json={"username": "ann"})
    saved = next(e for e in traces(app)[-1] if e.get("name") == "save_session")
    assert saved["detail"]["session"] == {"user": "ann"}
    end = traces(app)[-1][-1]
    assert end["set_cookie"][0].startswith("session=")


def test_off_unless_enabled():
    from notes import create_app

    app = create_app()
    assert app.extensions["statelab_trace"].enabled is False
    assert app.test_client().get("/_statelab/").status_code == 404
