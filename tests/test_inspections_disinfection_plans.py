"""Disinfection plans: made, changed and ended from the page and the API, in scope only; the days
missed per plan and per office and grid."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.accounts import client_for
from tests.factories.inspections import make_venue
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.disinfection.services import create_plan
from wangge.inspections.models import DisinfectionPlan, DisinfectionRound

pytestmark = pytest.mark.django_db


def test_page_creates_edits_and_ends_a_plan(world, grid_leader_a):
    c = client_for(grid_leader_a)
    today = timezone.localdate()
    assert c.get("/inspections/disinfection/new").status_code == 200
    r = c.post(
        "/inspections/disinfection/new",
        {"unit": world.grid_a.pk, "place": "甲网格垃圾站", "every_days": 2, "starts_on": today.isoformat()},
    )
    assert r.status_code == 302
    plan = DisinfectionPlan.objects.get()
    assert plan.path == world.grid_a.path and plan.every_days == 2
    # A unit out of scope is not offered, and refused.
    r = c.post(
        "/inspections/disinfection/new",
        {"unit": world.grid_b.pk, "place": "乙网格", "every_days": 1, "starts_on": today.isoformat()},
    )
    assert r.status_code == 200 and DisinfectionPlan.objects.count() == 1
    # Bad input: a clear message, nothing saved.
    r = c.post(
        "/inspections/disinfection/new",
        {"unit": world.grid_a.pk, "place": "", "every_days": 300, "starts_on": today.isoformat()},
    )
    assert r.status_code == 200 and DisinfectionPlan.objects.count() == 1

    assert c.get(f"/inspections/disinfection/{plan.pk}/edit").status_code == 200
    r = c.post(
        f"/inspections/disinfection/{plan.pk}/edit",
        {"place": "甲网格垃圾中转站", "every_days": 1, "starts_on": today.isoformat()},
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.place == "甲网格垃圾中转站" and plan.every_days == 1
    assert c.post(f"/inspections/disinfection/{plan.pk}/done").status_code == 302
    assert DisinfectionRound.objects.filter(plan=plan).count() == 1

    assert c.post(f"/inspections/disinfection/{plan.pk}/end").status_code == 302
    plan.refresh_from_db()
    assert not plan.active
    assert "甲网格垃圾中转站" not in c.get("/inspections/disinfection/").content.decode()
    assert AuditEvent.objects.filter(object_id=str(plan.pk)).count() >= 3


def test_a_foreign_plan_is_a_missing_one(world, grid_leader_a):
    foreign = create_plan(
        actor=SYSTEM, scope=scope_of(SYSTEM), unit=world.grid_b, place="外格消杀点", every_days=1,
        starts_on=timezone.localdate(),
    )  # fmt: skip
    c = client_for(grid_leader_a)
    for url in (
        f"/inspections/disinfection/{foreign.pk}/edit",
        f"/inspections/disinfection/{foreign.pk}/end",
    ):
        assert c.post(url, {"place": "改", "every_days": 1}).status_code == 404
    assert (
        c.patch(
            f"/api/v1/inspections/disinfection/plans/{foreign.pk}",
            {"place": "改"},
            content_type="application/json",
        ).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.place == "外格消杀点" and foreign.active


def test_api_plans_rounds_and_missing_days(world, grid_leader_a):
    c = client_for(grid_leader_a)
    today = timezone.localdate()
    venue = make_venue(world.grid_a, "hotel", "甲格酒店")
    r = c.post(
        "/api/v1/inspections/disinfection/plans",
        {"unit_id": world.grid_a.pk, "venue_id": venue.pk, "place": "甲格酒店大堂", "every_days": 1,
         "starts_on": (today - timedelta(days=3)).isoformat()},
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 201, r.content
    plan_id = r.json()["id"]
    listed = c.get("/api/v1/inspections/disinfection/plans").json()
    assert [p["id"] for p in listed] == [plan_id] and len(listed[0]["missing_days"]) == 4
    body = {
        "client_id": "5b0c3d3e-8a52-4d8c-9b0e-1f2a3b4c5d6e",
        "on": (today - timedelta(days=1)).isoformat(),
    }
    first = c.post(
        f"/api/v1/inspections/disinfection/plans/{plan_id}/rounds", body, content_type="application/json"
    )
    again = c.post(
        f"/api/v1/inspections/disinfection/plans/{plan_id}/rounds", body, content_type="application/json"
    )
    assert first.json()["created"] is True and again.json()["created"] is False
    assert DisinfectionRound.objects.filter(plan_id=plan_id).count() == 1
    future = {"on": (today + timedelta(days=2)).isoformat()}
    r = c.post(
        f"/api/v1/inspections/disinfection/plans/{plan_id}/rounds", future, content_type="application/json"
    )
    assert r.status_code in (400, 422)
    listed = c.get("/api/v1/inspections/disinfection/plans").json()
    assert len(listed[0]["missing_days"]) == 3
    r = c.patch(
        f"/api/v1/inspections/disinfection/plans/{plan_id}",
        {"every_days": 7},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["every_days"] == 7
    # Weekly now: only the days before the first round stay missed.
    assert len(c.get("/api/v1/inspections/disinfection/plans").json()[0]["missing_days"]) == 2
    r = c.post(f"/api/v1/inspections/disinfection/plans/{plan_id}/end")
    assert r.status_code == 200 and r.json()["active"] is False
    r = c.post(
        f"/api/v1/inspections/disinfection/plans/{plan_id}/rounds", {}, content_type="application/json"
    )
    assert r.status_code in (400, 422)


def test_office_page_shows_days_missed_per_office_and_grid(world, office_leader):
    today = timezone.localdate()
    for grid, place in ((world.grid_a, "甲格消杀点"), (world.grid_b, "乙格消杀点")):
        create_plan(
            actor=SYSTEM, scope=scope_of(SYSTEM), unit=grid, place=place, every_days=1,
            starts_on=today - timedelta(days=1),
        )  # fmt: skip
    page = client_for(office_leader).get("/inspections/disinfection/").content.decode()
    assert 'data-testid="missing-per-unit"' in page
    assert world.office.name in page and world.grid_a.name in page and world.grid_b.name in page
