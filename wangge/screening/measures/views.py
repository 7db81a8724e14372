"""Pages of control measures: the list, one measure with its basis and its history, the decision,
the approval, rejection, cancellation and release (with the printable release notice), results
typed in by hand, measures proposed by hand and bulk orders.

Measures are fetched from the actor's scope (out of scope answers 404 like missing); every change
goes through wangge.screening.measures.services; viewing a measure is audited (it is a person's record).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.audit import services as audit
from wangge.core.access import not_found, scoped_view
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.org import selectors as org_selectors
from wangge.registry.identity import check_document
from wangge.registry.models import Building, Person
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_VIEW
from wangge.screening.measures import selectors, services
from wangge.screening.measures.forms import (
    ApproveOrderForm,
    BulkOrderForm,
    DecideForm,
    HandOverForm,
    ManualMeasureForm,
    MeasureFilterForm,
    NoteForm,
    ReasonForm,
    TestResultForm,
)
from wangge.screening.models import MeasureStatus, ScreeningRecord
from wangge.screening.permissions import (
    SCREENING_APPROVE,
    SCREENING_DECIDE,
    SCREENING_FOLLOWUP,
    SCREENING_VIEW,
)


def _service_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@scoped_view(SCREENING_VIEW)
def measure_list(request):
    scope = request.scope
    form = MeasureFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.filtered(
        scope, status=data.get("status") or "open", kind=data.get("kind") or "", q=data.get("q") or ""
    )
    page = paginate(request, qs)
    context = {
        "form": form,
        "page_obj": page,
        "awaiting_mine": selectors.awaiting_approval_of(scope, request.user).count()
        if request.user.can(SCREENING_APPROVE) and services.is_office_level(request.user)
        else None,
        "release_due": selectors.release_due(scope).count(),
        "can_order": request.user.can(SCREENING_DECIDE),
        "can_check": request.user.can(SCREENING_FOLLOWUP),
    }
    return render(request, "screening/measures/measure_list.html", context)


def _actions(request, measure) -> dict:
    user = request.user
    approver = user.can(SCREENING_APPROVE) and services.is_office_level(user)
    status = measure.status
    return {
        "can_decide": status == MeasureStatus.PROPOSED and user.can(SCREENING_DECIDE),
        "can_approve": status == MeasureStatus.AWAITING_APPROVAL
        and approver
        and not measure.bulk_id
        and measure.decided_by_id != user.pk,
        "can_reject": (status == MeasureStatus.PROPOSED and user.can(SCREENING_DECIDE))
        or (status == MeasureStatus.AWAITING_APPROVAL and approver and not measure.bulk_id),
        "can_cancel": status == MeasureStatus.ACTIVE and approver,
        "can_hand_over": status == MeasureStatus.ACTIVE and approver,
        # Once handed over, the registry's departure is the next step for whoever keeps it.
        "can_record_departure": status == MeasureStatus.HANDED_OVER
        and measure.person.is_active
        and user.can(REGISTRY_EDIT),
        "can_release": status == MeasureStatus.ACTIVE and user.can(SCREENING_DECIDE),
        "can_record_results": status == MeasureStatus.ACTIVE and user.can(SCREENING_FOLLOWUP),
    }


# The facts a measure's basis records, in the words of the page (keys not listed are not shown).
FACT_LABELS = {
    "rule": gettext_lazy("Rule"),
    "matched": gettext_lazy("Matched"),
    "category": gettext_lazy("Category"),
    "risk_area": gettext_lazy("Risk area"),
    "risk_level": gettext_lazy("Risk level"),
    "left_area_on": gettext_lazy("Left that area on"),
    "arrival_date": gettext_lazy("Arrival date"),
    "contact_of": gettext_lazy("Contact of"),
    "tube": gettext_lazy("Positive tube barcode"),
    "order_ref": gettext_lazy("Order reference"),
    "bulk_order_name": gettext_lazy("Bulk orders"),
}


def basis_facts(measure) -> list[tuple[str, str]]:
    from wangge.screening.models import RiskLevel

    facts = measure.basis_facts or {}
    rows = []
    for key, label in FACT_LABELS.items():
        value = facts.get(key)
        if value in (None, ""):
            continue
        if key == "risk_level" and value in RiskLevel.values:
            value = RiskLevel(value).label
        rows.append((label, value))
    return rows


def _record_url(measure) -> str:
    from django.urls import NoReverseMatch, reverse

    if not measure.screening_id:
        return ""
    try:
        return reverse("screening:record_detail", kwargs={"record_id": measure.screening_id})
    except NoReverseMatch:
        return ""


@scoped_view(SCREENING_VIEW)
def measure_detail(request, measure_id: int):
    measure = selectors.get_measure(request.scope, measure_id)
    audit.record_view(actor=request.user, obj=measure)
    tests = list(measure.tests.select_related("due", "due__round").order_by("day_no"))
    today = timezone.localdate()
    context = {
        "measure": measure,
        "person": measure.person,
        "phases": list(measure.phases.all()),
        "tests": tests,
        "today": today,
        "release": services.release_check(measure, today=today)
        if measure.status == MeasureStatus.ACTIVE
        else None,
        "facts": basis_facts(measure),
        "record_url": _record_url(measure),
        # The person's whole record (tests, moves, other measures) is one tap away.
        "person_url": reverse("registry:person_detail", args=[measure.person_id])
        if request.user.can(REGISTRY_VIEW)
        else "",
        "decide_form": DecideForm(initial={"place": measure.place}),
        "note_form": NoteForm(),
        "reason_form": ReasonForm(),
        "hand_over_form": HandOverForm(),
        "result_form": TestResultForm(),
        **_actions(request, measure),
    }
    return render(request, "screening/measures/measure_detail.html", context)


def _act(request, measure_id: int, action):
    measure = selectors.get_measure(request.scope, measure_id)
    try:
        action(measure)
    except ValidationError as exc:
        _service_errors(request, exc)
    return redirect("screening:measure", measure_id=measure.pk)


@scoped_view(SCREENING_DECIDE)
@require_POST
def measure_decide(request, measure_id: int):
    form = DecideForm(request.POST)
    form.is_valid()
    data = form.cleaned_data

    def act(measure):
        m = services.decide_measure(
            actor=request.user, measure=measure, note=data.get("note", ""), place=data.get("place")
        )
        if m.status == MeasureStatus.AWAITING_APPROVAL:
            messages.success(
                request, _("Decided. It confines the person: it now waits for an approval at office level.")
            )
        else:
            messages.success(request, _("Decided: the measure is in force."))

    return _act(request, measure_id, act)


@scoped_view(SCREENING_APPROVE)
@require_POST
def measure_approve(request, measure_id: int):
    form = NoteForm(request.POST)
    form.is_valid()

    def act(measure):
        services.approve_measure(actor=request.user, measure=measure, note=form.cleaned_data.get("note", ""))
        messages.success(request, _("Approved: the measure is in force and its tests are due."))

    return _act(request, measure_id, act)


def _act_with_reason(request, measure_id: int, service, done_message: str):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def act(measure):
        service(actor=request.user, measure=measure, reason=reason)
        messages.success(request, done_message)

    return _act(request, measure_id, act)


@scoped_view(SCREENING_VIEW)
@require_POST
def measure_reject(request, measure_id: int):
    return _act_with_reason(request, measure_id, services.reject_measure, _("The measure was rejected."))


@scoped_view(SCREENING_APPROVE)
@require_POST
def measure_cancel(request, measure_id: int):
    return _act_with_reason(request, measure_id, services.cancel_measure, _("The measure was cancelled."))


@scoped_view(SCREENING_APPROVE)
@require_POST
def measure_hand_over(request, measure_id: int):
    form = HandOverForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}

    def act(measure):
        services.hand_over_measure(
            actor=request.user,
            measure=measure,
            destination=data.get("destination", ""),
            reason=data.get("reason", ""),
        )
        messages.success(
            request, _("Handed over. The person may now be recorded as departed from the registry.")
        )

    return _act(request, measure_id, act)


@scoped_view(SCREENING_DECIDE)
@require_POST
def measure_release(request, measure_id: int):
    form = NoteForm(request.POST)
    form.is_valid()
    measure = selectors.get_measure(request.scope, measure_id)
    try:
        services.release_measure(actor=request.user, measure=measure, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        _service_errors(request, exc)
        return redirect("screening:measure", measure_id=measure.pk)
    messages.success(request, _("Released. The release notice is ready to print."))
    return redirect("screening:release_notice", measure_id=measure.pk)


@scoped_view(SCREENING_VIEW)
def release_notice(request, measure_id: int):
    measure = selectors.get_measure(request.scope, measure_id)
    if measure.status != MeasureStatus.RELEASED:
        raise not_found()
    audit.record_view(actor=request.user, obj=measure)
    return render(
        request,
        "screening/measures/release_notice.html",
        {"measure": measure, "person": measure.person, "phases": list(measure.phases.all())},
    )


@scoped_view(SCREENING_VIEW)
def hand_over_letter(request, measure_id: int):
    """The letter that goes with a handed-over measure to the place taking it on (移交函): who,
    the measure and its basis, the days left, the tests taken and to come."""
    from wangge.org.models import OrgUnit

    measure = selectors.get_measure(request.scope, measure_id)
    if measure.status != MeasureStatus.HANDED_OVER:
        raise not_found()
    audit.record_view(actor=request.user, obj=measure)
    office = OrgUnit.objects.filter(pk=org_selectors.office_id_of(measure.path)).first()
    handed_on = timezone.localtime(measure.closed_at).date()
    return render(
        request,
        "screening/measures/hand_over_letter.html",
        {
            "measure": measure,
            "person": measure.person,
            "office": office,
            "letter_no": f"YJ{handed_on:%Y%m%d}-{measure.pk:06d}",
            "handed_on": handed_on,
            "days_left": max(0, (measure.ends_on - handed_on).days + 1),
            "phases": list(measure.phases.all()),
            "tests": list(measure.tests.order_by("day_no")),
            "last_check": measure.checks.order_by("-on_date", "-slot").first(),
        },
    )


@scoped_view(SCREENING_FOLLOWUP)
@require_POST
def test_result(request, test_id: int):
    test = selectors.get_test(request.scope, test_id)
    form = TestResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a result."))
    else:
        try:
            services.record_test_result(
                actor=request.user,
                test=test,
                result=form.cleaned_data["result"],
                lab=form.cleaned_data["lab"],
            )
        except ValidationError as exc:
            _service_errors(request, exc)
        else:
            messages.success(request, _("The result of day %(n)d was recorded.") % {"n": test.day_no})
    return redirect("screening:measure", measure_id=test.measure_id)


@scoped_view(SCREENING_DECIDE)
def measure_new(request, person_id: int):
    """Propose a measure by hand for one person (a contact, a positive tube, an order)."""
    scope = request.scope
    person = scope.get(Person.objects.select_related("grid"), pk=person_id)
    record = None
    if request.GET.get("record"):
        record = (
            scope.filter(ScreeningRecord.objects.filter(person=person))
            .filter(pk=request.GET["record"])
            .first()
        )
    form = ManualMeasureForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            measure = services.propose_measure(
                actor=request.user,
                person=person,
                kind=d["kind"],
                starts_on=d["starts_on"],
                days=d["days"],
                test_days=d["test_days"],
                checks_per_day=d["checks_per_day"],
                basis_kind=d["basis_kind"],
                basis_text=d["basis_text"],
                facts=form.facts(),
                place=d["place"],
                screening=record,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The measure was proposed: it now needs a decision."))
            return redirect("screening:measure", measure_id=measure.pk)
    return render(request, "screening/measures/measure_form.html", {"form": form, "person": person})


# --- bulk orders ------------------------------------------------------------------------------


@scoped_view(SCREENING_VIEW)
def order_list(request):
    page = paginate(request, selectors.orders(request.scope).order_by("-proposed_at", "-id"))
    return render(request, "screening/measures/order_list.html", {"page_obj": page})


def _people_for_order(scope, data) -> tuple[list[Person], list[str]]:
    people, problems = [], []
    if data.get("building"):
        people = list(
            scope.filter(Person.objects.filter(household__room__building=data["building"], is_active=True))
        )
    for line in (data.get("id_numbers") or "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            number = check_document("resident_id", line).number
        except ValidationError:
            problems.append(_("%(n)s: not a valid ID number") % {"n": line})
            continue
        person = scope.filter(Person.objects.filter(id_number=number, is_active=True)).first()
        if person is None:
            problems.append(_("%(n)s: nobody with this ID number in your area") % {"n": line})
        elif person not in people:
            people.append(person)
    return people, problems


@scoped_view(SCREENING_DECIDE)
def order_new(request):
    scope = request.scope
    buildings = scope.filter(Building.objects.select_related("grid")).order_by("path", "name")
    form = BulkOrderForm(post_data(request), buildings=buildings)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        people, problems = _people_for_order(scope, d)
        for problem in problems:
            form.add_error("id_numbers", problem)
        if not problems:
            unit = d["building"].grid if d.get("building") else scope.root
            try:
                result = services.propose_bulk(
                    actor=request.user,
                    unit=unit,
                    name=d["name"],
                    people=people,
                    kind=d["kind"],
                    starts_on=d["starts_on"],
                    days=d["days"],
                    test_days=d["test_days"],
                    checks_per_day=d["checks_per_day"],
                    basis_kind=d["basis_kind"],
                    basis_text=d["basis_text"],
                    facts=form.facts(),
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The order covers %(n)d people and waits for an approval at office level; %(s)d skipped."
                    )
                    % {"n": result.added, "s": len(result.skipped)},
                )
                for person, why in result.skipped[:20]:
                    messages.info(request, f"{person.name}: {why}")
                return redirect("screening:order", order_id=result.order.pk)
    return render(request, "screening/measures/order_form.html", {"form": form})


@scoped_view(SCREENING_VIEW)
def order_detail(request, order_id: int):
    order = selectors.get_order(request.scope, order_id)
    measures = order.measures.select_related("person", "grid").order_by("path", "person__name")
    user = request.user
    can_approve = (
        order.status == MeasureStatus.AWAITING_APPROVAL
        and user.can(SCREENING_APPROVE)
        and services.is_office_level(user)
        and order.proposed_by_id != user.pk
    )
    context = {
        "order": order,
        "page_obj": paginate(request, measures),
        "can_approve": can_approve,
        "approve_form": ApproveOrderForm(),
        "reason_form": ReasonForm(),
    }
    return render(request, "screening/measures/order_detail.html", context)


@scoped_view(SCREENING_APPROVE)
@require_POST
def order_approve(request, order_id: int):
    order = selectors.get_order(request.scope, order_id)
    form = ApproveOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the number of people to confirm."))
        return redirect("screening:order", order_id=order.pk)
    try:
        services.approve_bulk(
            actor=request.user, order=order, confirm_count=form.cleaned_data["confirm_count"],
            note=form.cleaned_data.get("note", ""),
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _service_errors(request, exc)
    else:
        messages.success(request, _("Approved: %(n)d measures are in force.") % {"n": order.people_count})
    return redirect("screening:order", order_id=order.pk)


@scoped_view(SCREENING_APPROVE)
@require_POST
def order_reject(request, order_id: int):
    order = selectors.get_order(request.scope, order_id)
    form = ReasonForm(request.POST)
    try:
        services.reject_bulk(
            actor=request.user, order=order, reason=form.cleaned_data["reason"] if form.is_valid() else ""
        )
    except ValidationError as exc:
        _service_errors(request, exc)
    else:
        messages.success(request, _("The order was rejected."))
    return redirect("screening:order", order_id=order.pk)
