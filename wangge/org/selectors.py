"""Reads of the tree, always through the actor's scope. Who answers for each unit is the
roster's (`wangge.roster.selectors`)."""

from __future__ import annotations

from django.db.models import QuerySet

from wangge.core.access import Scope
from wangge.org.models import ALLOWED_PARENT_LEVELS, Level, OrgUnit


def units(scope: Scope, *, include_closed: bool = False) -> QuerySet[OrgUnit]:
    qs = scope.filter(OrgUnit.objects.all())
    return qs if include_closed else qs.active()


def get_unit(scope: Scope, unit_id) -> OrgUnit:
    return scope.get(OrgUnit.objects.all(), pk=unit_id)


def office_id_of(path: str) -> int:
    """The office (level 1 under the district) a path lies in."""
    return int(path.strip("/").split("/")[1])


def visible_ancestors(scope: Scope, unit: OrgUnit) -> list[OrgUnit]:
    """Breadcrumb from the actor's root down to the unit's parent; nothing above the root."""
    return [a for a in unit.ancestors() if scope.covers(a)]


def children(scope: Scope, unit: OrgUnit, *, include_closed: bool = False) -> QuerySet[OrgUnit]:
    qs = units(scope, include_closed=include_closed).filter(parent=unit)
    return qs.order_by("sort_order", "code")


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
