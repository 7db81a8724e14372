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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Scope, not_found, require, require_path, scope_of, user_or_none
from wangge.screening import permissions as perms
from wangge.screening.measures import escalations
from wangge.screening.models import (
    FEVER_FROM,
    DailyCheck,
    Escalation,
    EscalationKind,
    Measure,
    MeasurePhase,
    MeasureStatus,
    MeasureTest,
    ServiceKind,
    ServiceRequest,
    ServiceStatus,
    Symptom,
)

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")
OPEN_SERVICE = (ServiceStatus.OPEN, ServiceStatus.ASSIGNED)


# --- daily checks ---------------------------------------------------------------------------


def _locked(measure: Measure) -> Measure:
    return Measure.objects.select_for_update().select_related("person", "grid").get(pk=measure.pk)


def phase_on(measure: Measure, day: date) -> MeasurePhase | None:
    return MeasurePhase.objects.filter(measure=measure, starts_on__lte=day, ends_on__gte=day).first()


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


def _stored_check(actor: Any, client_id) -> DailyCheck | None:
    if not client_id:
        return None
    check = DailyCheck.objects.filter(client_id=client_id).first()
    if check is not None:
        require_path(actor, check.path)
    return check


@transaction.atomic
def record_check(
    *,
    actor: Any,
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
        labels = ", ".join(str(Symptom(s).label) for s in found)
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


def _per_day(phases: list[MeasurePhase], day: date) -> int:
    for p in phases:
        if p.starts_on <= day <= p.ends_on:
            return p.checks_per_day
    return 0


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
    while day <= last and counts.get(day, 0) >= _per_day(phases, day):
        through = day
        day += timedelta(days=1)
    if through != measure.checked_through:
        Measure.objects.filter(pk=measure.pk).update(checked_through=through)
        measure.checked_through = through
    return through


def checks_of(scope: Scope, measure: Measure) -> QuerySet[DailyCheck]:
    return (
        scope.filter(DailyCheck.objects.filter(measure=measure))
        .select_related("checked_by")
        .order_by("-on_date", "-slot")
    )


def next_slot(measure: Measure, day: date) -> int | None:
    """The first check of the day still to be recorded, or None when all are in."""
    phase = phase_on(measure, day)
    if phase is None:
        return None
    done = set(DailyCheck.objects.filter(measure=measure, on_date=day).values_list("slot", flat=True))
    for slot in range(1, phase.checks_per_day + 1):
        if slot not in done:
            return slot
    return None


def next_slots(measures: list[Measure], day: date) -> dict[int, int | None]:
    """`next_slot` for a page of measures in two queries (not two per measure)."""
    ids = [m.pk for m in measures]
    per_day = dict(
        MeasurePhase.objects.filter(measure_id__in=ids, starts_on__lte=day, ends_on__gte=day).values_list(
            "measure_id", "checks_per_day"
        )
    )
    done: dict[int, set[int]] = {}
    for measure_id, slot in DailyCheck.objects.filter(measure_id__in=ids, on_date=day).values_list(
        "measure_id", "slot"
    ):
        done.setdefault(measure_id, set()).add(slot)
    out: dict[int, int | None] = {}
    for measure_id in ids:
        taken = done.get(measure_id, set())
        out[measure_id] = next((n for n in range(1, per_day.get(measure_id, 0) + 1) if n not in taken), None)
    return out


# --- selectors: the day, overdue ---------------------------------------------------------------


def in_force(scope: Scope, *, grid_id: int | None = None) -> QuerySet[Measure]:
    qs = scope.filter(Measure.objects.filter(status=MeasureStatus.ACTIVE))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    return qs


def get_measure(scope: Scope, measure_id) -> Measure:
    return scope.get(Measure.objects.select_related("person", "grid"), pk=measure_id)


def under_measures(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[Measure]:
    """People under measures in force with today's status: checks due and done, tests due today
    (no result yet), the last temperature taken."""
    today = today or timezone.localdate()
    phase_today = MeasurePhase.objects.filter(
        measure=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
    )
    last_check = DailyCheck.objects.filter(measure=OuterRef("pk"), temperature__isnull=False).order_by(
        "-on_date", "-slot"
    )
    tests_today = (
        MeasureTest.objects.filter(measure=OuterRef("pk"), on_date=today, result="")
        .values("measure")
        .annotate(n=Count("id"))
        .values("n")
    )
    checks_today = (
        DailyCheck.objects.filter(measure=OuterRef("pk"), on_date=today)
        .values("measure")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        in_force(scope, grid_id=grid_id)
        .select_related("person", "grid")
        .annotate(
            checks_due_today=Subquery(phase_today.values("checks_per_day")[:1]),
            checks_done_today=Subquery(checks_today[:1]),
            tests_due_today=Subquery(tests_today[:1]),
            last_temperature=Subquery(last_check.values("temperature")[:1]),
            last_checked_on=Subquery(last_check.values("on_date")[:1]),
        )
        .order_by("grid__path", "grid__name", "person__name", "pk")
    )


def _overdue_filter(today: date) -> Q:
    yesterday = today - timedelta(days=1)
    behind = Q(checked_through__lt=yesterday) & Q(checked_through__lt=F("ends_on"))
    never = Q(checked_through__isnull=True) & Q(starts_on__lte=yesterday)
    return behind | never


def overdue_measures(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[Measure]:
    """Measures in force whose checks are behind: `checked_through` before min(yesterday, end)."""
    today = today or timezone.localdate()
    return (
        in_force(scope, grid_id=grid_id)
        .filter(_overdue_filter(today))
        .select_related("person", "grid")
        .order_by("grid__path", "grid__name", "checked_through", "pk")
    )


@dataclass
class Overdue:
    measure: Measure
    missing_days: list[date] = field(default_factory=list)


def missing_days(measures: list[Measure], *, today: date | None = None) -> list[Overdue]:
    """For each measure, the days up to min(yesterday, end) after `checked_through` without all
    their checks."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    if not measures:
        return []
    ids = [m.pk for m in measures]
    phases: dict[int, list[MeasurePhase]] = defaultdict(list)
    for p in MeasurePhase.objects.filter(measure_id__in=ids):
        phases[p.measure_id].append(p)
    earliest = min((m.checked_through or m.starts_on - timedelta(days=1)) for m in measures)
    counts: dict[tuple[int, date], int] = {
        (r["measure_id"], r["on_date"]): r["n"]
        for r in DailyCheck.objects.filter(measure_id__in=ids, on_date__gt=earliest, on_date__lte=yesterday)
        .values("measure_id", "on_date")
        .annotate(n=Count("id"))
    }
    out = []
    for m in measures:
        day = (m.checked_through or m.starts_on - timedelta(days=1)) + timedelta(days=1)
        last = min(yesterday, m.ends_on)
        days = []
        while day <= last:
            if counts.get((m.pk, day), 0) < _per_day(phases[m.pk], day):
                days.append(day)
            day += timedelta(days=1)
        out.append(Overdue(measure=m, missing_days=days))
    return out


def overdue_tests(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[MeasureTest]:
    """Tests of measures in force whose day has passed, with no result and not sampled."""
    today = today or timezone.localdate()
    qs = scope.filter(
        MeasureTest.objects.filter(measure__status=MeasureStatus.ACTIVE, result="", on_date__lt=today)
    )
    qs = qs.filter(Q(due__isnull=True) | ~Q(due__status="tested"))
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid", "due").order_by(
        "measure__grid__path", "on_date", "pk"
    )


def tests_due_today(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[MeasureTest]:
    today = today or timezone.localdate()
    qs = scope.filter(
        MeasureTest.objects.filter(measure__status=MeasureStatus.ACTIVE, result="", on_date=today)
    )
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid", "due").order_by(
        "measure__grid__path", "pk"
    )


def awaiting_results(scope: Scope, *, grid_id: int | None = None) -> QuerySet[MeasureTest]:
    """Sampled (in testing) but no result back yet."""
    qs = scope.filter(
        MeasureTest.objects.filter(measure__status=MeasureStatus.ACTIVE, result="", due__status="tested")
    )
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid").order_by("on_date", "pk")


@dataclass
class GridOverdue:
    grid_id: int
    grid_name: str
    people: int = 0  # people whose checks are behind
    missing_days: int = 0  # days without all their checks, summed
    overdue_tests: int = 0
    tests_today: int = 0
    open_services: int = 0


def overdue_per_grid(scope: Scope, *, today: date | None = None) -> list[GridOverdue]:
    """Per grid: people with checks behind and how many days are missing, tests overdue and due
    today, open service requests. Only grids with something to show."""
    today = today or timezone.localdate()
    rows: dict[int, GridOverdue] = {}

    def row(grid_id, name) -> GridOverdue:
        if grid_id not in rows:
            rows[grid_id] = GridOverdue(grid_id=grid_id, grid_name=name)
        return rows[grid_id]

    for o in missing_days(list(overdue_measures(scope, today=today)), today=today):
        r = row(o.measure.grid_id, o.measure.grid.name)
        r.people += 1
        r.missing_days += len(o.missing_days)
    for g in (
        overdue_tests(scope, today=today)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
    ):
        row(g["measure__grid_id"], g["measure__grid__name"]).overdue_tests = g["n"]
    for g in (
        tests_due_today(scope, today=today)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
    ):
        row(g["measure__grid_id"], g["measure__grid__name"]).tests_today = g["n"]
    for g in (
        open_requests(scope)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
    ):
        row(g["measure__grid_id"], g["measure__grid__name"]).open_services = g["n"]
    return sorted(rows.values(), key=lambda r: r.grid_name)


def grids_with_measures(scope: Scope):
    from wangge.org.models import OrgUnit

    ids = in_force(scope).values("grid_id")
    return OrgUnit.objects.filter(pk__in=ids).order_by("path", "name")


# --- escalations -------------------------------------------------------------------------------


def escalation_list(
    scope: Scope, *, open_only: bool = False, grid_id: int | None = None
) -> QuerySet[Escalation]:
    """Open ones first, newest first."""
    qs = scope.filter(Escalation.objects.all())
    if open_only:
        qs = qs.filter(handled_at__isnull=True)
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid", "handled_by").order_by(
        F("handled_at").desc(nulls_first=True), "-created_at", "-id"
    )


def get_escalation(scope: Scope, escalation_id) -> Escalation:
    return scope.get(
        Escalation.objects.select_related("measure", "measure__person", "measure__grid"), pk=escalation_id
    )


@transaction.atomic
def handle_escalation(*, actor: Any, escalation: Escalation, note: str) -> Escalation:
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
    actor: Any,
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


def _locked_request(actor: Any, req: ServiceRequest) -> ServiceRequest:
    require(actor, perms.SCREENING_FOLLOWUP)
    req = ServiceRequest.objects.select_for_update().select_related("measure").get(pk=req.pk)
    require_path(actor, req.path)
    return req


def staff_choices(scope: Scope):
    from wangge.roster import selectors as roster_selectors

    return roster_selectors.staff(scope).order_by("name", "pk")


@transaction.atomic
def assign_request(*, actor: Any, request: ServiceRequest, staff) -> ServiceRequest:
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
def complete_request(*, actor: Any, request: ServiceRequest, outcome: str) -> ServiceRequest:
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
def cancel_request(*, actor: Any, request: ServiceRequest, reason: str) -> ServiceRequest:
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


def close_requests_of_measure(*, actor: Any, measure: Measure, outcome: str) -> int:
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


def requests(
    scope: Scope, *, status: str | None = None, grid_id: int | None = None, kind: str | None = None
) -> QuerySet[ServiceRequest]:
    qs = scope.filter(ServiceRequest.objects.all())
    if status == "open":
        qs = qs.filter(status__in=OPEN_SERVICE)
    elif status in ServiceStatus.values:
        qs = qs.filter(status=status)
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    if kind in ServiceKind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("measure", "measure__person", "measure__grid", "assigned_to").order_by(
        "measure__grid__path", "raised_at", "pk"
    )


def open_requests(scope: Scope, *, grid_id: int | None = None) -> QuerySet[ServiceRequest]:
    return requests(scope, status="open", grid_id=grid_id)


def open_requests_per_grid(scope: Scope) -> list[dict]:
    return list(
        open_requests(scope)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
        .order_by("measure__grid__name")
    )


def get_request(scope: Scope, service_id) -> ServiceRequest:
    try:
        return scope.get(
            ServiceRequest.objects.select_related(
                "measure", "measure__person", "measure__grid", "assigned_to"
            ),
            pk=service_id,
        )
    except (ValueError, TypeError) as exc:
        raise not_found() from exc
