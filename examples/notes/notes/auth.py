from flask import Blueprint, g, jsonify, request, session

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_app_request
def load_logged_in_user():
    # Runs before every request of the app, as flaskr's does.
    g.user = session.get("user")
    print(f"auth load_logged_in_user user={g.user!r}")


@bp.after_request
def auth_after(response):
    print("auth after_request")
    return response


@bp.post("/login")
def login():
    username = (request.get_json(silent=True) or {}).get("username", "")
    if not username:
        return jsonify(error="username required"), 400
    session.clear()
    session["user"] = username
    print(f"auth login user={username!r}")
    return jsonify(user=username)


@bp.post("/logout")
def logout():
    session.clear()
    return jsonify(user=None)
