"""Coverage pages: the live table per level (office → village → workstation → grid → building,
unit, floor), progress charts, the list of people still to be sampled (and the exempt) with its
export, and the manager's recount of the counters.

Rounds, units and buildings are fetched through the actor's scope: outside it answers 404."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import has_permission, not_found, scoped_view
from wangge.core.forms import htmx_target, paginate, render_page_or_fragment
from wangge.org.models import Level
from wangge.registry.permissions import REGISTRY_VIEW_PHONES
from wangge.testing.coverage import exports
from wangge.testing.coverage import selectors as coverage
from wangge.testing.models import ExemptReason
from wangge.testing.permissions import TESTING_EXPORT, TESTING_MANAGE, TESTING_VIEW
from wangge.testing.rounds import selectors

LIVE_TARGET = "coverage-live"


def _common(request, rnd, unit) -> dict:
    polling = htmx_target(request) == LIVE_TARGET
    return {
        "round": rnd,
        "unit": unit,
        "crumbs": [] if polling else coverage.breadcrumbs(request.scope, rnd, unit),
        "can_recount": request.user.can(TESTING_MANAGE) and selectors.can_manage(request.scope, rnd),
        "can_export": request.user.can(TESTING_EXPORT),
    }


def _coverage_context(request, rnd, unit) -> dict:
    scope = request.scope
    context = _common(request, rnd, unit)
    if unit.level == Level.GRID:
        context.update(
            totals=selectors.coverage_of_grid(scope, rnd, unit),
            children=[],
            places=coverage.places(scope, rnd, unit),
            is_grid=True,
        )
    else:
        totals, children = selectors.coverage_by_child(scope, rnd, unit)
        context.update(totals=totals, children=children, places=None, is_grid=False)
    return context


@require_GET
@scoped_view(TESTING_VIEW)
def coverage_page(request, round_id: int):
    """Coverage of one unit and its children; the table refreshes itself every 15 seconds."""
    rnd = selectors.get_round(request.scope, round_id)
    unit = coverage.unit_in_round(request.scope, rnd, request.GET.get("unit"))
    return _render_coverage(request, rnd, unit)


@require_GET
@scoped_view(TESTING_VIEW)
def coverage_grid(request, round_id: int, unit_id: int):
    """One grid: building → unit → floor, and its people still to be sampled."""
    rnd = selectors.get_round(request.scope, round_id)
    unit = coverage.unit_in_round(request.scope, rnd, unit_id)
    if unit.level != Level.GRID:
        raise not_found()
    return _render_coverage(request, rnd, unit)


def _render_coverage(request, rnd, unit):
    context = _coverage_context(request, rnd, unit)
    polling = htmx_target(request) == LIVE_TARGET  # the fragment: counts only, kept cheap
    if context["is_grid"] and not polling:
        page = paginate(request, coverage.people(request.scope, rnd, unit), per_page=20)
        _mask(request, page.object_list, rnd)
        context["page_obj"] = page
        context["show_phones"] = has_permission(request.user, REGISTRY_VIEW_PHONES)
    context["live_target"] = LIVE_TARGET
    return render_page_or_fragment(
        request, "testing/coverage/coverage.html", "testing/coverage/_live.html", LIVE_TARGET, context
    )


@require_GET
@scoped_view(TESTING_VIEW)
def progress_page(request, round_id: int):
    """Progress over time and throughput per site and table (ECharts, data in json_script)."""
    rnd = selectors.get_round(request.scope, round_id)
    unit = coverage.unit_in_round(request.scope, rnd, request.GET.get("unit"))
    context = _common(request, rnd, unit)
    context["progress"] = coverage.progress(request.scope, rnd, unit).as_dict()
    return render(request, "testing/coverage/progress.html", context)


def _mask(request, dues, rnd) -> None:
    dues = list(dues)
    coverage.attach_slots(request.scope, rnd, dues)
    for d in dues:
        d.address_shown = coverage.address_of(d)
        d.room_shown = coverage.room_of(d)


def _list_args(request, rnd):
    scope = request.scope
    unit = coverage.unit_in_round(scope, rnd, request.GET.get("unit"))
    grid_id = request.GET.get("grid")
    if grid_id:
        # The grid filter narrows the list to one grid under the unit.
        grid = coverage.unit_in_round(scope, rnd, grid_id)
        if grid.level != Level.GRID or not grid.path.startswith(unit.path):
            raise not_found()
        unit = grid
    building = coverage.building_in_scope(scope, request.GET.get("building"))
    if building is not None and not building.path.startswith(unit.path):
        raise not_found()
    kind = request.GET.get("list") if request.GET.get("list") in coverage.LIST_KINDS else coverage.UNTESTED
    reason = request.GET.get("reason") if request.GET.get("reason") in ExemptReason.values else ""
    qs = coverage.people(scope, rnd, unit, kind=kind, building=building, reason=reason)
    return unit, building, kind, reason, qs


def _list_unit(request, rnd, unit):
    """The unit the list was opened for (above a chosen grid) and its grids, for the grid filter."""
    base = unit
    if request.GET.get("grid") and request.GET.get("unit"):
        base = coverage.unit_in_round(request.scope, rnd, request.GET.get("unit"))
    elif request.GET.get("grid"):
        base = coverage.unit_in_round(request.scope, rnd, None)
    return {"unit": base, "grids": coverage.grids_of(request.scope, rnd, base)}


@require_GET
@scoped_view(TESTING_VIEW)
def untested(request, round_id: int):
    """The people of a unit still to be sampled (or exempt, or to be sampled at home)."""
    rnd = selectors.get_round(request.scope, round_id)
    unit, building, kind, reason, qs = _list_args(request, rnd)
    page = paginate(request, coverage.people_page_list(request.scope, rnd, unit, qs))
    _mask(request, page.object_list, rnd)
    context = _common(request, rnd, unit)
    context.update(
        page_obj=page,
        kind=kind,
        building=building,
        reason=reason,
        buildings=coverage.buildings_of(request.scope, rnd, unit),
        list_unit=_list_unit(request, rnd, unit),
        can_edit=request.user.can(TESTING_MANAGE),
        reasons=coverage.exempt_by_reason(request.scope, rnd, unit),
        reason_choices=ExemptReason.choices,
        show_phones=has_permission(request.user, REGISTRY_VIEW_PHONES),
        kinds=[
            (coverage.UNTESTED, _("Not yet sampled")),
            (coverage.HOME, _("Home sampling")),
            (coverage.EXEMPT, _("Exempt")),
        ],
    )
    return render(request, "testing/coverage/untested.html", context)


@require_GET
@scoped_view(TESTING_EXPORT)
def untested_export(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    unit, building, kind, reason, qs = _list_args(request, rnd)
    filters = {"list": kind}
    if building is not None:
        filters["building_id"] = building.pk
    if reason:
        filters["reason"] = reason
    return exports.untested_response(request, rnd, unit, qs, kind=kind, filters=filters)


@require_POST
@scoped_view(TESTING_MANAGE)
def coverage_recount(request, round_id: int):
    """Compare the counters with a full recount (and rebuild them when asked)."""
    rnd = selectors.get_round(request.scope, round_id)
    diffs, rebuilt = coverage.recount(
        actor=request.user, round=rnd, rebuild=request.POST.get("rebuild") == "1"
    )
    context = _common(request, rnd, selectors.focus_unit(request.scope, rnd))
    context.update(diffs=diffs, rebuilt=rebuilt, remaining=coverage.compare(rnd) if rebuilt else diffs)
    return render(request, "testing/coverage/recount.html", context)
