"""Pages of places and people: buildings, rooms, households, people, and the search box.

Every record is fetched through the registry selectors with `request.scope` (out of scope
answers 404 like missing); every id a form posts is resolved through the scope as well; every
change goes through registry.services; opening a person's full record is audited.
"""

from __future__ import annotations

from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.audit import services as audit_services
from wangge.core.access import has_permission, scoped_view, under
from wangge.core.forms import add_service_error, paginate, post_data, render_page_or_fragment
from wangge.core.paging import CappedPaginator
from wangge.core.sections import record_sections
from wangge.org import selectors as org_selectors
from wangge.registry import selectors, services
from wangge.registry.models import Household, Person, PersonMove, Room, Tenancy, Visit
from wangge.registry.people import search as registry_search
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_VIEW, REGISTRY_VIEW_IDS, REGISTRY_VIEW_PHONES
from wangge.registry.places.forms import (
    BuildingForm,
    BuildingMoveForm,
    DepartForm,
    HouseholdForm,
    PeopleFilterForm,
    PersonForm,
    TransferForm,
)

PICKER_LIMIT = 20


def _optional_url(name: str, **kwargs) -> str:
    """A link to a page another part of the registry may provide; '' while it does not exist."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _active_count(scope, **filters) -> Coalesce:
    return Coalesce(
        Subquery(
            scope.filter(Person.objects.filter(is_active=True, merged_into__isnull=True, **filters))
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


# --- people --------------------------------------------------------------------------

# Above this many rows a list is shown newest first (an index walk) instead of by grid and
# name (a sort of every matching row); narrowing to a grid brings the name order back.
LARGE_LIST = 20000
PERSON_RELATED = ("household__room__building", "household__head", "grid")


def people_page(request, qs):
    """One page of people: the page's rows are chosen without joins, then their household,
    building and grid are fetched for those rows only (a few queries, whatever the page size).
    The count stops at LARGE_LIST rows (an office or the district says "more than …")."""
    paginator = CappedPaginator(qs, settings.WANGGE_PAGE_SIZE, cap=LARGE_LIST)
    newest_first = paginator.capped
    paginator.object_list = qs.order_by("-id") if newest_first else qs.order_by("path", "name", "id")
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    prefetch_related_objects(page.object_list, *PERSON_RELATED)
    page.newest_first = newest_first
    return page


@scoped_view(REGISTRY_VIEW)
def people(request):
    scope = request.scope
    form = PeopleFilterForm(request.GET, scope=scope)
    f = form.filters()
    qs = selectors.people(scope, include_departed=f["include_departed"])
    if f["unit"] is not None:
        qs = under(qs, f["unit"])
    if f["building"] is not None:
        qs = qs.filter(household__room__building=f["building"])
    if f["status"]:
        qs = qs.filter(status=f["status"])
    if f["q"]:
        qs = registry_search.filter_people(qs, f["q"])
    page = people_page(request, qs)
    if f["include_departed"]:
        active_paginator = CappedPaginator(
            qs.filter(is_active=True), settings.WANGGE_PAGE_SIZE, cap=LARGE_LIST
        )
    else:
        active_paginator = page.paginator
    context = {
        "form": form,
        "page_obj": page,
        "active_count": active_paginator.count,
        "active_capped": active_paginator.capped,
        "can_edit": request.user.can(REGISTRY_EDIT),
        "filtered": any(v for v in f.values()),
        "query_too_short": bool(f["q"])
        and registry_search.kind_of(registry_search.clean_query(f["q"])) == registry_search.TOO_SHORT,
    }
    return render_page_or_fragment(
        request,
        "registry/places/people.html",
        "registry/places/_people_table.html",
        "people-results",
        context,
    )


@scoped_view(REGISTRY_VIEW)
def person_detail(request, person_id: int):
    scope = request.scope
    person = selectors.get_person(scope, person_id)
    audit_services.record_view(actor=request.user, obj=person)
    user = request.user
    household = person.household
    members = []
    visits = []
    if household is not None and scope.covers_path(household.path):
        members = list(
            selectors.people(scope).filter(household=household).exclude(pk=person.pk).order_by("name", "id")
        )
        visits = list(
            scope.filter(Visit.objects.filter(household=household)).order_by("-visited_at", "-id")[:10]
        )
    moves = list(
        PersonMove.objects.filter(person=person).select_related("from_household", "to_household")[:30]
    )
    for move in moves:
        move.from_shown = _place_shown(scope, move.from_household, move.from_path)
        move.to_shown = _place_shown(scope, move.to_household, move.to_path)
    tenancies = list(
        scope.filter(Tenancy.objects.filter(person=person).select_related("rental")).order_by(
            "-move_in", "-id"
        )
    )
    for t in tenancies:
        t.url = _optional_url("registry:rental_detail", rental_id=t.rental_id)
    can_edit = user.can(REGISTRY_EDIT)
    context = {
        "person": person,
        "full_id": has_permission(user, REGISTRY_VIEW_IDS),
        "household": household,
        "members": members,
        "moves": moves,
        "tenancies": tenancies,
        "visits": visits,
        "can_edit": can_edit,
        "code_url": _optional_url("registry:person_code", person_id=person.pk),
        "grid_crumbs": org_selectors.visible_ancestors(scope, person.grid),
        # What other parts know of this person (measures, tests, screening), each masked by role.
        "sections": record_sections("registry.person", request, person),
    }
    return render(request, "registry/places/person_detail.html", context)


def _place_shown(scope, household: Household | None, path: str) -> str:
    if household is None and not path:
        return ""
    if household is not None and scope.covers_path(household.path):
        return str(household)
    return _("outside your jurisdiction")


def _household_choices(request, exclude_pk=None):
    """Households of the scope matching ?q= (address), for the pickers."""
    q = (request.GET.get("q") or "").strip()[:60]
    if not q:
        return q, []
    qs = registry_search.filter_households(selectors.households(request.scope), q)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return q, list(qs.order_by("address", "id")[:PICKER_LIMIT])


@scoped_view(REGISTRY_EDIT)
@require_http_methods(["GET", "POST"])
def person_create(request):
    scope = request.scope
    household_id = request.POST.get("household") or request.GET.get("household") or ""
    household = None
    if str(household_id).isdigit():
        household = selectors.households(scope).filter(pk=household_id).first()
    form = PersonForm(post_data(request), scope=scope, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.register_person(
                actor=request.user,
                household=data["household"],
                id_type=data["id_type"],
                id_number=data["id_number"],
                **form.changes(),
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": person.name})
            return redirect("registry:person_detail", person_id=person.pk)
    q, choices = _household_choices(request)
    context = {"form": form, "household": household, "q": q, "choices": choices}
    return render_page_or_fragment(
        request,
        "registry/places/person_form.html",
        "registry/places/_household_picker.html",
        "household-choices",
        context,
    )


@scoped_view(REGISTRY_EDIT)
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: int):
    scope = request.scope
    person = selectors.get_person(scope, person_id)
    user = request.user
    form = PersonForm(
        post_data(request),
        scope=scope,
        person=person,
        show_ids=has_permission(user, REGISTRY_VIEW_IDS),
        show_phones=has_permission(user, REGISTRY_VIEW_PHONES),
    )
    if request.method == "POST" and form.is_valid():
        before = audit_services.snapshot(person)
        try:
            updated = services.update_person(actor=user, person=person, **form.document(), **form.changes())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if audit_services.snapshot(updated) == before:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("The record of %(name)s was saved.") % {"name": updated.name})
            return redirect("registry:person_detail", person_id=person.pk)
    return render(request, "registry/places/person_form.html", {"form": form, "person": person})


@scoped_view(REGISTRY_EDIT)
@require_http_methods(["GET", "POST"])
def person_transfer(request, person_id: int):
    """Move an active person to another household of the scope; a departed one is registered back."""
    scope = request.scope
    person = selectors.get_person(scope, person_id)
    form = TransferForm(post_data(request), scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if person.is_active:
                services.transfer_person(
                    actor=request.user,
                    person=person,
                    household=data["household"],
                    relation=data["relation"],
                    reason=data["reason"],
                )
                done = _("%(name)s was moved to %(household)s.")
            else:
                services.register_person(
                    actor=request.user,
                    household=data["household"],
                    name=person.name,
                    id_type=person.id_type,
                    id_number=person.id_number,
                    relation=data["relation"],
                )
                done = _("%(name)s is registered again, at %(household)s.")
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, done % {"name": person.name, "household": data["household"]})
            return redirect("registry:person_detail", person_id=person.pk)
    q, choices = _household_choices(request, exclude_pk=person.household_id if person.is_active else None)
    nearby = []
    if not q and person.household_id:
        nearby = list(
            selectors.households(scope)
            .filter(room__building_id=person.household.room.building_id)
            .exclude(pk=person.household_id if person.is_active else None)
            .order_by("address", "id")[:PICKER_LIMIT]
        )
    context = {"form": form, "person": person, "q": q, "choices": choices or nearby, "nearby": not q}
    return render_page_or_fragment(
        request,
        "registry/places/person_transfer.html",
        "registry/places/_household_picker.html",
        "household-choices",
        context,
    )


@scoped_view(REGISTRY_EDIT)
@require_http_methods(["GET", "POST"])
def person_depart(request, person_id: int):
    person = selectors.get_person(request.scope, person_id)
    form = DepartForm(post_data(request), initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_departure(
                actor=request.user,
                person=person,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The departure of %(name)s was recorded. The record stays searchable.")
                % {"name": person.name},
            )
            return redirect("registry:person_detail", person_id=person.pk)
    return render(request, "registry/places/person_depart.html", {"form": form, "person": person})


# --- buildings -----------------------------------------------------------------------


def with_counts(scope, qs):
    rooms = (
        Room.objects.filter(building=OuterRef("pk"))
        .order_by()
        .values("building")
        .annotate(n=Count("pk"))
        .values("n")
    )
    households = (
        Household.objects.filter(room__building=OuterRef("pk"), closed_at__isnull=True)
        .order_by()
        .values("room__building")
        .annotate(n=Count("pk"))
        .values("n")
    )
    people_n = (
        Person.objects.filter(
            household__room__building=OuterRef("pk"), is_active=True, merged_into__isnull=True
        )
        .order_by()
        .values("household__room__building")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        room_count=Coalesce(Subquery(rooms, output_field=IntegerField()), 0),
        household_count=Coalesce(Subquery(households, output_field=IntegerField()), 0),
        people_count=Coalesce(Subquery(people_n, output_field=IntegerField()), 0),
    )


@scoped_view(REGISTRY_VIEW)
def buildings(request):
    scope = request.scope
    q = (request.GET.get("q") or "").strip()[:60]
    qs = selectors.buildings(scope)
    unit_id = request.GET.get("unit", "")
    unit = org_selectors.units(scope).filter(pk=unit_id).first() if unit_id.isdigit() else None
    if unit is not None:
        qs = under(qs, unit)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    page = paginate(request, with_counts(scope, qs.order_by("path", "name")))
    context = {"page_obj": page, "q": q, "unit": unit, "can_edit": request.user.can(REGISTRY_EDIT)}
    return render_page_or_fragment(
        request,
        "registry/places/buildings.html",
        "registry/places/_buildings_table.html",
        "building-results",
        context,
    )


@scoped_view(REGISTRY_VIEW)
def building_detail(request, building_id: int):
    scope = request.scope
    building = selectors.get_building(scope, building_id)
    rooms = list(selectors.rooms(scope).filter(building=building).order_by("unit_label", "floor", "number"))
    households = (
        selectors.households(scope)
        .filter(room__building=building)
        .annotate(member_count=_active_count(scope, household=OuterRef("pk")))
        .order_by("room_id", "id")
    )
    by_room: dict[int, list] = {}
    for h in households:
        by_room.setdefault(h.room_id, []).append(h)
    units: OrderedDict = OrderedDict()
    for room in rooms:
        room.household_list = by_room.get(room.pk, [])
        floors = units.setdefault(room.unit_label, OrderedDict())
        floors.setdefault(room.floor, []).append(room)
    totals = {
        "rooms": len(rooms),
        "households": sum(len(v) for v in by_room.values()),
        "people": sum(h.member_count for v in by_room.values() for h in v),
    }
    context = {
        "building": building,
        "units": [(label, list(floors.items())) for label, floors in units.items()],
        "totals": totals,
        "can_edit": request.user.can(REGISTRY_EDIT),
        "grid_crumbs": org_selectors.visible_ancestors(scope, building.grid),
    }
    return render(request, "registry/places/building_detail.html", context)


@scoped_view(REGISTRY_EDIT)
@require_http_methods(["GET", "POST"])
def building_create(request):
    scope = request.scope
    initial = {}
    grid_id = request.GET.get("grid", "")
    if grid_id.isdigit():
        initial["grid"] = org_selectors.units(scope).filter(pk=grid_id).values_list("pk", flat=True).first()
    form = BuildingForm(post_data(request), scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            building = services.create_building(
                actor=request.user,
                grid=data["grid"],
                name=data["name"],
                kind=data["kind"],
                address=data["address"],
                unit_count=data["unit_count"],
                floor_count=data["floor_count"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The building %(name)s was added.") % {"name": building.name})
            return redirect("registry:building_detail", building_id=building.pk)
    return render(request, "registry/places/building_form.html", {"form": form})


@scoped_view(REGISTRY_EDIT)
@require_http_methods(["GET", "POST"])
def building_move(request, building_id: int):
    scope = request.scope
    building = selectors.get_building(scope, building_id)
    form = BuildingMoveForm(post_data(request), scope=scope, building=building)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_building(actor=request.user, building=building, grid=form.cleaned_data["grid"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s now belongs to %(grid)s, with its households and people.")
                % {"name": building.name, "grid": form.cleaned_data["grid"].name},
            )
            return redirect("registry:building_detail", building_id=building.pk)
    people_n = selectors.people(scope).filter(household__room__building=building).count()
    return render(
        request,
        "registry/places/building_move.html",
        {"form": form, "building": building, "people_count": people_n},
    )


# --- households ----------------------------------------------------------------------


@scoped_view(REGISTRY_VIEW)
def household_detail(request, household_id: int):
    scope = request.scope
    household = selectors.get_household(scope, household_id)
    include_departed = request.GET.get("departed") == "on"
    members = list(
        selectors.people(scope, include_departed=include_departed)
        .filter(household=household)
        .order_by("-is_active", "name", "id")
    )
    visits = list(scope.filter(Visit.objects.filter(household=household)).order_by("-visited_at", "-id")[:10])
    context = {
        "household": household,
        "members": members,
        "include_departed": include_departed,
        "visits": visits,
        "can_edit": request.user.can(REGISTRY_EDIT),
    }
    return render(request, "registry/places/household_detail.html", context)


@scoped_view(REGISTRY_EDIT)
@require_http_methods(["GET", "POST"])
def household_create(request, building_id: int):
    scope = request.scope
    building = selectors.get_building(scope, building_id)
    initial = {}
    room_id = request.GET.get("room", "")
    if room_id.isdigit():
        initial["room"] = room_id
    form = HouseholdForm(post_data(request), scope=scope, building=building, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            room = data.get("room_obj") or services.get_or_create_room(
                actor=request.user,
                building=building,
                number=data["number"],
                unit_label=data["unit_label"],
                floor=data["floor"],
            )
            household = services.create_household(actor=request.user, room=room, note=data["note"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The household at %(address)s was added.") % {"address": household})
            return redirect("registry:household_detail", household_id=household.pk)
    return render(request, "registry/places/household_form.html", {"form": form, "building": building})


# --- search --------------------------------------------------------------------------


@scoped_view(REGISTRY_VIEW)
def search(request):
    q = request.GET.get("q") or ""
    results = registry_search.search(request.scope, q) if q.strip() else None
    context = {"q": q.strip()[: registry_search.MAX_QUERY], "results": results}
    return render_page_or_fragment(
        request,
        "registry/places/search.html",
        "registry/places/_search_results.html",
        "search-results",
        context,
    )
