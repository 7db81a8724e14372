"""Reads of the roster, always through the actor's scope."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from wangge.core.access import Scope, get_or_404
from wangge.org import selectors as org_selectors
from wangge.org.models import Level, OrgUnit
from wangge.roster.models import (
    LEADER_ROLES,
    Assignment,
    AssignmentRole,
    Department,
    StaffMember,
    WorkingGroup,
    WorkingGroupMember,
)


def staff(scope: Scope, *, include_inactive: bool = False) -> QuerySet[StaffMember]:
    """Roster entries homed in the scope, or responsible (now or before) for a unit in it:
    a grid leader sees the sent-down cadre who works their grid."""
    if scope.is_empty:
        return StaffMember.objects.none()
    assigned_here = scope.filter(Assignment.objects.filter(staff=OuterRef("pk")))
    qs = StaffMember.objects.filter(Q(path__startswith=scope.path) | Exists(assigned_here))
    return qs if include_inactive else qs.filter(is_active=True)


def get_staff(scope: Scope, staff_id) -> StaffMember:

    return get_or_404(staff(scope, include_inactive=True).select_related("unit", "department"), pk=staff_id)


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


# --- reads for the roster pages ------------------------------------------------


def with_current_assignments(
    scope: Scope, qs: QuerySet[StaffMember], *, on: date | None = None
) -> QuerySet[StaffMember]:
    """Attach `current_assignments` (those inside the scope, unit joined): one extra query per page."""
    current = (
        scope.filter(Assignment.objects.current(on))
        .select_related("unit")
        .order_by("role", "start_date", "id")
    )
    return qs.prefetch_related(Prefetch("assignments", queryset=current, to_attr="current_assignments"))


def assignments_of(scope: Scope, staff_member: StaffMember) -> QuerySet[Assignment]:
    """Every responsibility of one person for a unit inside the scope, newest first."""
    return (
        scope.filter(Assignment.objects.filter(staff=staff_member))
        .select_related("unit")
        .order_by("-start_date", "-id")
    )


def departments_available(scope: Scope) -> QuerySet[Department]:
    """Departments a roster entry of the scope may belong to: those inside the scope and those
    of the units above its root (a village's people may serve in their office's police station)."""
    if scope.is_empty:
        return Department.objects.none()
    above = scope.root.ancestor_ids()
    return (
        Department.objects.filter(Q(path__startswith=scope.path) | Q(unit_id__in=above))
        .select_related("unit")
        .order_by("path", "name")
    )


def departments_with_counts(scope: Scope) -> QuerySet[Department]:
    """Departments in the scope with `member_count` (active roster entries)."""
    return (
        departments(scope)
        .annotate(member_count=Count("staff", filter=Q(staff__is_active=True)))
        .order_by("path", "kind", "name")
    )


def working_groups_with_counts(scope: Scope) -> QuerySet[WorkingGroup]:
    """Open working groups in the scope with `member_count` and `leads` (memberships marked lead)."""
    leads = WorkingGroupMember.objects.filter(is_lead=True).select_related("staff").order_by("staff__name")
    return (
        working_groups(scope)
        .annotate(member_count=Count("memberships"))
        .prefetch_related(Prefetch("memberships", queryset=leads, to_attr="leads"))
        .order_by("path", "name")
    )


def group_members(group: WorkingGroup) -> QuerySet[WorkingGroupMember]:
    """Members of a group already resolved through the scope; leads first."""
    return group.memberships.select_related("staff", "staff__unit").order_by("-is_lead", "staff__name", "id")


def get_group_member(group: WorkingGroup, member_id) -> WorkingGroupMember:

    return get_or_404(group_members(group), pk=member_id)


def memberships_of(scope: Scope, staff_member: StaffMember) -> QuerySet[WorkingGroupMember]:
    """The open working groups in the scope that a person belongs to."""
    qs = WorkingGroupMember.objects.filter(staff=staff_member, group__closed_at__isnull=True)
    return scope.filter(qs, "group__path").select_related("group", "group__office").order_by("group__name")


def staff_homed_in(scope: Scope, *, include_inactive: bool = False) -> QuerySet[StaffMember]:
    """Roster entries whose home unit is inside the scope (not those merely assigned to it)."""
    return (
        scope.filter(StaffMember.objects.all())
        if include_inactive
        else scope.filter(StaffMember.objects.filter(is_active=True))
    )


def group_candidates(scope: Scope, group: WorkingGroup, q: str, *, limit: int = 20) -> list[StaffMember]:
    """Active people homed in the scope matching `q` who are not yet in the group."""
    qs = (
        search_staff(scope, q=q).filter(path__startswith=scope.path)
        if not scope.is_empty
        else StaffMember.objects.none()
    )
    return list(qs.exclude(group_memberships__group=group)[:limit])


def staff_around(
    scope: Scope, qs: QuerySet[StaffMember], *, around: OrgUnit, above_paths: list[str]
) -> QuerySet[StaffMember]:
    """Of `qs`, the people around a unit: homed under it or at one of the paths above it, or
    already responsible somewhere under it."""
    responsible_around = scope.filter(
        Assignment.objects.filter(staff=OuterRef("pk"), path__startswith=around.path)
    )
    return qs.filter(Q(path__startswith=around.path) | Q(path__in=above_paths) | Exists(responsible_around))


# --- who answers for the tree (网格化分包责任制) ------------------------------------------


def grids_without_leader(
    scope: Scope, *, under: OrgUnit | None = None, on: date | None = None
) -> QuerySet[OrgUnit]:
    """Open level-3 grids with no current grid leader: one query (NOT EXISTS)."""
    on = on or timezone.localdate()
    leaders = Assignment.objects.current(on).filter(unit=OuterRef("pk"), role=AssignmentRole.GRID_LEADER)
    qs = org_selectors.units(scope).grids()
    if under is not None:
        qs = qs.under(under)
    return qs.filter(~Exists(leaders)).order_by("path")


def responsible_for(unit: OrgUnit, *, on: date | None = None) -> QuerySet[Assignment]:
    """Who answers for this unit today: one query."""
    return (
        Assignment.objects.current(on)
        .filter(unit=unit)
        .select_related("staff")
        .order_by("role", "start_date", "id")
    )


@dataclass
class TreeNode:
    unit: OrgUnit
    counts: Counter = field(default_factory=Counter)  # by level, descendants only
    staff: int = 0
    leaderless_grids: int = 0
    children: list[TreeNode] = field(default_factory=list)
    leaders: list[Assignment] = field(default_factory=list)

    @property
    def grids(self) -> int:
        return self.counts[Level.GRID]

    @property
    def villages(self) -> int:
        return self.counts[Level.VILLAGE]

    @property
    def workstations(self) -> int:
        return self.counts[Level.WORKSTATION]


def tree_summary(scope: Scope, root: OrgUnit, *, max_depth: int = 1, on: date | None = None) -> TreeNode:
    """The root, its children to `max_depth`, and for each node the counts of everything beneath.

    Five queries whatever the size of the tree: the subtree as plain tuples (cheap even for
    thousands of units), leaderless grids, staff per unit, the displayed units as records, and
    the current leaders of the displayed units.
    """
    on = on or timezone.localdate()
    rows = list(
        org_selectors.units(scope).under(root).values_list("id", "level", "path", "parent_id", "depth")
    )
    leaderless = set(grids_without_leader(scope, under=root, on=on).values_list("pk", flat=True))
    staff_by_unit = dict(
        scope.filter(StaffMember.objects.filter(is_active=True, path__startswith=root.path))
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    staff_totals: Counter = Counter()
    leaderless_totals: Counter = Counter()
    shown_ids = [root.pk]
    max_abs_depth = root.depth + max_depth
    for unit_id, level, path, _parent_id, depth in rows:
        staff = staff_by_unit.get(unit_id, 0)
        is_leaderless = unit_id in leaderless
        for ancestor_id in (int(p) for p in path.strip("/").split("/")):
            staff_totals[ancestor_id] += staff
            if ancestor_id != unit_id:
                counts[ancestor_id][level] += 1
            if is_leaderless:
                leaderless_totals[ancestor_id] += 1
        if unit_id != root.pk and depth <= max_abs_depth:
            shown_ids.append(unit_id)
    records = OrgUnit.objects.in_bulk(shown_ids)
    nodes = {
        pk: TreeNode(
            unit=unit, counts=counts[pk], staff=staff_totals[pk], leaderless_grids=leaderless_totals[pk]
        )
        for pk, unit in records.items()
    }
    root_node = nodes.get(root.pk) or TreeNode(unit=root)
    for pk in shown_ids[1:]:
        node = nodes[pk]
        parent = nodes.get(node.unit.parent_id)
        if parent is not None:
            parent.children.append(node)
    shown = [root_node]
    stack = [root_node]
    while stack:
        node = stack.pop()
        node.children.sort(key=lambda n: (n.unit.sort_order, n.unit.code))
        shown.extend(node.children)
        stack.extend(node.children)
    by_unit = defaultdict(list)
    for assignment in (
        Assignment.objects.current(on)
        .filter(unit_id__in=[n.unit.pk for n in shown], role__in=list(LEADER_ROLES))
        .select_related("staff")
        .order_by("start_date", "id")
    ):
        by_unit[assignment.unit_id].append(assignment)
    for node in shown:
        node.leaders = by_unit.get(node.unit.pk, [])
    return root_node
