"""The venue account's pages: its own venue's staff record, disinfection log and visitor register,
seen and written; nothing else. The venue is found through the account's link only (no venue id
in any URL); a staff line of another venue answers 404 like a missing one. Office staff create the
account from the venue's page (the initial password is shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts import services as account_services
from wangge.core.access import not_found, scoped_view
from wangge.core.forms import add_service_error, post_data
from wangge.venues import selectors
from wangge.venues.own import services
from wangge.venues.own.forms import VenueAccountForm
from wangge.venues.permissions import VENUES_MANAGE, VENUES_OWN
from wangge.venues.places.views import record_context
from wangge.venues.records.views import end_staff_line, record_form


def own_venue(request):
    """The account's venue, or 404 (any account without a link, an inactive one)."""
    venue = selectors.venue_of_account(request.user)
    if venue is None:
        raise not_found()
    return venue


@scoped_view(VENUES_OWN)
def own_home(request):
    venue = own_venue(request)
    context = record_context(venue)
    context["own"] = True
    return render(request, "venues/own/home.html", context)


def _home() -> str:
    return reverse("venues:own_home")


@scoped_view(VENUES_OWN)
def own_disinfection_add(request):
    return record_form(request, own_venue(request), "disinfection", _home() + "#log", _home())


@scoped_view(VENUES_OWN)
def own_visitor_add(request):
    return record_form(request, own_venue(request), "visitor", _home() + "#visitors", _home())


@scoped_view(VENUES_OWN)
def own_staff_add(request):
    return record_form(request, own_venue(request), "staff", _home() + "#staff", _home())


@require_POST
@scoped_view(VENUES_OWN)
def own_staff_end(request, venue_staff_id: int):
    return end_staff_line(request, own_venue(request), venue_staff_id, _home() + "#staff")


@scoped_view(VENUES_OWN)
def own_password(request):
    """The venue manager changes their own password (the old one first), on the phone."""
    venue = own_venue(request)
    form = PasswordChangeForm(request.user, post_data(request))
    for field in form.fields.values():
        field.widget.attrs.setdefault("autocomplete", "new-password")
    form.fields["old_password"].widget.attrs["autocomplete"] = "current-password"
    if request.method == "POST" and form.is_valid():
        try:
            account_services.change_own_password(
                user=request.user, new_password=form.cleaned_data["new_password1"], path=venue.path
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password is changed."))
            return redirect("venues:own_home")
    return render(request, "venues/own/password.html", {"form": form, "venue": venue})


@scoped_view(VENUES_MANAGE)
def account_create(request, venue_id: int):
    venue = selectors.get_venue(request.scope, venue_id)
    form = VenueAccountForm(post_data(request), initial={"phone": "", "display_name": venue.responsible_name})
    if request.method == "POST" and form.is_valid():
        try:
            link, password = services.create_venue_account(
                actor=request.user, venue=venue, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            # Shown once, on this answer only; never stored in clear.
            context = {"venue": venue, "link": link, "password": password}
            response = render(request, "venues/own/account_created.html", context)
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request, "venues/own/account_form.html", {"form": form, "venue": venue, "title": _("Venue account")}
    )
