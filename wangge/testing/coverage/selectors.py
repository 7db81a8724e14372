"""Coverage beyond the counts (应检尽检、不漏一人): who in a unit is still to be sampled, who is
exempt and why, progress over time and throughput per site and table, and the manager's
recount of the counters against the Due rows.

Every read starts from the actor's scope; a unit or building outside it answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope, not_found, require, scope_of
from wangge.core.paging import ordered_by_path
from wangge.org.models import Level, OrgUnit
from wangge.testing import counters
from wangge.testing import permissions as perms
from wangge.testing.models import (
    CallSlot,
    CoverageCounter,
    Due,
    DueStatus,
    ExemptReason,
    Round,
    SlotKind,
    ThroughputCounter,
)
from wangge.testing.rounds import selectors

# What the untested page lists: still due, exempt (with reasons), or due and to be sampled at home.
UNTESTED = "untested"
EXEMPT = "exempt"
HOME = "home"
LIST_KINDS = (UNTESTED, EXEMPT, HOME)


# ------------------------------------------------------------------------------- units


def unit_in_round(scope: Scope, rnd: Round, unit_id: Any = None) -> OrgUnit:
    """The unit a coverage page looks at: `unit_id` when given (inside the scope and the round,
    else 404), otherwise where the actor's view of the round starts."""
    if unit_id in (None, ""):
        return selectors.focus_unit(scope, rnd)
    unit = scope.get(OrgUnit.objects.all(), pk=unit_id)
    if not unit.path.startswith(rnd.path):
        raise not_found()
    return unit


def breadcrumbs(scope: Scope, rnd: Round, unit: OrgUnit) -> list[OrgUnit]:
    """From the top the actor may see in this round down to `unit` (never above the scope)."""
    top = scope.root.path if len(scope.root.path) > len(rnd.path) else rnd.path
    paths = [p for p in selectors.ancestor_paths(unit.path) if p.startswith(top)]
    units = list(OrgUnit.objects.filter(path__in=paths))
    return sorted(units, key=lambda u: len(u.path))


def building_in_scope(scope: Scope, building_id: Any):
    from wangge.registry.models import Building

    if building_id in (None, ""):
        return None
    return scope.get(Building.objects.all(), pk=building_id)


# ------------------------------------------------------------------------------- people lists


def people(
    scope: Scope, rnd: Round, unit: OrgUnit, *, kind: str = UNTESTED, building=None, reason: str = ""
) -> QuerySet[Due]:
    """People of `unit` in this round: still to be sampled (not exempt), exempt, or to be sampled
    at home; ordered as a grid worker walks: building, unit, floor, room."""
    if not scope.covers_path(unit.path):
        raise not_found()
    qs = selectors.dues(scope, rnd).filter(path__startswith=unit.path)
    if kind == EXEMPT:
        qs = qs.filter(status=DueStatus.EXEMPT)
        if reason:
            qs = qs.filter(exempt_reason=reason)
    elif kind == HOME:
        qs = qs.filter(status=DueStatus.DUE, home_sampling=True)
    else:
        qs = qs.filter(status=DueStatus.DUE)
    if building is not None:
        qs = qs.filter(building=building)
    return qs.select_related("person", "person__household__room", "building", "grid").order_by(
        "path", *WALK_ORDER
    )


# After the grid (path): the order a grid worker walks.
WALK_ORDER = (
    "building__name",
    "unit_label",
    "floor",
    "person__household__room__number",
    "person__name",
    "id",
)


def people_page_list(scope: Scope, rnd: Round, unit: OrgUnit, qs: QuerySet[Due]):
    """people() for a page: above a few hundred rows it is read grid by grid (a district's
    untested are a million rows; sorting them all for one page took seconds)."""

    def grid_paths() -> list[str]:
        return sorted(
            set(
                scope.filter(
                    CoverageCounter.objects.filter(round=rnd, path__startswith=unit.path)
                ).values_list("path", flat=True)
            )
        )

    return ordered_by_path(qs, grid_paths, WALK_ORDER)


def buildings_of(scope: Scope, rnd: Round, unit: OrgUnit) -> list[dict]:
    """The buildings of `unit` that have people due in this round, for the building filter. Two
    buildings of one name (every village has its 1号楼) are told apart by their grid, and by
    their village when the grids share a name too (`label`)."""
    if unit.level < Level.VILLAGE:
        return []  # a district's or an office's buildings are thousands: a grid is chosen first
    rows = list(
        selectors.dues(scope, rnd)
        .filter(path__startswith=unit.path, building__isnull=False)
        .values("building_id", "building__name", "grid__name", "grid__parent__name")
        .annotate(n=Count("id"))
        .order_by("building__name", "grid__name", "building_id")
    )
    names: dict[str, int] = {}
    with_grid: dict[tuple[str, str], int] = {}
    for r in rows:
        names[r["building__name"]] = names.get(r["building__name"], 0) + 1
        key = (r["building__name"], r["grid__name"])
        with_grid[key] = with_grid.get(key, 0) + 1
    for r in rows:
        label = r["building__name"]
        if names[label] > 1:
            if with_grid[(label, r["grid__name"])] > 1:
                label = f"{label} · {r['grid__parent__name']} {r['grid__name']}"
            else:
                label = f"{label} · {r['grid__name']}"
        r["label"] = label
    return rows


def grids_of(scope: Scope, rnd: Round, unit: OrgUnit) -> list[dict]:
    """The grids of `unit` that have people due in this round, for the grid filter: read from
    the round's counters (a row per grid and shard), not from its million Due rows."""
    if unit.level == Level.GRID:
        return []
    return list(
        scope.filter(CoverageCounter.objects.filter(round=rnd, path__startswith=unit.path))
        .values("grid_id", "grid__name", "grid__parent__name")
        .annotate(n=Sum("due"))
        .filter(n__gt=0)
        .order_by("grid__parent__name", "grid__name", "grid_id")
    )


def exempt_by_reason(scope: Scope, rnd: Round, unit: OrgUnit) -> list[dict]:
    """How many people of `unit` are exempt, per reason."""
    if not scope.covers_path(unit.path):
        raise not_found()
    labels = dict(ExemptReason.choices)
    rows = (
        selectors.dues(scope, rnd)
        .filter(path__startswith=unit.path, status=DueStatus.EXEMPT)
        .values("exempt_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "exempt_reason")
    )
    return [
        {"reason": r["exempt_reason"], "label": labels.get(r["exempt_reason"], ""), "n": r["n"]} for r in rows
    ]


def attach_slots(scope: Scope, rnd: Round, dues: list[Due]) -> None:
    """Set `due.slot` to the calling-plan batch of each person (floor, else building, else grid
    batch), or None. One query for the page."""
    grids = {d.grid_id for d in dues}
    for d in dues:
        d.slot = None
    if not grids:
        return
    slots = scope.filter(
        CallSlot.objects.filter(round=rnd, grid_id__in=grids).select_related("site")
    ).order_by("starts_at", "id")
    floor, building, grid = {}, {}, {}
    for s in slots:
        if s.kind == SlotKind.FLOOR:
            floor.setdefault((s.building_id, s.unit_label, s.floor), s)
        elif s.kind == SlotKind.BUILDING:
            building.setdefault(s.building_id, s)
        elif s.kind == SlotKind.GRID:
            grid.setdefault(s.grid_id, s)
    for d in dues:
        d.slot = (
            floor.get((d.building_id, d.unit_label, d.floor))
            or floor.get((d.building_id, "", d.floor))
            or building.get(d.building_id)
            or grid.get(d.grid_id)
        )


def address_of(due: Due) -> str:
    household = getattr(due.person, "household", None)
    if household is not None:
        if household.address:
            return household.address
        room = household.room
        building = due.building.name if due.building else ""
        unit = f"{room.unit_label}单元" if room.unit_label else ""
        return f"{building}{unit}{room.number}"
    return due.building.name if due.building else ""


def room_of(due: Due) -> str:
    household = getattr(due.person, "household", None)
    return household.room.number if household is not None else ""


# ------------------------------------------------------------------------------- places


def places(scope: Scope, rnd: Round, grid: OrgUnit) -> list[dict]:
    """selectors.places_of_grid with the untested count and percent of each floor."""
    rows = selectors.places_of_grid(scope, rnd, grid)
    for r in rows:
        r["untested"] = max(0, r["due"] - r["tested"] - r["exempt"])
        base = r["due"] - r["exempt"]
        r["percent"] = round(100.0 * r["tested"] / base, 1) if base > 0 else 100.0
    return rows


def row_dict(row: selectors.CoverageRow) -> dict:
    return {
        "unit_id": row.unit.pk if row.unit else None,
        "name": row.label,
        "level": row.unit.level if row.unit else None,
        "due": row.due,
        "tested": row.tested,
        "exempt": row.exempt,
        "resulted": row.resulted,
        "positive": row.positive,
        "retest": row.retest,
        "untested": row.untested,
        "percent": row.percent,
    }


# ------------------------------------------------------------------------------- charts


def _hour_label(hour) -> str:
    return (
        timezone.localtime(hour).strftime("%m-%d %H:00")
        if timezone.is_aware(hour)
        else hour.strftime("%m-%d %H:00")
    )


def _hour_iso(hour) -> str:
    """The hour as a real time (ISO 8601 with its UTC offset, local time) for a time axis."""
    moment = timezone.localtime(hour) if timezone.is_aware(hour) else hour
    return moment.replace(minute=0, second=0, microsecond=0).isoformat()


# Where a place name may be cut: after the name of a unit (村, 社区, 街道 …) or a separator.
_CUT_AFTER = set("省市区县镇乡道村组路号楼栋幢 ·,，、-—_/()（）")


def short_site_names(names: list[str]) -> dict[str, str]:
    """Each name without what every name has in common at its start and end (a district's
    sites are all "…村核酸采样点"), cut only where a place name may be cut, so that labels on a
    chart axis tell the sites apart. A name that would be left empty keeps its whole."""
    distinct = sorted(set(names))
    if len(distinct) < 2:
        return {n: n for n in distinct}
    prefix = 0
    shortest = min(len(n) for n in distinct)
    while prefix < shortest and len({n[prefix] for n in distinct}) == 1:
        prefix += 1
    while prefix and distinct[0][prefix - 1] not in _CUT_AFTER:
        prefix -= 1
    suffix = 0
    while suffix < shortest - prefix and len({n[-1 - suffix] for n in distinct}) == 1:
        suffix += 1
    # The common end starts right after a cut (e.g. "村|核酸采样点"), or is not taken off.
    while suffix and distinct[0][-1 - suffix] not in _CUT_AFTER:
        suffix -= 1
    out = {}
    for n in distinct:
        middle = n[prefix : len(n) - suffix].strip(" ·,，、-—_/")
        out[n] = middle or n
    if len(set(out.values())) < len(out):
        return {n: n for n in distinct}
    return out


@dataclass
class Progress:
    hours: list[str] = field(default_factory=list)
    # The same hours as real times (ISO 8601, local), so a time axis shows the gaps between them.
    times: list[str] = field(default_factory=list)
    sampled: list[int] = field(default_factory=list)  # per hour
    cumulative: list[int] = field(default_factory=list)
    due: int = 0
    source: str = "sites"  # "sites": ThroughputCounter of the sites in the unit; "people": Due rows
    # [{"id", "name", "short", "samples": [per hour]}]; "short": the name told apart from the others
    sites: list[dict] = field(default_factory=list)
    # [{"site_id", "table_no", "name", "short", "samples": [...]}]; "short": a label that fits an axis
    tables: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "hours": self.hours,
            "times": self.times,
            "sampled": self.sampled,
            "cumulative": self.cumulative,
            "due": self.due,
            "source": self.source,
            "sites": self.sites,
            "tables": self.tables,
        }


def progress(scope: Scope, rnd: Round, unit: OrgUnit) -> Progress:
    """Samples per hour at the sites located in `unit` (from ThroughputCounter, kept as scans
    arrive), per site and per table, and the cumulative count against the people due in `unit`.
    A unit with no site of its own (a grid is served by its village's site) counts its own
    people's sampling times instead."""
    totals, _children = selectors.coverage_by_child(scope, rnd, unit)
    out = Progress(due=totals.due - totals.exempt)
    site_rows = list(
        selectors.sites(scope, rnd)
        .filter(path__startswith=unit.path)
        .order_by("name", "id")
        .values("id", "name")
    )
    if site_rows:
        names = {s["id"]: s["name"] for s in site_rows}
        rows = list(
            ThroughputCounter.objects.filter(round=rnd, site_id__in=names)
            .order_by("hour", "site_id", "table_no")
            .values_list("site_id", "table_no", "hour", "samples")
        )
        hours = sorted({r[2] for r in rows})
        index = {h: i for i, h in enumerate(hours)}
        per_hour = [0] * len(hours)
        per_site: dict[int, list[int]] = {sid: [0] * len(hours) for sid in names}
        per_table: dict[tuple[int, int], list[int]] = {}
        for site_id, table_no, hour, samples in rows:
            i = index[hour]
            per_hour[i] += samples
            per_site[site_id][i] += samples
            per_table.setdefault((site_id, table_no), [0] * len(hours))[i] += samples
        out.hours = [_hour_label(h) for h in hours]
        out.times = [_hour_iso(h) for h in hours]
        out.sampled = per_hour
        short = short_site_names(list(names.values()))
        one_site = len({sid for sid, _no in per_table}) == 1
        out.sites = [
            {"id": sid, "name": names[sid], "short": short[names[sid]], "samples": per_site[sid]}
            for sid in names
        ]
        out.tables = [
            {
                "site_id": sid,
                "table_no": no,
                "name": _("%(site)s, table %(no)s") % {"site": names[sid], "no": no},
                "short": (
                    pgettext("chart label", "Table %(no)s") % {"no": no}
                    if one_site
                    else pgettext("chart label", "%(site)s · table %(no)s")
                    % {"site": short[names[sid]], "no": no}
                ),
                "samples": values,
            }
            for (sid, no), values in sorted(per_table.items(), key=lambda kv: (names[kv[0][0]], kv[0][1]))
        ]
    else:
        out.source = "people"
        per_hour = (
            selectors.dues(scope, rnd)
            .filter(path__startswith=unit.path, status=DueStatus.TESTED, tested_at__isnull=False)
            .annotate(h=TruncHour("tested_at"))
            .values("h")
            .annotate(n=Count("id"))
            .order_by("h")
        )
        rows = [(r["h"], r["n"]) for r in per_hour]
        out.hours = [_hour_label(h) for h, _n in rows]
        out.times = [_hour_iso(h) for h, _n in rows]
        out.sampled = [n for _h, n in rows]
    running = 0
    for n in out.sampled:
        running += n
        out.cumulative.append(running)
    return out


# ------------------------------------------------------------------------------- recount


@dataclass
class Difference:
    grid_id: int
    grid_name: str
    field: str
    counted: int
    recounted: int


def compare(rnd: Round, path_prefix: str = "") -> list[Difference]:
    """Counters against a full recount of the Due rows, field by field per grid."""
    have = counters.counted(rnd.pk, path_prefix)
    want = counters.full_recount(rnd.pk, path_prefix)
    grids = set(have) | set(want)
    names = dict(OrgUnit.objects.filter(pk__in=grids).values_list("pk", "name"))
    out = []
    for gid in sorted(grids, key=lambda g: (names.get(g, ""), g)):
        a, b = have.get(gid, {}), want.get(gid, {})
        for f in counters.FIELDS:
            if int(a.get(f) or 0) != int(b.get(f) or 0):
                out.append(Difference(gid, names.get(gid, ""), f, int(a.get(f) or 0), int(b.get(f) or 0)))
    return out


@transaction.atomic
def recount(*, actor: Actor, round: Round, rebuild: bool = False) -> tuple[list[Difference], bool]:
    """Compare the round's coverage counters with a full recount and, when asked and they differ,
    rebuild them. For the round's organising unit and above (TESTING_MANAGE). Audited.

    Returns (differences found, rebuilt?). On PostgreSQL a rebuild first holds writes to the Due
    rows (SHARE lock until commit) so that no scan lands between the recount and the new rows."""
    require(actor, perms.TESTING_MANAGE)
    scope = scope_of(actor)
    if not scope.covers_path(round.path):
        if selectors.rounds(scope).filter(pk=round.pk).exists():
            raise PermissionDenied(_("Only the organising unit of the round can recount its coverage."))
        raise not_found()
    if rebuild and connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {Due._meta.db_table} IN SHARE MODE")  # noqa: S608 - our table
    diffs = compare(round)
    rebuilt = False
    if rebuild and diffs:
        counters.rebuild(round.pk)
        rebuilt = True
    audit.record(
        actor=actor,
        action=Action.UPDATE if rebuilt else Action.VIEW,
        obj=round,
        after={"coverage_recount": True, "differences": len(diffs), "rebuilt": rebuilt},
    )
    return diffs, rebuilt
