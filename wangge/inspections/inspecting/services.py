"""Inspections: started from the checklist's current version (its items copied into answers,
data checks pre-filled), answered item by item (from a phone, possibly offline, in batches), submitted
(score and verdict computed; a failure issues a rectification order), signed by the team leader.

Two phones on one inspection: the first answer of an item wins; the other phone's answer is refused
with a clear message (nothing is overwritten), and its own replays are recognised by client id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope, has_permission, require, user_or_none
from wangge.inspections.checklists.checks import run_check
from wangge.inspections.checklists.services import ensure_checklist
from wangge.inspections.models import (
    Answer,
    AnswerResult,
    Campaign,
    CampaignKind,
    CampaignMember,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Order,
    Verdict,
)
from wangge.inspections.orders import services as orders
from wangge.inspections.permissions import INSPECTIONS_INSPECT, INSPECTIONS_LEAD
from wangge.venues.models import Venue

PASS_RATIO = 0.8  # below 80% of the points answered, an inspection fails


def prefill(venue: Venue, on: date, answers: list[Answer]) -> None:
    """Run each answer's data check once (the same check on several items runs once)."""
    done: dict[tuple[str, int], Any] = {}
    for a in answers:
        if not a.data_check:
            continue
        key = (a.data_check, a.check_days)
        if key not in done:
            done[key] = run_check(a.data_check, venue, on, a.check_days)
        finding = done[key]
        if finding is not None:
            a.suggested = finding.suggested
            a.evidence = finding.evidence[:300]


@transaction.atomic
def start_inspection(
    *,
    actor: Actor,
    venue: Venue,
    on: date | None = None,
    campaign: Campaign | None = None,
    kind: str = InspectionKind.AD_HOC,
    order: Order | None = None,
    client_id: uuid.UUID | None = None,
    check_data: bool = True,
) -> Inspection:
    require(actor, INSPECTIONS_INSPECT)
    if client_id is not None:
        existing = Inspection.objects.filter(client_id=client_id).first()
        if existing is not None:
            return existing
    template = ensure_checklist(venue.kind)
    if template is None:
        raise ValidationError(_("This kind of venue has no checklist yet."))
    on = on or timezone.localdate()
    if order is not None:
        orders.check_reinspectable(order)
        kind = InspectionKind.REINSPECTION
    inspection = Inspection.objects.create(
        client_id=client_id,
        campaign=campaign,
        venue=venue,
        path=venue.path,
        template=template,
        kind=kind,
        order=order,
        on_date=on,
        inspector=user_or_none(actor),
    )
    items = list(template.items.all())
    if order is None and campaign is not None and campaign.kind == CampaignKind.PATROL:
        # 联合巡查: each stop a short inspection, the checklist's patrol items (all, if none is).
        items = [i for i in items if i.on_patrol] or items
    if order is not None:
        # A re-inspection looks again at what failed.
        failed = set(order.inspection.answers.filter(result=AnswerResult.FAIL).values_list("text", flat=True))
        items = [i for i in items if i.text in failed] or items
    answers = [
        Answer(
            inspection=inspection,
            item=i,
            position=i.position,
            section=i.section,
            text=i.text,
            points=i.points,
            critical=i.critical,
            photo_on_fail=i.photo_on_fail,
            note_on_fail=i.note_on_fail,
            data_check=i.data_check,
            check_days=i.check_days,
        )
        for i in items
    ]
    if check_data:
        prefill(venue, on, answers)
    Answer.objects.bulk_create(answers)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=inspection,
        after={"venue": venue.pk, "template": template.pk, "version": template.version, "kind": kind},
    )
    return inspection


@dataclass
class OpResult:
    opid: str
    ok: bool
    status: str  # "saved" | "duplicate" | "refused"
    message: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "opid": self.opid,
            "ok": self.ok,
            "status": self.status,
            "message": self.message,
            **self.extra,
        }


@dataclass
class Work:
    """One inspection being changed by a batch: its answers, which changed, which have photos."""

    inspection: Inspection
    answers: list[Answer]
    with_photo: set[int]
    dirty: set[int] = field(default_factory=set)


def _answer(actor: Actor, work: Work, op: dict, now) -> OpResult:
    opid = str(op.get("opid", ""))
    result = op.get("result", "")
    if result not in AnswerResult.values:
        return OpResult(opid, False, "refused", _("Choose pass, fail or not applicable."))
    try:
        client_id = uuid.UUID(str(op.get("client_id")))
    except ValueError:
        return OpResult(opid, False, "refused", _("The answer has no valid id."))
    answer = next((a for a in work.answers if a.item_id == op.get("item")), None)
    if answer is None:
        return OpResult(opid, False, "refused", _("This item is not on this inspection."))
    if answer.client_id is not None and answer.client_id != client_id:
        if answer.result == result and answer.note == (op.get("note") or "")[:500]:
            return OpResult(opid, True, "duplicate")
        return OpResult(
            opid,
            False,
            "refused",
            _("“%(item)s” was already answered on another phone (%(result)s); your answer was not saved.")
            % {"item": answer.text, "result": answer.get_result_display()},
        )
    answer.result = result
    answer.note = (op.get("note") or "")[:500]
    answer.client_id = client_id
    answer.answered_by = user_or_none(actor)
    answer.answered_at = now
    work.dirty.add(answer.pk)
    return OpResult(opid, True, "saved")


def score(answers: list[Answer]) -> tuple[int, int, str]:
    earned = sum(a.points for a in answers if a.result == AnswerResult.PASS)
    possible = sum(a.points for a in answers if a.result in (AnswerResult.PASS, AnswerResult.FAIL))
    critical_failed = any(a.critical and a.result == AnswerResult.FAIL for a in answers)
    ratio = earned / possible if possible else 1.0
    verdict = Verdict.FAIL if critical_failed or ratio < PASS_RATIO else Verdict.PASS
    return earned, possible, verdict


def _missing(answers: list[Answer], with_photo: set[int]) -> str:
    for a in answers:
        if not a.result:
            return _("“%(item)s” is not answered yet.") % {"item": a.text}
        if a.result == AnswerResult.FAIL and a.note_on_fail and not a.note.strip():
            return _("“%(item)s” failed: say what was found.") % {"item": a.text}
        if a.result == AnswerResult.FAIL and a.photo_on_fail and a.pk not in with_photo:
            return _("“%(item)s” failed: a photo is required.") % {"item": a.text}
    return ""


def _submit(actor: Actor, work: Work, op: dict) -> OpResult:
    inspection = work.inspection
    opid = str(op.get("opid", ""))
    if inspection.status != InspectionStatus.OPEN:
        return OpResult(opid, True, "duplicate", extra=_summary(inspection))
    answers = work.answers
    problem = _missing(answers, work.with_photo)
    if problem:
        return OpResult(opid, False, "refused", problem)
    try:
        days = int(op.get("days") or 0)
    except (TypeError, ValueError):
        days = -1
    earned, possible, verdict = score(answers)
    inspection.score, inspection.max_score, inspection.verdict = earned, possible, verdict
    inspection.status = InspectionStatus.SUBMITTED
    inspection.save(update_fields=["score", "max_score", "verdict", "status"])
    audit.record(
        actor=actor, action=Action.UPDATE, obj=inspection,
        after={"status": inspection.status, "score": earned, "of": possible, "verdict": verdict},
    )  # fmt: skip
    if inspection.order is not None:
        orders.settle_by_reinspection(
            actor=actor, order=inspection.order, reinspection=inspection,
            extend_days=days, reason=str(op.get("reason") or ""),
        )  # fmt: skip
    elif verdict == Verdict.FAIL or any(a.result == AnswerResult.FAIL for a in answers):
        # What failed, from the answers in hand (they are written at the end of the batch).
        what = "；".join(
            a.text + (f"（{a.note}）" if a.note else "") for a in answers if a.result == AnswerResult.FAIL
        )
        order = orders.issue_order(
            actor=actor, inspection=inspection, days=days, suspend=bool(op.get("suspend")), what=what
        )
        return OpResult(opid, True, "saved", extra=_summary(inspection, order))
    return OpResult(opid, True, "saved", extra=_summary(inspection))


def _summary(inspection: Inspection, order: Order | None = None) -> dict:
    if order is None and inspection.verdict and not inspection.order_id:
        order = Order.objects.filter(inspection=inspection).first()
    out: dict = {"score": inspection.score, "max_score": inspection.max_score, "verdict": inspection.verdict}
    if order is not None:
        out["order"] = {"id": order.pk, "notice_no": order.notice_no, "deadline": order.deadline.isoformat()}
    if inspection.order is not None:
        inspection.order.refresh_from_db()
        out["order_status"] = inspection.order.status
        out["order_deadline"] = inspection.order.deadline.isoformat()
    return out


@transaction.atomic
def sync(*, actor: Actor, scope: Scope, ops: list[dict]) -> list[dict]:
    """Apply a phone's queued operations in order; each answered exactly once (a replay gives
    "duplicate"). Operations on an inspection out of scope are refused as not found. The batch is
    one transaction (one commit); a refused submission runs in a savepoint of its own, so it leaves
    its inspection open with its answers saved, and the other inspections untouched."""
    require(actor, INSPECTIONS_INSPECT)
    results: list[dict] = []
    groups: list[tuple[Any, list[dict]]] = []
    for op in ops:
        key = op.get("inspection")
        if groups and groups[-1][0] == key:
            groups[-1][1].append(op)
        else:
            groups.append((key, [op]))
    ids = {k for k, _ops in groups if isinstance(k, int)}
    # The batch's inspections locked at once (in id order), their answers read in two queries.
    # In scope, or of a campaign whose team the actor is on.
    answerable = scope.filter(Inspection.objects.filter(pk__in=ids)).values("pk")
    staff_id = getattr(actor, "staff_id", None)
    if staff_id:
        teams = CampaignMember.objects.filter(staff_id=staff_id).values("campaign_id")
        answerable = answerable | Inspection.objects.filter(pk__in=ids, campaign_id__in=teams).values("pk")
    found = {
        i.pk: i
        for i in Inspection.objects.filter(pk__in=list(answerable.values_list("pk", flat=True)))
        .select_related("order", "venue")
        .select_for_update(of=("self",))
        .order_by("pk")
    }
    by_inspection: dict[int, list[Answer]] = {pk: [] for pk in found}
    for a in Answer.objects.filter(inspection_id__in=list(found)).order_by("inspection_id", "position", "id"):
        by_inspection[a.inspection_id].append(a)
    with_photo = set(
        Answer.objects.filter(inspection_id__in=list(found), photos__isnull=False).values_list(
            "pk", flat=True
        )
    )
    works = {pk: Work(i, by_inspection[pk], with_photo) for pk, i in found.items()}
    for key, group in groups:
        work = works.get(key) if isinstance(key, int) else None
        if work is None:
            results += [
                OpResult(str(o.get("opid", "")), False, "refused", _("Not found.")).as_dict() for o in group
            ]
            continue
        results += _apply_group(actor, work, group)
    # Every answer changed by the batch, written at once (a refused submission kept them too).
    dirty = [a for w in works.values() for a in w.answers if a.pk in w.dirty]
    if dirty:
        Answer.objects.bulk_update(
            dirty, ["result", "note", "client_id", "answered_by", "answered_at"], batch_size=1000
        )
    return results


def _apply_group(actor: Actor, work: Work, group: list[dict]) -> list[dict]:
    inspection = work.inspection
    answers = work.answers
    now = timezone.now()
    out: list[OpResult] = []
    for op in group:
        kind = op.get("kind")
        opid = str(op.get("opid", ""))
        if kind == "answer":
            if inspection.status != InspectionStatus.OPEN:
                same = next((a for a in answers if a.item_id == op.get("item")), None)
                if (
                    same is not None
                    and str(same.client_id) == str(op.get("client_id"))
                    and same.result == op.get("result")
                ):
                    out.append(OpResult(opid, True, "duplicate"))
                else:
                    out.append(OpResult(opid, False, "refused", _("This inspection is already submitted.")))
                continue
            out.append(_answer(actor, work, op, now))
        elif kind == "submit":
            try:
                with transaction.atomic():
                    out.append(_submit(actor, work, op))
            except (ValidationError, PermissionDenied) as exc:
                # Nothing of the submission is kept: the inspection stays open, its answers saved.
                inspection.refresh_from_db()
                message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                out.append(OpResult(opid, False, "refused", message))
        elif kind == "sign":
            out.append(_sign(actor, inspection, opid))
        else:
            out.append(OpResult(opid, False, "refused", _("Unknown operation.")))
    return [r.as_dict() for r in out]


def _sign(actor: Actor, inspection: Inspection, opid: str = "") -> OpResult:
    if not has_permission(actor, INSPECTIONS_LEAD):
        return OpResult(opid, False, "refused", _("Only the team leader signs an inspection."))
    campaign = inspection.campaign
    if (
        campaign is not None
        and campaign.leader_account_id
        and campaign.leader_account_id != getattr(actor, "pk", None)
    ):
        return OpResult(opid, False, "refused", _("Only the team leader signs an inspection."))
    if inspection.status == InspectionStatus.SIGNED:
        return OpResult(opid, True, "duplicate")
    if inspection.status != InspectionStatus.SUBMITTED:
        return OpResult(opid, False, "refused", _("Submit the inspection before signing it."))
    inspection.status = InspectionStatus.SIGNED
    inspection.signed_by = user_or_none(actor)
    inspection.signed_at = timezone.now()
    inspection.save(update_fields=["status", "signed_by", "signed_at"])
    audit.record(actor=actor, action=Action.UPDATE, obj=inspection, after={"status": inspection.status})
    return OpResult(opid, True, "saved")


@transaction.atomic
def sign(*, actor: Actor, inspection: Inspection) -> Inspection:
    inspection = (
        Inspection.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=inspection.pk)
    )
    r = _sign(actor, inspection)
    if not r.ok:
        if inspection.status != InspectionStatus.SUBMITTED:
            raise ValidationError(r.message)
        raise PermissionDenied(r.message)
    return inspection


def answer_now(
    *, actor: Actor, scope: Scope, inspection: Inspection, item_id: int, result: str, note: str = ""
) -> dict:
    """One answer from a page form (not a phone queue): the account's earlier answer is replaced."""
    earlier = Answer.objects.filter(inspection=inspection, item_id=item_id).first()
    same = earlier is not None and earlier.client_id and earlier.answered_by_id == getattr(actor, "pk", None)
    cid = str(earlier.client_id) if same and earlier is not None else str(uuid.uuid4())
    op = {"opid": "form", "kind": "answer", "item": item_id, "result": result, "note": note, "client_id": cid}
    return sync(actor=actor, scope=scope, ops=[{**op, "inspection": inspection.pk}])[0]


def submit_now(
    *,
    actor: Actor,
    scope: Scope,
    inspection: Inspection,
    days: int = 0,
    suspend: bool = False,
    reason: str = "",
) -> dict:
    op = {
        "opid": "form",
        "kind": "submit",
        "inspection": inspection.pk,
        "days": days,
        "suspend": suspend,
        "reason": reason,
    }
    return sync(actor=actor, scope=scope, ops=[op])[0]
