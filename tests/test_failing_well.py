"""While the database or Redis is away: 503 with Retry-After (JSON under /api/, a short page
elsewhere), never a 500 page or a traceback; an upload's actions each keep their own outcome;
/healthz and /readyz for a load balancer."""

import json
import logging
import sys
import uuid

import pytest
from django.db import OperationalError
from django.test import Client

from wangge.core import health
from wangge.core.unavailable import QuietUnavailable, is_unavailable
from wangge.registry.codes.services import make_token
from wangge.testing.checkin import services as checkin
from wangge.testing.models import Sample, Tube, TubeStatus

pytestmark = pytest.mark.django_db


def outage(*args, **kwargs):
    raise OperationalError("connection to server was lost")


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_the_api_answers_503_json_with_retry_after_when_the_database_is_away(testing, monkeypatch):
    client = logged_in(testing.registrar)
    monkeypatch.setattr(checkin, "site_for_registrar", outage)
    response = client.post(
        f"/api/v1/testing/sites/{testing.site.pk}/upload",
        json.dumps({"table_no": 1, "scans": []}),
        content_type="application/json",
    )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"]


def test_a_page_answers_a_short_503_page(world, admin_user, monkeypatch):
    from wangge.core import views

    client = logged_in(admin_user)
    monkeypatch.setattr(views, "render", outage)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Traceback" not in response.content.decode()


def test_an_outage_met_in_a_middleware_answers_503_not_a_500_page(world, admin_user, monkeypatch):
    """Loading the session needs the database: that happens before any view runs."""
    from django.contrib.sessions.backends.db import SessionStore

    client = logged_in(admin_user, raise_request_exception=False)
    monkeypatch.setattr(SessionStore, "load", outage)
    page = client.get("/")
    assert page.status_code == 503 and page["Retry-After"]
    assert "Server Error" not in page.content.decode()
    api = client.get("/api/v1/testing/rounds")
    assert api.status_code == 503 and api.json()["detail"]


def test_an_outage_is_logged_in_one_line_without_a_traceback():
    try:
        raise OperationalError("could not connect: password=secret host=db")
    except OperationalError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Service Unavailable: %s", ("/x",), sys.exc_info()
        )
    assert QuietUnavailable().filter(record)
    assert record.exc_info is None
    line = logging.Formatter().format(record)
    assert "Traceback" not in line and "secret" not in line
    assert "/x" in line and "OperationalError" in line


def test_what_counts_as_an_outage():
    assert is_unavailable(OperationalError("gone"))
    wrapped = RuntimeError("while sealing")
    wrapped.__cause__ = OperationalError("gone")
    assert is_unavailable(wrapped)
    assert not is_unavailable(ValueError("a bug"))


def test_a_seal_that_meets_an_outage_leaves_the_stored_scans_accepted(testing, monkeypatch):
    client = logged_in(testing.registrar)
    url = f"/api/v1/testing/sites/{testing.site.pk}/upload"
    scans = [
        {
            "client_id": str(uuid.uuid4()),
            "tube": "A001",
            "code": make_token(p),
            "scanned_at": "2026-11-29T08:00:00+08:00",
        }
        for p in testing.people_a[:2]
    ]
    payload = json.dumps({"table_no": 1, "scans": scans, "seals": ["A001"]})
    real_seal = checkin.seal_tube
    monkeypatch.setattr(checkin, "seal_tube", outage)
    first = client.post(url, payload, content_type="application/json")
    assert first.status_code == 200
    data = first.json()
    assert [r["status"] for r in data["results"]] == ["accepted", "accepted"]
    assert data["seals"][0]["ok"] is False and data["seals"][0]["retry"] is True
    assert Tube.objects.get().status != TubeStatus.SEALED
    # The phone sends the seal again once the database is back: sealed, the scans stored once.
    monkeypatch.setattr(checkin, "seal_tube", real_seal)
    again = client.post(url, payload, content_type="application/json").json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert again["seals"] == [{"key": "A001", "ok": True, "message": "", "retry": False}]
    assert Sample.objects.count() == 2
    assert Tube.objects.get().status == TubeStatus.SEALED


def test_healthz_answers_while_the_database_is_away(client, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    monkeypatch.setattr(SessionStore, "load", outage)
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a balancer probes by address
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_says_what_is_not_ready(client, monkeypatch):
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok" and ready.json()["checks"]["migrations"] == "ok"

    monkeypatch.setattr(health, "_migrations_checked", False)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: ["pending"])
    pending = client.get("/readyz")
    assert pending.status_code == 503 and pending.json()["checks"]["migrations"] == "pending"
    assert pending["Retry-After"]

    monkeypatch.setattr(health, "_database", lambda: "unavailable")
    down = client.get("/readyz")
    assert down.status_code == 503 and down.json()["checks"]["database"] == "unavailable"


def test_readyz_reports_redis_without_taking_the_worker_out(client, settings):
    """Check-ins work without Redis: a balancer must not stop every worker for its outage."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "unavailable"
    assert response.json()["degraded"] == ["redis"]
