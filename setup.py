"""Packaging beyond what pyproject.toml can say: the page's files ship in the wheel.

The playground only: the tracer, ``statelab_trace``, is its own distribution
(``tracer/``, ``statelab-trace``), a requirement of this one.

The playground's frontend/ stays at the top of the checkout (no build step, served as
is in development) and is installed as the package ``statelab.frontend``, so an
installed app serves its page from inside the package, as Flask-DebugToolbar does.
pyproject.toml's ``packages.find`` cannot add a folder from outside ``backend/``.
"""

from setuptools import find_packages, setup

setup(
    package_dir={"": "backend", "statelab.frontend": "frontend"},
    packages=[*find_packages("backend", include=["statelab", "statelab.*"]),
              "statelab.frontend"],
    # Top-level files only: frontend/tests/ stays out of the wheel.
    package_data={"statelab": ["py.typed", "wordlists/*.txt"],
                  "statelab.frontend": ["*.html", "*.js", "*.css"]},
)
