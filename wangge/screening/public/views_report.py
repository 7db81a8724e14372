"""The returnee's self-report form (no account). Rate-limited per client address and overall;
a retried submission (the same hidden request_key) gives the same receipt. The receipt is shown
in the answer to the POST only: no page shows a report by its receipt number."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core.access import public_view
from wangge.core.forms import add_service_error
from wangge.screening.intake import services as intake
from wangge.screening.intake.forms import SelfReportForm
from wangge.screening.public import ratelimit

PER_CLIENT = (5, 600)  # 5 submissions per 10 minutes per address
OVERALL = (120, 60)  # and 120 a minute for the whole district
TEMPLATE = "screening/public/report.html"


@public_view
@require_http_methods(["GET", "POST"])
def self_report(request):
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": SelfReportForm()})
    form = SelfReportForm(request.POST)
    if not ratelimit.allow(request, "self_report", per_client=PER_CLIENT, overall=OVERALL):
        context = {
            "form": form,
            "error": _("Too many reports have been sent from here. Wait ten minutes and try again."),
        }
        return render(request, TEMPLATE, context, status=429)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = intake.submit_self_report(
                request_key=data["request_key"],
                name=data["name"],
                id_type=data["id_type"],
                id_number=data["id_number"],
                phone=data["phone"],
                came_from=data["came_from"],
                arrival_date=data["arrival_date"],
                village=data["village"],
                address=data["address"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return render(request, TEMPLATE, {"receipt": report.receipt, "village": report.village.name})
    return render(request, TEMPLATE, {"form": form})
