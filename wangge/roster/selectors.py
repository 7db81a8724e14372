"""Reads of the roster, always through the actor's scope."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from wangge.core.access import Scope
from wangge.org.models import OrgUnit
from wangge.roster.models import Assignment, Department, StaffMember, WorkingGroup


def staff(scope: Scope, *, include_inactive: bool = False) -> QuerySet[StaffMember]:
    """Roster entries homed in the scope, or responsible (now or before) for a unit in it:
    a grid leader sees the sent-down cadre who works their grid."""
    if scope.is_empty:
        return StaffMember.objects.none()
    assigned_here = scope.filter(Assignment.objects.filter(staff=OuterRef("pk")))
    qs = StaffMember.objects.filter(Q(path__startswith=scope.path) | Exists(assigned_here))
    return qs if include_inactive else qs.filter(is_active=True)


def get_staff(scope: Scope, staff_id) -> StaffMember:
    from django.http import Http404
    from django.utils.translation import gettext as _

    try:
        return staff(scope, include_inactive=True).select_related("unit", "department").get(pk=staff_id)
    except (StaffMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def search_staff(
    scope: Scope,
    *,
    q: str = "",
    under: OrgUnit | None = None,
    kind: str = "",
    role: str = "",
    include_inactive: bool = False,
) -> QuerySet[StaffMember]:
    qs = staff(scope, include_inactive=include_inactive)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    if kind:
        qs = qs.filter(kind=kind)
    if role:
        qs = qs.filter(Exists(Assignment.objects.current().filter(staff=OuterRef("pk"), role=role)))
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(phone__endswith=q) | Q(title__contains=q))
    return qs.select_related("unit", "department").order_by("path", "name", "id")


def assignments(scope: Scope) -> QuerySet[Assignment]:
    return scope.filter(Assignment.objects.all()).select_related("staff", "unit")


def get_assignment(scope: Scope, assignment_id) -> Assignment:
    return scope.get(Assignment.objects.select_related("staff", "unit"), pk=assignment_id)


def departments(scope: Scope) -> QuerySet[Department]:
    return scope.filter(Department.objects.select_related("unit"))


def working_groups(scope: Scope) -> QuerySet[WorkingGroup]:
    return scope.filter(WorkingGroup.objects.select_related("office")).filter(closed_at__isnull=True)


def get_working_group(scope: Scope, group_id) -> WorkingGroup:
    return scope.get(WorkingGroup.objects.select_related("office"), pk=group_id)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
