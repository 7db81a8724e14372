"""Pages of testing rounds: the list, a round and its settings, areas and groups, the people
due (exemptions, home sampling) and the configurable lists.

Rounds are fetched through selectors.get_round (out of scope answers 404 like missing), people
due through the actor's scope; every change goes through wangge.testing.rounds.services.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.core.access import not_found, scoped_view, under
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.core.paging import ordered_by_path
from wangge.registry import selectors as registry_selectors
from wangge.testing.models import ChecklistItem, ChecklistKind, Due, DueStatus, RoundKind, RoundStatus
from wangge.testing.permissions import TESTING_MANAGE, TESTING_VIEW
from wangge.testing.rounds import checklists as checklist_services
from wangge.testing.rounds import selectors, services
from wangge.testing.rounds.forms import (
    SETTINGS,
    AreaForm,
    ChecklistItemForm,
    DueFilterForm,
    ExemptForm,
    GroupForm,
    RoundForm,
    RoundSettingsForm,
    StatusForm,
)

NEXT_STATUS = {RoundStatus.PLANNING: RoundStatus.OPEN, RoundStatus.OPEN: RoundStatus.CLOSED}


def _totals(scope, rnd):
    return selectors.coverage_by_child(scope, rnd, selectors.focus_unit(scope, rnd))[0]


def _can_manage(request, rnd) -> bool:
    return request.user.can(TESTING_MANAGE) and selectors.can_manage(request.scope, rnd)


def _require_manage(request, rnd) -> None:
    if not _can_manage(request, rnd):
        raise PermissionDenied(_("Only the organising unit and above plan this round."))


def _get_due(request, due_id) -> Due:
    return request.scope.get(Due.objects.select_related("round", "person", "grid"), pk=due_id)


# --- rounds ------------------------------------------------------------------------------


@scoped_view(TESTING_VIEW)
def round_list(request):
    scope = request.scope
    qs = selectors.rounds(scope).select_related("owner").order_by("-starts_at", "-id")
    # The day-by-day rounds of tests under control measures are many and small: apart by default.
    show = request.GET.get("show", "")
    if show == "key_people":
        qs = qs.filter(kind=RoundKind.KEY_PEOPLE)
    elif show != "all":
        show = ""
        qs = qs.exclude(kind=RoundKind.KEY_PEOPLE)
    page = paginate(request, qs)
    for rnd in page.object_list:
        rnd.totals = _totals(scope, rnd)
    context = {
        "page_obj": page,
        "show": show,
        "can_create": request.user.can(TESTING_MANAGE) and not scope.is_empty,
    }
    return render(request, "testing/rounds/round_list.html", context)


@scoped_view(TESTING_MANAGE)
def round_new(request):
    scope = request.scope
    form = RoundForm(post_data(request), scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rnd = services.create_round(
                actor=request.user,
                owner=data["owner"],
                kind=data["kind"],
                areas=form.areas(),
                **{k: data[k] for k in SETTINGS},
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The round %(name)s was created.") % {"name": rnd.name})
            return redirect("testing:round", round_id=rnd.pk)
    return render(request, "testing/rounds/round_form.html", {"form": form, "round": None})


@scoped_view(TESTING_VIEW)
def round_detail(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    areas = list(rnd.areas.select_related("unit").order_by("unit__path"))
    context = {
        "round": rnd,
        "totals": _totals(scope, rnd),
        "areas": areas,
        "groups": list(rnd.groups.order_by("name")),
        "can_manage": _can_manage(request, rnd),
        "next_status": NEXT_STATUS.get(rnd.status),
        "statuses": RoundStatus,
        "active": "round",
    }
    return render(request, "testing/rounds/round_detail.html", context)


@scoped_view(TESTING_MANAGE)
def round_edit(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    _require_manage(request, rnd)
    initial = {k: getattr(rnd, k) for k in SETTINGS}
    form = RoundSettingsForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_round(actor=request.user, round=rnd, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The round was saved."))
            return redirect("testing:round", round_id=rnd.pk)
    return render(request, "testing/rounds/round_form.html", {"form": form, "round": rnd})


@scoped_view(TESTING_MANAGE)
@require_POST
def round_status(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    _require_manage(request, rnd)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
    else:
        try:
            services.set_status(actor=request.user, round=rnd, status=form.cleaned_data["status"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The round is now: %(s)s.") % {"s": rnd.get_status_display()})
    return redirect("testing:round", round_id=rnd.pk)


@scoped_view(TESTING_MANAGE)
@require_POST
def round_population(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    _require_manage(request, rnd)
    try:
        added = services.build_population(actor=request.user, round=rnd)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)d people were added to the population due.") % {"n": added})
    return redirect("testing:round", round_id=rnd.pk)


@scoped_view(TESTING_MANAGE)
def round_areas(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    _require_manage(request, rnd)
    initial = {}
    unit_id = request.GET.get("unit", "")
    area = rnd.areas.filter(unit_id=unit_id).first() if unit_id.isdigit() else None
    if area is not None:
        initial = {"unit": area.unit_id, "pool_size": area.pool_size}
    form = AreaForm(post_data(request), scope=scope, round=rnd, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_area(
                actor=request.user,
                round=rnd,
                unit=form.cleaned_data["unit"],
                pool_size=form.cleaned_data["pool_size"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The area was saved. Build the population again to add its people."))
            return redirect("testing:round_areas", round_id=rnd.pk)
    context = {
        "round": rnd,
        "form": form,
        "areas": list(rnd.areas.select_related("unit").order_by("unit__path")),
        "active": "round",
    }
    return render(request, "testing/rounds/round_areas.html", context)


@scoped_view(TESTING_MANAGE)
def round_groups(request, round_id: int):
    from wangge.registry.people import search as registry_search

    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    _require_manage(request, rnd)
    q = (request.GET.get("q") or "").strip()
    found = registry_search.search(scope, q, limit=50, include_departed=False).people if q else []
    form = GroupForm(post_data(request), scope=scope, found=found)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = list(data["people"])
        numbers = form.id_number_list()
        by_number = list(registry_selectors.people(scope).filter(id_number__in=numbers)) if numbers else []
        unknown = len(set(numbers) - {p.id_number for p in by_number})
        try:
            group, added = services.add_group(
                actor=request.user,
                round=rnd,
                name=data["name"],
                pool_size=data["pool_size"],
                people=people + by_number,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("%(n)d people were added to %(group)s.") % {"n": added, "group": group.name}
            )
            if unknown:
                messages.warning(
                    request,
                    _("%(n)d ID numbers were not found among the people of your area.") % {"n": unknown},
                )
            return redirect("testing:round_groups", round_id=rnd.pk)
    context = {
        "round": rnd,
        "form": form,
        "q": q,
        "found": found,
        "groups": list(rnd.groups.order_by("name")),
        "active": "round",
    }
    return render(request, "testing/rounds/round_groups.html", context)


# --- people due --------------------------------------------------------------------------


@scoped_view(TESTING_VIEW)
def due_list(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    form = DueFilterForm(request.GET, scope=scope, round=rnd)
    f = form.filters()
    qs = selectors.dues(scope, rnd).select_related("person", "grid", "building")
    if f["status"]:
        qs = qs.filter(status=f["status"])
    if f["grid"] is not None:
        qs = under(qs, f["grid"])
    if f["building"] is not None:
        qs = qs.filter(building=f["building"])
    if f["q"]:
        qs = qs.filter(Q(person__name__contains=f["q"]))
    if f["home"] == "1":
        qs = qs.filter(home_sampling=True)
    elif f["home"] == "0":
        qs = qs.filter(home_sampling=False)
    # Read grid by grid above a few hundred rows: a district's round is a million Due rows.
    paths = functools.partial(selectors.grid_paths, scope, rnd, f["grid"])
    order = ("building__name", "unit_label", "floor", "person__name", "id")
    page = paginate(request, ordered_by_path(qs, paths, order))
    context = {
        "round": rnd,
        "form": form,
        "page_obj": page,
        "can_edit": request.user.can(TESTING_MANAGE) and rnd.status != RoundStatus.CLOSED,
        "filtered": any(request.GET.get(k) for k in ("status", "grid", "building", "q", "home")),
        "statuses": DueStatus,
        "active": "dues",
    }
    return render(request, "testing/rounds/due_list.html", context)


def _back_to_dues(request, due: Due):
    target = request.POST.get("next", "")
    prefix = reverse("testing:dues", kwargs={"round_id": due.round_id})
    # Back to the list the action was taken from: the round's people or its untested list.
    untested = reverse("testing:untested", kwargs={"round_id": due.round_id})
    if target.startswith(prefix) or target.startswith(untested):
        return redirect(target)
    return redirect(prefix)


@scoped_view(TESTING_MANAGE)
def due_exempt(request, due_id: int):
    due = _get_due(request, due_id)
    form = ExemptForm(
        post_data(request), initial={"reason": due.exempt_reason or None, "note": due.exempt_note}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_exemption(
                actor=request.user,
                due=due,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s is exempt from this round.") % {"name": due.person.name})
            return _back_to_dues(request, due)
    context = {"form": form, "due": due, "round": due.round, "next": request.GET.get("next", "")}
    return render(request, "testing/rounds/due_exempt.html", context)


@scoped_view(TESTING_MANAGE)
@require_POST
def due_unexempt(request, due_id: int):
    due = _get_due(request, due_id)
    services.clear_exemption(actor=request.user, due=due)
    messages.success(request, _("%(name)s is due again.") % {"name": due.person.name})
    return _back_to_dues(request, due)


@scoped_view(TESTING_MANAGE)
@require_POST
def due_home(request, due_id: int):
    due = _get_due(request, due_id)
    home = request.POST.get("home", "") in ("1", "on", "true", "yes")
    services.set_home_sampling(actor=request.user, due=due, home=home)
    if home:
        messages.success(request, _("%(name)s is on the home-sampling list.") % {"name": due.person.name})
    else:
        messages.success(request, _("%(name)s is off the home-sampling list.") % {"name": due.person.name})
    return _back_to_dues(request, due)


@scoped_view(TESTING_VIEW)
def home_sampling(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    rows = list(
        selectors.dues(scope, rnd)
        .filter(home_sampling=True)
        .select_related("person__household", "grid", "building")
        .order_by("path", "building__name", "unit_label", "floor", "person__name", "id")[:2000]
    )
    for due in rows:
        household = due.person.household
        due.address = household.address if household is not None else ""
    context = {"round": rnd, "rows": rows, "active": "dues"}
    return render(request, "testing/rounds/home_sampling.html", context)


# --- configurable lists --------------------------------------------------------------------


@scoped_view(TESTING_VIEW)
def checklists(request):
    context = {
        "readiness": list(checklist_services.readiness_items(active_only=False)),
        "roles": list(checklist_services.staff_roles(active_only=False)),
        "can_edit": checklist_services.can_edit(request.user),
        "kinds": ChecklistKind,
    }
    return render(request, "testing/rounds/checklists.html", context)


@scoped_view(TESTING_MANAGE)
def checklist_item_new(request):
    checklist_services.require_editor(request.user)
    kind = request.GET.get("kind", "")
    initial = {"kind": kind if kind in ChecklistKind.values else ChecklistKind.READINESS, "is_active": True}
    form = ChecklistItemForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = checklist_services.add_item(
                actor=request.user, kind=data["kind"], name=data["name"], position=data["position"]
            )
            if not data["is_active"]:
                checklist_services.update_item(actor=request.user, item=item, is_active=False)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": item.name})
            return redirect("testing:checklists")
    return render(request, "testing/rounds/checklist_form.html", {"form": form, "item": None})


@scoped_view(TESTING_MANAGE)
def checklist_item_edit(request, item_id: int):
    checklist_services.require_editor(request.user)
    item = ChecklistItem.objects.filter(pk=item_id).first()
    if item is None:
        raise not_found()
    initial = {"name": item.name, "position": item.position, "is_active": item.is_active}
    form = ChecklistItemForm(post_data(request), item=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            checklist_services.update_item(
                actor=request.user,
                item=item,
                name=data["name"],
                position=data["position"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The item was saved."))
            return redirect("testing:checklists")
    return render(request, "testing/rounds/checklist_form.html", {"form": form, "item": item})
