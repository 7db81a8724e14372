"""Disinfection plans of villages, sites and venues, with the days missed in the last two weeks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error, post_data
from wangge.inspections.disinfection import selectors, services
from wangge.inspections.disinfection.forms import PlanForm
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
    return render(
        request,
        "inspections/disinfection.html",
        {"rows": rows, "today": today, "by_unit": selectors.missing_per_unit(request.scope, gaps)},
    )


@scoped_view(INSPECTIONS_DISINFECT)
def plan_new(request):
    scope = request.scope
    form = PlanForm(
        post_data(request),
        units=selectors.plan_units(scope),
        venues=selectors.plan_venues(scope),
        initial={"starts_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.create_plan(actor=request.user, scope=scope, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Disinfection plan saved."))
            return redirect("inspections:disinfection")
    return render(request, "inspections/disinfection_form.html", {"form": form, "plan": None})


@scoped_view(INSPECTIONS_DISINFECT)
def plan_edit(request, plan_id: int):
    plan = selectors.get_plan(request.scope, plan_id)
    initial = {"place": plan.place, "every_days": plan.every_days, "starts_on": plan.starts_on}
    form = PlanForm(post_data(request), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(actor=request.user, scope=request.scope, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Disinfection plan saved."))
            return redirect("inspections:disinfection")
    return render(request, "inspections/disinfection_form.html", {"form": form, "plan": plan})


@require_POST
@scoped_view(INSPECTIONS_DISINFECT)
def plan_end(request, plan_id: int):
    plan = selectors.get_plan(request.scope, plan_id)
    services.end_plan(actor=request.user, scope=request.scope, plan=plan)
    messages.success(request, _("Disinfection plan ended."))
    return redirect("inspections:disinfection")


@require_POST
@scoped_view(INSPECTIONS_DISINFECT)
def record(request, plan_id: int):
    plan = selectors.get_plan(request.scope, plan_id)
    try:
        _rnd, made = services.record_round(
            actor=request.user, plan=plan, on=timezone.localdate(), done_by=request.user.get_username()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inspections:disinfection")
    messages.success(
        request, _("Disinfection recorded for today.") if made else _("Already recorded for today.")
    )
    return redirect("inspections:disinfection")
