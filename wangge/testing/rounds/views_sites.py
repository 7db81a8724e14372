"""Pages of sampling sites: list with readiness, setup, staff (六大员) and the readiness
checklist (十一个一). Sites are fetched through the actor's scope; changes go through
wangge.testing.rounds.sites."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.core.access import not_found, scoped_view
from wangge.core.forms import add_service_error, post_data
from wangge.testing.models import ChecklistItem, ChecklistKind, RoundStatus
from wangge.testing.permissions import TESTING_MANAGE, TESTING_VIEW
from wangge.testing.rounds import selectors
from wangge.testing.rounds import sites as site_services
from wangge.testing.rounds.checklists import staff_roles
from wangge.testing.rounds.forms import SiteForm, SiteStaffForm

FORM_FIELDS = (
    "name",
    "unit",
    "address",
    "latitude",
    "longitude",
    "tables",
    "opens_at",
    "closes_at",
    "pool_size",
)


def _can_edit(request, rnd) -> bool:
    return request.user.can(TESTING_MANAGE) and rnd.status != RoundStatus.CLOSED


@scoped_view(TESTING_VIEW)
def site_list(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    rows = list(site_services.with_counts(selectors.sites(scope, rnd)).order_by("path", "name", "id"))
    ready = site_services.readiness_of_sites(rows)
    for site in rows:
        site.readiness = ready[site.pk]
    context = {
        "round": rnd,
        "sites": rows,
        "not_ready": sum(1 for s in rows if not s.readiness.is_ready),
        "can_edit": _can_edit(request, rnd),
        "active": "sites",
    }
    return render(request, "testing/sites/site_list.html", context)


def _save_site(request, form, rnd, site=None):
    data = form.cleaned_data
    fields = {k: data[k] for k in FORM_FIELDS}
    try:
        if site is None:
            return site_services.create_site(
                actor=request.user, round=rnd, grids=data["grids"], buildings=data["buildings"], **fields
            )
        return site_services.update_site(
            actor=request.user, site=site, grids=data["grids"], buildings=data["buildings"], **fields
        )
    except ValidationError as exc:
        add_service_error(form, exc)
        return None


@scoped_view(TESTING_MANAGE)
def site_new(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    initial = {
        "opens_at": timezone.localtime(rnd.starts_at),
        "closes_at": timezone.localtime(rnd.ends_at),
        "tables": 1,
    }
    if scope.covers_path(rnd.path) is False and not scope.is_empty:
        initial["unit"] = scope.root.pk
    form = SiteForm(post_data(request), scope=scope, round=rnd, initial=initial)
    if request.method == "POST" and form.is_valid():
        site = _save_site(request, form, rnd)
        if site is not None:
            messages.success(request, _("The site %(name)s was set up.") % {"name": site.name})
            return redirect("testing:site", site_id=site.pk)
    return render(request, "testing/sites/site_form.html", {"form": form, "round": rnd, "site": None})


@scoped_view(TESTING_MANAGE)
def site_edit(request, site_id: int):
    scope = request.scope
    site = selectors.get_site(scope, site_id)
    initial = {k: getattr(site, k) for k in FORM_FIELDS}
    initial["unit"] = site.unit_id
    initial["opens_at"] = timezone.localtime(site.opens_at)
    initial["closes_at"] = timezone.localtime(site.closes_at)
    initial["grids"] = list(site.grids.values_list("pk", flat=True))
    initial["buildings"] = list(site.buildings.values_list("pk", flat=True))
    form = SiteForm(post_data(request), scope=scope, round=site.round, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save_site(request, form, site.round, site)
        if saved is not None:
            messages.success(request, _("The site was saved."))
            return redirect("testing:site", site_id=site.pk)
    return render(request, "testing/sites/site_form.html", {"form": form, "round": site.round, "site": site})


def _staff_by_role(request, site):
    members = list(site.staff.select_related("role", "staff").order_by("role__position", "table_no", "name"))
    roles = list(staff_roles())
    used = {m.role_id for m in members}
    roles += list(ChecklistItem.objects.filter(pk__in=used - {r.pk for r in roles}))
    return [(role, [m for m in members if m.role_id == role.pk]) for role in roles]


def _checklist_context(request, site) -> dict:
    return {
        "site": site,
        "readiness": site_services.readiness(site),
        "can_tick": site_services.can_tick(request.user),
    }


@scoped_view(TESTING_VIEW)
def site_detail(request, site_id: int):
    scope = request.scope
    site = selectors.get_site(scope, site_id)
    can_edit = _can_edit(request, site.round)
    context = {
        "round": site.round,
        "site": site,
        "grids": list(site.grids.order_by("path")),
        "buildings": list(site.buildings.select_related("grid").order_by("path", "name")),
        "staff_by_role": _staff_by_role(request, site),
        "staff_form": SiteStaffForm(scope=scope, site=site) if can_edit else None,
        "can_edit": can_edit,
        "active": "sites",
        **_checklist_context(request, site),
    }
    return render(request, "testing/sites/site_detail.html", context)


@scoped_view(TESTING_MANAGE)
def site_staff_new(request, site_id: int):
    scope = request.scope
    site = selectors.get_site(scope, site_id)
    form = SiteStaffForm(post_data(request), scope=scope, site=site)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = site_services.add_site_staff(
                actor=request.user,
                site=site,
                role=data["role"],
                staff=data["staff"],
                name=data["name"],
                phone=data["phone"],
                table_no=data["table_no"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is %(role)s at this site.") % {"name": member.name, "role": member.role.name},
            )
            return redirect("testing:site", site_id=site.pk)
    return render(request, "testing/sites/staff_form.html", {"form": form, "site": site, "round": site.round})


@scoped_view(TESTING_MANAGE)
@require_POST
def site_staff_remove(request, site_staff_id: int):
    member = site_services.get_site_staff(request.scope, site_staff_id)
    site_id = member.site_id
    site_services.remove_site_staff(actor=request.user, site_staff=member)
    messages.success(request, _("%(name)s was removed from the site.") % {"name": member.name})
    return redirect("testing:site", site_id=site_id)


@scoped_view()
@require_POST
def site_check(request, site_id: int, item_id: int):
    """Tick or untick one readiness item (htmx answers with the checklist fragment)."""
    site = selectors.get_site(request.scope, site_id)
    if not site_services.can_tick(request.user):
        raise PermissionDenied(_("Your role does not allow this."))
    item = ChecklistItem.objects.filter(pk=item_id, kind=ChecklistKind.READINESS).first()
    if item is None:
        raise not_found()
    checked = request.POST.get("checked", "") in ("1", "on", "true", "yes")
    try:
        site_services.tick_check(actor=request.user, site=site, item=item, checked=checked)
    except ValidationError as exc:
        if not getattr(request, "htmx", None):
            messages.error(request, " ".join(exc.messages))
    if getattr(request, "htmx", None):
        return render(request, "testing/sites/_checklist.html", _checklist_context(request, site))
    return redirect("testing:site", site_id=site.pk)
