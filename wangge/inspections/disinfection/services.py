"""Disinfection of villages, sites and venues on a plan (every N days), and the rounds done."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope, require, user_or_none
from wangge.inspections.models import DisinfectionPlan, DisinfectionRound
from wangge.inspections.permissions import INSPECTIONS_DISINFECT
from wangge.org.models import OrgUnit


@transaction.atomic
def create_plan(
    *, actor: Actor, scope: Scope, unit: OrgUnit, place: str, every_days: int, starts_on: date, venue=None
) -> DisinfectionPlan:
    require(actor, INSPECTIONS_DISINFECT)
    scope.require_unit(unit)
    if venue is not None and not venue.path.startswith(unit.path):
        raise ValidationError(_("The venue is not under this unit."))
    _check(place, every_days)
    plan = DisinfectionPlan.objects.create(
        unit=unit,
        path=unit.path,
        venue=venue,
        place=place.strip()[:120],
        every_days=every_days,
        starts_on=starts_on,
    )
    audit.record(actor=actor, action=Action.CREATE, obj=plan, after={"every_days": every_days})
    return plan


@transaction.atomic
def update_plan(
    *, actor: Actor, scope: Scope, plan: DisinfectionPlan, place: str, every_days: int, starts_on: date
) -> DisinfectionPlan:
    """Change a plan's place name, frequency or start (its unit and venue stay: a plan of another
    place is a new plan). The rounds done stay; missing days are computed afresh."""
    require(actor, INSPECTIONS_DISINFECT)
    plan = DisinfectionPlan.objects.select_for_update().get(pk=plan.pk)
    scope.require_path(plan.path)
    if not plan.active:
        raise ValidationError(_("This plan has ended: it cannot be changed."))
    _check(place, every_days)
    before = {"place": plan.place, "every_days": plan.every_days, "starts_on": plan.starts_on.isoformat()}
    plan.place, plan.every_days, plan.starts_on = place.strip()[:120], every_days, starts_on
    plan.save(update_fields=["place", "every_days", "starts_on"])
    after = {"place": plan.place, "every_days": plan.every_days, "starts_on": plan.starts_on.isoformat()}
    if after != before:
        audit.record(actor=actor, action=Action.UPDATE, obj=plan, before=before, after=after)
    return plan


@transaction.atomic
def end_plan(*, actor: Actor, scope: Scope, plan: DisinfectionPlan) -> DisinfectionPlan:
    """The place is no longer disinfected on a plan (kept with its rounds; no more missing days)."""
    require(actor, INSPECTIONS_DISINFECT)
    plan = DisinfectionPlan.objects.select_for_update().get(pk=plan.pk)
    scope.require_path(plan.path)
    if plan.active:
        plan.active = False
        plan.save(update_fields=["active"])
        audit.record(actor=actor, action=Action.CLOSE, obj=plan, after={"active": False})
    return plan


def _check(place: str, every_days: int) -> None:
    if not place.strip():
        raise ValidationError(_("Name the place to disinfect."))
    if not 1 <= every_days <= 90:
        raise ValidationError(_("Every 1 to 90 days."))


def record_round(
    *, actor: Actor, plan: DisinfectionPlan, on: date, done_by: str = "", client_id: uuid.UUID | None = None
) -> tuple[DisinfectionRound, bool]:
    """The plan's disinfection done on a day; the same day twice (or a replay) is stored once."""
    require(actor, INSPECTIONS_DISINFECT)
    found = DisinfectionRound.objects.filter(plan=plan, done_on=on).first()
    if found is not None:
        return found, False
    if not plan.active:
        raise ValidationError(_("This plan has ended: it cannot be changed."))
    try:
        with transaction.atomic():
            rnd = DisinfectionRound.objects.create(
                plan=plan,
                done_on=on,
                done_by=done_by[:60],
                recorded_by=user_or_none(actor),
                client_id=client_id,
            )
            audit.record(
                actor=actor, action=Action.CREATE, obj=rnd, path=plan.path, after={"on": on.isoformat()}
            )
    except IntegrityError:
        return DisinfectionRound.objects.get(plan=plan, done_on=on), False
    return rnd, True
