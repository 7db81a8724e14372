"""Pages of the follow-up: the grid team's day (people under measures, what is due today, a quick
check per person), overdue checks and tests per grid, the checks of one measure, escalations, and
services for people under control. Work is done by wangge.screening.followup.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.audit import services as audit
from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.screening.followup import selectors as followup_selectors
from wangge.screening.followup import services as followup
from wangge.screening.followup.forms import (
    AssignForm,
    CancelForm,
    CheckForm,
    DoneForm,
    HandleForm,
    ServiceFilter,
    ServiceForm,
)
from wangge.screening.models import Symptom
from wangge.screening.permissions import SCREENING_FOLLOWUP, SCREENING_VIEW

DAY_PAGE_SIZE = 50


def _grid_id(request, grids) -> int | None:
    raw = request.GET.get("grid", "")
    if raw.isdigit() and any(g.pk == int(raw) for g in grids):
        return int(raw)
    return None


def _decorate(request, measures) -> list:
    """The rows as a list. What each shows of the person is the templates' masking: the ID
    number always masked (these pages are lists), the phone as the role allows."""
    return list(measures)


def _card_context(request, m, form=None, slots: dict | None = None) -> dict:
    today = timezone.localdate()
    can_check = request.user.can(SCREENING_FOLLOWUP)
    if not can_check:
        slot = None
    elif slots is not None:
        slot = slots.get(m.pk)
    else:
        slot = followup_selectors.next_slot(m, today)
    if can_check and slot and form is None:
        form = CheckForm(measure=m, slot=slot)
    return {"m": m, "form": form if can_check and slot else None, "slot": slot, "today": today}


def _safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return fallback


@scoped_view(SCREENING_VIEW)
@require_GET
def day(request):
    """The grid team's day: people under measures, what is due today, a quick check each."""
    scope = request.scope
    today = timezone.localdate()
    grids = list(followup_selectors.grids_with_measures(scope))
    grid_id = _grid_id(request, grids)
    page = paginate(
        request,
        followup_selectors.under_measures(scope, grid_id=grid_id, today=today),
        per_page=DAY_PAGE_SIZE,
    )
    measures = _decorate(request, page.object_list)
    slots = followup_selectors.next_slots(measures, today)
    cards = [_card_context(request, m, slots=slots) for m in measures]
    overdue = followup_selectors.overdue_measures(scope, grid_id=grid_id, today=today)
    context = {
        "grids": grids,
        "grid_id": grid_id,
        "page_obj": page,
        "cards": cards,
        "today": today,
        "overdue_people": overdue.count(),
        "overdue_tests": followup_selectors.overdue_tests(scope, grid_id=grid_id, today=today).count(),
        "tests_today": followup_selectors.tests_due_today(scope, grid_id=grid_id, today=today).count(),
        "awaiting": followup_selectors.awaiting_results(scope, grid_id=grid_id).count(),
        "open_escalations": followup_selectors.escalation_list(
            scope, open_only=True, grid_id=grid_id
        ).count(),
        "services": list(followup_selectors.open_requests(scope, grid_id=grid_id)[:20]),
        "can_check": request.user.can(SCREENING_FOLLOWUP),
    }
    return render(request, "screening/followup/day.html", context)


@scoped_view(SCREENING_VIEW)
@require_GET
def overdue(request):
    scope = request.scope
    today = timezone.localdate()
    grids = list(followup_selectors.grids_with_measures(scope))
    grid_id = _grid_id(request, grids)
    rows = followup_selectors.overdue_per_grid(scope, today=today)
    if grid_id:
        rows = [r for r in rows if r.grid_id == grid_id]
    page = paginate(
        request, followup_selectors.overdue_measures(scope, grid_id=grid_id, today=today), per_page=100
    )
    behind = followup_selectors.missing_days(_decorate(request, page.object_list), today=today)
    tests = list(followup_selectors.overdue_tests(scope, grid_id=grid_id, today=today)[:200])
    context = {
        "grids": grids,
        "grid_id": grid_id,
        "rows": rows,
        "behind": behind,
        "page_obj": page,
        "tests": tests,
        "awaiting": list(followup_selectors.awaiting_results(scope, grid_id=grid_id)[:200]),
        "today": today,
    }
    return render(request, "screening/followup/overdue.html", context)


@scoped_view(SCREENING_VIEW)
@require_http_methods(["GET", "POST"])
def measure_checks(request, measure_id: int):
    """The checks of one measure, with the form; a POST from the day page (htmx) answers with the
    person's card refreshed."""
    scope = request.scope
    measure = followup_selectors.get_measure(scope, measure_id)
    is_htmx = bool(getattr(request, "htmx", None))
    form = None
    if request.method == "POST":
        scope.require(SCREENING_FOLLOWUP)
        form = CheckForm(post_data(request), measure=measure)
        if form.is_valid():
            d = form.cleaned_data
            try:
                check = followup.record_check(
                    actor=request.user,
                    measure=measure,
                    on_date=d["on_date"],
                    slot=d["slot"],
                    temperature=d["temperature"],
                    symptoms=d["symptoms"],
                    present=d["present"],
                    note=d["note"],
                    client_id=d["client_id"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                msg = _("Check %(slot)d of %(day)s recorded.") % {
                    "slot": check.slot,
                    "day": check.on_date.isoformat(),
                }
                if check.abnormal:
                    msg += " " + _("Abnormal: the grid's medic and the office are told.")
                if is_htmx:
                    m = followup_selectors.under_measures(scope).get(pk=measure.pk)
                    ctx = _card_context(request, _decorate(request, [m])[0])
                    ctx["done_message"] = msg
                    ctx["abnormal"] = check.abnormal
                    return render(request, "screening/followup/_card.html", ctx)
                messages.success(request, msg)
                return redirect(_safe_next(request, reverse("screening:measure_checks", args=[measure.pk])))
        if is_htmx:
            m = followup_selectors.under_measures(scope).filter(pk=measure.pk).first()
            if m is not None:
                ctx = _card_context(request, _decorate(request, [m])[0], form=form)
                ctx["form"] = form
                # htmx swaps only 2xx answers: the errors are shown in the card, with 200.
                return render(request, "screening/followup/_card.html", ctx)
    else:
        audit.record_view(actor=request.user, obj=measure)
    today = timezone.localdate()
    can_check = request.user.can(SCREENING_FOLLOWUP) and measure.status == "active"
    if form is None and can_check:
        slot = followup_selectors.next_slot(measure, min(today, measure.ends_on)) or 1
        form = CheckForm(measure=measure, slot=slot, initial={"on_date": min(today, measure.ends_on)})
    _decorate(request, [measure])
    checks = paginate(request, followup_selectors.checks_of(scope, measure), per_page=100)
    checks.object_list = list(checks.object_list)
    for c in checks.object_list:
        c.symptom_labels = [str(Symptom(s).label) for s in c.symptoms if s in Symptom.values]
    context = {
        "measure": measure,
        "checks": checks,
        "phases": list(measure.phases.all()),
        "tests": list(measure.tests.all()),
        "form": form if can_check else None,
        "today": today,
    }
    return render(
        request,
        "screening/followup/checks.html",
        context,
        status=422 if form is not None and form.errors else 200,
    )


# --- escalations -------------------------------------------------------------------------------


@scoped_view(SCREENING_VIEW)
@require_GET
def escalations(request):
    scope = request.scope
    grids = list(followup_selectors.grids_with_measures(scope))
    grid_id = _grid_id(request, grids)
    open_only = request.GET.get("open") == "1"
    page = paginate(request, followup_selectors.escalation_list(scope, open_only=open_only, grid_id=grid_id))
    context = {
        "page_obj": page,
        "grids": grids,
        "grid_id": grid_id,
        "open_only": open_only,
        "can_handle": request.user.can(SCREENING_FOLLOWUP),
    }
    return render(request, "screening/followup/escalations.html", context)


@scoped_view(SCREENING_FOLLOWUP)
@require_http_methods(["GET", "POST"])
def escalation_handle(request, escalation_id: int):
    escalation = followup_selectors.get_escalation(request.scope, escalation_id)
    form = HandleForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            followup.handle_escalation(
                actor=request.user, escalation=escalation, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Recorded what was done."))
            return redirect("screening:escalations")
    return render(
        request, "screening/followup/escalation_handle.html", {"escalation": escalation, "form": form}
    )


# --- services ----------------------------------------------------------------------------------


@scoped_view(SCREENING_VIEW)
@require_GET
def services(request):
    scope = request.scope
    grids = list(followup_selectors.grids_with_measures(scope))
    form = ServiceFilter(request.GET or None, grids=grids)
    status, kind, grid_id = "open", None, None
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or "open"
        kind = form.cleaned_data["kind"] or None
        grid_id = form.cleaned_data["grid"]
    qs = followup_selectors.requests(
        scope, status=None if status == "all" else status, grid_id=grid_id, kind=kind
    )
    context = {
        "form": form,
        "page_obj": paginate(request, qs),
        "per_grid": followup_selectors.open_requests_per_grid(scope),
        "can_change": request.user.can(SCREENING_FOLLOWUP),
    }
    return render(request, "screening/followup/services.html", context)


@scoped_view(SCREENING_FOLLOWUP)
@require_http_methods(["GET", "POST"])
def service_new(request, measure_id: int):
    measure = followup_selectors.get_measure(request.scope, measure_id)
    form = ServiceForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            followup.raise_request(
                actor=request.user,
                measure=measure,
                kind=d["kind"],
                detail=d["detail"],
                client_id=d["client_id"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Request recorded."))
            return redirect(_safe_next(request, reverse("screening:services")))
    return render(request, "screening/followup/service_new.html", {"measure": measure, "form": form})


def _service_action(request, service_id: int, form_class, action, template_title: str, **form_kwargs):
    req = followup_selectors.get_request(request.scope, service_id)
    form = form_class(post_data(request), **form_kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            action(req, form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("screening:services")
    return render(
        request,
        "screening/followup/service_action.html",
        {"service": req, "form": form, "title": template_title},
        status=422 if form.errors else 200,
    )


@scoped_view(SCREENING_FOLLOWUP)
@require_http_methods(["GET", "POST"])
def service_assign(request, service_id: int):
    return _service_action(
        request,
        service_id,
        AssignForm,
        lambda req, d: followup.assign_request(actor=request.user, request=req, staff=d["assigned_to"]),
        _("Assign a request"),
        staff=followup_selectors.staff_choices(request.scope),
    )


@scoped_view(SCREENING_FOLLOWUP)
@require_http_methods(["GET", "POST"])
def service_done(request, service_id: int):
    return _service_action(
        request,
        service_id,
        DoneForm,
        lambda req, d: followup.complete_request(actor=request.user, request=req, outcome=d["outcome"]),
        _("Mark a request done"),
    )


@scoped_view(SCREENING_FOLLOWUP)
@require_http_methods(["GET", "POST"])
def service_cancel(request, service_id: int):
    return _service_action(
        request,
        service_id,
        CancelForm,
        lambda req, d: followup.cancel_request(actor=request.user, request=req, reason=d["reason"]),
        _("Cancel a request"),
    )
