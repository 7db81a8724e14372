"""Reads for testing rounds. Every read starts from the actor's scope.

A round is organised by a unit (its `path`): it is visible to everyone whose jurisdiction lies
inside that unit (a grid leader sees the district's round, for their grid only) and to everyone
above it. Personal rows (Due, Sample, Retest…) are always filtered by the person's path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from wangge.core.access import Scope, get_or_404
from wangge.org.models import Level, OrgUnit
from wangge.testing.counters import FIELDS
from wangge.testing.models import CoverageCounter, Due, Round, Site


def ancestor_paths(path: str) -> list[str]:
    """'/1/5/9/' → ['/1/', '/1/5/', '/1/5/9/']"""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def rounds(scope: Scope) -> QuerySet[Round]:
    if scope.is_empty:
        return Round.objects.none()
    return Round.objects.filter(Q(path__startswith=scope.path) | Q(path__in=ancestor_paths(scope.path)))


def get_round(scope: Scope, round_id) -> Round:
    """A round the actor may see, or 404."""
    return get_or_404(rounds(scope).select_related("owner"), pk=round_id)


def can_manage(scope: Scope, rnd: Round) -> bool:
    """Planning a round (population, sites, plan) is for its organising unit and above."""
    return scope.covers_path(rnd.path)


def focus_unit(scope: Scope, rnd: Round) -> OrgUnit:
    """Where the actor's view of a round starts: the organising unit, or their own if deeper."""
    if scope.root.path.startswith(rnd.path):
        return scope.root
    return rnd.owner


def sites(scope: Scope, rnd: Round | None = None) -> QuerySet[Site]:
    qs = scope.filter(Site.objects.select_related("round", "unit"))
    return qs.filter(round=rnd) if rnd is not None else qs


def get_site(scope: Scope, site_id) -> Site:
    return scope.get(Site.objects.select_related("round", "unit"), pk=site_id)


def dues(scope: Scope, rnd: Round) -> QuerySet[Due]:
    return scope.filter(Due.objects.filter(round=rnd))


def grid_paths(scope: Scope, rnd: Round, within: OrgUnit | None = None) -> list[str]:
    """The paths of the grids with people due in this round (inside `within`), in path order:
    read from the round's counters, for lists that read a million Due rows grid by grid."""
    qs = scope.filter(CoverageCounter.objects.filter(round=rnd))
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return sorted(set(qs.values_list("path", flat=True)))


# ------------------------------------------------------------------------------- coverage


@dataclass
class CoverageRow:
    unit: OrgUnit | None
    label: str
    due: int = 0
    tested: int = 0
    exempt: int = 0
    resulted: int = 0
    positive: int = 0
    retest: int = 0
    children: list = field(default_factory=list)

    @property
    def untested(self) -> int:
        return max(0, self.due - self.tested - self.exempt)

    @property
    def percent(self) -> float:
        base = self.due - self.exempt
        return round(100.0 * self.tested / base, 1) if base > 0 else 100.0

    def add(self, counts: dict) -> None:
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + int(counts.get(name) or 0))


def coverage_by_child(scope: Scope, rnd: Round, unit: OrgUnit) -> tuple[CoverageRow, list[CoverageRow]]:
    """Coverage of `unit` and of each of its children, from the counters (one query for the
    counts, one for the children): what the coverage page and the API show."""
    if not scope.covers_path(unit.path):
        from django.http import Http404

        raise Http404
    totals = CoverageRow(unit=unit, label=unit.name)
    children = list(OrgUnit.objects.filter(parent=unit, closed_at__isnull=True).order_by("code", "name"))
    rows = {c.path: CoverageRow(unit=c, label=c.name) for c in children}
    per_grid = (
        CoverageCounter.objects.filter(round=rnd, path__startswith=unit.path)
        .values("path")
        .annotate(**{f: Sum(f) for f in FIELDS})
        .order_by()
    )
    # "/1/5/" has 3 slashes; a grid "/1/5/9/12/" splits into ["", "1", "5", "9", "12", ""]:
    # its child of "/1/5/" is the first 4 parts joined, "/1/5/9" + "/".
    depth = unit.path.count("/")
    for counts in per_grid:
        path = counts["path"]
        totals.add(counts)
        child_path = "/".join(path.split("/")[: depth + 1]) + "/"
        row = rows.get(child_path)
        if row is not None:
            row.add(counts)
    return totals, list(rows.values())


def coverage_by_office(scope: Scope, rnd: Round) -> tuple[CoverageRow, list[CoverageRow]]:
    """The whole district (or the actor's part of it) by office."""
    root = focus_unit(scope, rnd)
    while root.level > Level.DISTRICT and root.parent_id and scope.covers_path(root.parent.path):
        root = root.parent
    return coverage_by_child(scope, rnd, root)


def coverage_of_grid(scope: Scope, rnd: Round, grid: OrgUnit) -> CoverageRow:
    """One grid from its counter shards (one query)."""
    if not scope.covers_path(grid.path):
        from django.http import Http404

        raise Http404
    row = CoverageRow(unit=grid, label=grid.name)
    counts = CoverageCounter.objects.filter(round=rnd, grid=grid).aggregate(**{f: Sum(f) for f in FIELDS})
    row.add(counts)
    return row


def places_of_grid(scope: Scope, rnd: Round, grid: OrgUnit) -> list[dict]:
    """Building → unit → floor for one grid, counted live from its Due rows (a grid is small)."""
    from django.db.models import Count

    from wangge.testing.models import DueStatus

    if not scope.covers_path(grid.path):
        from django.http import Http404

        raise Http404
    rows = (
        Due.objects.filter(round=rnd, path=grid.path, grid=grid)
        .values("building_id", "building__name", "unit_label", "floor")
        .annotate(
            due=Count("id"),
            tested=Count("id", filter=Q(status=DueStatus.TESTED)),
            exempt=Count("id", filter=Q(status=DueStatus.EXEMPT)),
            resulted=Count("id", filter=~Q(result="")),
        )
        .order_by("building__name", "unit_label", "floor")
    )
    return list(rows)
