"""Public pages of gatherings (no account): the family's report form (rate-limited; a retried
submission with the same client token is the same report), the look-up of its status with the
code on the receipt and the last four digits of the host's phone, and the printable advice of a
kind's rule (喜事缓办: the advice to postpone). They show nothing of anyone else."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.audit import services as audit
from wangge.core.access import PUBLIC_ACTOR, not_found, public_view
from wangge.core.forms import add_service_error
from wangge.core.ratelimit import client_address, rate_limit
from wangge.gatherings.guests import services as guests
from wangge.gatherings.models import Gathering, GatheringKind, Status
from wangge.gatherings.reports import services
from wangge.gatherings.reports.forms import GatheringForm, LookupForm
from wangge.gatherings.rules.selectors import rule_for

PER_CLIENT = (5, 600)  # 5 reports per 10 minutes per address
OVERALL = (120, 60)  # and 120 a minute for the whole district
CHECKS_PER_CLIENT = (30, 600)  # "what do the rules say" asked without sending
LOOKUPS_PER_CLIENT = (10, 600)
LOOKUPS_PER_CODE = (10, 3600)
TEMPLATE = "gatherings/public/report.html"


def _allow(request, scope: str, per_client: tuple[int, int], overall: tuple[int, int] | None = None) -> bool:
    limit, window = per_client
    if not rate_limit(f"{scope}:ip:{client_address(request)}", limit, window):
        return False
    if overall is None:
        return True
    limit, window = overall
    return rate_limit(f"{scope}:all", limit, window)


def _too_many(request, form, window: int):
    minutes = max(1, window // 60)
    context = {
        "form": form,
        "error": _("Too many reports have been sent from here. Wait %(minutes)s minutes and try again.")
        % {"minutes": minutes},
    }
    response = render(request, TEMPLATE, context, status=429)
    response["Retry-After"] = str(window)
    return response


@public_view
@require_http_methods(["GET", "POST"])
def report(request):
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": GatheringForm()})
    form = GatheringForm(request.POST, request.FILES)
    checking = request.POST.get("action") == "check"
    if not _allow(request, "gathering_check" if checking else "gathering_report",
                  CHECKS_PER_CLIENT if checking else PER_CLIENT, None if checking else OVERALL):  # fmt: skip
        return _too_many(request, form, (CHECKS_PER_CLIENT if checking else PER_CLIENT)[1])
    context: dict = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        verdict = services.verdict_for(kind=data["kind"], starts_on=data["starts_on"], meals=form.meals())
        context["verdict"] = verdict
        if checking:
            return render(request, TEMPLATE, context)
        try:
            gathering = services.submit(actor=PUBLIC_ACTOR, **form.service_kwargs())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            upload = form.cleaned_data.get("guest_list")
            list_error = ""
            if upload and gathering.status == Status.PENDING and not gathering.guests_total:
                list_error = guests.import_uploaded(actor=PUBLIC_ACTOR, gathering=gathering, upload=upload)
            context = {"receipt": gathering, "verdict_messages": gathering.verdict, "list_error": list_error}
            return render(request, TEMPLATE, context)
    return render(request, TEMPLATE, context)


@public_view
@require_http_methods(["GET", "POST"])
def lookup(request):
    form = LookupForm(request.POST if request.method == "POST" else None)
    context: dict = {"form": form}
    if request.method == "POST":
        if not _allow(request, "gathering_lookup", LOOKUPS_PER_CLIENT):
            response = render(
                request,
                "gatherings/public/lookup.html",
                {"form": form, "error": _("Too many look-ups from here. Wait ten minutes and try again.")},
                status=429,
            )
            response["Retry-After"] = str(LOOKUPS_PER_CLIENT[1])
            return response
        if form.is_valid():
            code = "".join(form.cleaned_data["code"].split()).upper()
            if not rate_limit(f"gathering_lookup:code:{code}", *LOOKUPS_PER_CODE):
                context["not_found"] = True
                return render(request, "gatherings/public/lookup.html", context, status=429)
            gathering = (
                Gathering.objects.select_related("kind")
                .filter(lookup_code=code, host_phone__endswith=form.cleaned_data["phone_tail"])
                .first()
            )
            if gathering is None:
                context["not_found"] = True
            else:
                audit.record(
                    actor=PUBLIC_ACTOR, action="view", obj=gathering, after={"looked_up_with_code": True}
                )
                context.update(
                    gathering=gathering,
                    notices=list(gathering.notices.order_by("-at")[:20]),
                    meals=list(gathering.meals.all()),
                )
    return render(request, "gatherings/public/lookup.html", context)


@public_view
@require_http_methods(["GET"])
def advice(request):
    """The printable advice of a kind's rule in force today (public data: no one's name)."""
    from django.utils import timezone

    kind = GatheringKind.objects.filter(code=(request.GET.get("kind") or "")[:40], active=True).first()
    if kind is None:
        raise not_found()
    rule = rule_for(kind, timezone.localdate())
    if rule is None:
        raise not_found()
    return render(request, "gatherings/public/advice.html", {"kind": kind, "rule": rule})
