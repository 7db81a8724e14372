"""Pages of checkpoints: the list with today's counts and the page's own words, a new checkpoint,
and one checkpoint's day (its shifts and who is on them, making shifts, the counts)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error
from wangge.duty.checkpoints import selectors, services
from wangge.duty.checkpoints.forms import CheckpointForm, MakeShiftsForm
from wangge.duty.dates import day_param
from wangge.duty.entries import selectors as entry_selectors
from wangge.duty.permissions import DUTY_MANAGE, DUTY_VIEW
from wangge.duty.shifts import selectors as shift_selectors


@require_GET
@scoped_view(DUTY_VIEW)
def checkpoint_list(request):
    scope = request.scope
    day = day_param(request)
    counts = {c.checkpoint_id: c for c in entry_selectors.counts(scope, day)}
    rows = list(selectors.checkpoints(scope).order_by("path", "name"))
    for cp in rows:
        cp.count = counts.get(cp.pk)
    words = {
        "turns": shift_selectors.party_member_turns(scope),
        "checkpoints": len(rows),
        "entries": sum(c.total for c in counts.values()),
        "risk": sum(c.from_risk_areas for c in counts.values()),
        "tonight_gaps": shift_selectors.tonight_gaps(scope),
    }
    return render(
        request,
        "duty/checkpoints/list.html",
        {"checkpoints": rows, "day": day, "words": words, "can_manage": request.user.can(DUTY_MANAGE)},
    )


@require_http_methods(["GET", "POST"])
@scoped_view(DUTY_MANAGE)
def checkpoint_new(request):
    scope = request.scope
    grids = list(selectors.grids(scope))
    form = CheckpointForm(request.POST or None, grids=grids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grid = scope.get(selectors.grids(scope), pk=data["grid"])
        try:
            times = services.parse_shift_times(data["shift_times"]) if data["pattern"] == "set" else []
            cp = services.create_checkpoint(
                actor=request.user,
                grid=grid,
                name=data["name"],
                kind=data["kind"],
                address=data["address"],
                round_the_clock=data["round_the_clock"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                pattern=data["pattern"],
                shift_times=times,
                people_per_shift=data["people_per_shift"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            services.make_shifts(actor=request.user, checkpoint=cp, start=timezone.localdate(), days=7)
            messages.success(request, _("Checkpoint set up, with its shifts for a week."))
            return redirect("duty:checkpoint", checkpoint_id=cp.pk)
    return render(request, "duty/checkpoints/form.html", {"form": form})


@require_GET
@scoped_view(DUTY_VIEW)
def checkpoint_detail(request, checkpoint_id: int):
    scope = request.scope
    cp = selectors.get_checkpoint(scope, checkpoint_id)
    day = day_param(request)
    shifts = shift_selectors.shifts_of_checkpoint_day(scope, cp.pk, day)
    count = next((c for c in entry_selectors.counts(scope, day) if c.checkpoint_id == cp.pk), None)
    return render(
        request,
        "duty/checkpoints/detail.html",
        {
            "cp": cp,
            "day": day,
            "shifts": shifts,
            "count": count,
            "make_form": MakeShiftsForm(),
            "can_manage": request.user.can(DUTY_MANAGE),
            "now": timezone.now(),
        },
    )


@require_POST
@scoped_view(DUTY_MANAGE)
def checkpoint_make_shifts(request, checkpoint_id: int):
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    form = MakeShiftsForm(request.POST)
    if form.is_valid():
        try:
            made = services.make_shifts(
                actor=request.user,
                checkpoint=cp,
                start=form.cleaned_data["start"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s shifts made.") % {"n": made})
    else:
        messages.error(request, _("Check the dates."))
    return redirect("duty:checkpoint", checkpoint_id=cp.pk)
