"""Reads of the tree, always through the actor's scope."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from wangge.core.access import Scope
from wangge.org.models import ALLOWED_PARENT_LEVELS, Level, OrgUnit
from wangge.roster.models import LEADER_ROLES, Assignment, AssignmentRole, StaffMember


def units(scope: Scope, *, include_closed: bool = False) -> QuerySet[OrgUnit]:
    qs = scope.filter(OrgUnit.objects.all())
    return qs if include_closed else qs.active()


def get_unit(scope: Scope, unit_id) -> OrgUnit:
    return scope.get(OrgUnit.objects.all(), pk=unit_id)


def visible_ancestors(scope: Scope, unit: OrgUnit) -> list[OrgUnit]:
    """Breadcrumb from the actor's root down to the unit's parent; nothing above the root."""
    return [a for a in unit.ancestors() if scope.covers(a)]


def children(scope: Scope, unit: OrgUnit, *, include_closed: bool = False) -> QuerySet[OrgUnit]:
    qs = units(scope, include_closed=include_closed).filter(parent=unit)
    return qs.order_by("sort_order", "code")


def grids_without_leader(
    scope: Scope, *, under: OrgUnit | None = None, on: date | None = None
) -> QuerySet[OrgUnit]:
    """Open level-3 grids with no current grid leader: one query (NOT EXISTS)."""
    on = on or timezone.localdate()
    leaders = Assignment.objects.current(on).filter(unit=OuterRef("pk"), role=AssignmentRole.GRID_LEADER)
    qs = units(scope).grids()
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
    rows = list(units(scope).under(root).values_list("id", "level", "path", "parent_id", "depth"))
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


def visible_location(scope: Scope, unit: OrgUnit) -> list[str]:
    """Names of the unit's parent and grandparent, as far as the actor may see them (for lists of grids).

    No query when the unit was fetched with select_related("parent", "parent__parent")."""
    parent = unit.parent
    grandparent = parent.parent if parent is not None else None
    return [u.name for u in (parent, grandparent) if scope.covers(u)]


def move_targets(scope: Scope, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Units in scope that may take `unit` as a child: the right level, not under it, not its parent."""
    return (
        units(scope)
        .filter(level__in=ALLOWED_PARENT_LEVELS[Level(unit.level)])
        .exclude(path__startswith=unit.path)
        .exclude(pk=unit.parent_id)
        .select_related("parent", "parent__parent")
        .order_by("path")
    )
