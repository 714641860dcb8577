"""A small notes app, written the way Flask's tutorial (flaskr) writes apps: an app
factory, a blueprint per concern, each with its own hooks, and an error handler.
It is traced by the two StateLabTrace lines below; run it with

    flask --app notes run --debug        (from examples/notes/)

and open http://127.0.0.1:5000/_statelab/ beside it.
"""

from flask import Flask, jsonify

from statelab_trace import StateLabTrace


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev")
    app.config.from_prefixed_env()  # FLASK_STATELAB_TRACE_ENABLED=true, FLASK_SECRET_KEY=...
    if test_config is not None:
        app.config.from_mapping(test_config)

    from . import auth, notes

    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)

    @app.before_request
    def app_before():
        print("app before_request")

    @app.after_request
    def app_after(response):
        print("app after_request")
        return response

    @app.teardown_request
    def app_teardown(error):
        print(f"app teardown_request error={error!r}")

    @app.errorhandler(404)
    def not_found(error):
        print("app errorhandler 404")
        return jsonify(error="not found"), 404

    StateLabTrace(app)
    return app
