"""Business actions on the roster: staff, responsibilities, departments, working groups.

Keyword-only, one transaction each, audit row inside it. Scope and role are checked
here so that pages and the API cannot differ.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, not_found, require, scope_of
from wangge.org.models import Level, OrgUnit
from wangge.roster.models import (
    Assignment,
    AssignmentRole,
    Department,
    DepartmentKind,
    StaffKind,
    StaffMember,
    WorkingGroup,
    WorkingGroupMember,
)
from wangge.roster.permissions import ROSTER_EDIT

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

STAFF_FIELDS = ("name", "gender", "phone", "kind", "title", "is_party_member", "note")


def _require_edit(actor: Actor) -> None:
    require(actor, ROSTER_EDIT)


def _in_scope(actor: Actor, unit: OrgUnit) -> None:
    scope_of(actor).require_unit(unit)


def _clean_phone(phone: str) -> str:
    phone = re.sub(r"[\s()]", "", phone or "")
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(
            {"phone": _("Enter a mobile number of 11 digits or a landline with area code.")}
        )
    return phone


def _open_unit(unit: OrgUnit) -> None:
    if unit.closed_at is not None:
        raise ValidationError(_("The unit %(unit)s is closed.") % {"unit": unit.name})


@transaction.atomic
def create_staff(
    *,
    actor: Actor,
    unit: OrgUnit,
    name: str,
    kind: str = StaffKind.OTHER,
    gender: str = "",
    phone: str = "",
    title: str = "",
    is_party_member: bool = False,
    department: Department | None = None,
    note: str = "",
) -> StaffMember:
    _require_edit(actor)
    _in_scope(actor, unit)
    _open_unit(unit)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if kind not in StaffKind.values:
        raise ValidationError({"kind": _("Unknown kind of staff.")})
    if (
        department is not None
        and not department.path.startswith(unit.path)
        and not unit.path.startswith(department.path)
    ):
        raise ValidationError({"department": _("The department belongs to another unit.")})
    staff = StaffMember.objects.create(
        unit=unit,
        path=unit.path,
        name=name,
        kind=kind,
        gender=gender or "",
        phone=_clean_phone(phone),
        title=title,
        is_party_member=is_party_member,
        department=department,
        note=note,
    )
    audit.record(actor=actor, action=Action.CREATE, obj=staff, after=audit.snapshot(staff))
    return staff


@transaction.atomic
def update_staff(
    *, actor: Actor, staff: StaffMember, unit: OrgUnit | None = None, **changes: Any
) -> StaffMember:
    """Change fields of a roster entry; moving them to another home unit needs both in scope."""
    _require_edit(actor)
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    _in_scope(actor, staff.unit)
    before = audit.snapshot(staff)
    unknown = set(changes) - set(STAFF_FIELDS) - {"department", "is_active"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationError({"name": _("A name is required.")})
    if "phone" in changes:
        changes["phone"] = _clean_phone(changes["phone"])
    if "kind" in changes and changes["kind"] not in StaffKind.values:
        raise ValidationError({"kind": _("Unknown kind of staff.")})
    for field, value in changes.items():
        setattr(staff, field, value)
    if unit is not None and unit.pk != staff.unit_id:
        _in_scope(actor, unit)
        _open_unit(unit)
        staff.unit = unit
        staff.path = unit.path
    after = audit.snapshot(staff)
    if after == before:
        return staff
    staff.save()
    audit.record(actor=actor, action=Action.UPDATE, obj=staff, before=before, after=after)
    if before["is_active"] and not staff.is_active:
        # Someone who leaves the roster no longer answers for any unit.
        _end_current(actor=actor, assignments=Assignment.objects.current().filter(staff=staff))
    return staff


def _overlapping(staff: StaffMember, unit: OrgUnit, role: str, start: date, end: date | None):
    qs = Assignment.objects.filter(staff=staff, unit=unit, role=role)
    qs = qs.exclude(end_date__lt=start)
    if end is not None:
        qs = qs.exclude(start_date__gt=end)
    return qs


@transaction.atomic
def assign(
    *,
    actor: Actor,
    staff: StaffMember,
    unit: OrgUnit,
    role: str,
    start_date: date | None = None,
    end_date: date | None = None,
    note: str = "",
) -> Assignment:
    """Make someone responsible for a unit in a role for a period (网格化分包责任制)."""
    _require_edit(actor)
    _in_scope(actor, unit)
    if not (scope_of(actor).covers_path(staff.path) or _has_assignment_in_scope(actor, staff)):
        raise not_found()
    _open_unit(unit)
    if role not in AssignmentRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == AssignmentRole.GRID_LEADER and unit.level not in (Level.GRID, Level.WORKSTATION):
        raise ValidationError({"role": _("A grid leader is assigned to a grid or workstation.")})
    if not staff.is_active:
        raise ValidationError(_("%(name)s is no longer active on the roster.") % {"name": staff.name})
    start_date = start_date or timezone.localdate()
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    if _overlapping(staff, unit, role, start_date, end_date).exists():
        raise ValidationError(
            _("%(name)s already has this role here for an overlapping period.") % {"name": staff.name}
        )
    assignment = Assignment.objects.create(
        staff=staff, unit=unit, role=role, start_date=start_date, end_date=end_date, note=note, path=unit.path
    )
    audit.record(actor=actor, action=Action.CREATE, obj=assignment, after=audit.snapshot(assignment))
    return assignment


def _has_assignment_in_scope(actor: Actor, staff: StaffMember) -> bool:
    return scope_of(actor).filter(Assignment.objects.filter(staff=staff)).exists()


@transaction.atomic
def end_assignment(*, actor: Actor, assignment: Assignment, end_date: date | None = None) -> Assignment:
    _require_edit(actor)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _in_scope(actor, assignment.unit)
    end_date = end_date or timezone.localdate()
    if end_date < assignment.start_date:
        # A responsibility that never started is simply withdrawn on its first day.
        end_date = assignment.start_date
    if assignment.end_date is not None and assignment.end_date <= end_date:
        raise ValidationError(_("This responsibility has already ended."))
    before = audit.snapshot(assignment)
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    audit.record(
        actor=actor, action=Action.UPDATE, obj=assignment, before=before, after=audit.snapshot(assignment)
    )
    return assignment


def end_assignments_of_unit(*, actor: Actor, unit: OrgUnit) -> int:
    """Used when a unit closes: what was current ends with yesterday (or its first day)."""
    return _end_current(actor=actor, assignments=Assignment.objects.current().filter(unit=unit))


def _end_current(*, actor: Actor, assignments) -> int:
    today = timezone.localdate()
    count = 0
    for assignment in assignments.select_for_update():
        before = audit.snapshot(assignment)
        assignment.end_date = max(today - timedelta(days=1), assignment.start_date)
        assignment.save(update_fields=["end_date"])
        audit.record(
            actor=actor, action=Action.UPDATE, obj=assignment, before=before, after=audit.snapshot(assignment)
        )
        count += 1
    return count


@transaction.atomic
def create_department(*, actor: Actor, unit: OrgUnit, kind: str, name: str) -> Department:
    _require_edit(actor)
    _in_scope(actor, unit)
    if unit.level not in (Level.DISTRICT, Level.OFFICE):
        raise ValidationError(_("Departments belong to a district or an office."))
    if kind not in DepartmentKind.values:
        raise ValidationError({"kind": _("Unknown kind of department.")})
    name = (name or "").strip() or str(DepartmentKind(kind).label)
    if Department.objects.filter(unit=unit, name=name).exists():
        raise ValidationError(_("%(name)s already exists here.") % {"name": name})
    department = Department.objects.create(unit=unit, kind=kind, name=name, path=unit.path)
    audit.record(actor=actor, action=Action.CREATE, obj=department, after=audit.snapshot(department))
    return department


@transaction.atomic
def create_working_group(*, actor: Actor, office: OrgUnit, name: str, line_of_work: str = "") -> WorkingGroup:
    _require_edit(actor)
    _in_scope(actor, office)
    if office.level != Level.OFFICE:
        raise ValidationError(_("Working groups belong to an office."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if WorkingGroup.objects.filter(office=office, name=name).exists():
        raise ValidationError(_("%(name)s already exists here.") % {"name": name})
    group = WorkingGroup.objects.create(office=office, name=name, line_of_work=line_of_work, path=office.path)
    audit.record(actor=actor, action=Action.CREATE, obj=group, after=audit.snapshot(group))
    return group


@transaction.atomic
def add_group_member(
    *, actor: Actor, group: WorkingGroup, staff: StaffMember, is_lead: bool = False
) -> WorkingGroupMember:
    _require_edit(actor)
    _in_scope(actor, group.office)
    scope_of(actor).require_path(staff.path)
    if WorkingGroupMember.objects.filter(group=group, staff=staff).exists():
        raise ValidationError(_("%(name)s is already in this group.") % {"name": staff.name})
    if is_lead:
        WorkingGroupMember.objects.filter(group=group, is_lead=True).update(is_lead=False)
    member = WorkingGroupMember.objects.create(group=group, staff=staff, is_lead=is_lead)
    audit.record(actor=actor, action=Action.CREATE, obj=member, path=group.path, after=audit.snapshot(member))
    return member


@transaction.atomic
def set_group_lead(*, actor: Actor, member: WorkingGroupMember) -> WorkingGroupMember:
    """Make a member the group's one lead; the previous lead stays a member."""
    _require_edit(actor)
    _in_scope(actor, member.group.office)
    if member.is_lead:
        return member
    for other in WorkingGroupMember.objects.select_for_update().filter(group=member.group, is_lead=True):
        before = audit.snapshot(other)
        other.is_lead = False
        other.save(update_fields=["is_lead"])
        audit.record(
            actor=actor,
            action=Action.UPDATE,
            obj=other,
            path=member.group.path,
            before=before,
            after=audit.snapshot(other),
        )
    before = audit.snapshot(member)
    member.is_lead = True
    member.save(update_fields=["is_lead"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=member,
        path=member.group.path,
        before=before,
        after=audit.snapshot(member),
    )
    return member


@transaction.atomic
def remove_group_member(*, actor: Actor, member: WorkingGroupMember) -> None:
    _require_edit(actor)
    _in_scope(actor, member.group.office)
    before = audit.snapshot(member)
    path = member.group.path
    pk = member.pk
    member.delete()
    member.pk = pk
    audit.record(actor=actor, action=Action.DELETE, obj=member, path=path, before=before)
