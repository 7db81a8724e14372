"""Pages of the duty roster: the gaps (unfilled shifts per day and week), putting someone on a
shift, taking them off, signing in and out on the phone, and one calendar per village and office."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.access import scoped_view
from wangge.duty.models import Volunteer, VolunteerStatus
from wangge.duty.permissions import DUTY_LOG, DUTY_MANAGE, DUTY_VIEW
from wangge.duty.shifts import selectors, services
from wangge.duty.shifts.forms import AssignForm
from wangge.org.models import Level, OrgUnit
from wangge.roster.models import StaffKind, StaffMember

DUTY_KINDS = (
    StaffKind.PARTY_MEMBER,
    StaffKind.SENT_DOWN_CADRE,
    StaffKind.VOLUNTEER,
    StaffKind.VILLAGE_CADRE,
    StaffKind.GRID_STAFF,
    StaffKind.COMMUNITY_WORKER,
)


LISTED = 50  # unfilled shifts listed for the first day (cards on a phone); the table counts them all


def _start(request) -> date:
    raw = request.GET.get("start", "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _back(request, fallback: str):
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(fallback)


@require_GET
@scoped_view(DUTY_VIEW)
def gaps(request):
    """Unfilled shifts: a week (or a month) of days, with the shifts of the first day listed."""
    start = _start(request)
    days = 30 if request.GET.get("span") == "month" else 7
    rows = selectors.gaps(request.scope, start=start, days=days, rows_for=1, rows_limit=LISTED)
    return render(
        request,
        "duty/shifts/gaps.html",
        {
            "rows": rows,
            "start": start,
            "days": days,
            "prev": start - timedelta(days=days),
            "next": start + timedelta(days=days),
            "week_unfilled": sum(r.unfilled for r in rows[:7]),
            "more": max(0, rows[0].unfilled - len(rows[0].rows)) if rows else 0,
            "can_manage": request.user.can(DUTY_MANAGE),
        },
    )


@require_http_methods(["GET", "POST"])
@scoped_view(DUTY_MANAGE)
def shift_assign(request, shift_id: int):
    scope = request.scope
    shift = selectors.get_shift(scope, shift_id)
    staff = list(
        scope.filter(StaffMember.objects.filter(is_active=True))
        .filter(kind__in=DUTY_KINDS)
        .order_by("-is_party_member", "name")[:300]
    )
    volunteers = list(
        scope.filter(
            Volunteer.objects.filter(status=VolunteerStatus.VETTED).select_related("village")
        ).order_by("name")[:300]
    )
    form = AssignForm(request.POST or None, staff=staff, volunteers=volunteers)
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"]
        try:
            if who.startswith("s"):
                person = scope.get(StaffMember.objects.all(), pk=who[1:])
                services.assign(actor=request.user, shift=shift, staff=person)
            else:
                vol = scope.get(Volunteer.objects.all(), pk=who[1:])
                services.assign(actor=request.user, shift=shift, volunteer=vol)
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        else:
            messages.success(request, _("Put on the shift."))
            return _back(request, reverse("duty:checkpoint", kwargs={"checkpoint_id": shift.checkpoint_id}))
    shift = selectors.get_shift(scope, shift_id)
    duties = list(shift.duties.select_related("staff", "volunteer"))
    return render(request, "duty/shifts/assign.html", {"shift": shift, "form": form, "duties": duties})


@require_POST
@scoped_view(DUTY_MANAGE)
def duty_remove(request, duty_id: int):
    duty = selectors.get_duty(request.scope, duty_id)
    try:
        services.unassign(actor=request.user, duty=duty)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Taken off the shift."))
    return _back(request, reverse("duty:checkpoint", kwargs={"checkpoint_id": duty.shift.checkpoint_id}))


@require_POST
@scoped_view(DUTY_LOG)
def duty_sign(request, duty_id: int):
    duty = selectors.get_duty(request.scope, duty_id)
    try:
        if request.POST.get("out"):
            services.sign_out(actor=request.user, duty=duty)
            messages.success(request, _("Signed out."))
        else:
            services.sign_in(actor=request.user, duty=duty)
            messages.success(request, _("Signed in."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return _back(request, reverse("duty:post", kwargs={"checkpoint_id": duty.shift.checkpoint_id}))


@require_GET
@scoped_view(DUTY_VIEW)
def calendar(request):
    """One calendar per village and office: checkpoint duties and volunteers' other tasks."""
    scope = request.scope
    units = list(
        scope.filter(
            OrgUnit.objects.filter(level__in=(Level.OFFICE, Level.VILLAGE), closed_at__isnull=True)
        ).order_by("path")[:200]
    )
    raw = request.GET.get("unit", "")
    unit = next((u for u in units if str(u.pk) == raw), None)
    if unit is None:
        unit = scope.root if scope.root is not None else (units[0] if units else None)
    start = _start(request)
    days = selectors.calendar(scope, unit=unit, start=start, days=7) if unit is not None else []
    return render(
        request,
        "duty/shifts/calendar.html",
        {
            "units": units,
            "unit": unit,
            "days": days,
            "start": start,
            "prev": start - timedelta(days=7),
            "next": start + timedelta(days=7),
        },
    )
