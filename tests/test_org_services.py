from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_unit, make_user
from wangge.audit.models import AuditEvent
from wangge.core.access import scope_of
from wangge.org import selectors, services
from wangge.org.models import Level, OrgUnit
from wangge.roster import selectors as roster_selectors
from wangge.roster import services as roster_services
from wangge.roster.models import Assignment, StaffMember


def test_create_sets_path_and_depth_and_audits(world, office_leader):
    unit = services.create_unit(
        actor=office_leader, parent=world.village, code="NEW-1", name="新网格", level=Level.GRID
    )
    assert unit.path == f"{world.village.path}{unit.pk}/"
    assert unit.depth == world.village.depth + 1
    event = AuditEvent.objects.get(model="org.orgunit", object_id=str(unit.pk))
    assert event.action == "create" and event.actor == office_leader and event.after["name"] == "新网格"


def test_levels_must_nest(world, office_leader):
    with pytest.raises(ValidationError):
        services.create_unit(
            actor=office_leader, parent=world.grid_a, code="X1", name="x", level=Level.VILLAGE
        )
    with pytest.raises(ValidationError):
        services.create_unit(
            actor=office_leader, parent=world.office, code="X2", name="x", level=Level.WORKSTATION
        )


def test_codes_are_unique(world, office_leader):
    with pytest.raises(ValidationError):
        services.create_unit(
            actor=office_leader, parent=world.village, code=world.grid_a.code, name="x", level=Level.GRID
        )


def test_cannot_create_outside_scope(world, office_leader):
    with pytest.raises(Http404):
        services.create_unit(
            actor=office_leader, parent=world.other_village, code="X3", name="x", level=Level.GRID
        )
    assert not OrgUnit.objects.filter(code="X3").exists()


def test_role_without_edit_permission_is_refused(world, grid_leader_a):
    with pytest.raises(PermissionDenied):
        services.update_unit(actor=grid_leader_a, unit=world.grid_a, name="改名")


def test_rename_records_before_and_after(world, office_leader):
    services.update_unit(actor=office_leader, unit=world.grid_a, name="甲网格（新）")
    event = AuditEvent.objects.filter(
        model="org.orgunit", object_id=str(world.grid_a.pk), action="update"
    ).get()
    assert event.before["name"] == "甲网格" and event.after["name"] == "甲网格（新）"


def test_move_repaths_subtree_and_every_path_copy(world, admin_user, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    assignment = roster_services.assign(actor=admin_user, staff=staff, unit=world.grid_a, role="grid_leader")
    services.move_unit(actor=admin_user, unit=world.workstation, new_parent=world.other_village)
    world.workstation.refresh_from_db()
    world.grid_a.refresh_from_db()
    assert world.workstation.path == f"{world.other_village.path}{world.workstation.pk}/"
    assert world.grid_a.path == f"{world.workstation.path}{world.grid_a.pk}/"
    assert world.grid_a.depth == world.workstation.depth + 1
    assert StaffMember.objects.get(pk=staff.pk).path == world.grid_a.path
    assert Assignment.objects.get(pk=assignment.pk).path == world.grid_a.path
    # The old office no longer sees them; the new one does.
    assert not scope_of(make_user("o1", world.office, "office_leader")).covers(world.grid_a)
    assert scope_of(make_user("o2", world.other_office, "office_leader")).covers(world.grid_a)
    assert AuditEvent.objects.filter(action="move", object_id=str(world.workstation.pk)).exists()


def test_cannot_move_under_own_descendant(world, admin_user):
    with pytest.raises(ValidationError):
        services.move_unit(actor=admin_user, unit=world.village, new_parent=world.workstation)


def test_cannot_move_own_root(world, office_leader):
    with pytest.raises(PermissionDenied):
        services.move_unit(actor=office_leader, unit=world.office, new_parent=world.district)


def test_close_needs_children_closed_and_ends_responsibilities(world, admin_user, staff_factory):
    with pytest.raises(ValidationError):
        services.close_unit(actor=admin_user, unit=world.workstation)
    staff = staff_factory(unit=world.grid_b)
    roster_services.assign(
        actor=admin_user,
        staff=staff,
        unit=world.grid_b,
        role="grid_leader",
        start_date=timezone.localdate() - timedelta(days=3),
    )
    services.close_unit(actor=admin_user, unit=world.grid_b, reason="并入甲网格")
    world.grid_b.refresh_from_db()
    assert world.grid_b.is_closed
    assert not roster_selectors.responsible_for(world.grid_b).exists()
    assert Assignment.objects.get(unit=world.grid_b).end_date is not None
    assert world.grid_b not in selectors.units(scope_of(admin_user))
    services.reopen_unit(actor=admin_user, unit=world.grid_b)
    world.grid_b.refresh_from_db()
    assert not world.grid_b.is_closed


def test_subtree_is_one_query(world, admin_user):
    scope = scope_of(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        names = list(selectors.units(scope).under(world.office).values_list("name", flat=True))
    assert len(ctx.captured_queries) == 1
    assert "LIKE" in ctx.captured_queries[0]["sql"].upper()
    assert set(names) == {"郑港办事处", "冢刘村", "第一工作站", "甲网格", "乙网格"}


def test_grids_without_leader_and_responsible_are_one_query_each(world, admin_user, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    roster_services.assign(actor=admin_user, staff=staff, unit=world.grid_a, role="grid_leader")
    scope = scope_of(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        gaps = list(roster_selectors.grids_without_leader(scope))
    assert len(ctx.captured_queries) == 1
    assert gaps == [world.grid_b, world.other_grid]
    with CaptureQueriesContext(connection) as ctx:
        names = [a.staff.name for a in roster_selectors.responsible_for(world.grid_a)]
    assert len(ctx.captured_queries) == 1
    assert names == [staff.name]


def test_tree_summary_counts(world, admin_user, staff_factory):
    staff_factory(unit=world.grid_a)
    staff_factory(unit=world.other_grid)
    tree = roster_selectors.tree_summary(scope_of(admin_user), world.district, max_depth=1)
    assert tree.grids == 3 and tree.villages == 2 and tree.staff == 2 and tree.leaderless_grids == 3
    office = next(c for c in tree.children if c.unit == world.office)
    assert office.grids == 2 and office.workstations == 1 and office.staff == 1


def test_no_jurisdiction_scope_is_empty(world):
    nobody = make_user("nobody", None, "district_admin")
    assert not selectors.units(scope_of(nobody)).exists()
    assert scope_of(nobody).is_empty


def test_closed_jurisdiction_sees_nothing(world, admin_user):
    leader = make_user("closed_grid", world.grid_b, "grid_leader")
    services.close_unit(actor=admin_user, unit=world.grid_b)
    leader.refresh_from_db()
    assert scope_of(leader).is_empty


def test_new_unit_under_make_unit_helper(world):
    unit = make_unit(world.village, Level.GRID, "丁网格")
    assert unit.path.startswith(world.village.path)


def test_change_and_audit_row_share_one_transaction(world, office_leader, monkeypatch):
    """If the audit row cannot be written, the change is not made either."""
    from wangge.audit import services as audit_services

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit_services, "record", broken)
    with pytest.raises(RuntimeError):
        services.create_unit(
            actor=office_leader, parent=world.village, code="TX-1", name="x", level=Level.GRID
        )
    assert not OrgUnit.objects.filter(code="TX-1").exists()
    with pytest.raises(RuntimeError):
        services.move_unit(actor=office_leader, unit=world.grid_a, new_parent=world.workstation.parent)
    world.grid_a.refresh_from_db()
    assert world.grid_a.parent == world.workstation
