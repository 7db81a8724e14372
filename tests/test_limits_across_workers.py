"""Every limit holds across worker processes: two web workers (gunicorn, one process each, one
database) take turns answering, and the stated limit is reached at the stated count, not at
twice it. Run with the embedded default's shared cache (the database) and with Redis."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from wangge.screening.public import views_lookup

ROOT = Path(__file__).resolve().parent.parent
LOGIN_FAILURE_LIMIT = 3
REDIS_URL = "redis://127.0.0.1:6379/14"

# The workers use a database of their own; this marks only that the test database (and its
# shared-cache table, which every test clears) is set up.
pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return False
    return True


def base_env() -> dict[str, str]:
    env = {
        **os.environ,
        "WANGGE_SECRET_KEY": "limits-" + "x" * 50,
        "WANGGE_LOGIN_FAILURE_LIMIT": str(LOGIN_FAILURE_LIMIT),
        "DJANGO_SETTINGS_MODULE": "wangge.settings",
    }
    env.pop("DATABASE_URL", None)  # one SQLite file that both workers open
    env.pop("WANGGE_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated database with one account, made once and copied for each run."""
    path = tmp_path_factory.mktemp("limits") / "template.sqlite3"
    env = {**base_env(), "WANGGE_SQLITE_PATH": str(path)}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "shell", "-v", "0", "-c",
         "from wangge.accounts.models import User; User.objects.create_user('registrar', password='right-password-1')"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return path


@pytest.fixture(params=["database", "redis"])
def two_workers(request, tmp_path, migrated):
    database = tmp_path / "db.sqlite3"
    shutil.copyfile(migrated, database)
    env = {**base_env(), "WANGGE_SQLITE_PATH": str(database)}
    if request.param == "redis":
        if not redis_answers():
            pytest.skip("no Redis on 127.0.0.1:6379")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        env["REDIS_URL"] = REDIS_URL
    python = sys.executable
    ports = [free_port(), free_port()]
    workers = [
        subprocess.Popen(
            [python, "-m", "gunicorn", "wangge.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 60
        for port in ports:
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.3)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=20)


def test_the_lookup_limit_per_address_holds_across_two_workers(two_workers):
    session = requests.Session()
    page = session.get(two_workers[0] + "/s/my-measure/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    statuses = []
    for i in range(views_lookup.LOOKUPS_PER_ADDRESS + 3):
        base = two_workers[i % 2]  # take turns: each worker alone would allow the limit again
        answer = session.post(
            base + "/s/my-measure/",
            data={"csrfmiddlewaretoken": token, "code": "ABCD-EFGH-J", "id_tail": "0000"},
            headers={"Referer": base + "/s/my-measure/"},
            timeout=10,
        )
        statuses.append(answer.status_code)
    allowed = views_lookup.LOOKUPS_PER_ADDRESS
    assert statuses[:allowed] == [200] * allowed
    assert statuses[allowed:] == [429] * 3  # from both workers


def test_the_login_failure_limit_holds_across_two_workers(two_workers):
    statuses = []
    for i in range(LOGIN_FAILURE_LIMIT * 2):
        answer = requests.post(
            two_workers[i % 2] + "/api/v1/auth/token",
            json={"username": "registrar", "password": "wrong", "name": "phone"},
            timeout=10,
        )
        statuses.append(answer.status_code)
    # Locked at the stated count of failures, whichever worker counted them; and then even the
    # right password is refused, on both workers.
    assert 429 in statuses[: LOGIN_FAILURE_LIMIT + 1], statuses
    assert set(statuses[LOGIN_FAILURE_LIMIT + 1 :]) == {429}, statuses
    for base in two_workers:
        right = requests.post(
            base + "/api/v1/auth/token",
            json={"username": "registrar", "password": "right-password-1", "name": "phone"},
            timeout=10,
        )
        assert right.status_code == 429
