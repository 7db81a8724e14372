"""Staff pages of gatherings: the list (by status, today, this week), a report made by a grid
worker, a gathering's page (what the rules said, the chain, the guest list, the day and after),
the week per office and village, and the after-event records due and overdue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error, paginate
from wangge.gatherings.approvals.forms import DecideForm
from wangge.gatherings.approvals.services import can_act, supervisor_candidates
from wangge.gatherings.day import selectors as day
from wangge.gatherings.models import BAND_ORDER, Gathering, Status
from wangge.gatherings.permissions import GATHERINGS_REPORT, GATHERINGS_SUPERVISE, GATHERINGS_VIEW
from wangge.gatherings.reports import services
from wangge.gatherings.reports.forms import GatheringForm
from wangge.org.models import Level, OrgUnit


@scoped_view(GATHERINGS_VIEW)
def gathering_list(request):
    status = request.GET.get("status", "")
    when = request.GET.get("when", "")
    q = (request.GET.get("q") or "").strip()[:60]
    if status not in Status.values:
        status = ""
    qs = day.search(request.scope, status=status, when=when, q=q)
    page = paginate(request, qs)
    if status == Status.PENDING:
        for g in page.object_list:
            g.mine = can_act(request.user, g)
    return render(
        request,
        "gatherings/list.html",
        {"page": page, "status": status, "when": when, "q": q, "statuses": Status.choices},
    )


def _venues(request):
    from wangge.venues.models import Venue, VenueStatus

    return request.scope.filter(Venue.objects.filter(status=VenueStatus.OPEN)).order_by("path", "name")[:300]


def _units(request):
    return request.scope.filter(
        OrgUnit.objects.filter(level__in=(Level.VILLAGE, Level.GRID), closed_at__isnull=True)
    ).order_by("path")[:500]


@scoped_view(GATHERINGS_REPORT)
@require_http_methods(["GET", "POST"])
def gathering_new(request):
    form = GatheringForm(
        request.POST or None,
        request.FILES or None,
        public=False,
        units=_units(request),
        venues=_venues(request),
    )
    verdict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        verdict = services.verdict_for(kind=data["kind"], starts_on=data["starts_on"], meals=form.meals())
        if request.POST.get("action") != "check":
            try:
                gathering = services.submit(actor=request.user, **form.service_kwargs())
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied as exc:
                form.add_error("unit", str(exc))
            else:
                messages.success(
                    request,
                    _("Reported. Look-up code for the family: %(code)s") % {"code": gathering.lookup_code},
                )
                return redirect("gatherings:detail", gathering_id=gathering.pk)
    return render(request, "gatherings/new.html", {"form": form, "verdict": verdict})


@scoped_view(GATHERINGS_VIEW)
def gathering_detail(request, gathering_id: int):
    g = request.scope.get(
        Gathering.objects.select_related("kind", "unit", "rule", "supervisor", "host", "venue"),
        pk=gathering_id,
    )
    acting = can_act(request.user, g)
    candidates = supervisor_candidates(g) if (acting or g.status == Status.APPROVED) else []
    decide = (
        DecideForm(gathering=g, candidates=candidates, scope=request.scope) if candidates or acting else None
    )
    guests = list(g.guests.select_related("risk_area").order_by("row_no")[:3000]) if g.guests_total else []
    return render(
        request,
        "gatherings/detail.html",
        {
            "g": g,
            "meals": list(g.meals.all()),
            "steps": list(g.steps.select_related("by")),
            "acting": acting,
            "final_here": acting and BAND_ORDER[g.band] <= BAND_ORDER[g.stage],
            "decide": decide,
            "flagged": [x for x in guests if x.flagged],
            "guest_errors": [x for x in guests if x.error],
            "guests_matched": sum(1 for x in guests if x.person_id),
            "from_risk_area": sum(1 for x in guests if x.risk_area_id),
            "under_measure": sum(1 for x in guests if x.under_measure),
            "checks": list(g.day_checks.select_related("by")),
            "after": getattr(g, "after_record", None) if g.status == Status.CLOSED else None,
            "may_supervise": request.user.can(GATHERINGS_SUPERVISE),
            "may_report": request.user.can(GATHERINGS_REPORT),
        },
    )


@scoped_view(GATHERINGS_VIEW)
def week(request):
    return render(
        request,
        "gatherings/week.html",
        {"rows": day.per_unit(request.scope), "today": list(day.today(request.scope)[:200]),
         "week": list(day.this_week(request.scope)[:500])},
    )  # fmt: skip


@scoped_view(GATHERINGS_SUPERVISE)
def after_due(request):
    return render(
        request,
        "gatherings/after_due.html",
        {
            "overdue": list(day.after_overdue(request.scope)[:500]),
            "due": list(day.after_due(request.scope)[:500]),
        },
    )
