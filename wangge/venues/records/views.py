"""Pages that write a venue's records, for office staff (the venue found in their scope). The
venue's own account uses the same forms through wangge.venues.own (its venue found by its link)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.core.access import get_or_404, scoped_view
from wangge.core.forms import add_service_error, post_data
from wangge.venues import selectors
from wangge.venues.models import VenueStaff
from wangge.venues.permissions import VENUES_RECORDS
from wangge.venues.records import services
from wangge.venues.records.forms import DisinfectionForm, StaffForm, VisitorForm

FORMS = {"disinfection": DisinfectionForm, "visitor": VisitorForm, "staff": StaffForm}


def _title(what: str) -> str:
    return {
        "disinfection": _("Log a disinfection"),
        "visitor": _("Register a visitor"),
        "staff": _("Add a staff member"),
    }[what]


def _save(request, venue, what: str, form) -> None:
    data = dict(form.cleaned_data)
    if what == "disinfection":
        services.log_disinfection(actor=request.user, venue=venue, **data)
    elif what == "visitor":
        services.log_visitor(actor=request.user, venue=venue, **data)
    else:
        services.add_staff(actor=request.user, venue=venue, **data)


def record_form(request, venue, what: str, done_url: str, back_url: str):
    """Show and handle one record form for `venue` (already found by the caller)."""
    if what == "visitor" and not venue.kind.keeps_visitor_register:
        return redirect(back_url)
    form = FORMS[what](post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, venue, what, form)
        except ValidationError as exc:
            add_service_error(form, exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Saved."))
            return redirect(done_url)
    context = {"form": form, "venue": venue, "title": _title(what), "what": what, "back_url": back_url}
    return render(request, "venues/records/record_form.html", context)


def end_staff_line(request, venue, venue_staff_id, done_url: str):
    staff = get_or_404(VenueStaff.objects.filter(venue=venue, until__isnull=True), pk=venue_staff_id)
    services.end_staff(actor=request.user, staff=staff)
    messages.success(request, _("Saved."))
    return redirect(done_url)


def _office_venue(request, venue_id):
    return selectors.get_venue(request.scope, venue_id)


@scoped_view(VENUES_RECORDS)
def disinfection_add(request, venue_id: int):
    venue = _office_venue(request, venue_id)
    url = reverse("venues:venue_detail", kwargs={"venue_id": venue.pk})
    return record_form(request, venue, "disinfection", url + "#log", url)


@scoped_view(VENUES_RECORDS)
def visitor_add(request, venue_id: int):
    venue = _office_venue(request, venue_id)
    url = reverse("venues:venue_detail", kwargs={"venue_id": venue.pk})
    return record_form(request, venue, "visitor", url + "#visitors", url)


@scoped_view(VENUES_RECORDS)
def staff_add(request, venue_id: int):
    venue = _office_venue(request, venue_id)
    url = reverse("venues:venue_detail", kwargs={"venue_id": venue.pk})
    return record_form(request, venue, "staff", url + "#staff", url)


@require_POST
@scoped_view(VENUES_RECORDS)
def staff_end(request, venue_id: int, venue_staff_id: int):
    venue = _office_venue(request, venue_id)
    return end_staff_line(
        request,
        venue,
        venue_staff_id,
        reverse("venues:venue_detail", kwargs={"venue_id": venue.pk}) + "#staff",
    )
