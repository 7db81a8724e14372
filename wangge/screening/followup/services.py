"""Follow-up of people under measures: daily checks by the grid's team, checks and tests overdue
per grid, escalations of abnormal findings, and services for people under control (服务隔离群众).

Actions check the role (SCREENING_FOLLOWUP) and the scope, run in one transaction and write their
audit row inside it; messages go after the commit (see escalations.py). Reads start from a scope.

A check is idempotent by its `client_id` (a retried submission returns the stored check); a second
check for the same measure, day and slot is refused, saying when and by whom it was recorded.
`Measure.checked_through` is the last day such that every day from the start up to it has all its
checks (per its phase's checks per day); it is kept right when checks arrive out of order.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, require_path, scope_of, user_or_none
from wangge.screening import permissions as perms
from wangge.screening.followup.selectors import OPEN_SERVICE, per_day, phase_on, staff_choices
from wangge.screening.measures import escalations
from wangge.screening.models import (
    FEVER_FROM,
    DailyCheck,
    Escalation,
    EscalationKind,
    Measure,
    MeasurePhase,
    MeasureStatus,
    ServiceKind,
    ServiceRequest,
    ServiceStatus,
    Symptom,
)

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")


# --- daily checks ---------------------------------------------------------------------------


def _locked(measure: Measure) -> Measure:
    return Measure.objects.select_for_update().select_related("person", "grid").get(pk=measure.pk)


def _require_in_force(measure: Measure) -> None:
    if measure.status != MeasureStatus.ACTIVE:
        raise ValidationError(_("This measure is not in force."))


def _temperature(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        t = Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"temperature": _("Give the temperature in °C, e.g. 36.6.")}) from exc
    if not TEMPERATURE_MIN <= t <= TEMPERATURE_MAX:
        raise ValidationError(
            {
                "temperature": _("A temperature between %(a)s and %(b)s °C.")
                % {"a": TEMPERATURE_MIN, "b": TEMPERATURE_MAX}
            }
        )
    return t


def _symptoms(values) -> list[str]:
    values = [v for v in (values or []) if v]
    unknown = [v for v in values if v not in Symptom.values]
    if unknown:
        raise ValidationError(
            {"symptoms": _("Unknown symptom: %(s)s.") % {"s": ", ".join(map(str, unknown))}}
        )
    return [s for s in Symptom.values if s in values]  # in the list's order, once each


def _stored_check(actor: Actor, client_id) -> DailyCheck | None:
    if not client_id:
        return None
    check = DailyCheck.objects.filter(client_id=client_id).first()
    if check is not None:
        require_path(actor, check.path)
    return check


@transaction.atomic
def record_check(
    *,
    actor: Actor,
    measure: Measure,
    on_date: date,
    slot: int,
    temperature=None,
    symptoms: list[str] | None = None,
    present: bool = True,
    note: str = "",
    client_id=None,
) -> DailyCheck:
    """A health check of a person under a measure in force. A retried submission (same client_id)
    returns the stored check; an abnormal finding escalates at once."""
    require(actor, perms.SCREENING_FOLLOWUP)
    stored = _stored_check(actor, client_id)
    if stored is not None:
        if stored.measure_id != measure.pk:
            raise ValidationError(_("This submission was already recorded for another measure."))
        return stored
    measure = _locked(measure)
    require_path(actor, measure.path)
    _require_in_force(measure)
    today = timezone.localdate()
    if on_date is None:
        raise ValidationError({"on_date": _("Give the date of the check.")})
    if on_date > today:
        raise ValidationError({"on_date": _("A check cannot be recorded for a day still to come.")})
    if not measure.starts_on <= on_date <= measure.ends_on:
        raise ValidationError(
            {
                "on_date": _("The measure runs from %(a)s to %(b)s.")
                % {"a": measure.starts_on.isoformat(), "b": measure.ends_on.isoformat()}
            }
        )
    phase = phase_on(measure, on_date)
    per_day = phase.checks_per_day if phase else 0
    if not per_day:
        raise ValidationError({"on_date": _("No health check is due on this day.")})
    try:
        slot = int(slot)
    except (TypeError, ValueError):
        slot = 0
    if not 1 <= slot <= per_day:
        raise ValidationError({"slot": _("Checks of this day are numbered 1 to %(n)d.") % {"n": per_day}})
    existing = (
        DailyCheck.objects.filter(measure=measure, on_date=on_date, slot=slot)
        .select_related("checked_by")
        .first()
    )
    if existing is not None:
        raise ValidationError({"slot": _already_recorded(existing)})
    t = _temperature(temperature)
    found = _symptoms(symptoms)
    fever = t is not None and t >= Decimal(str(FEVER_FROM))
    check = DailyCheck(
        measure=measure,
        on_date=on_date,
        slot=slot,
        temperature=t,
        symptoms=found,
        present=bool(present),
        note=(note or "").strip()[:300],
        abnormal=bool(fever or found or not present),
        checked_by=user_or_none(actor),
        checked_at=timezone.now(),
        path=measure.path,
    )
    if client_id:
        check.client_id = client_id
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError as exc:
        again = _stored_check(actor, client_id)
        if again is not None and again.measure_id == measure.pk:
            return again
        raise ValidationError({"slot": _("This check was just recorded by someone else.")}) from exc
    audit.record(actor=actor, action=Action.CREATE, obj=check, after=audit.snapshot(check))
    if fever:
        escalations.escalate(measure=measure, kind=EscalationKind.FEVER, detail=f"{t} °C", check=check)
    if found:
        # Stored text is read by the district's staff: written in the platform's language.
        with translation.override(settings.LANGUAGE_CODE):
            labels = "、".join(str(Symptom(s).label) for s in found)
        escalations.escalate(measure=measure, kind=EscalationKind.SYMPTOMS, detail=labels, check=check)
    if not present:
        escalations.escalate(measure=measure, kind=EscalationKind.ABSENT, detail=check.note, check=check)
    advance_checked_through(measure, today=today)
    return check


def _already_recorded(check: DailyCheck) -> str:
    who = check.checked_by.display_name or check.checked_by.username if check.checked_by_id else "—"
    return _("Check %(slot)d of %(day)s was already recorded at %(at)s by %(who)s.") % {
        "slot": check.slot,
        "day": check.on_date.isoformat(),
        "at": timezone.localtime(check.checked_at).strftime("%Y-%m-%d %H:%M"),
        "who": who,
    }


def advance_checked_through(measure: Measure, *, today: date | None = None) -> date | None:
    """Move `checked_through` over every following day that has all its checks (up to today)."""
    today = today or timezone.localdate()
    start = measure.checked_through or (measure.starts_on - timedelta(days=1))
    last = min(today, measure.ends_on)
    if start >= last:
        return measure.checked_through
    phases = list(MeasurePhase.objects.filter(measure=measure))
    counts = dict(
        DailyCheck.objects.filter(measure=measure, on_date__gt=start, on_date__lte=last)
        .values("on_date")
        .annotate(n=Count("id"))
        .values_list("on_date", "n")
    )
    day, through = start + timedelta(days=1), start
    while day <= last and counts.get(day, 0) >= per_day(phases, day):
        through = day
        day += timedelta(days=1)
    if through != measure.checked_through:
        Measure.objects.filter(pk=measure.pk).update(checked_through=through)
        measure.checked_through = through
    return through


# --- selectors: the day, overdue ---------------------------------------------------------------


# --- escalations -------------------------------------------------------------------------------


@transaction.atomic
def handle_escalation(*, actor: Actor, escalation: Escalation, note: str) -> Escalation:
    """Say what was done about an abnormal finding (the medic visited, sent to the fever clinic…)."""
    require(actor, perms.SCREENING_FOLLOWUP)
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    require_path(actor, escalation.path)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if escalation.handled_at is not None:
        raise ValidationError(_("This finding was already handled."))
    escalation.handled_at = timezone.now()
    escalation.handled_by = user_or_none(actor)
    escalation.handled_note = note[:300]
    escalation.save(update_fields=["handled_at", "handled_by", "handled_note"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=escalation,
        before={"handled_at": None},
        after={"handled_at": escalation.handled_at.isoformat(), "handled_note": escalation.handled_note},
    )
    return escalation


# --- services for people under control (服务隔离群众) --------------------------------------------


def _service_snapshot(req: ServiceRequest) -> dict:
    return audit.snapshot(req)


@transaction.atomic
def raise_request(
    *,
    actor: Actor,
    measure: Measure,
    kind: str,
    detail: str = "",
    client_id=None,
    by_person: bool = False,
) -> ServiceRequest:
    """A request of a person under a measure in force, raised by the grid team or by the person
    (through the public page: `actor` PUBLIC_ACTOR, `by_person` True). Idempotent by client_id."""
    require(actor, perms.SCREENING_FOLLOWUP)
    if client_id:
        stored = ServiceRequest.objects.filter(client_id=client_id).first()
        if stored is not None:
            require_path(actor, stored.path)
            if stored.measure_id != measure.pk:
                raise ValidationError(_("This submission was already recorded for another measure."))
            return stored
    measure = _locked(measure)
    require_path(actor, measure.path)
    _require_in_force(measure)
    if kind not in ServiceKind.values:
        raise ValidationError({"kind": _("Choose what is needed.")})
    detail = (detail or "").strip()
    if kind == ServiceKind.OTHER and not detail:
        raise ValidationError({"detail": _("Say what is needed.")})
    req = ServiceRequest(
        measure=measure,
        kind=kind,
        detail=detail[:300],
        raised_by_person=bool(by_person),
        raised_by=user_or_none(actor),
        raised_at=timezone.now(),
        path=measure.path,
    )
    if client_id:
        req.client_id = client_id
    try:
        with transaction.atomic():
            req.save()
    except IntegrityError as exc:
        stored = ServiceRequest.objects.filter(client_id=client_id).first() if client_id else None
        if stored is not None and stored.measure_id == measure.pk:
            return stored
        raise ValidationError(_("This request could not be saved: try again.")) from exc
    audit.record(actor=actor, action=Action.CREATE, obj=req, after=_service_snapshot(req))
    return req


def _locked_request(actor: Actor, req: ServiceRequest) -> ServiceRequest:
    require(actor, perms.SCREENING_FOLLOWUP)
    req = ServiceRequest.objects.select_for_update().select_related("measure").get(pk=req.pk)
    require_path(actor, req.path)
    return req


@transaction.atomic
def assign_request(*, actor: Actor, request: ServiceRequest, staff) -> ServiceRequest:
    """Give a request to someone of the roster (in the actor's scope); it may be given again."""
    req = _locked_request(actor, request)
    if req.status not in OPEN_SERVICE:
        raise ValidationError(_("This request is closed."))
    if req.measure.status != MeasureStatus.ACTIVE:
        raise ValidationError(_("This measure is not in force."))
    if staff is None or not staff_choices(scope_of(actor)).filter(pk=staff.pk).exists():
        raise ValidationError({"assigned_to": _("Choose someone of the roster in your area.")})
    before = _service_snapshot(req)
    req.assigned_to = staff
    req.assigned_at = timezone.now()
    req.status = ServiceStatus.ASSIGNED
    req.save(update_fields=["assigned_to", "assigned_at", "status"])
    audit.record(actor=actor, action=Action.UPDATE, obj=req, before=before, after=_service_snapshot(req))
    return req


@transaction.atomic
def complete_request(*, actor: Actor, request: ServiceRequest, outcome: str) -> ServiceRequest:
    req = _locked_request(actor, request)
    if req.status not in OPEN_SERVICE:
        raise ValidationError(_("This request is closed."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what was done.")})
    before = _service_snapshot(req)
    req.status = ServiceStatus.DONE
    req.done_at = timezone.now()
    req.done_by = user_or_none(actor)
    req.outcome = outcome[:300]
    req.save(update_fields=["status", "done_at", "done_by", "outcome"])
    audit.record(actor=actor, action=Action.UPDATE, obj=req, before=before, after=_service_snapshot(req))
    return req


@transaction.atomic
def cancel_request(*, actor: Actor, request: ServiceRequest, reason: str) -> ServiceRequest:
    """Cancel a request (no longer needed, raised twice), saying why: the reason is kept as its
    outcome, the time and the person as when and by whom it was closed."""
    req = _locked_request(actor, request)
    if req.status not in OPEN_SERVICE:
        raise ValidationError(_("This request is closed."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    before = _service_snapshot(req)
    req.status = ServiceStatus.CANCELLED
    req.done_at = timezone.now()
    req.done_by = user_or_none(actor)
    req.outcome = reason[:300]
    req.save(update_fields=["status", "done_at", "done_by", "outcome"])
    audit.record(actor=actor, action=Action.UPDATE, obj=req, before=before, after=_service_snapshot(req))
    return req


def close_requests_of_measure(*, actor: Actor, measure: Measure, outcome: str) -> int:
    """Close the open requests of a measure that has ended early (the person is no longer here
    to be served); each keeps the outcome and an audit row. Runs inside the caller's transaction."""
    rows = list(
        ServiceRequest.objects.select_for_update()
        .filter(measure=measure, status__in=OPEN_SERVICE)
        .order_by("pk")
    )
    now = timezone.now()
    for req in rows:
        before = _service_snapshot(req)
        req.status = ServiceStatus.CANCELLED
        req.done_at = now
        req.done_by = user_or_none(actor)
        req.outcome = outcome[:300]
        req.save(update_fields=["status", "done_at", "done_by", "outcome"])
        audit.record(actor=actor, action=Action.UPDATE, obj=req, before=before, after=_service_snapshot(req))
    return len(rows)
