"""The tutorial's hook functions print what the tutorial prints, in Flask's order."""

from __future__ import annotations


def test_the_tutorials_prints_in_order(lab_client, capsys):
    capsys.readouterr()
    lab_client.get("/comment")
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["before_first_request", "before_request",
                     "<Response 44 bytes [200 OK]>", "after_request",
                     "None", "teardown_request"]


def test_teardown_prints_the_exception_it_received(lab_client, capsys):
    lab_client.get("/api/state")
    capsys.readouterr()
    lab_client.get("/api/error/exception")
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == ["division by zero", "teardown_request"]
