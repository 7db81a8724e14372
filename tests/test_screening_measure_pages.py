"""Pages and API of measures: the list, one measure with its basis and who did what, the decision
and the approval by someone else at office level, release with a printable notice, results by
hand, bulk orders with the count typed, and a person's own look-up with their code."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import client_for, make_user
from tests.factories.screening import proposed
from wangge.audit.models import AuditEvent
from wangge.registry.codes import services as codes
from wangge.screening.measures import services
from wangge.screening.models import Measure, MeasureStatus, MeasureTest

pytestmark = pytest.mark.django_db


def test_list_masks_ids_and_detail_shows_the_basis_and_is_audited(screening):
    measure = proposed(screening)
    worker = make_user("screen_worker", screening.people_a[0].grid, "grid_worker")
    page = client_for(worker).get("/screening/measures/").content.decode()
    assert screening.people_a[0].name in page and screening.people_a[0].id_number not in page
    detail = client_for(worker).get(f"/screening/measures/{measure.pk}/").content.decode()
    assert "朝阳区" in detail and "screen_leader_a" in detail
    assert AuditEvent.objects.filter(
        action="view", model="screening.measure", object_id=str(measure.pk)
    ).exists()


def test_decide_and_approve_through_the_pages(screening):
    measure = proposed(screening)
    cadre = client_for(screening.cadre)
    r = cadre.post(f"/screening/measures/{measure.pk}/decide/", {"note": "核实属实", "place": "港区隔离酒店"})
    assert r.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL and measure.place == "港区隔离酒店"
    # The cadre sees no approve button and cannot approve (not office level).
    assert 'data-testid="approve"' not in cadre.get(f"/screening/measures/{measure.pk}/").content.decode()
    assert cadre.post(f"/screening/measures/{measure.pk}/approve/", {}).status_code == 403
    approver = client_for(screening.approver)
    assert 'data-testid="approve"' in approver.get(f"/screening/measures/{measure.pk}/").content.decode()
    approver.post(f"/screening/measures/{measure.pk}/approve/", {"note": "同意"})
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ACTIVE and measure.approved_by == screening.approver


def test_release_through_the_page_gives_a_printable_notice(screening):
    measure = proposed(screening)
    services.decide_measure(actor=screening.cadre, measure=measure)
    services.approve_measure(actor=screening.approver, measure=measure)
    shift = timedelta(days=10)
    Measure.objects.filter(pk=measure.pk).update(
        starts_on=measure.starts_on - shift, ends_on=measure.ends_on - shift
    )
    leader = client_for(screening.grid_leader)
    for test in MeasureTest.objects.filter(measure=measure):
        MeasureTest.objects.filter(pk=test.pk).update(on_date=test.on_date - shift)
        assert (
            leader.post(
                f"/screening/tests/{test.pk}/result/", {"result": "negative", "lab": "港区"}
            ).status_code
            == 302
        )
    assert MeasureTest.objects.filter(measure=measure, result="negative").count() == 6
    r = client_for(screening.cadre).post(f"/screening/measures/{measure.pk}/release/", {})
    assert r.status_code == 302 and r["Location"].endswith("/notice/")
    notice = client_for(screening.cadre).get(r["Location"]).content.decode()
    measure.refresh_from_db()
    assert measure.release_notice_no in notice and "released" in notice


def test_a_release_refused_says_why(screening):
    measure = proposed(screening)
    services.decide_measure(actor=screening.cadre, measure=measure)
    services.approve_measure(actor=screening.approver, measure=measure)
    page = client_for(screening.cadre).get(f"/screening/measures/{measure.pk}/").content.decode()
    assert "release-blocked" in page and "runs until" in page


def test_bulk_order_through_the_pages(screening, world):
    from wangge.registry.models import Building

    building = Building.objects.get(name="摸排甲楼")
    cadre = client_for(screening.cadre)
    r = cadre.post(
        "/screening/orders/new/",
        {
            "name": "摸排甲楼封控", "building": building.pk, "kind": "home_quarantine",
            "starts_on": timezone.localdate().isoformat(), "days": 7, "test_days": "1,4,7", "checks_per_day": 2,
            "basis_kind": "order", "order_ref": "港防指12号", "basis_text": "甲楼出现阳性",
        },
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    order_url = r["Location"]
    page = client_for(screening.approver).get(order_url).content.decode()
    assert "4 people" in page
    client_for(screening.approver).post(order_url + "approve/", {"confirm_count": 3})
    assert Measure.objects.filter(status="active").count() == 0
    client_for(screening.approver).post(order_url + "approve/", {"confirm_count": 4})
    assert Measure.objects.filter(status="active").count() == 4


def test_the_person_looks_up_their_own_measure_with_code_and_id_tail(screening):
    measure = proposed(screening)
    person = measure.person
    token = codes.make_token(person)
    anon = Client()
    wrong = anon.post("/s/my-measure/", {"code": token, "id_tail": "0000"}).content.decode()
    assert 'data-testid="my-not-found"' in wrong and measure.basis_text not in wrong
    page = anon.post("/s/my-measure/", {"code": token, "id_tail": person.id_number[-4:]}).content.decode()
    assert 'data-testid="my-measure"' in page and measure.ends_on.isoformat() in page and "朝阳区" in page


def test_lookups_are_rate_limited(screening, settings):
    anon = Client()
    for _ in range(10):
        anon.post("/s/my-measure/", {"code": "WG1:x", "id_tail": "1234"})
    assert anon.post("/s/my-measure/", {"code": "WG1:x", "id_tail": "1234"}).status_code == 429


def test_api_decide_approve_and_read(screening):
    measure = proposed(screening)
    cadre = client_for(screening.cadre)
    r = cadre.post(
        f"/api/v1/screening/measures/{measure.pk}/decide", {"note": "ok"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "awaiting_approval"
    r = client_for(screening.approver).post(
        f"/api/v1/screening/measures/{measure.pk}/approve", {}, content_type="application/json"
    )
    body = r.json()
    assert body["status"] == "active" and [t["day_no"] for t in body["tests"]] == [1, 2, 3, 5, 7, 10]
    assert body["basis_kind"] == "rule" and body["decided_by"] and body["approved_by"]
    listed = client_for(screening.grid_leader).get("/api/v1/screening/measures").json()
    assert [m["id"] for m in listed] == [measure.pk]


def test_the_person_asks_for_groceries_from_their_own_page_once(screening):
    import uuid

    from wangge.screening.models import ServiceRequest

    measure = proposed(screening)
    services.decide_measure(actor=screening.cadre, measure=measure)
    services.approve_measure(actor=screening.approver, measure=measure)
    person = measure.person
    token = codes.make_token(person)
    anon = Client()
    client_id = str(uuid.uuid4())
    data = {"code": token, "id_tail": person.id_number[-4:], "action": "service", "kind": "groceries",
            "detail": "米和油", "client_id": client_id}  # fmt: skip
    page = anon.post("/s/my-measure/", data).content.decode()
    assert 'data-testid="service-sent"' in page
    anon.post("/s/my-measure/", data)  # a retried submission
    request = ServiceRequest.objects.get(measure=measure)
    assert request.raised_by_person and request.detail == "米和油" and request.raised_by is None
