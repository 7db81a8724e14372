"""The overview (item 7): per office, village and grid, people under measures by kind and category,
screened today, measures starting and ending today, overdue checks and tests, open service
requests and escalations, measures awaiting approval, and the day's figure in words.

Fast at district scope (100,000 people under measures): a handful of GROUP BY queries over indexed
columns, grouped by grid path; the few hundred (path, count) rows are then rolled up to the rows of
the table (the children of the focus unit) in Python. No query per row, no Python over people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Least, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from wangge.core.access import Scope, not_found
from wangge.org.models import Level, OrgUnit
from wangge.screening.models import (
    Category,
    Escalation,
    Measure,
    MeasureKind,
    MeasureStatus,
    MeasureTest,
    ScreeningRecord,
    ServiceRequest,
    ServiceStatus,
)
from wangge.testing.models import DueStatus

KINDS = [k.value for k in MeasureKind]
SHORT_KIND = {
    MeasureKind.CENTRALISED: pgettext_lazy("measure kind, short", "centralised quarantine"),
    MeasureKind.HOME_QUARANTINE: pgettext_lazy("measure kind, short", "home quarantine"),
    MeasureKind.HOME_MONITORING: pgettext_lazy("measure kind, short", "home health monitoring"),
    MeasureKind.ROUTINE_MONITORING: pgettext_lazy("measure kind, short", "routine health monitoring"),
}
# The counts of one row (and of the totals), in table order.
COUNTS = (
    "under_measures",
    "screened_today",
    "categories_today",
    "starting_today",
    "ending_today",
    "released_today",
    "overdue_checks",
    "overdue_tests",
    "open_services",
    "open_escalations",
    "awaiting_approval",
)
# Rows of the table one level below the focus: office → village → grid.
ROW_LEVEL = {
    Level.DISTRICT: Level.OFFICE,
    Level.OFFICE: Level.VILLAGE,
    Level.MANAGEMENT_AREA: Level.VILLAGE,
    Level.VILLAGE: Level.GRID,
    Level.WORKSTATION: Level.GRID,
}


@dataclass
class Row:
    unit: OrgUnit | None  # None: the totals row
    under_measures: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    screened_today: int = 0
    categories_today: int = 0
    starting_today: int = 0
    ending_today: int = 0
    released_today: int = 0
    overdue_checks: int = 0
    overdue_tests: int = 0
    open_services: int = 0
    open_escalations: int = 0
    awaiting_approval: int = 0
    _categories: set = field(default_factory=set, repr=False)

    def kinds(self) -> list[tuple[str, int]]:
        return [(k, self.by_kind[k]) for k in KINDS]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit_id": self.unit.pk if self.unit else None}
        out["name"] = self.unit.name if self.unit else None
        out["by_kind"] = dict(self.by_kind)
        out.update({name: getattr(self, name) for name in COUNTS})
        return out


@dataclass
class CategoryRow:
    category: Category | None  # None: measures or records without a category
    under_measures: int = 0
    screened_today: int = 0


@dataclass
class Overview:
    unit: OrgUnit
    today: dt.date
    rows: list[Row]
    totals: Row
    categories: list[CategoryRow]
    sentence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk,
            "unit_name": self.unit.name,
            "level": self.unit.level,
            "date": self.today.isoformat(),
            "sentence": self.sentence,
            "totals": self.totals.as_dict(),
            "rows": [r.as_dict() for r in self.rows],
            "categories": [
                {
                    "category_id": c.category.pk if c.category else None,
                    "name": c.category.name if c.category else None,
                    "under_measures": c.under_measures,
                    "screened_today": c.screened_today,
                }
                for c in self.categories
            ],
        }


def focus_unit(scope: Scope, unit_id: Any = None) -> OrgUnit:
    """The unit the overview looks at: `unit_id` inside the scope (else 404), by default the
    actor's jurisdiction."""
    if scope.is_empty:
        raise not_found()
    if unit_id in (None, ""):
        return scope.root
    return scope.get(OrgUnit.objects.all(), pk=unit_id)


def row_units(unit: OrgUnit) -> list[OrgUnit]:
    """The open units one step down (office → village → grid) under `unit`; none for a grid."""
    level = ROW_LEVEL.get(unit.level)
    if level is None:
        return []
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path, level=level, closed_at__isnull=True).order_by(
            "sort_order", "path"
        )
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def overview(scope: Scope, unit: OrgUnit, *, today: dt.date | None = None) -> Overview:
    """All the figures of `unit` (inside the scope) and of its rows, in a few GROUP BY queries."""
    if not scope.covers_path(unit.path):
        raise not_found()
    today = today or timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    start, end = _day_start(today), _day_start(today + dt.timedelta(days=1))
    prefix = unit.path

    units = row_units(unit)
    rows = [Row(unit=u) for u in units]
    totals = Row(unit=None)
    by_id = {u.pk: row for u, row in zip(units, rows, strict=True)}
    row_of_path: dict[str, Row | None] = {}

    def rows_for(path: str) -> tuple[Row, ...]:
        """The totals row and the table row whose unit the grid path lies under."""
        if path not in row_of_path:
            found = None
            for part in path.strip("/").split("/"):
                if part and int(part) in by_id:
                    found = by_id[int(part)]
                    break
            row_of_path[path] = found
        found = row_of_path[path]
        return (totals, found) if found is not None else (totals,)

    cat_under: dict[int | None, int] = defaultdict(int)
    cat_screened: dict[int | None, int] = defaultdict(int)
    grid_paths = dict(
        OrgUnit.objects.filter(path__startswith=prefix, level=Level.GRID).values_list("id", "path")
    )

    def rows_for_grid(grid_id: int) -> tuple[Row, ...]:
        path = grid_paths.get(grid_id)
        return rows_for(path) if path is not None else (totals,)

    # 1. Open measures (in force or awaiting approval) per grid, status and kind, with the day's
    #    counts. Grouped by grid id (an integer): cheaper than by path, and a few hundred groups.
    limit = Least(Value(yesterday), F("ends_on"))
    open_measures = Measure.objects.filter(
        status__in=[MeasureStatus.ACTIVE, MeasureStatus.AWAITING_APPROVAL], path__startswith=prefix
    ).order_by()
    measures = open_measures.values("grid_id", "status", "kind").annotate(
        n=Count("id"),
        starting=Count("id", filter=Q(starts_on=today)),
        ending=Count("id", filter=Q(ends_on=today)),
        overdue=Count(
            "id",
            filter=Q(checked_through__lt=limit) | Q(checked_through__isnull=True, starts_on__lte=limit),
        ),
    )
    for m in measures:
        targets = rows_for_grid(m["grid_id"])
        if m["status"] == MeasureStatus.AWAITING_APPROVAL:
            for r in targets:
                r.awaiting_approval += m["n"]
            continue
        for r in targets:
            r.under_measures += m["n"]
            r.by_kind[m["kind"]] += m["n"]
            r.starting_today += m["starting"]
            r.ending_today += m["ending"]
            r.overdue_checks += m["overdue"]
    # 1b. In force by category, for the focus unit as a whole.
    in_force = open_measures.filter(status=MeasureStatus.ACTIVE)
    for m in in_force.values("category_id").annotate(n=Count("id")):
        cat_under[m["category_id"]] = m["n"]

    # 2. Released today.
    released = (
        Measure.objects.filter(
            status=MeasureStatus.RELEASED, path__startswith=prefix, closed_at__gte=start, closed_at__lt=end
        )
        .values("path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for m in released:
        for r in rows_for(m["path"]):
            r.released_today += m["n"]

    # 3–4. Screened today: people per grid, and categories per grid (for "in K categories").
    screened = ScreeningRecord.objects.filter(
        path__startswith=prefix, screened_at__gte=start, screened_at__lt=end
    ).order_by()
    for s in screened.values("grid_id").annotate(n=Count("person_id", distinct=True)):
        for r in rows_for_grid(s["grid_id"]):
            r.screened_today += s["n"]
    for s in screened.values("grid_id", "category_id").annotate(n=Count("person_id", distinct=True)):
        cat_screened[s["category_id"]] += s["n"]
        if s["category_id"] is not None:
            for r in rows_for_grid(s["grid_id"]):
                r._categories.add(s["category_id"])

    # 5. Tests overdue: past their day, no result, not sampled in testing; people, per grid.
    #    Only measures in force count. Tests exist only from the approval on, and a released
    #    measure has every result (services.release_check), so it is enough to leave out the
    #    tests of measures ended early: a NOT IN over the few cancelled or handed over ones
    #    (index on status and path) instead of joining every measure in force.
    ended = Measure.objects.filter(
        status__in=[MeasureStatus.CANCELLED, MeasureStatus.REJECTED, MeasureStatus.HANDED_OVER],
        path__startswith=prefix,
    ).values("id")
    overdue_tests = (
        MeasureTest.objects.filter(path__startswith=prefix, on_date__lt=today, result="")
        .exclude(measure_id__in=ended)
        .filter(Q(due__isnull=True) | ~Q(due__status=DueStatus.TESTED))
        .values("path")
        .annotate(n=Count("measure_id", distinct=True))
        .order_by()
    )
    for t in overdue_tests:
        for r in rows_for(t["path"]):
            r.overdue_tests += t["n"]

    # 6. Open service requests; 7. open escalations.
    services = (
        ServiceRequest.objects.filter(
            status__in=[ServiceStatus.OPEN, ServiceStatus.ASSIGNED], path__startswith=prefix
        )
        .values("path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for s in services:
        for r in rows_for(s["path"]):
            r.open_services += s["n"]
    escalations = (
        Escalation.objects.filter(path__startswith=prefix, handled_at__isnull=True)
        .values("path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for e in escalations:
        for r in rows_for(e["path"]):
            r.open_escalations += e["n"]

    for r in (*rows, totals):
        r.categories_today = len(r._categories)

    # 8. The categories' names, in their order.
    ids = {c for c in (*cat_under, *cat_screened) if c is not None}
    categories = [
        CategoryRow(
            category=c, under_measures=cat_under.get(c.pk, 0), screened_today=cat_screened.get(c.pk, 0)
        )
        for c in Category.objects.filter(pk__in=ids)
    ]
    if cat_under.get(None) or cat_screened.get(None):
        categories.append(
            CategoryRow(
                category=None, under_measures=cat_under.get(None, 0), screened_today=cat_screened.get(None, 0)
            )
        )
    result = Overview(unit=unit, today=today, rows=rows, totals=totals, categories=categories)
    result.sentence = daily_figure(totals)
    return result


TREND_DAYS = 14


@dataclass
class Trend:
    """Day by day over the last TREND_DAYS days up to today: people under measures in force each
    day by kind, and people screened each day."""

    days: list[dt.date]
    in_force: dict[str, list[int]]  # kind → one count per day
    screened: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": [d.isoformat() for d in self.days],
            "in_force": dict(self.in_force),
            "screened": list(self.screened),
        }


def trend(scope: Scope, unit: OrgUnit, *, today: dt.date | None = None, days: int = TREND_DAYS) -> Trend:
    """In force on a day: started on or before it, and neither past its end nor released before
    it (measures in force now or released; the cancelled, rejected and handed over are left out).
    Two GROUP BY queries: measures by kind and dates (a few hundred groups), records by day."""
    if not scope.covers_path(unit.path):
        raise not_found()
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    span = [first + dt.timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(span)}
    in_force = {k: [0] * days for k in KINDS}
    groups = (
        Measure.objects.filter(
            path__startswith=unit.path,
            status__in=[MeasureStatus.ACTIVE, MeasureStatus.RELEASED],
            starts_on__lte=today,
            ends_on__gte=first,
        )
        .values("kind", "status", "starts_on", "ends_on", closed=TruncDate("closed_at"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for g in groups:
        last = g["ends_on"]
        if g["status"] == MeasureStatus.RELEASED and g["closed"] is not None:
            last = min(last, g["closed"])
        start = max(g["starts_on"], first)
        stop = min(last, today)
        day = start
        while day <= stop:
            in_force[g["kind"]][index[day]] += g["n"]
            day += dt.timedelta(days=1)
    screened = [0] * days
    records = (
        ScreeningRecord.objects.filter(
            path__startswith=unit.path,
            screened_at__gte=_day_start(first),
            screened_at__lt=_day_start(today) + dt.timedelta(days=1),
        )
        .values(day=TruncDate("screened_at"))
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    for r in records:
        if r["day"] in index:
            screened[index[r["day"]]] += r["n"]
    return Trend(days=span, in_force=in_force, screened=screened)


def _n(value: int) -> str:
    return f"{value:,}"


def daily_figure(totals: Row) -> str:
    """The day in words, e.g. "Screened 935 people today, in 27 categories; 1,204 people under
    measures (centralised quarantine 310, home quarantine 512, home health monitoring 382);
    41 people released today."""
    n, k = totals.screened_today, totals.categories_today
    screened = ngettext("Screened %(n)s person today", "Screened %(n)s people today", n) % {"n": _n(n)}
    if k:
        screened = _("%(screened)s, in %(categories)s") % {
            "screened": screened,
            "categories": ngettext("%(k)s category", "%(k)s categories", k) % {"k": _n(k)},
        }
    m = totals.under_measures
    under = ngettext("%(m)s person under measures", "%(m)s people under measures", m) % {"m": _n(m)}
    kinds = [
        pgettext("kind and count", "%(kind)s %(n)s") % {"kind": SHORT_KIND[k], "n": _n(v)}
        for k, v in totals.kinds()
        if v
    ]
    if kinds:
        under = _("%(under)s (%(kinds)s)") % {
            "under": under,
            "kinds": pgettext("list separator", ", ").join(kinds),
        }
    r = totals.released_today
    released = ngettext("%(r)s person released today", "%(r)s people released today", r) % {"r": _n(r)}
    return pgettext("clause separator", "; ").join([screened, under, released])
