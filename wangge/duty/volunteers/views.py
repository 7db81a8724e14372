"""Pages of volunteers: the list (those to vet first), one volunteer (vetting, scheduling into
sampling-site roles, screening squads and services; their duties and tasks), signing a task in and
out, and the printable record of service hours (志愿服务时长证明)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error, paginate
from wangge.duty.models import Duty, TaskKind, VolunteerStatus
from wangge.duty.permissions import DUTY_LOG, DUTY_VIEW, DUTY_VOLUNTEERS
from wangge.duty.volunteers import selectors, services
from wangge.duty.volunteers.forms import TaskForm, VetForm
from wangge.testing.models import Site
from wangge.testing.rounds.checklists import staff_roles


@require_GET
@scoped_view(DUTY_VIEW)
def volunteer_list(request):
    status = request.GET.get("status", "")
    qs = selectors.volunteers(request.scope, status).order_by("status", "-submitted_at", "id")
    return render(
        request,
        "duty/volunteers/list.html",
        {
            "page_obj": paginate(request, qs, per_page=50),
            "status": status,
            "statuses": VolunteerStatus.choices,
            "to_vet": selectors.to_vet(request.scope),
        },
    )


def _task_form(request, data=None) -> TaskForm:
    sites = list(request.scope.filter(Site.objects.all()).order_by("-id")[:100])
    return TaskForm(data, sites=sites, roles=list(staff_roles()), initial={"day": timezone.localdate()})


def _detail(request, volunteer, vet_form=None, task_form=None, status=200):
    duties = list(
        Duty.objects.filter(volunteer=volunteer)
        .select_related("shift", "shift__checkpoint")
        .order_by("-shift__starts_at")[:100]
    )
    tasks = list(volunteer.tasks.select_related("site", "site_role").order_by("-starts_at")[:100])
    return render(
        request,
        "duty/volunteers/detail.html",
        {
            "v": volunteer,
            "duties": duties,
            "tasks": tasks,
            "hours": services.hours_of(volunteer),
            "vet_form": vet_form or VetForm(),
            "task_form": task_form or _task_form(request),
            "can_vet": request.user.can(DUTY_VOLUNTEERS),
            "can_sign": request.user.can(DUTY_LOG),
        },
        status=status,
    )


@require_GET
@scoped_view(DUTY_VIEW)
def volunteer_detail(request, volunteer_id: int):
    return _detail(request, selectors.get_volunteer(request.scope, volunteer_id))


@require_POST
@scoped_view(DUTY_VOLUNTEERS)
def volunteer_vet(request, volunteer_id: int):
    volunteer = selectors.get_volunteer(request.scope, volunteer_id)
    form = VetForm(request.POST)
    if form.is_valid():
        try:
            services.vet(
                actor=request.user,
                volunteer=volunteer,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("duty:volunteer", volunteer_id=volunteer.pk)
    return _detail(request, volunteer, vet_form=form, status=422)


@require_POST
@scoped_view(DUTY_VOLUNTEERS)
def volunteer_task_new(request, volunteer_id: int):
    volunteer = selectors.get_volunteer(request.scope, volunteer_id)
    form = _task_form(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        tz = timezone.get_current_timezone()
        starts = datetime.combine(d["day"], d["start"], tzinfo=tz)
        ends = datetime.combine(d["day"], d["end"], tzinfo=tz)
        if ends <= starts:
            ends += timedelta(days=1)
        site = request.scope.get(Site.objects.all(), pk=d["site"]) if d["site"] else None
        role = staff_roles().filter(pk=d["site_role"]).first() if d["site_role"] else None
        try:
            services.schedule_task(
                actor=request.user,
                volunteer=volunteer,
                kind=d["kind"],
                starts_at=starts,
                ends_at=ends,
                site=site,
                site_role=role,
                note=d["note"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Scheduled."))
            return redirect("duty:volunteer", volunteer_id=volunteer.pk)
    return _detail(request, volunteer, task_form=form, status=422)


@require_POST
@scoped_view(DUTY_LOG)
def task_sign(request, task_id: int):
    task = selectors.get_task(request.scope, task_id)
    try:
        services.task_sign(actor=request.user, task=task, out=bool(request.POST.get("out")))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("duty:volunteer", volunteer_id=task.volunteer_id)


@require_GET
@scoped_view(DUTY_VIEW)
def volunteer_hours(request, volunteer_id: int):
    """The printable record of service hours (志愿服务时长证明)."""
    volunteer = selectors.get_volunteer(request.scope, volunteer_id)
    duties = list(
        Duty.objects.filter(volunteer=volunteer, signed_in_at__isnull=False, signed_out_at__isnull=False)
        .select_related("shift__checkpoint")
        .order_by("signed_in_at")
    )
    tasks = list(
        volunteer.tasks.filter(signed_in_at__isnull=False, signed_out_at__isnull=False).order_by(
            "signed_in_at"
        )
    )
    return render(
        request,
        "duty/volunteers/hours.html",
        {
            "v": volunteer,
            "duties": duties,
            "tasks": tasks,
            "hours": services.hours_of(volunteer),
            "today": timezone.localdate(),
            "task_kinds": dict(TaskKind.choices),
        },
    )
