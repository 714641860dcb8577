"""The tracer's packages live in the repository's backend/ and its page in frontend/
(served as is in development, shared with the playground), so they are mapped here:
pyproject.toml cannot name folders outside this one. The page ships as
``statelab_trace.static``, where ``page.page_folder()`` finds it once installed."""

from setuptools import setup

setup(
    package_dir={"statelab_trace": "../backend/statelab_trace",
                 "statelab_trace.static": "../frontend"},
    packages=["statelab_trace", "statelab_trace.bus", "statelab_trace.static"],
    # Top-level files only: frontend/tests/ and the playground's HTML stay out.
    package_data={"statelab_trace.static": ["trace.html", "*.js", "*.css"]},
)
