"""The table's scans and uploads with a bearer token take the lean path (wangge.core.lean): same
answers, same audit, same scoping as the full stack; anything unusual goes to the full stack."""

import json
import uuid

import pytest
from django.db import OperationalError

from wangge.accounts.services import issue_token
from wangge.audit.models import AuditEvent
from wangge.core import lean
from wangge.registry.codes.services import make_token
from wangge.testing.models import Sample, Tube, TubeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(monkeypatch):
    """Which requests the lean handlers answered themselves (not handing them to the full stack)."""
    answered: list[str] = []

    def spy(handler):
        def wrapped(request, **kwargs):
            response = handler(request, **kwargs)
            if response is not None:
                answered.append(request.path_info)
            return response

        return wrapped

    monkeypatch.setattr(
        lean, "_handlers", [lean.LeanHandler(h.method, h.pattern, spy(h.handler)) for h in lean._handlers]
    )
    return answered


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(actor=user, name='table app')[1]}"}


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def one_scan(person, tube="L001", **extra):
    return {"client_id": str(uuid.uuid4()), "tube": tube, "code": make_token(person), **extra}


def test_a_token_scan_is_answered_by_the_lean_path_exactly_once(client, testing, served):
    url = f"/api/v1/testing/sites/{testing.site.pk}/scan"
    body = one_scan(testing.people_a[0])
    auth = bearer(testing.registrar)
    first = post(client, url, body, **auth)
    again = post(client, url, body, **auth)
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "accepted" and again.json()["status"] == "duplicate"
    assert first.json()["person_name"] == testing.people_a[0].name
    assert testing.people_a[0].id_number not in first.content.decode()
    assert served == [url, url]
    assert Sample.objects.count() == 1
    # What the page middleware would have added to an API answer.
    assert "no-store" in first["Cache-Control"] and first["X-Frame-Options"] == "DENY"


def test_a_token_upload_stores_scans_and_runs_its_actions(client, testing, served):
    url = f"/api/v1/testing/sites/{testing.site.pk}/upload"
    scans = [one_scan(p, tube="L002") for p in testing.people_a[:3]]
    response = post(
        client, url, {"table_no": 1, "scans": scans, "seals": ["L002"]}, **bearer(testing.registrar)
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert [r["status"] for r in data["results"]] == ["accepted"] * 3
    assert data["seals"] == [{"key": "L002", "ok": True, "message": "", "retry": False}]
    assert Tube.objects.get().status == TubeStatus.SEALED
    assert served == [url]


def test_the_lean_path_speaks_the_callers_language(client, testing, served):
    url = f"/api/v1/testing/sites/{testing.site.pk}/scan"
    auth = bearer(testing.registrar)
    stranger = {"client_id": str(uuid.uuid4()), "tube": "L003", "id_number": "110101199003076512"}
    english = post(client, url, stranger, HTTP_ACCEPT_LANGUAGE="en", **auth).json()
    chinese = post(
        client, url, dict(stranger, client_id=str(uuid.uuid4())), HTTP_ACCEPT_LANGUAGE="zh-hans", **auth
    )
    assert english["status"] == "refused" and english["message"].startswith(
        "The check digit of this ID number"
    )
    assert chinese.json()["message"] != english["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.json()["message"])
    assert chinese["Content-Language"] == "zh-hans"
    assert served == [url, url]


def test_audit_rows_of_the_lean_path_carry_the_api_channel_and_request_id(client, testing, served):
    url = f"/api/v1/testing/sites/{testing.site.pk}/scan"
    post(
        client,
        url,
        one_scan(testing.people_a[1], tube="L004"),
        HTTP_X_REQUEST_ID="req-lean-1",
        **bearer(testing.registrar),
    )
    row = AuditEvent.objects.filter(model="testing.tube").latest("id")
    assert (row.channel, row.request_id, row.actor_id) == ("api", "req-lean-1", testing.registrar.pk)
    assert served == [url]


def test_anything_unusual_is_answered_by_the_full_stack_as_before(client, testing, served):
    url = f"/api/v1/testing/sites/{testing.site.pk}/scan"
    auth = bearer(testing.registrar)
    # A body that does not validate: the API's conventional 422.
    bad = post(client, url, {"tube": "L005"}, **auth)
    assert bad.status_code == 422 and "errors" in bad.json()
    # A site outside the registrar's area: 404, as for every route.
    other = testing.site.__class__.objects.create(
        round=testing.round, name="外乡", unit=testing.people_other[0].grid, path=testing.people_other[0].grid.path,
        tables=1, opens_at=testing.site.opens_at, closes_at=testing.site.closes_at,
    )  # fmt: skip
    assert (
        post(
            client, f"/api/v1/testing/sites/{other.pk}/scan", one_scan(testing.people_a[2]), **auth
        ).status_code
        == 404
    )
    # A token whose account may not register: 403.
    assert post(client, url, one_scan(testing.people_a[2]), **bearer(testing.lab)).status_code == 403
    # A revoked or unknown token: 401.
    assert (
        post(client, url, one_scan(testing.people_a[2]), HTTP_AUTHORIZATION="Bearer wg_nope").status_code
        == 401
    )
    # A refusal of the whole request (no such table): 422 with its reason.
    refused = post(client, url, dict(one_scan(testing.people_a[2]), table_no=9), **auth)
    assert refused.status_code == 422 and "9" in refused.json()["detail"]
    assert served == [] and Sample.objects.count() == 0


def test_a_browser_session_takes_the_full_stack_with_its_csrf_check(testing, served):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(testing.registrar)
    url = f"/api/v1/testing/sites/{testing.site.pk}/scan"
    response = post(browser, url, one_scan(testing.people_a[3]))
    assert response.status_code == 403  # no CSRF token
    assert served == [] and Sample.objects.count() == 0


def test_an_outage_before_the_scans_are_stored_is_a_503_from_the_full_stack(
    client, testing, served, monkeypatch
):
    from wangge.testing.checkin import services

    def away(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "check_in_one", away)
    monkeypatch.setattr(services, "ingest", away)
    response = post(
        client,
        f"/api/v1/testing/sites/{testing.site.pk}/scan",
        one_scan(testing.people_a[4]),
        **bearer(testing.registrar),
    )
    assert response.status_code == 503 and response["Retry-After"]
    assert "detail" in response.json()
    assert served == []


@pytest.fixture
def health_checks(monkeypatch):
    """Django's per-request health check of the kept connection, counted (on every database)."""
    from django.db import connections

    connection = connections["default"]  # the wrapper itself: the proxy cannot be monkeypatched
    checks: list[int] = []
    monkeypatch.setattr(connection, "health_check_enabled", True)
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    monkeypatch.setattr(lean, "_recent", type(lean._recent)())

    def request_starts():
        connection.health_check_done = False  # what close_old_connections does as a request starts

    return checks, request_starts


@pytest.mark.parametrize("recent_seconds, expected_checks", [(1.0, 1), (0.0, 3)])
def test_a_connection_that_answered_a_moment_ago_is_not_checked_again(
    client, testing, served, health_checks, monkeypatch, recent_seconds, expected_checks
):
    checks, request_starts = health_checks
    monkeypatch.setattr(lean, "RECENT_SECONDS", recent_seconds)
    url, auth = f"/api/v1/testing/sites/{testing.site.pk}/scan", bearer(testing.registrar)
    for person in testing.people_a[:3]:
        request_starts()
        response = post(client, url, one_scan(person), **auth)
        assert response.json()["status"] == "accepted"
    assert len(checks) == expected_checks
    assert served == [url] * 3


def test_a_connection_that_broke_since_is_checked_by_the_full_stack_which_answers(
    client, testing, served, health_checks, monkeypatch
):
    from wangge.testing.checkin import services

    checks, request_starts = health_checks
    url, auth = f"/api/v1/testing/sites/{testing.site.pk}/scan", bearer(testing.registrar)
    request_starts()
    assert post(client, url, one_scan(testing.people_a[0]), **auth).json()["status"] == "accepted"
    real, failed = services.check_in_one, []

    def broken_once(*args, **kwargs):
        if not failed:
            failed.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "check_in_one", broken_once)
    request_starts()
    response = post(client, url, one_scan(testing.people_a[1]), **auth)
    # the lean path gave up unchecked; the full stack checked the connection and stored the scan
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert len(checks) == 2 and served == [url]
    assert Sample.objects.count() == 2


def test_the_no_store_header_is_what_patch_cache_control_writes():
    from django.http import HttpResponse
    from django.utils.cache import patch_cache_control

    from wangge.core.middleware import forbid_caching

    fresh, patched, kept = HttpResponse(), HttpResponse(), HttpResponse()
    forbid_caching(fresh)
    patch_cache_control(patched, no_store=True, no_cache=True, must_revalidate=True, private=True)
    assert fresh["Cache-Control"] == patched["Cache-Control"] and fresh["Pragma"] == "no-cache"
    merged = HttpResponse()
    kept["Cache-Control"] = merged["Cache-Control"] = "max-age=60"
    forbid_caching(kept)
    patch_cache_control(merged, no_store=True, no_cache=True, must_revalidate=True, private=True)
    assert kept["Cache-Control"] == merged["Cache-Control"] and "max-age=60" in kept["Cache-Control"]
