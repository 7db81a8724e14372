"""Lab results per tube, and what a pool's result means for its members.

A negative pool gives every member a negative result. A positive or invalid pool puts every
member on the re-test list at once (one single-tube Retest each) and alerts the grid leaders of
each member's grid. A result that differs from one already applied is kept and flagged, never
applied over the earlier one; someone with the right settles it (who, when, which result stands
and why are kept on the report). A positive that contradicts a stored result alerts the grid
leaders at once, as a positive pool does, while the conflict waits to be settled; the same
contradicting result sent again (a re-uploaded file) is one conflict, never two.

Results are recorded only for tubes the lab has received (their box handed over to the lab).
A role allowed to may record one earlier, with the reason, which is kept on the report and in
the audit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import (
    Actor,
    has_permission,
    not_found,
    require,
    require_path,
    scope_of,
    user_or_none,
)
from wangge.testing import counters
from wangge.testing import permissions as perms
from wangge.testing.models import (
    Alert,
    Box,
    BoxStatus,
    PersonResult,
    Result,
    ResultReport,
    ResultSource,
    Retest,
    RetestStatus,
    Round,
    Sample,
    Tube,
    TubeKind,
    TubeStatus,
)
from wangge.testing.signals import person_results

APPLIED = "applied"
UNCHANGED = "unchanged"
CONFLICT = "conflict"
ERROR = "error"

RESULT_WORDS = {
    "negative": Result.NEGATIVE,
    "neg": Result.NEGATIVE,
    "阴性": Result.NEGATIVE,
    "-": Result.NEGATIVE,
    "positive": Result.POSITIVE,
    "pos": Result.POSITIVE,
    "阳性": Result.POSITIVE,
    "+": Result.POSITIVE,
    "invalid": Result.INVALID,
    "无效": Result.INVALID,
    "复检": Result.INVALID,
}


def parse_result(text: str) -> str:
    value = RESULT_WORDS.get(str(text or "").strip().lower())
    if value is None:
        raise ValidationError(_("Unknown result %(r)s: write 阴性, 阳性 or 无效.") % {"r": text})
    return value


@dataclass
class ResultRow:
    barcode: str
    result: str
    reported_at: datetime | None = None
    row_no: int | None = None
    # Why a result is recorded for a tube the lab has not received (allowed roles only).
    reason: str = ""


@dataclass
class ResultOutcome:
    barcode: str
    status: str
    message: str = ""
    row_no: int | None = None
    members: int = 0

    def as_dict(self) -> dict:
        return {
            "barcode": self.barcode,
            "status": self.status,
            "message": self.message,
            "row": self.row_no,
            "members": self.members,
        }


@transaction.atomic
def record_results(
    *,
    actor: Actor,
    round: Round,
    rows: list[ResultRow],
    lab: str = "",
    source: str = ResultSource.API,
    unreceived_reason: str = "",
) -> list[ResultOutcome]:
    """Record a lab's results. Rows with errors are reported and the rest kept.

    `unreceived_reason` (or a row's own `reason`) lets a role allowed to record the result of a
    tube the lab has not received; without it such rows are refused."""
    require(actor, perms.TESTING_RESULTS)
    require_path_or_ancestor(actor, round)
    scope = scope_of(actor)
    now = timezone.now()
    may_skip_receipt = can_record_unreceived(actor)
    barcodes = {"".join((r.barcode or "").split()).upper() for r in rows}
    tubes = {
        t.barcode: t
        for t in scope.filter(
            Tube.objects.select_for_update().filter(round=round, barcode__in=barcodes)
        ).order_by("id")
    }
    received = received_boxes({t.box_id for t in tubes.values() if t.box_id})
    outcomes = []
    alerts: list[Alert] = []
    seen: dict[str, str] = {}
    for row in rows:
        barcode = "".join((row.barcode or "").split()).upper()
        try:
            result = parse_result(row.result) if row.result not in Result.values else row.result
        except ValidationError as exc:
            outcomes.append(ResultOutcome(barcode, ERROR, exc.messages[0], row.row_no))
            continue
        tube = tubes.get(barcode)
        if tube is None:
            outcomes.append(
                ResultOutcome(barcode, ERROR, _("No tube %(t)s in this round.") % {"t": barcode}, row.row_no)
            )
            continue
        if barcode in seen and seen[barcode] != result:
            outcomes.append(
                ResultOutcome(
                    barcode,
                    ERROR,
                    _("Tube %(t)s appears twice with different results.") % {"t": barcode},
                    row.row_no,
                )
            )
            continue
        seen[barcode] = result
        if tube.status != TubeStatus.SEALED:
            outcomes.append(
                ResultOutcome(
                    barcode,
                    ERROR,
                    _("Tube %(t)s has not been sealed at the site.") % {"t": barcode},
                    row.row_no,
                )
            )
            continue
        reason = ""
        if tube.box_id not in received:
            reason = (row.reason or unreceived_reason or "").strip()[:200]
            if not (reason and may_skip_receipt):
                outcomes.append(
                    ResultOutcome(barcode, ERROR, not_received_text(tube, may_skip_receipt), row.row_no)
                )
                continue
        reported_at = row.reported_at or now
        report = ResultReport(
            tube=tube,
            result=result,
            reported_at=reported_at,
            lab=lab[:100],
            source=source,
            recorded_by=user_or_none(actor),
            unreceived_reason=reason,
        )
        if tube.result == result:
            report.save()
            outcomes.append(
                ResultOutcome(barcode, UNCHANGED, _("Already recorded."), row.row_no, tube.filled)
            )
            continue
        if tube.result and _conflict_known(tube, result):
            # The same contradicting result again (a file uploaded twice): it is already on the
            # conflicts list, or was settled there.
            outcomes.append(
                ResultOutcome(
                    barcode,
                    UNCHANGED,
                    _("This conflicting result for tube %(t)s is already on the conflicts list.")
                    % {"t": barcode},
                    row.row_no,
                    tube.filled,
                )
            )
            continue
        if tube.result:
            report.conflict = True
            report.save()
            Tube.objects.filter(pk=tube.pk).update(result_conflict=True)
            audit.record(
                actor=actor,
                action=Action.UPDATE,
                obj=tube,
                before={"result": tube.result},
                after={"conflicting_result": result, **({"unreceived_reason": reason} if reason else {})},
            )
            if result == Result.POSITIVE:
                # A positive against a stored result: the grid leaders are told now, not when
                # someone settles the conflict.
                alerts.extend(_conflict_alerts(round, tube, result))
            outcomes.append(
                ResultOutcome(
                    barcode,
                    CONFLICT,
                    _("Tube %(t)s already has the result %(old)s; %(new)s is kept aside for review.")
                    % {"t": barcode, "old": Result(tube.result).label, "new": Result(result).label},
                    row.row_no,
                )
            )
            continue
        report.applied = True
        report.save()
        if reason:
            audit.record(
                actor=actor,
                action=Action.UPDATE,
                obj=tube,
                after={"result": result, "unreceived_reason": reason},
            )
        members, new_alerts = _apply(actor, round, tube, result, reported_at)
        alerts.extend(new_alerts)
        outcomes.append(ResultOutcome(barcode, APPLIED, "", row.row_no, members))
    if alerts:
        from wangge.testing.notify import send_alerts

        ids = [a.pk for a in alerts]
        transaction.on_commit(lambda: send_alerts(ids))
    return outcomes


def can_record_unreceived(actor: Actor) -> bool:
    return has_permission(actor, perms.TESTING_RESULTS_UNRECEIVED)


def received_boxes(box_ids: set[int]) -> set[int]:
    """Of these boxes, the ones the lab has received."""
    if not box_ids:
        return set()
    return set(Box.objects.filter(pk__in=box_ids, status=BoxStatus.RECEIVED).values_list("pk", flat=True))


def not_received_text(tube: Tube, may_skip_receipt: bool = False) -> str:
    text = _("Tube %(t)s has not been received by the lab: record its box's handover to the lab first.") % {
        "t": tube.barcode
    }
    if may_skip_receipt:
        text += " " + _("Or give the reason for recording it now.")
    return text


def _conflict_known(tube: Tube, result: str) -> bool:
    """This contradicting result was sent before: a conflict (open or settled), or a result that
    stood once and was replaced when a conflict was settled."""
    return (
        ResultReport.objects.filter(tube=tube, result=result)
        .filter(models.Q(conflict=True) | models.Q(applied=True))
        .exists()
    )


def _conflict_alerts(rnd: Round, tube: Tube, result: str) -> list[Alert]:
    samples = list(Sample.objects.filter(tube=tube, removed_at__isnull=True).select_related("due"))
    return _raise_alerts(rnd, tube, result, samples)


def _raise_alerts(rnd: Round, tube: Tube, result: str, flagged: list[Sample]) -> list[Alert]:
    """One alert per grid of the flagged members (the same path for pools and conflicts).
    Returns the alerts created now: a grid already alerted about this tube is not told twice."""
    alerts = []
    by_grid: dict[int, list[Sample]] = defaultdict(list)
    for sample in flagged:
        by_grid[sample.due.grid_id].append(sample)
    for grid_id, members in sorted(by_grid.items()):
        alert, created = Alert.objects.get_or_create(
            tube=tube,
            grid_id=grid_id,
            defaults={"round": rnd, "result": result, "people": len(members), "path": members[0].due.path},
        )
        if created:
            alerts.append(alert)
    return alerts


def require_path_or_ancestor(actor: Actor, rnd: Round) -> None:
    """A lab or site may act on a round organised above it, as long as the tubes are in scope."""
    if not scope_of(actor).overlaps_path(rnd.path):
        raise not_found()


def _apply(actor: Actor, rnd: Round, tube: Tube, result: str, at: datetime) -> tuple[int, list[Alert]]:
    tube.result, tube.result_at = result, at
    tube.save(update_fields=["result", "result_at"])
    samples = list(Sample.objects.filter(tube=tube, removed_at__isnull=True).select_related("due"))
    deltas = counters.Deltas()
    needs_retest: list[Sample] = []
    positives: list[Sample] = []
    for sample in samples:
        due = sample.due
        before = due.result
        if sample.is_retest:
            Retest.objects.filter(sample=sample).update(status=RetestStatus.DONE, result=result)
            if result == Result.INVALID:
                needs_retest.append(sample)
                continue
            was_positive = due.result == PersonResult.POSITIVE
            due.result, due.result_at = result, at
            if (
                due.retest_needed
                and not Retest.objects.filter(
                    due=due, status__in=[RetestStatus.OPEN, RetestStatus.SAMPLED]
                ).exists()
            ):
                due.retest_needed = False
                deltas.add(rnd.pk, due.grid_id, due.path, retest=-1)
            if result == Result.POSITIVE:
                positives.append(sample)
            # A re-test result may replace another (a settled conflict): count the change only.
            change = int(result == Result.POSITIVE) - int(was_positive)
            if change:
                deltas.add(rnd.pk, due.grid_id, due.path, positive=change)
            due.save(update_fields=["result", "result_at", "retest_needed"])
            continue
        if before:
            continue  # a person's first result stands; later ones come through re-tests
        deltas.add(rnd.pk, due.grid_id, due.path, resulted=1)
        single = tube.capacity == 1 or tube.kind == TubeKind.SINGLE
        if result == Result.NEGATIVE:
            due.result = PersonResult.NEGATIVE
        elif result == Result.POSITIVE and single:
            due.result = PersonResult.POSITIVE
            deltas.add(rnd.pk, due.grid_id, due.path, positive=1)
            positives.append(sample)
        else:
            due.result = (
                PersonResult.POOL_POSITIVE if result == Result.POSITIVE else PersonResult.POOL_INVALID
            )
            needs_retest.append(sample)
        due.result_at = at
        due.save(update_fields=["result", "result_at"])
    for sample in needs_retest:
        due = sample.due
        Retest.objects.get_or_create(
            origin_tube=tube,
            person_id=sample.person_id,
            defaults={"round": rnd, "due": due, "reason": result, "path": due.path},
        )
        if not due.retest_needed:
            due.retest_needed = True
            due.save(update_fields=["retest_needed"])
            deltas.add(rnd.pk, due.grid_id, due.path, retest=1)
    counters.bump(deltas)
    person_results.send(
        sender=Tube, results=[(s.due.pk, s.due.result) for s in samples if s.due.result], tube=tube
    )
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=tube,
        after={"result": result, "members": len(samples), "retests": len(needs_retest)},
    )
    flagged = needs_retest + positives if result != Result.NEGATIVE else []
    return len(samples), _raise_alerts(rnd, tube, result, flagged)


@transaction.atomic
def resolve_conflict(*, actor: Actor, report: ResultReport, accept: bool, note: str = "") -> ResultReport:
    """Settle a conflicting result: keep the applied one (accept=False) or take the new one.
    Taking the new one re-applies it to the tube's members and opens re-tests where needed."""
    require(actor, perms.TESTING_RESULTS)
    tube = Tube.objects.select_for_update().get(pk=report.tube_id)
    require_path(actor, tube.path)
    report = ResultReport.objects.select_for_update().get(pk=report.pk)
    if not report.conflict or report.resolved_at is not None:
        raise ValidationError(_("This result has no open conflict."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say how the conflict was settled.")})
    before = tube.result
    report.resolved_at, report.resolved_by = timezone.now(), user_or_none(actor)
    report.result_kept = report.result if accept else before
    report.resolution_note = note.strip()[:200]
    report.save(update_fields=["resolved_at", "resolved_by", "result_kept", "resolution_note"])
    alerts = []
    if accept:
        _unapply(tube)
        report.applied = True
        report.save(update_fields=["applied"])
        _members, alerts = _apply(actor, tube.round, tube, report.result, report.reported_at)
    if not ResultReport.objects.filter(tube=tube, conflict=True, resolved_at__isnull=True).exists():
        Tube.objects.filter(pk=tube.pk).update(result_conflict=False)
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=tube,
        before={"result": before},
        after={
            "result": report.result_kept,
            "conflict_settled": report.resolution_note,
            "report": report.pk,
        },
    )
    if alerts:
        from wangge.testing.notify import send_alerts

        ids = [a.pk for a in alerts]
        transaction.on_commit(lambda: send_alerts(ids))
    return report


def _unapply(tube: Tube) -> None:
    """Undo what a tube's applied result did to its members' Due rows (before applying another)."""
    deltas = counters.Deltas()
    for sample in Sample.objects.filter(tube=tube, removed_at__isnull=True).select_related("due"):
        due = sample.due
        if sample.is_retest:
            # The re-test's own result is replaced by _apply; undo only the re-test it opened.
            if Retest.objects.filter(due=due, origin_tube=tube, status=RetestStatus.OPEN).delete()[0]:
                still_open = Retest.objects.filter(
                    due=due, status__in=[RetestStatus.OPEN, RetestStatus.SAMPLED]
                ).exclude(sample=sample)
                if due.retest_needed and not still_open.exists():
                    due.retest_needed = False
                    due.save(update_fields=["retest_needed"])
                    deltas.add(due.round_id, due.grid_id, due.path, retest=-1)
            continue
        if not due.result:
            continue
        deltas.add(
            due.round_id,
            due.grid_id,
            due.path,
            resulted=-1,
            positive=-1 if due.result == PersonResult.POSITIVE else 0,
        )
        due.result, due.result_at = "", None
        if due.retest_needed:
            open_retests = Retest.objects.filter(due=due, origin_tube=tube, status=RetestStatus.OPEN)
            open_retests.delete()
            if not Retest.objects.filter(
                due=due, status__in=[RetestStatus.OPEN, RetestStatus.SAMPLED]
            ).exists():
                due.retest_needed = False
                deltas.add(due.round_id, due.grid_id, due.path, retest=-1)
        due.save(update_fields=["result", "result_at", "retest_needed"])
    counters.bump(deltas)


@transaction.atomic
def acknowledge_alert(*, actor: Actor, alert: Alert) -> Alert:
    """A grid leader (or anyone above) says the alert was seen and acted on. Idempotent."""
    require(actor, perms.TESTING_VIEW)
    require_path(actor, alert.path)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), user_or_none(actor)
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(actor=actor, action=Action.UPDATE, obj=alert, after={"acknowledged": True})
    return alert
