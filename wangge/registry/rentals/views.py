"""Pages of rentals and shops, tenants, pledges and placards, visits and party-member links.

Every record is fetched through the actor's scope (out of scope answers 404 like missing);
every change goes through the services in registry.rentals and registry.visits.
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.audit import services as audit_services
from wangge.core.access import not_found, scoped_view, under
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.registry import selectors
from wangge.registry import services as registry_services
from wangge.registry.models import Rental
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_EXPORT, REGISTRY_VIEW
from wangge.registry.rentals import services as rental_services
from wangge.registry.rentals.forms import (
    LinkEndForm,
    LinkForm,
    PlacardsForm,
    PledgeForm,
    RentalFilterForm,
    RentalForm,
    TenancyEndForm,
    TenantForm,
    UnvisitedFilterForm,
    VisitForm,
)
from wangge.registry.visits import selectors as visit_selectors
from wangge.registry.visits import services as visit_services
from wangge.roster import selectors as roster_selectors


def _url_or(name: str, fallback: str, **kwargs) -> str:
    """A page of another part of the registry when it exists, else a fallback of ours."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return reverse(fallback)


# --- rentals ----------------------------------------------------------------------------


@scoped_view(REGISTRY_VIEW)
def rental_list(request):
    scope = request.scope
    form = RentalFilterForm(request.GET, scope=scope)
    f = form.filters()
    qs = rental_services.with_flags(rental_services.rentals(scope))
    if f["unit"] is not None:
        qs = under(qs, f["unit"])
    if f["kind"]:
        qs = qs.filter(kind=f["kind"])
    if f["status"]:
        qs = qs.filter(status=f["status"])
    if f["q"]:
        qs = qs.filter(Q(address__contains=f["q"]) | Q(name__contains=f["q"]))
    if f["flag"]:
        qs = rental_services.filter_flag(qs, f["flag"], unvisited_days=f["days"])
    # Grid by grid: the flags are worked out for the grids the page shows, not for every rental.
    under_path = f["unit"].path if f["unit"] is not None else ""
    page = paginate(request, visit_services.by_path(scope, qs, ("address", "id"), under_path))
    context = {
        "form": form,
        "page_obj": page,
        "can_edit": request.user.can(REGISTRY_EDIT),
        "filtered": any(request.GET.get(k) for k in ("q", "unit", "kind", "status", "flag")),
        "by_grid": rental_services.flag_counts_by_grid(scope, unvisited_days=f["days"]),
        "days": f["days"],
        "flags": rental_services.Flags,
    }
    return render(request, "registry/rentals/rental_list.html", context)


@scoped_view(REGISTRY_VIEW)
def rental_detail(request, rental_id: int):
    scope = request.scope
    rental = scope.get(
        rental_services.with_flags(Rental.objects.select_related("building__grid", "room", "landlord")),
        pk=rental_id,
    )
    # Landlord and tenants are people: opening this record is an audited act.
    audit_services.record_view(actor=request.user, obj=rental)
    tenancies = list(rental_services.tenancies_of(rental))
    today = timezone.localdate()
    for t in tenancies:
        t.is_current = t.move_out is None or t.move_out > today
    visits = list(visit_services.visits_of(rental=rental)[:20])
    context = {
        "rental": rental,
        "current": [t for t in tenancies if t.is_current],
        "past": [t for t in tenancies if not t.is_current],
        "visits": visits,
        "policy": rental_services.current_policy(today),
        "can_edit": request.user.can(REGISTRY_EDIT),
    }
    return render(request, "registry/rentals/rental_detail.html", context)


@scoped_view(REGISTRY_EDIT)
def rental_create(request):
    scope = request.scope
    initial = {"kind": request.GET.get("kind") or "dwelling", "status": "let"}
    building_id = request.GET.get("building", "")
    if building_id.isdigit():
        initial["building"] = (
            selectors.buildings(scope).filter(pk=building_id).values_list("pk", flat=True).first()
        )
    form = RentalForm(post_data(request), scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                room = None
                if data["room_number"].strip():
                    room = registry_services.get_or_create_room(
                        actor=request.user,
                        building=data["building"],
                        number=data["room_number"],
                        unit_label=data["unit_label"],
                    )
                rental = rental_services.create_rental(
                    actor=request.user,
                    building=data["building"],
                    room=room,
                    landlord=data["landlord"],
                    kind=data["kind"],
                    name=data["name"],
                    address=data["address"],
                    manager_name=data["manager_name"],
                    manager_phone=data["manager_phone"],
                    status=data["status"],
                    rooms=data["rooms"],
                    capacity=data["capacity"],
                    note=data["note"],
                )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The rental %(name)s was registered.") % {"name": rental})
            return redirect("registry:rental_detail", rental_id=rental.pk)
    return render(request, "registry/rentals/rental_form.html", {"form": form, "rental": None})


@scoped_view(REGISTRY_EDIT)
def rental_edit(request, rental_id: int):
    scope = request.scope
    rental = rental_services.get_rental(scope, rental_id)
    initial = {
        "kind": rental.kind,
        "unit_label": rental.room.unit_label if rental.room else "",
        "room_number": rental.room.number if rental.room else "",
        "name": rental.name,
        "address": rental.address,
        "landlord_id_type": rental.landlord.id_type,
        "manager_name": rental.manager_name,
        "manager_phone": rental.manager_phone,
        "status": rental.status,
        "rooms": rental.rooms,
        "capacity": rental.capacity,
        "note": rental.note,
    }
    form = RentalForm(post_data(request), scope=scope, rental=rental, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                room = None
                if data["room_number"].strip():
                    room = registry_services.get_or_create_room(
                        actor=request.user,
                        building=rental.building,
                        number=data["room_number"],
                        unit_label=data["unit_label"],
                    )
                changes = {f: data[f] for f in rental_services.RENTAL_FIELDS}
                updated = rental_services.update_rental(
                    actor=request.user, rental=rental, landlord=data["landlord"], room=room, **changes
                )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The rental %(name)s was saved.") % {"name": updated})
            return redirect("registry:rental_detail", rental_id=rental.pk)
    return render(request, "registry/rentals/rental_form.html", {"form": form, "rental": rental})


@scoped_view(REGISTRY_EDIT)
def rental_pledge(request, rental_id: int):
    rental = rental_services.get_rental(request.scope, rental_id)
    initial = {"signed_on": rental.pledge_signed_on or timezone.localdate()}
    if request.method == "POST":
        form = PledgeForm(request.POST, request.FILES, initial=initial)
        if form.is_valid():
            try:
                rental_services.record_pledge(
                    actor=request.user,
                    rental=rental,
                    signed_on=form.cleaned_data["signed_on"],
                    file=form.cleaned_data["file"] or None,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The pledge was recorded."))
                return redirect("registry:rental_detail", rental_id=rental.pk)
    else:
        form = PledgeForm(initial=initial)
    return render(request, "registry/rentals/pledge_form.html", {"form": form, "rental": rental})


@scoped_view(REGISTRY_VIEW)
@require_GET
def pledge_file(request, rental_id: int):
    """The scanned pledge, only through this scoped page (never a public media address)."""
    rental = rental_services.get_rental(request.scope, rental_id)
    if not rental.pledge_file:
        raise not_found()
    try:
        handle = rental.pledge_file.open("rb")
    except OSError as exc:
        raise not_found() from exc
    audit_services.record_view(actor=request.user, obj=rental)
    ext = PurePath(rental.pledge_file.name).suffix.lower()
    response = FileResponse(
        handle,
        content_type=rental_services.pledge_content_type(rental),
        as_attachment=False,
        filename=f"pledge-{rental.pk}{ext}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@scoped_view(REGISTRY_EDIT)
def rental_placards(request, rental_id: int):
    rental = rental_services.get_rental(request.scope, rental_id)
    initial = {
        "posted_on": rental.placards_posted_on or timezone.localdate(),
        "posted_by": rental.placards_posted_by or visit_services.visitor_name_of(request.user),
    }
    form = PlacardsForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rental_services.record_placards(
                actor=request.user,
                rental=rental,
                posted_on=form.cleaned_data["posted_on"],
                posted_by=form.cleaned_data["posted_by"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The code placards were recorded."))
            return redirect("registry:rental_detail", rental_id=rental.pk)
    return render(request, "registry/rentals/placards_form.html", {"form": form, "rental": rental})


@scoped_view(REGISTRY_EDIT)
def tenant_add(request, rental_id: int):
    scope = request.scope
    rental = rental_services.get_rental(scope, rental_id)
    form = TenantForm(post_data(request), scope=scope, rental=rental)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": request.user,
            "rental": rental,
            "move_in": data["move_in"],
            "reported_on": data["reported_on"],
            "from_risk_area": data["from_risk_area"],
        }
        try:
            if data["person"] is not None:
                tenancy = rental_services.add_tenant(person=data["person"], **common)
            else:
                tenancy = rental_services.register_tenant(
                    household=data["household"],
                    name=data["name"],
                    id_type=data["id_type"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    origin=data["origin"],
                    employer=data["employer"],
                    **common,
                )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            late = rental_services.is_late(tenancy)
            text = _("%(name)s moved in.") % {"name": tenancy.person.name}
            if late:
                messages.warning(request, text + " " + _("The report was late under the rules."))
            else:
                messages.success(request, text)
            return redirect("registry:rental_detail", rental_id=rental.pk)
    return render(request, "registry/rentals/tenant_form.html", {"form": form, "rental": rental})


@scoped_view(REGISTRY_EDIT)
def tenancy_end(request, tenancy_id: int):
    tenancy = rental_services.get_tenancy(request.scope, tenancy_id)
    form = TenancyEndForm(post_data(request), initial={"move_out": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rental_services.end_tenancy(
                actor=request.user, tenancy=tenancy, move_out=form.cleaned_data["move_out"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s moved out.") % {"name": tenancy.person.name})
            return redirect("registry:rental_detail", rental_id=tenancy.rental_id)
    return render(request, "registry/rentals/tenancy_end.html", {"form": form, "tenancy": tenancy})


# --- visits ------------------------------------------------------------------------------


def _visit_target(request):
    """The household or rental named by ?household= or ?rental=, resolved in the scope."""
    scope = request.scope
    household_id = request.GET.get("household", "")
    rental_id = request.GET.get("rental", "")
    if household_id:
        return selectors.get_household(scope, household_id), None
    if rental_id:
        return None, rental_services.get_rental(scope, rental_id)
    raise not_found()


def _place_url(household, rental) -> str:
    if rental is not None:
        return reverse("registry:rental_detail", kwargs={"rental_id": rental.pk})
    return _url_or("registry:household_detail", "registry:unvisited", household_id=household.pk)


@scoped_view(REGISTRY_EDIT)
def visit_create(request):
    household, rental = _visit_target(request)
    form = VisitForm(
        post_data(request), initial={"visited_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit_services.record_visit(
                actor=request.user,
                household=household,
                rental=rental,
                outcome=data["outcome"],
                visited_at=data["visited_at"],
                notes=data["notes"],
                follow_up_needed=data["follow_up_needed"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            # Straight on to the next door: the page after a visit offers it with one tap.
            return redirect(_visit_done_url(household, rental, request.GET.get("next", "")))
    context = {
        "form": form,
        "household": household,
        "rental": rental,
        "place": household or rental,
        "back_url": _place_url(household, rental),
    }
    return render(request, "registry/rentals/visit_form.html", context)


def _visit_done_url(household, rental, nxt: str) -> str:
    query = f"household={household.pk}" if household is not None else f"rental={rental.pk}"
    if nxt == "unvisited":
        query += "&next=unvisited"
    return reverse("registry:visit_done") + "?" + query


@scoped_view(REGISTRY_EDIT)
@require_GET
def visit_done(request):
    """After a visit: the next unvisited door in the same building (else the same grid), one tap away."""
    household, rental = _visit_target(request)
    if household is not None:
        next_place = visit_selectors.next_household(request.scope, household)
        param = "household"
    else:
        next_place = visit_selectors.next_rental(request.scope, rental)
        param = "rental"
    nxt = "unvisited" if request.GET.get("next", "") == "unvisited" else ""
    next_url = ""
    if next_place is not None:
        next_url = (
            reverse("registry:visit_create")
            + f"?{param}={next_place.pk}"
            + ("&next=unvisited" if nxt else "")
        )
    context = {
        "household": household,
        "rental": rental,
        "place": household or rental,
        "next_place": next_place,
        "next_url": next_url,
        "same_building": next_place is not None
        and (
            next_place.room.building_id == household.room.building_id
            if household is not None
            else next_place.building_id == rental.building_id
        ),
        "back_url": reverse("registry:unvisited") if nxt else _place_url(household, rental),
    }
    return render(request, "registry/rentals/visit_done.html", context)


@scoped_view(REGISTRY_VIEW)
def unvisited(request):
    scope = request.scope
    form = UnvisitedFilterForm(request.GET, scope=scope)
    f = form.filters()
    under = f["unit"].path if f["unit"] is not None else ""
    if f["what"] == "rentals":
        qs = visit_services.unvisited_rentals(scope, days=f["days"], under_path=under, sort=f["sort"])
    else:
        qs = visit_services.unvisited_households(scope, days=f["days"], under_path=under, sort=f["sort"])
    page = paginate(request, visit_services.grid_by_grid(scope, qs, f["sort"], under))
    context = {
        "form": form,
        "page_obj": page,
        "what": f["what"],
        "days": f["days"],
        "can_edit": request.user.can(REGISTRY_EDIT),
    }
    return render(request, "registry/rentals/unvisited.html", context)


@scoped_view(REGISTRY_VIEW)
def follow_ups(request):
    page = paginate(request, visit_services.open_follow_ups(request.scope))
    context = {
        "page_obj": page,
        "can_edit": request.user.can(REGISTRY_EDIT),
        "can_export": request.user.can(REGISTRY_EXPORT),
    }
    return render(request, "registry/rentals/follow_ups.html", context)


@scoped_view(REGISTRY_EDIT)
@require_POST
def follow_up_done(request, visit_id: int):
    visit = visit_services.get_visit(request.scope, visit_id)
    try:
        visit_services.complete_follow_up(actor=request.user, visit=visit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The follow-up was marked done."))
    return redirect("registry:follow_ups")


# --- party-member links -------------------------------------------------------------------


@scoped_view(REGISTRY_VIEW)
def party_links(request):
    scope = request.scope
    # A district has thousands of members: a page at a time, like the uncovered households.
    members = paginate(request, visit_services.party_members(scope), param="members")
    coverage = visit_services.coverage_by_grid(scope)
    uncovered = paginate(
        request,
        visit_services.by_path(scope, visit_services.uncovered_households(scope), ("address", "id")),
        param="uncovered",
    )
    context = {
        "members": members,
        "coverage": coverage,
        "total_households": sum(r["households"] for r in coverage),
        "total_uncovered": sum(r["uncovered"] for r in coverage),
        "uncovered": uncovered,
        "limit": visit_services.LINKS_PER_MEMBER,
        "can_edit": request.user.can(REGISTRY_EDIT),
    }
    return render(request, "registry/rentals/party_links.html", context)


@scoped_view(REGISTRY_VIEW)
def party_member_households(request):
    scope = request.scope
    member_id = request.GET.get("member", "")
    if not member_id:
        return redirect("registry:party_links")
    member = roster_selectors.get_staff(scope, member_id)
    links = list(visit_services.households_of_member(scope, member))
    context = {
        "member": member,
        "links": links,
        "limit": visit_services.LINKS_PER_MEMBER,
        "can_edit": request.user.can(REGISTRY_EDIT),
    }
    return render(request, "registry/rentals/member_households.html", context)


@scoped_view(REGISTRY_EDIT)
def link_create(request):
    scope = request.scope
    initial = {}
    for key in ("household", "member"):
        value = request.GET.get(key, "")
        if value.isdigit():
            initial[key] = value
    form = LinkForm(post_data(request), scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link = visit_services.link_household(
                actor=request.user,
                member=data["member"],
                household=data["household"],
                start_date=data["start_date"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(member)s is linked to %(household)s.")
                % {"member": link.member.name, "household": link.household},
            )
            return redirect(reverse("registry:party_member_households") + f"?member={link.member_id}")
    return render(request, "registry/rentals/link_form.html", {"form": form})


@scoped_view(REGISTRY_EDIT)
def link_end(request, link_id: int):
    link = visit_services.get_link(request.scope, link_id)
    form = LinkEndForm(post_data(request), initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            visit_services.end_link(actor=request.user, link=link, end_date=form.cleaned_data["end_date"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The link was ended."))
            return redirect(reverse("registry:party_member_households") + f"?member={link.member_id}")
    return render(request, "registry/rentals/link_end.html", {"form": form, "link": link})


# --- rental rules ------------------------------------------------------------------


@scoped_view(REGISTRY_VIEW)
@require_GET
def policy_list(request):
    """The rules in force and their history; the district sets new versions."""
    from wangge.registry.models import RentalPolicy

    policies = RentalPolicy.objects.order_by("-valid_from", "-id")
    scope = request.scope
    can_edit = request.user.can(REGISTRY_EDIT) and not scope.is_empty and scope.root.parent_id is None
    context = {"policies": policies, "current": rental_services.current_policy(), "can_edit": can_edit}
    return render(request, "registry/rentals/policy_list.html", context)


@scoped_view(REGISTRY_EDIT)
def policy_create(request):
    from wangge.registry.rentals.forms import PolicyForm

    rental_services.require_district_policy_editor(request.user)
    form = PolicyForm(post_data(request), initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rental_services.save_policy(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("registry:policy_list")
    return render(request, "registry/rentals/policy_form.html", {"form": form})
