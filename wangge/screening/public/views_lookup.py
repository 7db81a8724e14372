"""A person's own measure, looked up with their personal code (no account): what the measure is,
its basis, its phases and end date, its tests, and a way to ask for a service. The code is the
short code under the QR (typed: any case, dashes or not, full-width folded) or the QR itself
(scanned with the phone's camera). A short code whose check character fails is a typing mistake
and is said so; otherwise the code alone is a card anyone may photograph, so the last four
characters of the ID number are asked as well, and a wrong pair answers like an unknown code.
Rate-limited per client address and per code in the shared cache (every worker counts alike);
every look-up is audited."""

from __future__ import annotations

import uuid

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.audit import services as audit
from wangge.core.access import PUBLIC_ACTOR, public_view
from wangge.core.ratelimit import client_address, rate_limit
from wangge.registry.codes import services as codes
from wangge.registry.models import Person
from wangge.screening.measures import selectors
from wangge.screening.measures.forms import LookupForm, PersonServiceForm

LOOKUPS_PER_ADDRESS = 10  # per WINDOW_SECONDS, from one client address
WINDOW_SECONDS = 600
LOOKUPS_PER_CODE = 10  # per CODE_WINDOW_SECONDS, of one code from anywhere (guessing the ID's end)
CODE_WINDOW_SECONDS = 3600


def find_person(code: codes.PersonalCode, id_tail: str) -> Person | None:
    person = codes.current_person(code)
    if person is None or person.id_number[-4:].upper() != (id_tail or "").strip().upper():
        return None
    return person


def _too_many(request, window: int):
    response = render(
        request, "screening/public/too_many.html", {"minutes": max(1, window // 60)}, status=429
    )
    response["Retry-After"] = str(window)
    return response


@public_view
@require_http_methods(["GET", "POST"])
def my_measure(request):
    form = LookupForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "measure": None, "not_found": False}
    if request.method == "POST":
        if not rate_limit(f"lookup:ip:{client_address(request)}", LOOKUPS_PER_ADDRESS, WINDOW_SECONDS):
            return _too_many(request, WINDOW_SECONDS)
        code = codes.read_personal_code(form.data.get("code", ""))
        if code.key and not rate_limit(f"lookup:code:{code.key}", LOOKUPS_PER_CODE, CODE_WINDOW_SECONDS):
            return _too_many(request, CODE_WINDOW_SECONDS)
        valid = form.is_valid()
        if code.mistyped and form.data.get("code", "").strip():
            form.add_error(
                "code",
                _("Check the code: a character is mistyped or missing."),
            )
            context["check_code"] = True
        elif valid:
            person = find_person(code, form.cleaned_data["id_tail"])
            measure = selectors.latest_for_person(person.pk) if person is not None else None
            if measure is None:
                context["not_found"] = True
            else:
                service_form = _service_request(request, context, measure)
                audit.record(
                    actor=PUBLIC_ACTOR,
                    action="view",
                    obj=measure,
                    after={"looked_up_by": "short code" if code.short_code else "personal code"},
                )
                context.update(
                    measure=measure,
                    person=person,
                    phases=list(measure.phases.all()),
                    tests=list(measure.tests.order_by("day_no")),
                    service_form=service_form,
                    services=list(measure.service_requests.order_by("-raised_at")[:10]),
                )
    return render(request, "screening/public/my_measure.html", context)


def _service_request(request, context, measure):
    """The person asks for a service (groceries, medicine…) while in force; a retried submission
    is the same request (client_id)."""
    from django.core.exceptions import ValidationError

    from wangge.screening.followup import services as followup
    from wangge.screening.models import MeasureStatus

    if measure.status != MeasureStatus.ACTIVE:
        return None
    blank = PersonServiceForm(initial={"client_id": uuid.uuid4()})
    if request.POST.get("action") != "service":
        return blank
    form = PersonServiceForm(request.POST)
    if not form.is_valid():
        return form
    try:
        followup.raise_request(
            actor=PUBLIC_ACTOR, measure=measure, kind=form.cleaned_data["kind"], detail=form.cleaned_data["detail"],
            client_id=form.cleaned_data["client_id"], by_person=True,
        )  # fmt: skip
    except ValidationError as exc:
        context["service_error"] = " ".join(exc.messages)
        return form
    context["service_sent"] = True
    return blank
