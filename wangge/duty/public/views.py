"""The public volunteer sign-up form (志愿者报名, no account). Rate-limited per client address and
overall; the same person signing up twice keeps one record."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core.access import public_view
from wangge.core.forms import add_service_error
from wangge.core.ratelimit import client_address, rate_limit
from wangge.duty.volunteers import services
from wangge.duty.volunteers.forms import SignUpForm
from wangge.org.models import Level, OrgUnit

PER_CLIENT = (5, 600)  # 5 sign-ups per 10 minutes per address
OVERALL = (120, 60)  # and 120 a minute for the whole district
TEMPLATE = "duty/public/signup.html"


def _allowed(request) -> bool:
    limit, window = PER_CLIENT
    if not rate_limit(f"volunteer_signup:ip:{client_address(request)}", limit, window):
        return False
    limit, window = OVERALL
    return rate_limit("volunteer_signup:all", limit, window)


@public_view
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": SignUpForm()})
    form = SignUpForm(request.POST)
    if not _allowed(request):
        error = _("Too many sign-ups have been sent from here. Wait ten minutes and try again.")
        return render(request, TEMPLATE, {"form": form, "error": error}, status=429)
    if form.is_valid():
        data = form.cleaned_data
        village = OrgUnit.objects.filter(
            pk=data["village"], level=Level.VILLAGE, closed_at__isnull=True
        ).first()
        if village is None:
            form.add_error("village", _("Choose your village or community."))
        else:
            try:
                volunteer, created = services.sign_up(
                    village=village,
                    name=data["name"],
                    phone=data["phone"],
                    id_type=data["id_type"],
                    id_number=data["id_number"],
                    is_party_member=data["is_party_member"],
                    skills=data["skills"],
                    availability=data["availability"],
                    note=data["note"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return render(
                    request,
                    TEMPLATE,
                    {
                        "done": True,
                        "created": created,
                        "receipt": volunteer.receipt if created else "",
                        "village": volunteer.village.name,
                    },
                )
    return render(request, TEMPLATE, {"form": form})
