"""Control measures: proposed by the rules (or by hand, with a basis), decided by a person in the
right role, approved by a second person at office level when they confine someone, then followed
up, tested and released with a notice. Bulk orders cover many people under one approval.

Every action checks the role and the scope, runs in one transaction, and writes its audit row
inside it. Messages go out after the commit. The database refuses a measure without a basis and an
active one without its decision and approval (see models.Measure.Meta.constraints).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action

# The role and scope checks are testing's (the same rules); re-exported for the screening modules.
from wangge.core.access import Actor, require, require_path, scope_of, user_or_none
from wangge.org.models import Level, OrgUnit
from wangge.org.selectors import office_id_of
from wangge.registry.models import Person
from wangge.screening import permissions as perms
from wangge.screening import rulebook as rules
from wangge.screening.events import measure_handed_over
from wangge.screening.models import (
    CONFINING,
    BasisKind,
    BulkOrder,
    Measure,
    MeasureKind,
    MeasurePhase,
    MeasureStatus,
    MeasureTest,
    ScreeningRecord,
    ScreeningStatus,
    TestOutcome,
)

OPEN_STATUSES = (MeasureStatus.PROPOSED, MeasureStatus.AWAITING_APPROVAL, MeasureStatus.ACTIVE)


def is_office_level(actor: Actor) -> bool:
    """Approvals are given at office level or above (the district, an office or centre)."""
    scope = scope_of(actor)
    return not scope.is_empty and scope.root.level <= Level.OFFICE


def require_approver(actor: Actor) -> None:
    require(actor, perms.SCREENING_APPROVE)
    if not is_office_level(actor):
        raise PermissionDenied(_("Approvals are given at office level or above."))


def _locked(measure: Measure) -> Measure:
    return Measure.objects.select_for_update().select_related("person", "grid").get(pk=measure.pk)


def _snapshot(measure: Measure) -> dict:
    data = audit.snapshot(measure)
    data.pop("checked_through", None)
    return data


# --- proposing ---------------------------------------------------------------------------------


def new_measure(
    *,
    person: Person,
    phases: list[rules.PhasePlan],
    basis_kind: str,
    basis_text: str,
    facts: dict,
    proposed_by: Any,
    screening: ScreeningRecord | None = None,
    policy=None,
    category_id: int | None = None,
    place: str = "",
    bulk: BulkOrder | None = None,
    status: str = MeasureStatus.PROPOSED,
) -> Measure:
    basis_text = (basis_text or "").strip()
    if not basis_text or basis_kind not in BasisKind.values:
        raise ValidationError(
            _("A measure needs its basis: the rule, the contact, the positive tube or the order.")
        )
    kind = phases[0].kind
    return Measure(
        person=person,
        grid_id=person.grid_id,
        path=person.path,
        screening=screening,
        bulk=bulk,
        policy=policy,
        category_id=category_id,
        kind=kind,
        confining=any(p.kind in CONFINING for p in phases),
        status=status,
        starts_on=phases[0].starts_on,
        ends_on=phases[-1].ends_on,
        place=(place or "")[:200],
        basis_kind=basis_kind,
        basis_text=basis_text,
        basis_facts={**facts, "phases": [_phase_dict(p) for p in phases]},
        proposed_by=user_or_none(proposed_by),
    )


def _phase_dict(p: rules.PhasePlan) -> dict:
    return {
        "order": p.order,
        "kind": p.kind,
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "checks_per_day": p.checks_per_day,
        "test_days": p.test_days,
    }


def _phases_of(measure: Measure) -> list[rules.PhasePlan]:
    return [
        rules.PhasePlan(
            order=p["order"],
            kind=p["kind"],
            starts_on=date.fromisoformat(p["starts_on"]),
            ends_on=date.fromisoformat(p["ends_on"]),
            checks_per_day=p["checks_per_day"],
            test_days=list(p["test_days"]),
        )
        for p in measure.basis_facts.get("phases", [])
    ]


def _save_new(measure: Measure) -> Measure:
    try:
        with transaction.atomic():
            measure.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("%(name)s already has an open measure: close it before proposing another.")
            % {"name": measure.person.name}
        ) from exc
    return measure


def facts_of(record: ScreeningRecord) -> rules.Facts:
    return rules.Facts(
        category_id=record.category_id,
        category_name=record.category.name if record.category_id else "",
        risk_area=record.risk_area,
        risk_level=record.risk_level,
        left_area_on=record.left_area_on,
        arrival_date=record.arrival_date,
        contact_of=record.contact_of,
    )


def propose_for_screening(*, actor: Actor, record: ScreeningRecord, on: date | None = None) -> Measure | None:
    """What the rules give for a screening record, proposed for a person to decide. None when no
    rule applies (the record stays "to be assessed") or the person already has an open measure."""
    on = on or timezone.localdate()
    proposal = rules.propose(facts_of(record), on=on)
    if proposal is None:
        return None
    if Measure.objects.filter(person_id=record.person_id, status__in=OPEN_STATUSES).exists():
        return None
    measure = new_measure(
        person=record.person,
        phases=proposal.phases,
        basis_kind=BasisKind.RULE,
        basis_text=proposal.text,
        facts={**proposal.facts, "screening_id": record.pk},
        proposed_by=actor,
        screening=record,
        policy=proposal.policy,
        category_id=record.category_id,
        place=record.address,
    )
    _save_new(measure)
    _create_phases(measure, proposal.phases)
    ScreeningRecord.objects.filter(pk=record.pk).update(status=ScreeningStatus.PROPOSED)
    audit.record(actor=actor, action=Action.CREATE, obj=measure, after=_snapshot(measure))
    return measure


def _create_phases(measure: Measure, phases: list[rules.PhasePlan]) -> None:
    MeasurePhase.objects.filter(measure=measure).delete()
    MeasurePhase.objects.bulk_create(
        [
            MeasurePhase(
                measure=measure,
                order=p.order,
                kind=p.kind,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                checks_per_day=p.checks_per_day,
            )
            for p in phases
        ]
    )


def _check_manual_basis(basis_kind: str, facts: dict) -> dict:
    """A measure given by hand rests on a contact, a positive tube or an order: each named."""
    from wangge.testing.models import Result, Tube

    facts = {
        k: (v.strip() if isinstance(v, str) else v) for k, v in (facts or {}).items() if v not in (None, "")
    }
    if basis_kind == BasisKind.CONTACT and not facts.get("contact_of"):
        raise ValidationError({"contact_of": _("Name the case or contact this person was in contact with.")})
    if basis_kind == BasisKind.POSITIVE_TUBE:
        barcode = "".join(str(facts.get("tube", "")).split()).upper()
        if not barcode:
            raise ValidationError({"tube": _("Give the barcode of the positive tube.")})
        tube = Tube.objects.filter(barcode=barcode, result=Result.POSITIVE).order_by("-result_at").first()
        if tube is None:
            raise ValidationError({"tube": _("No positive tube %(t)s on record.") % {"t": barcode}})
        facts.update(tube=barcode, tube_id=tube.pk, round_id=tube.round_id)
    if basis_kind == BasisKind.ORDER and not facts.get("order_ref"):
        raise ValidationError({"order_ref": _("Give the reference of the order (notice or list number).")})
    if basis_kind == BasisKind.RULE:
        raise ValidationError(_("Measures by rule are proposed by the rules themselves."))
    return facts


@transaction.atomic
def propose_measure(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    starts_on: date,
    days: int,
    test_days: list[int],
    basis_kind: str,
    basis_text: str,
    facts: dict | None = None,
    checks_per_day: int = 2,
    place: str = "",
    screening: ScreeningRecord | None = None,
) -> Measure:
    """A measure proposed by hand, resting on a contact, a positive tube or an order."""
    require(actor, perms.SCREENING_DECIDE)
    require_path(actor, person.path)
    if kind not in MeasureKind.values:
        raise ValidationError({"kind": _("Choose a measure.")})
    if not days or days < 1 or days > 60:
        raise ValidationError({"days": _("A measure lasts 1 to 60 days.")})
    if not (basis_text or "").strip():
        raise ValidationError({"basis_text": _("Say on what basis this measure is proposed.")})
    facts = _check_manual_basis(basis_kind, facts or {})
    phases = rules.manual_phases(kind, starts_on, days, list(test_days or []), checks_per_day)
    measure = new_measure(
        person=person,
        phases=phases,
        basis_kind=basis_kind,
        basis_text=basis_text,
        facts=facts,
        proposed_by=actor,
        screening=screening,
        place=place,
    )
    _save_new(measure)
    _create_phases(measure, phases)
    if screening is not None:
        ScreeningRecord.objects.filter(pk=screening.pk).update(status=ScreeningStatus.PROPOSED)
    audit.record(actor=actor, action=Action.CREATE, obj=measure, after=_snapshot(measure))
    return measure


# --- deciding and approving -----------------------------------------------------------------


@transaction.atomic
def decide_measure(*, actor: Actor, measure: Measure, note: str = "", place: str | None = None) -> Measure:
    """The person in the right role takes the proposal. A measure that confines waits for an
    approval at office level; any other is in force at once."""
    require(actor, perms.SCREENING_DECIDE)
    measure = _locked(measure)
    require_path(actor, measure.path)
    if measure.status != MeasureStatus.PROPOSED:
        raise ValidationError(_("Only a proposed measure can be decided."))
    before = _snapshot(measure)
    now = timezone.now()
    measure.decided_by = actor
    measure.decided_at = now
    measure.decision_note = (note or "").strip()[:300]
    if place is not None:
        measure.place = place.strip()[:200]
    if measure.confining:
        measure.status = MeasureStatus.AWAITING_APPROVAL
        measure.save()
    else:
        _activate(measure)
    if measure.screening_id:
        ScreeningRecord.objects.filter(pk=measure.screening_id).update(status=ScreeningStatus.DECIDED)
    audit.record(actor=actor, action=Action.UPDATE, obj=measure, before=before, after=_snapshot(measure))
    return measure


@transaction.atomic
def approve_measure(*, actor: Actor, measure: Measure, note: str = "") -> Measure:
    """A second person at office level approves a confining measure: it is then in force."""
    require_approver(actor)
    measure = _locked(measure)
    require_path(actor, measure.path)
    if measure.status != MeasureStatus.AWAITING_APPROVAL:
        raise ValidationError(_("Only a decided measure awaiting approval can be approved."))
    if measure.bulk_id:
        raise ValidationError(_("This measure is part of a bulk order: approve the order."))
    if measure.decided_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("The person who decided a measure cannot also approve it."))
    before = _snapshot(measure)
    measure.approved_by = actor
    measure.approved_at = timezone.now()
    measure.approval_note = (note or "").strip()[:300]
    _activate(measure)
    audit.record(actor=actor, action=Action.UPDATE, obj=measure, before=before, after=_snapshot(measure))
    return measure


@transaction.atomic
def reject_measure(*, actor: Actor, measure: Measure, reason: str) -> Measure:
    """Turn down a proposal (by the decider) or a decision (by the approver), saying why."""
    measure = _locked(measure)
    if measure.status == MeasureStatus.AWAITING_APPROVAL:
        require_approver(actor)
    else:
        require(actor, perms.SCREENING_DECIDE)
    require_path(actor, measure.path)
    if measure.status not in (MeasureStatus.PROPOSED, MeasureStatus.AWAITING_APPROVAL):
        raise ValidationError(_("Only a proposed or decided measure can be rejected."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    before = _snapshot(measure)
    measure.status = MeasureStatus.REJECTED
    measure.closed_by = actor
    measure.closed_at = timezone.now()
    measure.closed_reason = reason[:300]
    measure.save()
    if measure.screening_id:
        ScreeningRecord.objects.filter(pk=measure.screening_id).update(status=ScreeningStatus.NO_MEASURE)
    audit.record(actor=actor, action=Action.UPDATE, obj=measure, before=before, after=_snapshot(measure))
    return measure


def _end_early(
    *, actor: Actor, measure: Measure, status: str, reason: str, refused: str, errors: dict, **fields: str
) -> Measure:
    """End a measure in force before its time (cancelled, handed over): office level, with the
    reason; its untaken tests leave testing and the change is audited."""
    require_approver(actor)
    measure = _locked(measure)
    require_path(actor, measure.path)
    if measure.status != MeasureStatus.ACTIVE:
        raise ValidationError(refused)
    reason = (reason or "").strip()
    if not reason:
        errors = {**errors, "reason": _("Say why.")}
    if errors:
        raise ValidationError(errors)
    before = _snapshot(measure)
    measure.status = status
    measure.closed_by = actor
    measure.closed_at = timezone.now()
    measure.closed_reason = reason[:300]
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.save()
    _unschedule_tests(measure)
    audit.record(actor=actor, action=Action.UPDATE, obj=measure, before=before, after=_snapshot(measure))
    return measure


@transaction.atomic
def cancel_measure(*, actor: Actor, measure: Measure, reason: str) -> Measure:
    """End a measure in force that should not have been (a wrong person, a wrong list). Office
    level, with the reason: misuse is visible in the audit."""
    return _end_early(
        actor=actor,
        measure=measure,
        status=MeasureStatus.CANCELLED,
        reason=reason,
        refused=_("Only a measure in force can be cancelled."),
        errors={},
    )


@transaction.atomic
def hand_over_measure(*, actor: Actor, measure: Measure, destination: str, reason: str) -> Measure:
    """The person leaves the district while under the measure (taken to a quarantine hotel of
    another district, gone home to another city): the measure ends here as handed over to the
    place named, so nobody is lost between two places. Office level, like a cancellation: it
    ends a measure early. Tests not yet taken leave testing; open service requests close."""
    destination = (destination or "").strip()
    measure = _end_early(
        actor=actor,
        measure=measure,
        status=MeasureStatus.HANDED_OVER,
        reason=reason,
        refused=_("Only a measure in force can be handed over."),
        errors={}
        if destination
        else {"destination": _("Say where the person went and who takes the measure on.")},
        handed_over_to=destination[:200],
    )
    # Follow-up closes the open service requests (the person is no longer here to be served).
    measure_handed_over.send(
        sender=Measure,
        actor=actor,
        measure=measure,
        outcome=_("Handed over to %(place)s.") % {"place": measure.handed_over_to},
    )
    return measure


def _unschedule_tests(measure: Measure) -> None:
    """Tests not yet taken leave testing when the measure ends early; the rows stay as history."""
    from wangge.testing.rounds import services as testing

    pending = MeasureTest.objects.filter(measure=measure, result="", due__isnull=False)
    due_ids = list(pending.values_list("due_id", flat=True))
    shared = set(
        MeasureTest.objects.filter(due_id__in=due_ids, measure__status=MeasureStatus.ACTIVE)
        .exclude(measure=measure)
        .values_list("due_id", flat=True)
    )
    testing.remove_measure_dues(due_ids=[d for d in due_ids if d not in shared])


# --- in force: tests due ------------------------------------------------------------------------


def _activate(measure: Measure, *, today: date | None = None) -> None:
    """In force: its test days become tests due (in the day's key-people round), its checks start."""
    today = today or timezone.localdate()
    measure.status = MeasureStatus.ACTIVE
    measure.checked_through = max(measure.starts_on, today) - timedelta(days=1)
    measure.save()
    tests = _test_rows(measure, today)
    MeasureTest.objects.bulk_create(tests)
    schedule_tests([measure], today=today)


def _test_rows(measure: Measure, today: date) -> list[MeasureTest]:
    """Test days of every phase, numbered from the first day of the measure. Test days already
    past when the measure comes into force (a late report) become one test today, under the
    latest of those day numbers: one swab is one test, never counted for two days."""
    rows = []
    for phase in _phases_of(measure):
        offset = (phase.starts_on - measure.starts_on).days
        for day in phase.test_days:
            on = phase.starts_on + timedelta(days=day - 1)
            rows.append(MeasureTest(measure=measure, day_no=offset + day, on_date=on, path=measure.path))
    due_now = [r for r in rows if r.on_date <= today]
    if due_now:
        catch_up = max(due_now, key=lambda r: r.day_no)
        catch_up.on_date = today
        rows = [catch_up] + [r for r in rows if r.on_date > today]
    return rows


def _village_ids(grid_ids: set[int]) -> dict[int, OrgUnit]:
    grids = OrgUnit.objects.filter(pk__in=grid_ids).only("path")
    ancestor_ids = {int(a) for g in grids for a in g.path.strip("/").split("/")}
    villages = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ancestor_ids, level=Level.VILLAGE)}
    out = {}
    for g in grids:
        for a in g.path.strip("/").split("/"):
            if int(a) in villages:
                out[g.pk] = villages[int(a)]
    return out


def schedule_tests(measures: list[Measure], *, today: date) -> int:
    """Put the tests due of these measures into testing: each test day's person is due in that
    day's key-people round of their office, sampled at home when they are confined."""
    from wangge.testing.rounds import services as testing

    tests = list(
        MeasureTest.objects.filter(measure__in=measures, due__isnull=True, result="", on_date__gte=today)
        .select_related("measure", "measure__person", "measure__person__household__room")
        .order_by("on_date", "id")
    )
    if not tests:
        return 0
    by_day_office: dict[tuple[date, int], list[MeasureTest]] = defaultdict(list)
    for test in tests:
        by_day_office[(test.on_date, office_id_of(test.path))].append(test)
    offices = OrgUnit.objects.in_bulk({office for _day, office in by_day_office})
    villages = _village_ids({t.measure.grid_id for t in tests})
    for (day, office_id), group in sorted(by_day_office.items()):
        rnd = testing.key_people_round(office=offices[office_id], on=day)
        for village in {
            villages[t.measure.grid_id].pk: villages[t.measure.grid_id]
            for t in group
            if t.measure.grid_id in villages
        }.values():
            testing.home_sampling_site(round=rnd, village=village)
        dues = testing.add_measure_dues(
            round=rnd, people=[(t.measure.person, t.measure.confining) for t in group]
        )
        for test in group:
            test.due = dues[test.measure.person_id]
        MeasureTest.objects.bulk_update(group, ["due"])
    return len(tests)


# --- results and release ----------------------------------------------------------------------


@transaction.atomic
def record_test_result(
    *, actor: Actor, test: MeasureTest, result: str, lab: str = "", at=None
) -> MeasureTest:
    """A result typed in by hand (the quarantine hotel's own medics, a lab outside the district)."""
    from wangge.screening.measures import escalations

    require(actor, perms.SCREENING_FOLLOWUP)
    test = MeasureTest.objects.select_for_update().select_related("measure").get(pk=test.pk)
    require_path(actor, test.path)
    if result not in (TestOutcome.NEGATIVE, TestOutcome.POSITIVE, TestOutcome.INVALID):
        raise ValidationError({"result": _("Choose a result.")})
    if test.measure.status != MeasureStatus.ACTIVE:
        raise ValidationError(_("Results are recorded while the measure is in force."))
    if test.on_date > timezone.localdate():
        raise ValidationError(_("This test is not due yet."))
    before = {"result": test.result}
    test.result = result
    test.result_at = at or timezone.now()
    test.result_source = "hand"
    test.lab = (lab or "").strip()[:100]
    test.recorded_by = user_or_none(actor)
    test.save()
    audit.record(
        actor=actor, action=Action.UPDATE, obj=test, before=before, after={"result": result, "lab": test.lab}
    )
    if result == TestOutcome.POSITIVE:
        escalations.escalate_positive(test)
    return test


@dataclass
class ReleaseCheck:
    ok: bool
    reasons: list[str] = field(default_factory=list)


def release_check(measure: Measure, *, today: date | None = None) -> ReleaseCheck:
    """A measure may be released when its last day has come and every test under it is negative."""
    today = today or timezone.localdate()
    reasons = []
    if measure.status != MeasureStatus.ACTIVE:
        reasons.append(_("The measure is not in force."))
    if today < measure.ends_on:
        reasons.append(_("The measure runs until %(d)s.") % {"d": measure.ends_on.isoformat()})
    for test in measure.tests.all():
        if test.result != TestOutcome.NEGATIVE:
            reasons.append(
                _("The test of day %(n)d (%(d)s) is %(r)s.")
                % {
                    "n": test.day_no,
                    "d": test.on_date.isoformat(),
                    "r": TestOutcome(test.result).label if test.result else _("not back yet"),
                }
            )
    return ReleaseCheck(ok=not reasons, reasons=reasons)


def _notice_no(measure: Measure, today: date) -> str:
    return f"JC{today:%Y%m%d}-{measure.pk:06d}"


@transaction.atomic
def release_measure(*, actor: Actor, measure: Measure, note: str = "") -> Measure:
    """Release at the end of the measure, its tests negative, with a numbered release notice
    (解除隔离告知书) that the person can print or show; they are told by message after the commit."""
    from wangge.screening.measures import notify

    require(actor, perms.SCREENING_DECIDE)
    measure = _locked(measure)
    require_path(actor, measure.path)
    today = timezone.localdate()
    check = release_check(measure, today=today)
    if not check.ok:
        raise ValidationError(check.reasons)
    before = _snapshot(measure)
    measure.status = MeasureStatus.RELEASED
    measure.closed_by = actor
    measure.closed_at = timezone.now()
    measure.closed_reason = (note or "").strip()[:300]
    measure.release_notice_no = _notice_no(measure, today)
    measure.save()
    audit.record(actor=actor, action=Action.UPDATE, obj=measure, before=before, after=_snapshot(measure))
    measure_id = measure.pk
    transaction.on_commit(lambda: notify.send_release_notice(measure_id))
    return measure


# --- bulk orders -----------------------------------------------------------------------------


@dataclass
class BulkResult:
    order: BulkOrder
    added: int
    skipped: list[tuple[Person, str]]


@transaction.atomic
def propose_bulk(
    *,
    actor: Actor,
    unit: OrgUnit,
    name: str,
    people: list[Person],
    kind: str,
    starts_on: date,
    days: int,
    test_days: list[int],
    basis_kind: str,
    basis_text: str,
    facts: dict | None = None,
    checks_per_day: int = 2,
) -> BulkResult:
    """One measure for many people (a building sealed, a list from above), decided by the
    proposer and waiting as one order for an approval at office level that states how many."""
    require(actor, perms.SCREENING_DECIDE)
    require_path(actor, unit.path)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if kind not in MeasureKind.values:
        raise ValidationError({"kind": _("Choose a measure.")})
    if not days or days < 1 or days > 60:
        raise ValidationError({"days": _("A measure lasts 1 to 60 days.")})
    if not (basis_text or "").strip():
        raise ValidationError({"basis_text": _("Say on what basis this measure is proposed.")})
    facts = _check_manual_basis(basis_kind, facts or {})
    people = [p for p in people if scope_of(actor).covers_path(p.path) and p.path.startswith(unit.path)]
    if not people:
        raise ValidationError(_("No one in this unit to put under the measure."))
    open_ids = set(
        Measure.objects.filter(person__in=people, status__in=OPEN_STATUSES).values_list(
            "person_id", flat=True
        )
    )
    skipped = [(p, _("already has an open measure")) for p in people if p.pk in open_ids]
    chosen = [p for p in people if p.pk not in open_ids and p.is_active]
    skipped += [(p, _("has departed")) for p in people if p.pk not in open_ids and not p.is_active]
    if not chosen:
        raise ValidationError(_("Everyone chosen already has an open measure or has departed."))
    order = BulkOrder.objects.create(
        name=name[:200],
        kind=kind,
        days=days,
        basis_kind=basis_kind,
        basis_text=basis_text.strip(),
        people_count=len(chosen),
        unit=unit,
        path=unit.path,
        proposed_by=actor,
    )
    phases = rules.manual_phases(kind, starts_on, days, list(test_days or []), checks_per_day)
    now = timezone.now()
    measures = []
    for person in chosen:
        m = new_measure(
            person=person,
            phases=phases,
            basis_kind=basis_kind,
            basis_text=basis_text,
            facts={**facts, "bulk_order": order.pk, "bulk_order_name": order.name},
            proposed_by=actor,
            bulk=order,
            status=MeasureStatus.AWAITING_APPROVAL,
        )
        m.decided_by, m.decided_at = actor, now
        measures.append(m)
    try:
        with transaction.atomic():
            Measure.objects.bulk_create(measures, batch_size=1000)
    except IntegrityError as exc:
        raise ValidationError(_("Someone in the list was just given another measure: try again.")) from exc
    saved = list(Measure.objects.filter(bulk=order))
    MeasurePhase.objects.bulk_create(
        [
            MeasurePhase(
                measure=m, order=p.order, kind=p.kind, starts_on=p.starts_on, ends_on=p.ends_on,
                checks_per_day=p.checks_per_day,
            )
            for m in saved
            for p in phases
        ],
        batch_size=2000,
    )  # fmt: skip
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=order,
        after={**audit.snapshot(order), "people": [m.person_id for m in saved], "skipped": len(skipped)},
    )
    return BulkResult(order=order, added=len(saved), skipped=skipped)


@transaction.atomic
def approve_bulk(*, actor: Actor, order: BulkOrder, confirm_count: int, note: str = "") -> BulkOrder:
    """Approve a bulk order at office level. The approver types how many people it covers, so
    nobody approves a number they have not read."""
    require_approver(actor)
    order = BulkOrder.objects.select_for_update().get(pk=order.pk)
    require_path(actor, order.path)
    if order.status != MeasureStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This order is not awaiting approval."))
    if order.proposed_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("The person who proposed an order cannot also approve it."))
    measures = list(
        Measure.objects.select_for_update().filter(bulk=order, status=MeasureStatus.AWAITING_APPROVAL)
    )
    if confirm_count != len(measures):
        raise ValidationError(
            {
                "confirm_count": _("This order covers %(n)d people: type that number to approve it.")
                % {"n": len(measures)}
            }
        )
    now = timezone.now()
    today = timezone.localdate()
    for m in measures:
        m.approved_by, m.approved_at = actor, now
        m.approval_note = (note or "").strip()[:300]
        m.status = MeasureStatus.ACTIVE
        m.checked_through = max(m.starts_on, today) - timedelta(days=1)
    Measure.objects.bulk_update(
        measures,
        ["approved_by", "approved_at", "approval_note", "status", "checked_through"],
        batch_size=1000,
    )
    MeasureTest.objects.bulk_create([t for m in measures for t in _test_rows(m, today)], batch_size=2000)
    schedule_tests(measures, today=today)
    before = {"status": order.status}
    order.status = MeasureStatus.ACTIVE
    order.approved_by = actor
    order.approved_at = now
    order.save()
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=order,
        before=before,
        after={"status": order.status, "people": len(measures)},
    )
    return order


@transaction.atomic
def reject_bulk(*, actor: Actor, order: BulkOrder, reason: str) -> BulkOrder:
    require_approver(actor)
    order = BulkOrder.objects.select_for_update().get(pk=order.pk)
    require_path(actor, order.path)
    if order.status != MeasureStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This order is not awaiting approval."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    now = timezone.now()
    Measure.objects.filter(bulk=order, status=MeasureStatus.AWAITING_APPROVAL).update(
        status=MeasureStatus.REJECTED, closed_by=actor, closed_at=now, closed_reason=reason[:300]
    )
    order.status = MeasureStatus.REJECTED
    order.rejected_reason = reason[:200]
    order.save()
    audit.record(
        actor=actor, action=Action.UPDATE, obj=order, after={"status": order.status, "reason": reason}
    )
    return order
