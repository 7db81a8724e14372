"""A person's own measure, looked up with their personal code (no account): what the measure is,
its basis, its phases and end date, its tests, and a way to ask for a service. The code alone is
a card anyone may photograph, so the last four characters of the ID number are asked as well;
a wrong pair answers like an unknown code. Rate-limited per address; every look-up is audited."""

from __future__ import annotations

import uuid

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.audit import services as audit
from wangge.core.access import PUBLIC_ACTOR, public_view
from wangge.registry.codes import services as codes
from wangge.registry.models import Person
from wangge.screening.measures import selectors
from wangge.screening.measures.forms import LookupForm, PersonServiceForm
from wangge.screening.public.ratelimit import limited

LOOKUPS_PER_WINDOW = 10
WINDOW_SECONDS = 600


def find_person(code: str, id_tail: str) -> Person | None:
    parsed = codes.parse_token(code)
    if parsed is None:
        return None
    pk, version = parsed
    person = Person.objects.filter(
        pk=pk, code_version=version, is_active=True, merged_into__isnull=True
    ).first()
    if person is None or person.id_number[-4:].upper() != (id_tail or "").strip().upper():
        return None
    return person


@public_view
@require_http_methods(["GET", "POST"])
def my_measure(request):
    form = LookupForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "measure": None, "not_found": False}
    if request.method == "POST":
        if limited(request, "lookup", LOOKUPS_PER_WINDOW, WINDOW_SECONDS):
            context["error"] = _("Too many look-ups from this address. Wait a few minutes and try again.")
            return render(request, "screening/public/my_measure.html", context, status=429)
        if form.is_valid():
            person = find_person(form.cleaned_data["code"], form.cleaned_data["id_tail"])
            measure = selectors.latest_for_person(person.pk) if person is not None else None
            if measure is None:
                context["not_found"] = True
            else:
                service_form = _service_request(request, context, measure)
                audit.record(
                    actor=PUBLIC_ACTOR, action="view", obj=measure, after={"looked_up_by": "personal code"}
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
