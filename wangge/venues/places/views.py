"""Pages of venues and their kinds. Every venue is fetched through the actor's scope (out of scope
answers 404 like missing); every change goes through wangge.venues.places.services."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.core.access import get_or_404, not_found, scoped_view, under
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.venues import evidence, selectors
from wangge.venues.models import VenueAccount, VenueKind
from wangge.venues.permissions import VENUES_KINDS, VENUES_MANAGE, VENUES_RECORDS, VENUES_VIEW
from wangge.venues.places import services
from wangge.venues.places.forms import KindForm, StatusForm, VenueFilterForm, VenueForm
from wangge.venues.sections import venue_sections

LOG_DAYS = 14


@scoped_view(VENUES_VIEW)
def venue_list(request):
    scope = request.scope
    form = VenueFilterForm(request.GET, scope=scope)
    f = form.filters()
    qs = selectors.venues_in_scope(scope)
    if f["unit"] is not None:
        qs = under(qs, f["unit"])
    if f["kind"]:
        qs = qs.filter(kind_id=f["kind"])
    if f["risk"]:
        qs = qs.filter(risk_level=f["risk"])
    if f["status"]:
        qs = qs.filter(status=f["status"])
    if f["q"]:
        qs = qs.filter(Q(name__contains=f["q"]) | Q(address__contains=f["q"]))
    qs = qs.select_related("kind", "grid").order_by("path", "name", "id")
    context = {
        "form": form,
        "page_obj": paginate(request, qs),
        "can_manage": request.user.can(VENUES_MANAGE),
        "filtered": any(request.GET.get(k) for k in ("q", "unit", "kind", "risk", "status")),
        "unit_selected": str(f["unit"].pk) if f["unit"] is not None else "",
    }
    return render(request, "venues/venue_list.html", context)


def record_context(venue, *, today=None) -> dict:
    """What a venue keeps, for its page and its own account's page."""
    today = today or timezone.localdate()
    staff = list(selectors.current_staff(venue))
    testing = {t.person_id: t for t in evidence.staff_testing(venue, on=today)}
    for s in staff:
        s.testing = testing.get(s.person_id)
    since = today - timedelta(days=LOG_DAYS - 1)
    log = list(selectors.disinfections(venue).filter(done_on__gte=since)[:200])
    context = {
        "venue": venue,
        "staff": staff,
        "log": log,
        "missing_days": evidence.missing_disinfection_days(venue, on=today, days=LOG_DAYS),
        "logged_today": any(e.done_on == today for e in log),
        "log_days": LOG_DAYS,
        "today": today,
    }
    if venue.kind.keeps_visitor_register:
        context["visitors"] = list(selectors.visitors(venue)[:50])
        context["register_kept_today"] = evidence.visitor_register_kept(venue, on=today)
    return context


@scoped_view(VENUES_VIEW)
def venue_detail(request, venue_id: int):
    venue = selectors.get_venue(request.scope, venue_id)
    context = record_context(venue)
    context.update(
        {
            "can_manage": request.user.can(VENUES_MANAGE),
            "can_write": request.user.can(VENUES_RECORDS),
            "accounts": [
                {
                    "name": a.user.display_name,
                    "phone": a.user.username if a.user.username.isdigit() else "",
                    "active": a.user.is_active,
                }
                for a in VenueAccount.objects.filter(venue=venue).select_related("user")
            ],
            "sections": venue_sections(request, venue),
            "status_form": StatusForm(),
        }
    )
    return render(request, "venues/venue_detail.html", context)


def _venue_form_page(request, form, venue=None):
    return render(request, "venues/venue_form.html", {"form": form, "venue": venue})


@scoped_view(VENUES_MANAGE)
def venue_create(request):
    scope = request.scope
    initial = {"risk_level": "low"}
    if request.GET.get("shop", "").isdigit():
        initial["shop"] = request.GET["shop"]
    form = VenueForm(post_data(request), scope=scope, creating=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            venue = services.create_venue(actor=request.user, **data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Venue registered."))
            return redirect("venues:venue_detail", venue_id=venue.pk)
    return _venue_form_page(request, form)


@scoped_view(VENUES_MANAGE)
def venue_edit(request, venue_id: int):
    scope = request.scope
    venue = selectors.get_venue(scope, venue_id)
    form = VenueForm(post_data(request), scope=scope, creating=False, instance=venue)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.VENUE_FIELDS}
        try:
            services.update_venue(actor=request.user, venue=venue, grid=form.cleaned_data.get("grid"), **data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("venues:venue_detail", venue_id=venue.pk)
    return _venue_form_page(request, form, venue)


STATUS_ACTIONS = {
    "close": (services.close_venue, gettext_lazy("Venue marked closed.")),
    "suspend": (services.suspend_venue, gettext_lazy("Venue suspended.")),
    "reopen": (services.reopen_venue, gettext_lazy("Venue reopened.")),
}


@require_POST
@scoped_view(VENUES_MANAGE)
def venue_status(request, venue_id: int):
    venue = selectors.get_venue(request.scope, venue_id)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    form = StatusForm(request.POST)
    if action is None or not form.is_valid():
        messages.error(request, _("Choose what to do with the venue."))
        return redirect("venues:venue_detail", venue_id=venue.pk)
    service, done = action
    try:
        service(actor=request.user, venue=venue, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(done))
    return redirect("venues:venue_detail", venue_id=venue.pk)


# --- kinds: the district's list ----------------------------------------------------------------


@scoped_view(VENUES_VIEW)
def kind_list(request):
    context = {
        "kinds": list(selectors.kinds()),
        "can_edit": services.is_district_kind_editor(request.user),
    }
    return render(request, "venues/kind_list.html", context)


def _kind_values(form) -> dict:
    return {k: form.cleaned_data[k] for k in services.KIND_FIELDS}


@scoped_view(VENUES_KINDS)
def kind_create(request):
    if not services.is_district_kind_editor(request.user):
        raise PermissionDenied(_("Only the district edits the kinds of venue."))
    form = KindForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.create_kind(actor=request.user, **_kind_values(form))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Kind of venue added."))
            return redirect("venues:kinds")
    return render(request, "venues/kind_form.html", {"form": form})


@scoped_view(VENUES_KINDS)
def kind_edit(request, kind_id: int):
    if not services.is_district_kind_editor(request.user):
        raise not_found()
    kind = get_or_404(VenueKind.objects.all(), pk=kind_id)
    initial = {f: getattr(kind, f) for f in services.KIND_FIELDS}
    form = KindForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_kind(actor=request.user, kind=kind, **_kind_values(form))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("venues:kinds")
    return render(request, "venues/kind_form.html", {"form": form, "kind": kind})
