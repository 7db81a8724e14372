from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tests.factories import make_user
from wangge.audit.models import AuditEvent
from wangge.core import masking
from wangge.core.access import scope_of
from wangge.roster import selectors, services
from wangge.roster import selectors as roster_selectors
from wangge.roster.models import StaffKind


def test_create_staff_validates_phone_and_audits(world, office_leader):
    with pytest.raises(ValidationError):
        services.create_staff(actor=office_leader, unit=world.grid_a, name="王芳", phone="12345")
    staff = services.create_staff(
        actor=office_leader, unit=world.grid_a, name="王芳", phone="138 0000 1111", kind=StaffKind.GRID_STAFF
    )
    assert staff.phone == "13800001111" and staff.path == world.grid_a.path
    assert AuditEvent.objects.filter(
        model="roster.staffmember", object_id=str(staff.pk), action="create"
    ).exists()


def test_create_staff_outside_scope_is_404(world, office_leader):
    with pytest.raises(Http404):
        services.create_staff(actor=office_leader, unit=world.other_grid, name="李四")


def test_grid_leader_role_cannot_edit_roster(world, grid_leader_a):
    with pytest.raises(PermissionDenied):
        services.create_staff(actor=grid_leader_a, unit=world.grid_a, name="李四")


def test_who_is_responsible_today_respects_period(world, office_leader, staff_factory):
    today = timezone.localdate()
    old = staff_factory(unit=world.grid_a)
    new = staff_factory(unit=world.grid_a)
    services.assign(
        actor=office_leader,
        staff=old,
        unit=world.grid_a,
        role="grid_leader",
        start_date=today - timedelta(days=30),
        end_date=today - timedelta(days=1),
    )
    services.assign(actor=office_leader, staff=new, unit=world.grid_a, role="grid_leader", start_date=today)
    assert [a.staff for a in roster_selectors.responsible_for(world.grid_a)] == [new]
    assert [
        a.staff for a in roster_selectors.responsible_for(world.grid_a, on=today - timedelta(days=5))
    ] == [old]


def test_overlapping_same_role_is_refused(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    services.assign(actor=office_leader, staff=staff, unit=world.grid_a, role="grid_worker")
    with pytest.raises(ValidationError):
        services.assign(actor=office_leader, staff=staff, unit=world.grid_a, role="grid_worker")


def test_grid_leader_only_on_grids(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.village)
    with pytest.raises(ValidationError):
        services.assign(actor=office_leader, staff=staff, unit=world.village, role="grid_leader")


def test_end_assignment_makes_grid_leaderless(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    today = timezone.localdate()
    a = services.assign(
        actor=office_leader,
        staff=staff,
        unit=world.grid_a,
        role="grid_leader",
        start_date=today - timedelta(days=10),
    )
    scope = scope_of(office_leader)
    assert world.grid_a not in roster_selectors.grids_without_leader(scope)
    services.end_assignment(actor=office_leader, assignment=a, end_date=today - timedelta(days=1))
    assert world.grid_a in roster_selectors.grids_without_leader(scope)
    event = AuditEvent.objects.filter(model="roster.assignment", object_id=str(a.pk), action="update").get()
    assert (
        event.before["end_date"] is None
        and event.after["end_date"] == (today - timedelta(days=1)).isoformat()
    )


def test_sent_down_cadre_is_visible_to_the_grid_they_work(world, office_leader, staff_factory):
    cadre = staff_factory(unit=world.office, kind="sent_down_cadre")
    leader_a = make_user("la", world.grid_a, "grid_leader")
    assert cadre not in selectors.staff(scope_of(leader_a))
    services.assign(actor=office_leader, staff=cadre, unit=world.grid_a, role="sent_down_cadre")
    assert cadre in selectors.staff(scope_of(leader_a))
    leader_b = make_user("lb", world.grid_b, "grid_leader")
    assert cadre not in selectors.staff(scope_of(leader_b))


def test_working_group_of_office(world, office_leader, staff_factory):
    group = services.create_working_group(
        actor=office_leader, office=world.office, name="核酸检测组", line_of_work="全员核酸"
    )
    lead = staff_factory(unit=world.office)
    member = services.add_group_member(actor=office_leader, group=group, staff=lead, is_lead=True)
    assert member.is_lead
    with pytest.raises(ValidationError):
        services.add_group_member(actor=office_leader, group=group, staff=lead)
    with pytest.raises(ValidationError):
        services.create_working_group(actor=office_leader, office=world.village, name="x")
    services.remove_group_member(actor=office_leader, member=member)
    assert AuditEvent.objects.filter(model="roster.workinggroupmember", action="delete").exists()


def test_department_belongs_to_office(world, office_leader):
    dept = services.create_department(actor=office_leader, unit=world.office, kind="police_station", name="")
    assert dept.name  # defaults to the kind's label
    with pytest.raises(ValidationError):
        services.create_department(actor=office_leader, unit=world.grid_a, kind="police_station", name="x")


def test_mask_phone():
    assert masking.mask_phone("13812345678") == "138****5678"
    assert masking.mask_phone("") == ""
