"""Follow-up of people under measures: daily checks (idempotent, one per slot, inside the measure),
abnormal findings escalated to the grid's medic and the office leader, checked_through kept right
out of order, overdue checks and tests per grid, escalations handled, services for the people."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import StaffFactory, make_user
from tests.factories.screening import check, in_force
from wangge.core.access import SYSTEM, scope_of
from wangge.roster import services as roster
from wangge.roster.models import AssignmentRole
from wangge.screening.followup import selectors as followup_selectors
from wangge.screening.followup import services as followup
from wangge.screening.models import (
    DailyCheck,
    Escalation,
    Measure,
    ServiceRequest,
    ServiceStatus,
)
from wangge.testing.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_retried_check_returns_the_stored_one_and_a_taken_slot_is_refused(screening):
    measure = in_force(screening)
    today = timezone.localdate()
    cid = uuid.uuid4()
    first = check(screening, measure, today, 1, client_id=cid)
    again = check(screening, measure, today, 1, client_id=cid, temperature="39.0")
    assert again.pk == first.pk and DailyCheck.objects.filter(measure=measure).count() == 1
    with pytest.raises(ValidationError) as exc:
        check(screening, measure, today, 1)
    assert "already recorded" in str(exc.value)
    with pytest.raises(ValidationError):  # 2 checks a day in this phase
        check(screening, measure, today, 3)
    assert DailyCheck.objects.filter(measure=measure).count() == 1


def test_checks_only_inside_the_measure_and_not_in_the_future(screening):
    measure = in_force(screening)
    today = timezone.localdate()
    for day in (today + timedelta(days=1), measure.starts_on - timedelta(days=1)):
        with pytest.raises(ValidationError):
            check(screening, measure, day, 1)
    Measure.objects.filter(pk=measure.pk).update(status="cancelled")
    measure.refresh_from_db()
    with pytest.raises(ValidationError):
        check(screening, measure, today, 1)
    assert not DailyCheck.objects.exists()


def test_a_fever_escalates_to_the_grid_medic_and_the_office_leader_without_a_name(
    screening, world, django_capture_on_commit_callbacks
):
    medic = StaffFactory(name="王医生", phone="13800000001", unit=world.grid_a, kind="medic")
    leader = StaffFactory(name="李主任", phone="13800000002", unit=world.office, kind="office_leader")
    roster.assign(actor=SYSTEM, staff=medic, unit=world.grid_a, role=AssignmentRole.TEAM_MEDIC)
    roster.assign(actor=SYSTEM, staff=leader, unit=world.office, role=AssignmentRole.OFFICE_LEADER)
    measure = in_force(screening)
    with django_capture_on_commit_callbacks(execute=True):
        c = check(screening, measure, timezone.localdate(), 1, temperature="38.4")
    assert c.abnormal
    escalation = Escalation.objects.get(measure=measure)
    assert escalation.kind == "fever" and "38.4" in escalation.detail
    phones = set(OutboxMessage.objects.values_list("phone", flat=True))
    assert {"13800000001", "13800000002"} <= phones
    for m in OutboxMessage.objects.all():
        assert measure.person.name not in m.text and measure.person.id_number not in m.text
    assert {r["status"] for r in Escalation.objects.get(pk=escalation.pk).recipients} == {"sent"}
    # A normal check does not escalate; absent does.
    check(screening, measure, timezone.localdate(), 2, present=False, note="不在家")
    assert list(Escalation.objects.filter(measure=measure).values_list("kind", flat=True).order_by("id")) == [
        "fever",
        "absent",
    ]


def test_checked_through_follows_out_of_order_checks(screening):
    measure = in_force(screening, days_ago=3)
    d0 = measure.starts_on
    assert measure.checked_through == d0 - timedelta(days=1)
    check(screening, measure, d0 + timedelta(days=1), 1)
    check(screening, measure, d0 + timedelta(days=1), 2)
    measure.refresh_from_db()
    assert measure.checked_through == d0 - timedelta(days=1)  # day 1 still missing
    check(screening, measure, d0, 1)
    measure.refresh_from_db()
    assert measure.checked_through == d0 - timedelta(days=1)  # day 1 half done
    check(screening, measure, d0, 2)
    measure.refresh_from_db()
    assert measure.checked_through == d0 + timedelta(days=1)  # days 1 and 2 complete


def test_overdue_checks_and_tests_per_grid(screening, world):
    behind = in_force(screening, 0, days_ago=3)
    fine = in_force(screening, 1, days_ago=1)
    d0 = behind.starts_on
    check(screening, behind, d0, 1)
    check(screening, behind, d0, 2)
    check(screening, fine, fine.starts_on, 1)
    check(screening, fine, fine.starts_on, 2)
    scope = scope_of(screening.grid_leader)
    overdue = followup_selectors.missing_days(list(followup_selectors.overdue_measures(scope)))
    assert [o.measure.pk for o in overdue] == [behind.pk]
    assert overdue[0].missing_days == [d0 + timedelta(days=1), d0 + timedelta(days=2)]
    rows = {r.grid_id: r for r in followup_selectors.overdue_per_grid(scope)}
    assert rows[world.grid_a.pk].people == 1 and rows[world.grid_a.pk].missing_days == 2
    # Tests of days 1-3 of the measure begun 3 days ago: passed, no result, not sampled.
    assert rows[world.grid_a.pk].overdue_tests == 3 + 1  # + day 1 of the measure begun yesterday
    assert followup_selectors.overdue_tests(scope).filter(measure=behind).count() == 3
    assert (
        followup_selectors.tests_due_today(scope).filter(measure=behind).count() == 0
    )  # today is day 4: none
    assert followup_selectors.tests_due_today(scope).filter(measure=fine).count() == 1  # day 2
    # A grid leader of B sees none of it.
    other = make_user("followup_b", world.grid_b, "grid_leader")
    assert followup_selectors.overdue_per_grid(scope_of(other)) == []


def test_handle_escalation_needs_a_note(screening):
    measure = in_force(screening)
    check(screening, measure, timezone.localdate(), 1, symptoms=["cough"])
    escalation = Escalation.objects.get(measure=measure, kind="symptoms")
    with pytest.raises(ValidationError):
        followup.handle_escalation(actor=screening.grid_leader, escalation=escalation, note=" ")
    e = followup.handle_escalation(actor=screening.grid_leader, escalation=escalation, note="医生已上门")
    assert e.handled_at and e.handled_by == screening.grid_leader
    scope = scope_of(screening.grid_leader)
    assert not followup_selectors.escalation_list(scope, open_only=True).exists()


def test_services_lifecycle_with_times(screening, world):
    measure = in_force(screening)
    staff = StaffFactory(name="志愿者甲", phone="13800000009", unit=world.grid_a, kind="volunteer")
    foreign = StaffFactory(name="丙志愿者", phone="", unit=world.other_grid, kind="volunteer")
    cid = uuid.uuid4()
    req = followup.raise_request(
        actor=screening.grid_leader, measure=measure, kind="groceries", detail="米面", client_id=cid
    )
    assert (
        followup.raise_request(
            actor=screening.grid_leader, measure=measure, kind="groceries", client_id=cid
        ).pk
        == req.pk
    )
    by_person = followup.raise_request(
        actor=SYSTEM, measure=measure, kind="medicine", detail="降压药", by_person=True
    )
    assert by_person.raised_by_person and by_person.raised_by is None
    scope = scope_of(screening.grid_leader)
    assert followup_selectors.open_requests_per_grid(scope) == [
        {"measure__grid_id": world.grid_a.pk, "measure__grid__name": world.grid_a.name, "n": 2}
    ]
    with pytest.raises(ValidationError):
        followup.assign_request(actor=screening.grid_leader, request=req, staff=foreign)
    req = followup.assign_request(actor=screening.grid_leader, request=req, staff=staff)
    assert req.status == ServiceStatus.ASSIGNED and req.assigned_at >= req.raised_at
    with pytest.raises(ValidationError):
        followup.complete_request(actor=screening.grid_leader, request=req, outcome="")
    req = followup.complete_request(actor=screening.grid_leader, request=req, outcome="已送达")
    assert req.status == ServiceStatus.DONE and req.done_at >= req.assigned_at
    with pytest.raises(ValidationError):
        followup.cancel_request(actor=screening.grid_leader, request=req, reason="x")
    followup.cancel_request(actor=screening.grid_leader, request=by_person, reason="家属已送")
    assert ServiceRequest.objects.get(pk=by_person.pk).status == ServiceStatus.CANCELLED
    assert not followup_selectors.open_requests(scope).exists()
    Measure.objects.filter(pk=measure.pk).update(status="cancelled")
    measure.refresh_from_db()
    with pytest.raises(ValidationError):
        followup.raise_request(actor=screening.grid_leader, measure=measure, kind="rubbish")


# --- pages -------------------------------------------------------------------------------------


def test_the_day_page_lists_people_and_a_double_tapped_check_is_stored_once(client, screening, world):
    measure = in_force(screening)
    in_force(screening, 2)
    client.force_login(screening.grid_leader)
    r = client.get(reverse("screening:followup"))
    assert r.status_code == 200
    body = r.content.decode()
    assert measure.person.name in body and f'id="card-{measure.pk}"' in body
    assert measure.person.id_number not in body  # masked for a grid leader
    cid = str(uuid.uuid4())
    data = {"client_id": cid, "on_date": timezone.localdate().isoformat(), "slot": "1",
            "temperature": "36.6", "present": "on"}  # fmt: skip
    url = reverse("screening:measure_checks", kwargs={"measure_id": measure.pk})
    for _ in range(2):
        r = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"card-{measure.pk}")
        assert r.status_code == 200 and "recorded" in r.content.decode()
    assert DailyCheck.objects.filter(measure=measure).count() == 1
    # The refreshed card offers check 2 with a new client_id.
    assert 'name="slot" value="2"' in r.content.decode() and cid not in r.content.decode()
    r = client.post(url, {**data, "client_id": str(uuid.uuid4())})
    assert r.status_code == 422 and "already recorded" in r.content.decode()
    r = client.post(url, {**data, "client_id": str(uuid.uuid4())}, HTTP_HX_REQUEST="true")
    assert (
        r.status_code == 200
        and "already recorded" in r.content.decode()
        and 'class="errorlist"' in r.content.decode()
    )
    r = client.get(url)
    assert r.status_code == 200 and "36.6" in r.content.decode()
    # A grid outside the choices (no one under a measure there) is ignored, not an error.
    r = client.get(reverse("screening:followup"), {"grid": world.other_grid.pk})
    assert r.status_code == 200 and measure.person.name in r.content.decode()


def test_overdue_escalation_and_service_pages(client, screening, world):
    measure = in_force(screening, days_ago=2)
    staff = StaffFactory(name="志愿者乙", unit=world.grid_a, kind="volunteer")
    client.force_login(screening.grid_leader)
    r = client.get(reverse("screening:overdue"))
    assert r.status_code == 200
    assert f'data-grid-id="{world.grid_a.pk}"' in r.content.decode()
    assert f'data-measure-id="{measure.pk}"' in r.content.decode()
    check(screening, measure, timezone.localdate(), 1, temperature="38.0")
    escalation = Escalation.objects.get(measure=measure)
    r = client.get(reverse("screening:escalations"))
    assert f'data-escalation-id="{escalation.pk}"' in r.content.decode()
    url = reverse("screening:escalation_handle", kwargs={"escalation_id": escalation.pk})
    assert client.post(url, {"note": ""}).status_code == 200
    assert client.post(url, {"note": "送发热门诊"}).status_code == 302
    assert Escalation.objects.get(pk=escalation.pk).handled_note == "送发热门诊"
    r = client.post(
        reverse("screening:service_new", kwargs={"measure_id": measure.pk}),
        {"client_id": str(uuid.uuid4()), "kind": "medicine", "detail": "感冒药"},
    )
    assert r.status_code == 302
    req = ServiceRequest.objects.get(measure=measure)
    r = client.get(reverse("screening:services"))
    assert f'data-service-id="{req.pk}"' in r.content.decode()
    r = client.post(
        reverse("screening:service_assign", kwargs={"service_id": req.pk}), {"assigned_to": staff.pk}
    )
    assert r.status_code == 302
    r = client.post(reverse("screening:service_done", kwargs={"service_id": req.pk}), {"outcome": "已送"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "done" and req.assigned_to == staff and req.done_by == screening.grid_leader
    r = client.get(reverse("screening:services"), {"status": "done"})
    assert f'data-service-id="{req.pk}"' in r.content.decode()


# --- API ---------------------------------------------------------------------------------------


def _bearer(client, user):
    import json

    r = client.post("/api/v1/auth/token", json.dumps({"username": user.username, "password": "pass-word-123", "name": "t"}),
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 201, r.content
    return {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}


def test_api_checks_overdue_escalations_and_services(client, screening, world):
    measure = in_force(screening, days_ago=1)
    auth = _bearer(client, screening.grid_leader)
    url = f"/api/v1/screening/measures/{measure.pk}/checks"
    body = {
        "client_id": str(uuid.uuid4()),
        "on_date": measure.starts_on.isoformat(),
        "slot": 1,
        "temperature": "37.5",
    }
    r = client.post(url, body, content_type="application/json", **auth)
    assert r.status_code == 201, r.content
    assert r.json()["abnormal"] is True
    r = client.post(url, body, content_type="application/json", **auth)
    assert r.status_code == 200 and DailyCheck.objects.filter(measure=measure).count() == 1
    r = client.post(url, {**body, "client_id": str(uuid.uuid4())}, content_type="application/json", **auth)
    assert r.status_code == 422
    assert len(client.get(url, **auth).json()) == 1
    r = client.get("/api/v1/screening/follow-up/overdue", **auth).json()
    assert r["grids"][0]["grid_id"] == world.grid_a.pk and r["grids"][0]["people"] == 1
    assert r["people"][0]["missing_days"] == [measure.starts_on.isoformat()]
    escalations = client.get("/api/v1/screening/escalations", **auth).json()
    assert [e["kind"] for e in escalations] == ["fever"]
    r = client.post(f"/api/v1/screening/escalations/{escalations[0]['id']}/handle", {"note": "已复测"},
                    content_type="application/json", **auth)  # fmt: skip
    assert r.status_code == 200 and r.json()["handled_at"]
    staff = StaffFactory(name="志愿者丙", unit=world.grid_a, kind="volunteer")
    r = client.post("/api/v1/screening/services", {"measure_id": measure.pk, "kind": "rubbish"},
                    content_type="application/json", **auth)  # fmt: skip
    assert r.status_code == 201
    sid = r.json()["id"]
    r = client.post(
        f"/api/v1/screening/services/{sid}/assign",
        {"staff_id": staff.pk},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    r = client.post(
        f"/api/v1/screening/services/{sid}/cancel",
        {"reason": "重复"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.get("/api/v1/screening/services", **auth).json() == []
    # Another grid's leader: not found.
    other = make_user("followup_api_b", world.grid_b, "grid_leader")
    auth_b = _bearer(client, other)
    assert client.get(url, **auth_b).status_code == 404
    assert (
        client.post(
            url, {**body, "client_id": str(uuid.uuid4())}, content_type="application/json", **auth_b
        ).status_code
        == 404
    )
