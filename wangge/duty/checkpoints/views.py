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
from wangge.duty.checkpoints.forms import (
    CheckpointEditForm,
    CheckpointForm,
    CloseCheckpointForm,
    MakeShiftsForm,
)
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
    closed = list(
        selectors.checkpoints(scope, active_only=False).filter(is_active=False).order_by("path", "name")
    )
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
        {
            "checkpoints": rows,
            "closed": closed,
            "day": day,
            "words": words,
            "can_manage": request.user.can(DUTY_MANAGE),
        },
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
            "kept": [] if cp.is_active else shift_selectors.upcoming_staffed(scope, cp.pk),
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


def _times(data) -> list:
    return services.parse_shift_times(data["shift_times"]) if data["pattern"] == "set" else []


def _say_replanned(request, result: services.Replanned) -> None:
    if result.dropped or result.made:
        messages.info(
            request,
            _("Shifts to come: %(d)s dropped, %(m)s made.") % {"d": result.dropped, "m": result.made},
        )
    if result.kept:
        messages.warning(
            request,
            _("%(n)s shifts to come have people on them and were kept: take them off if needed.")
            % {"n": len(result.kept)},
        )


@require_http_methods(["GET", "POST"])
@scoped_view(DUTY_MANAGE)
def checkpoint_edit(request, checkpoint_id: int):
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    form = CheckpointEditForm(request.POST or None, checkpoint=cp)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.update_checkpoint(
                actor=request.user,
                checkpoint=cp,
                name=data["name"],
                kind=data["kind"],
                address=data["address"],
                round_the_clock=data["round_the_clock"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                pattern=data["pattern"],
                shift_times=_times(data),
                people_per_shift=data["people_per_shift"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Checkpoint saved."))
            _say_replanned(request, result)
            return redirect("duty:checkpoint", checkpoint_id=cp.pk)
    return render(request, "duty/checkpoints/edit.html", {"form": form, "cp": cp})


@require_http_methods(["GET", "POST"])
@scoped_view(DUTY_MANAGE)
def checkpoint_close(request, checkpoint_id: int):
    scope = request.scope
    cp = selectors.get_checkpoint(scope, checkpoint_id)
    if not cp.is_active:
        messages.info(request, _("This checkpoint is already closed."))
        return redirect("duty:checkpoint", checkpoint_id=cp.pk)
    form = CloseCheckpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.close_checkpoint(
                actor=request.user, checkpoint=cp, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Checkpoint closed: %(n)s shifts to come that nobody was on were dropped.")
                % {"n": result.dropped},
            )
            _say_replanned(request, services.Replanned(kept=result.kept))
            return redirect("duty:checkpoint", checkpoint_id=cp.pk)
    return render(
        request,
        "duty/checkpoints/close.html",
        {"form": form, "cp": cp, "kept": shift_selectors.upcoming_staffed(scope, cp.pk)},
    )


@require_POST
@scoped_view(DUTY_MANAGE)
def checkpoint_reopen(request, checkpoint_id: int):
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    try:
        made = services.reopen_checkpoint(actor=request.user, checkpoint=cp)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Checkpoint reopened, with %(n)s shifts for a week.") % {"n": made})
    return redirect("duty:checkpoint", checkpoint_id=cp.pk)
