"""gunicorn.conf.py: the production settings load, and a connection is closed after its Nth request."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.django_db  # the suite's autouse fixtures clear the shared cache

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_settings_and_connection_closed_after_n_requests(monkeypatch):
    monkeypatch.setenv("WANGGE_MAX_REQUESTS_PER_CONNECTION", "3")
    conf = runpy.run_path(str(CONF))
    assert conf["worker_class"] == "gthread"
    assert conf["keepalive"] > 2
    reqs = [SimpleNamespace(req_number=n, must_close=False) for n in (1, 2, 3, 4)]
    for req in reqs:
        conf["pre_request"](None, req)
    assert [r.must_close for r in reqs] == [False, False, True, True]


def test_zero_never_closes(monkeypatch):
    monkeypatch.setenv("WANGGE_MAX_REQUESTS_PER_CONNECTION", "0")
    conf = runpy.run_path(str(CONF))
    req = SimpleNamespace(req_number=10_000, must_close=False)
    conf["pre_request"](None, req)
    assert not req.must_close
