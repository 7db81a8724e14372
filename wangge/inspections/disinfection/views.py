"""Disinfection plans of villages, sites and venues, with the days missed in the last two weeks."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import scoped_view
from wangge.inspections.disinfection import selectors, services
from wangge.inspections.permissions import INSPECTIONS_DISINFECT


@require_GET
@scoped_view(INSPECTIONS_DISINFECT)
def plans(request):
    today = timezone.localdate()
    gaps = selectors.missing_days(request.scope, until=today)
    missing = {g.plan.pk: g.missing for g in gaps}
    rows = [
        (p, missing.get(p.pk, [])) for p in selectors.plans(request.scope).order_by("path", "place")[:500]
    ]
    return render(request, "inspections/disinfection.html", {"rows": rows, "today": today})


@require_POST
@scoped_view(INSPECTIONS_DISINFECT)
def record(request, plan_id: int):
    plan = selectors.get_plan(request.scope, plan_id)
    _rnd, made = services.record_round(
        actor=request.user, plan=plan, on=timezone.localdate(), done_by=request.user.get_username()
    )
    messages.success(
        request, _("Disinfection recorded for today.") if made else _("Already recorded for today.")
    )
    return redirect("inspections:disinfection")
