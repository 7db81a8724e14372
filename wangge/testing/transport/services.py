"""Boxes of sealed tubes on their way from a site to the lab: packing, the two handovers
(site → transporter → lab) and the late flag.

A box belongs to a site and copies the site's path (its scope). Only sealed tubes of the same
site, in no other box, go into a box while it is being packed. The first handover snapshots the
list of tubes, so what left the site is on record whatever happens to the box later. A box is
late when more than the round's `box_limit_hours` passed between the moment it left the site (or,
while still at the site, the earliest seal of its tubes) and now (or the moment the lab received it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope, require, require_path, user_or_none
from wangge.testing import permissions as perms
from wangge.testing.models import (
    Box,
    BoxStatus,
    Handover,
    HandoverStage,
    Round,
    Site,
    Tube,
    TubeStatus,
)

MAX_TUBES = 500
CLOCK_SLACK = timedelta(minutes=10)
STAGE_ORDER = [HandoverStage.SITE_TO_TRANSPORT, HandoverStage.TRANSPORT_TO_LAB]


def clean_code(raw: str) -> str:
    return "".join((raw or "").split()).upper()


# ------------------------------------------------------------------------------- reads


def boxes(scope: Scope, rnd: Round) -> QuerySet[Box]:
    """The boxes of a round in scope, with their tube count and earliest seal."""
    return (
        scope.filter(Box.objects.filter(round=rnd))
        .select_related("site", "round")
        .annotate(tube_count=Count("tubes"), first_sealed_at=Min("tubes__sealed_at"))
        .order_by("site__name", "created_at", "id")
    )


def get_box(scope: Scope, box_id: Any) -> Box:
    qs = Box.objects.select_related("site", "round").annotate(
        tube_count=Count("tubes"), first_sealed_at=Min("tubes__sealed_at")
    )
    return scope.get(qs, pk=box_id)


def limit_of(rnd: Round) -> timedelta:
    return timedelta(hours=rnd.box_limit_hours or 4)


def box_clock(box: Box, now: datetime | None = None) -> tuple[datetime | None, datetime]:
    """(since, until) of the time counted against the limit."""
    now = now or timezone.now()
    since = box.left_site_at
    if since is None:
        since = getattr(box, "first_sealed_at", None)
        if since is None and not hasattr(box, "first_sealed_at"):
            since = box.tubes.aggregate(m=Min("sealed_at"))["m"]
    return since, box.received_at or now


def elapsed(box: Box, now: datetime | None = None) -> timedelta | None:
    since, until = box_clock(box, now)
    return None if since is None else until - since


def is_late(box: Box, now: datetime | None = None) -> bool:
    spent = elapsed(box, now)
    return spent is not None and spent > limit_of(box.round)


def mark_late(items: list[Box], now: datetime | None = None) -> list[Box]:
    now = now or timezone.now()
    for box in items:
        box.elapsed = elapsed(box, now)
        box.late = box.elapsed is not None and box.elapsed > limit_of(box.round)
        box.elapsed_text = duration_text(box.elapsed)
    return items


def duration_text(value: timedelta | None) -> str:
    if value is None:
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    return _("%(h)dh%(m)02dm") % {"h": minutes // 60, "m": minutes % 60}


@dataclass
class LateReport:
    boxes: list[Box]
    unboxed: list[Tube]


def late(scope: Scope, rnd: Round, now: datetime | None = None) -> LateReport:
    """Late boxes, and sealed tubes still in no box for longer than the limit."""
    now = now or timezone.now()
    late_boxes = [b for b in mark_late(list(boxes(scope, rnd)), now) if b.late]
    unboxed = list(
        scope.filter(
            Tube.objects.filter(
                round=rnd,
                status=TubeStatus.SEALED,
                box__isnull=True,
                sealed_at__lt=now - limit_of(rnd),
            )
        )
        .select_related("site")
        .order_by("sealed_at", "id")
    )
    return LateReport(late_boxes, unboxed)


def tubes_of(box: Box) -> QuerySet[Tube]:
    return box.tubes.order_by("barcode", "id")


# ------------------------------------------------------------------------------- changes


def _lock(box: Box) -> Box:
    return Box.objects.select_for_update().select_related("round", "site").get(pk=box.pk)


@transaction.atomic
def create_box(*, actor: Actor, site: Site, code: str) -> Box:
    require(actor, perms.TESTING_TRANSPORT)
    require_path(actor, site.path)
    code = clean_code(code)
    if not code or len(code) > 40:
        raise ValidationError({"code": _("Scan or type the box's code (at most 40 characters).")})
    if Box.objects.filter(round_id=site.round_id, code=code).exists():
        raise ValidationError({"code": _("A box %(c)s already exists in this round.") % {"c": code}})
    try:
        with transaction.atomic():
            box = Box.objects.create(round_id=site.round_id, site=site, code=code, path=site.path)
    except IntegrityError as exc:
        raise ValidationError({"code": _("A box %(c)s already exists in this round.") % {"c": code}}) from exc
    audit.record(actor=actor, action=Action.CREATE, obj=box, after={"code": code, "site": site.pk})
    return box


@transaction.atomic
def delete_box(*, actor: Actor, box: Box) -> None:
    require(actor, perms.TESTING_TRANSPORT)
    require_path(actor, box.path)
    box = _lock(box)
    if box.status != BoxStatus.PACKING or box.tubes.exists():
        raise ValidationError(_("Only an empty box that has not left the site can be deleted."))
    audit.record(actor=actor, action=Action.DELETE, obj=box, before={"code": box.code})
    box.delete()


@dataclass
class TubeOutcome:
    barcode: str
    ok: bool
    message: str = ""

    def as_dict(self) -> dict:
        return {"barcode": self.barcode, "ok": self.ok, "message": self.message}


@transaction.atomic
def add_tubes(*, actor: Actor, box: Box, barcodes: list[str]) -> list[TubeOutcome]:
    """Put sealed tubes of the box's site into it. One outcome per barcode; the good ones are kept."""
    require(actor, perms.TESTING_TRANSPORT)
    require_path(actor, box.path)
    box = _lock(box)
    if box.status != BoxStatus.PACKING:
        raise ValidationError(_("This box has left the site: its tubes can no longer change."))
    codes = [clean_code(b) for b in barcodes if clean_code(b)]
    if not codes:
        raise ValidationError({"tubes": _("Scan or type at least one tube barcode.")})
    if len(codes) > MAX_TUBES:
        raise ValidationError(_("Add at most %(n)d tubes at once.") % {"n": MAX_TUBES})
    found = {
        t.barcode: t
        for t in Tube.objects.select_for_update()
        .filter(round_id=box.round_id, barcode__in=set(codes), path=box.path)
        .order_by("id")
    }
    outcomes: list[TubeOutcome] = []
    added: list[str] = []
    for code in codes:
        tube = found.get(code)
        if tube is None or tube.site_id != box.site_id:
            outcomes.append(TubeOutcome(code, False, _("No tube %(t)s at this site.") % {"t": code}))
        elif tube.box_id == box.pk:
            outcomes.append(TubeOutcome(code, True, _("Already in this box.")))
        elif tube.box_id is not None:
            outcomes.append(
                TubeOutcome(code, False, _("Tube %(t)s is already in another box.") % {"t": code})
            )
        elif tube.status != TubeStatus.SEALED:
            outcomes.append(TubeOutcome(code, False, _("Tube %(t)s is not sealed yet.") % {"t": code}))
        else:
            tube.box = box
            added.append(code)
            outcomes.append(TubeOutcome(code, True))
    if added:
        Tube.objects.filter(pk__in=[found[c].pk for c in added]).update(box=box)
        audit.record(actor=actor, action=Action.UPDATE, obj=box, after={"added_tubes": added})
    return outcomes


@transaction.atomic
def remove_tube(*, actor: Actor, box: Box, barcode: str) -> Tube:
    require(actor, perms.TESTING_TRANSPORT)
    require_path(actor, box.path)
    box = _lock(box)
    if box.status != BoxStatus.PACKING:
        raise ValidationError(_("This box has left the site: its tubes can no longer change."))
    code = clean_code(barcode)
    tube = Tube.objects.select_for_update().filter(box=box, barcode=code).first()
    if tube is None:
        raise ValidationError({"barcode": _("Tube %(t)s is not in this box.") % {"t": code}})
    tube.box = None
    tube.save(update_fields=["box"])
    audit.record(actor=actor, action=Action.UPDATE, obj=box, after={"removed_tube": code})
    return tube


@transaction.atomic
def handover(
    *, actor: Actor, box: Box, stage: str, at: datetime | None, from_name: str, to_name: str
) -> Handover:
    """Record one handover of the box. The same stage twice is refused unless identical (then the
    first record is returned); the lab cannot receive a box that has not left the site."""
    require(actor, perms.TESTING_TRANSPORT)
    return _handover(actor=actor, box=box, stage=stage, at=at, from_name=from_name, to_name=to_name)


@transaction.atomic
def receive_box(*, actor: Actor, box: Box, at: datetime | None, from_name: str, to_name: str) -> Handover:
    """The lab receives a box from the transporter (the second handover), recorded by the lab
    itself: those who record results may do this, not pack or send boxes."""
    require(actor, perms.TESTING_RESULTS)
    return _handover(
        actor=actor,
        box=box,
        stage=HandoverStage.TRANSPORT_TO_LAB,
        at=at,
        from_name=from_name,
        to_name=to_name,
    )


def _handover(
    *, actor: Actor, box: Box, stage: str, at: datetime | None, from_name: str, to_name: str
) -> Handover:
    require_path(actor, box.path)
    box = _lock(box)
    if stage not in STAGE_ORDER:
        raise ValidationError({"stage": _("Unknown handover stage.")})
    from_name, to_name = (from_name or "").strip()[:60], (to_name or "").strip()[:60]
    if not from_name:
        raise ValidationError({"from_name": _("Who handed the box over?")})
    if not to_name:
        raise ValidationError({"to_name": _("Who received the box?")})
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SLACK:
        raise ValidationError({"at": _("The handover time cannot be in the future.")})
    existing = Handover.objects.filter(box=box, stage=stage).first()
    if existing is not None:
        if (existing.from_name, existing.to_name) == (from_name, to_name) and abs(
            (existing.at - at).total_seconds()
        ) < 60:
            return existing
        raise ValidationError(_("This handover is already recorded for this box."))
    if stage == HandoverStage.SITE_TO_TRANSPORT:
        barcodes = list(tubes_of(box).values_list("barcode", flat=True))
        if not barcodes:
            raise ValidationError(_("An empty box cannot leave the site: add its tubes first."))
        box.left_site_at, box.status = at, BoxStatus.IN_TRANSIT
        box.save(update_fields=["left_site_at", "status"])
    else:
        first = Handover.objects.filter(box=box, stage=HandoverStage.SITE_TO_TRANSPORT).first()
        if first is None:
            raise ValidationError(_("The box has not left the site yet: record that handover first."))
        if at < first.at:
            raise ValidationError({"at": _("The lab cannot receive the box before it left the site.")})
        barcodes = list(tubes_of(box).values_list("barcode", flat=True))
        box.received_at, box.status = at, BoxStatus.RECEIVED
        box.save(update_fields=["received_at", "status"])
    record = Handover.objects.create(
        box=box,
        stage=stage,
        at=at,
        from_name=from_name,
        to_name=to_name,
        tube_barcodes=barcodes,
        recorded_by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=box,
        after={"handover": stage, "at": at.isoformat(), "tubes": len(barcodes)},
    )
    return record
