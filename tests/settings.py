"""Settings for the test suite: the project's settings with a secret key of this run.

pytest-django loads settings before any conftest, so the key is set here (pyproject's
DJANGO_SETTINGS_MODULE). It goes into the environment too, so that subprocesses a test starts
(manage.py ...) load settings as well. A random key per run: no test relies on a known key.
"""

import os
import secrets

os.environ.setdefault("WANGGE_SECRET_KEY", "tests-" + secrets.token_urlsafe(50))

from wangge.settings import *  # noqa: E402, F403
