"""Secret key, environment, CORS."""

from __future__ import annotations

import os
import stat

from statelab import create_app
from statelab.config import instance_secret, load


def test_secret_is_generated_once_and_kept(tmp_path):
    first = instance_secret(tmp_path)
    assert len(first) == 64
    assert instance_secret(tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_app_without_configured_secret_uses_the_instance_one(tmp_path, monkeypatch):
    for name in ("STATELAB_SECRET_KEY", "SECRET_KEY", "FLASK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    a = create_app({"INSTANCE_PATH": str(tmp_path)})
    b = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert a.secret_key == b.secret_key == (tmp_path / "secret_key").read_text()


def test_environment_settings(tmp_path):
    from flask import Flask

    app = Flask(__name__, instance_path=str(tmp_path))
    load(app, None, {"STATELAB_SECRET_KEY": "from-the-environment-key", "STATELAB_TRACING": "0",
                     "STATELAB_CORS_ORIGINS": "http://a.test, http://b.test",
                     "STATELAB_MAX_LABS": "7", "STATELAB_HEARTBEAT_SECONDS": "2.5"})
    assert app.secret_key == "from-the-environment-key"
    assert app.config["STATELAB_TRACING"] is False
    assert app.config["STATELAB_CORS_ORIGINS"] == ["http://a.test", "http://b.test"]
    assert app.config["STATELAB_MAX_LABS"] == 7
    assert app.config["STATELAB_HEARTBEAT_SECONDS"] == 2.5


def test_watched_labs_are_capped_at_half_the_redis_pool_unless_configured(tmp_path):
    from flask import Flask

    def loaded(environ):
        app = Flask(__name__, instance_path=str(tmp_path))
        load(app, None, {"STATELAB_SECRET_KEY": "a-long-enough-instance-key", **environ})
        return app.config["STATELAB_REDIS_CONNECTIONS"], app.config["STATELAB_MAX_WATCHED_LABS"]
    assert loaded({}) == (200, 100)
    assert loaded({"STATELAB_REDIS_CONNECTIONS": "6"}) == (6, 3)
    assert loaded({"STATELAB_REDIS_CONNECTIONS": "1"}) == (1, 1)
    assert loaded({"STATELAB_REDIS_CONNECTIONS": "6", "STATELAB_MAX_WATCHED_LABS": "5"}) == (6, 5)


def test_tracing_off_records_nothing(make_app):
    client = make_app(STATELAB_TRACING=False).test_client()
    lab = client.post("/api/labs").get_json()["id"]
    client.get("/api/state", headers={"X-Lab-Id": lab})
    assert client.get("/api/hooks", headers={"X-Lab-Id": lab}).get_json()["events"] == []


def test_cors_is_off_by_default(app):
    response = app.test_client().post("/api/labs", headers={"Origin": "http://evil.test"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_listed_origins_only(make_app):
    client = make_app(STATELAB_CORS_ORIGINS=["http://class.test"]).test_client()
    allowed = client.post("/api/labs", headers={"Origin": "http://class.test"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://class.test"
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    refused = client.post("/api/labs", headers={"Origin": "http://evil.test"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = client.options("/api/state", headers={
        "Origin": "http://class.test", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Lab-Id, X-Lab-Owner"})
    allowed_headers = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "x-lab-id" in allowed_headers and "x-lab-owner" in allowed_headers


def test_page_is_served_with_a_strict_content_security_policy(app):
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
