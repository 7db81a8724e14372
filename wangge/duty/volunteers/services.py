"""Volunteers (志愿者): signed up on the public form, vetted by their village, scheduled into tasks
other than checkpoint shifts (sampling-site roles, screening squads, services for people under
control), and their hours counted from sign-ins."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import PUBLIC_ACTOR, Actor, require, require_path, user_or_none
from wangge.duty.models import Availability, Duty, Skill, TaskKind, Volunteer, VolunteerStatus, VolunteerTask
from wangge.duty.permissions import DUTY_LOG, DUTY_VOLUNTEERS
from wangge.org.models import Level, OrgUnit
from wangge.registry import services as registry
from wangge.registry.identity import check_document, normalise_phone

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))


@transaction.atomic
def sign_up(
    *,
    village: OrgUnit,
    name: str,
    phone: str,
    id_number: str,
    id_type: str = "resident_id",
    is_party_member: bool = False,
    skills: list[str] | None = None,
    availability: list[str] | None = None,
    note: str = "",
) -> tuple[Volunteer, bool]:
    """A public sign-up. One record per document: the same sign-up sent again (or a second one by
    the same person) returns the first record unchanged; (volunteer, created)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if village.level != Level.VILLAGE or village.closed_at is not None:
        raise ValidationError({"village": _("Choose your village or community.")})
    checked = registry.on_field("id_number", check_document, id_type, id_number)
    phone = registry.on_field("phone", normalise_phone, phone)
    if not phone:
        raise ValidationError({"phone": _("A phone number is required, so that the village can reach you.")})
    skills = [s for s in (skills or []) if s in Skill.values]
    availability = [a for a in (availability or []) if a in Availability.values]
    existing = Volunteer.objects.filter(id_type=checked.id_type, id_number=checked.number).first()
    if existing is not None:
        return existing, False
    volunteer = Volunteer(
        village=village,
        path=village.path,
        name=name[:60],
        phone=phone,
        id_type=checked.id_type,
        id_number=checked.number,
        is_party_member=bool(is_party_member),
        skills=skills,
        availability=availability,
        note=(note or "").strip()[:300],
    )
    for _attempt in range(5):
        volunteer.receipt = _receipt()
        try:
            with transaction.atomic():
                volunteer.save()
            break
        except IntegrityError:
            existing = Volunteer.objects.filter(id_type=checked.id_type, id_number=checked.number).first()
            if existing is not None:  # the same sign-up at the same moment
                return existing, False
    audit.record(
        actor=PUBLIC_ACTOR, action=Action.CREATE, obj=volunteer, after={"receipt": volunteer.receipt}
    )
    return volunteer, True


@transaction.atomic
def vet(*, actor: Actor, volunteer: Volunteer, accept: bool, reason: str = "") -> Volunteer:
    require(actor, DUTY_VOLUNTEERS)
    require_path(actor, volunteer.path)
    before = {"status": volunteer.status}
    if not accept and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the volunteer is not accepted.")})
    volunteer.status = VolunteerStatus.VETTED if accept else VolunteerStatus.REJECTED
    volunteer.reason = (reason or "").strip()[:200]
    volunteer.vetted_by = user_or_none(actor)
    volunteer.vetted_at = timezone.now()
    volunteer.save(update_fields=["status", "reason", "vetted_by", "vetted_at"])
    audit.record(
        actor=actor, action=Action.UPDATE, obj=volunteer, before=before, after={"status": volunteer.status}
    )
    return volunteer


@transaction.atomic
def schedule_task(
    *,
    actor: Actor,
    volunteer: Volunteer,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    site=None,
    site_role=None,
    note: str = "",
) -> VolunteerTask:
    """A vetted volunteer put on a sampling-site role (one of testing's six), a screening squad or
    services for people under control."""
    require(actor, DUTY_VOLUNTEERS)
    require_path(actor, volunteer.path)
    if volunteer.status != VolunteerStatus.VETTED:
        raise ValidationError({"volunteer": _("Only vetted volunteers can be scheduled.")})
    if kind not in TaskKind.values:
        raise ValidationError({"kind": _("Choose the kind of task.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    if ends_at - starts_at > timedelta(hours=24):
        raise ValidationError({"ends_at": _("A task lasts at most 24 hours.")})
    if kind == TaskKind.SAMPLING_SITE:
        if site is None or site_role is None:
            raise ValidationError({"site": _("Choose the sampling site and the role.")})
        require_path(actor, site.path)
    task = VolunteerTask.objects.create(
        volunteer=volunteer,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        site=site if kind == TaskKind.SAMPLING_SITE else None,
        site_role=site_role if kind == TaskKind.SAMPLING_SITE else None,
        note=(note or "").strip()[:200],
        path=volunteer.path,
        assigned_by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=task,
        after={"kind": kind, "volunteer": volunteer.pk, "starts_at": starts_at.isoformat()},
    )
    return task


@transaction.atomic
def task_sign(*, actor: Actor, task: VolunteerTask, out: bool) -> VolunteerTask:
    require(actor, DUTY_LOG)
    require_path(actor, task.path)
    task = VolunteerTask.objects.select_for_update().get(pk=task.pk)
    now = timezone.now()
    if not out and task.signed_in_at is None:
        task.signed_in_at = now
    elif out:
        if task.signed_in_at is None:
            raise ValidationError(_("Sign in first."))
        if task.signed_out_at is None:
            task.signed_out_at = now
    task.save(update_fields=["signed_in_at", "signed_out_at"])
    audit.record(actor=actor, action=Action.UPDATE, obj=task, after={"signed_out": out})
    return task


def _seconds(rows) -> float:
    total = 0.0
    for signed_in, signed_out in rows:
        if signed_in and signed_out and signed_out > signed_in:
            total += min((signed_out - signed_in).total_seconds(), 24 * 3600)
    return total


def hours_of(volunteer: Volunteer) -> dict:
    """Service hours from sign-in to sign-out: checkpoint duties and other tasks."""
    duty_rows = list(Duty.objects.filter(volunteer=volunteer).values_list("signed_in_at", "signed_out_at"))
    task_rows = list(
        VolunteerTask.objects.filter(volunteer=volunteer).values_list("signed_in_at", "signed_out_at")
    )
    duty_h = _seconds(duty_rows) / 3600
    task_h = _seconds(task_rows) / 3600
    return {
        "checkpoint_hours": round(duty_h, 1),
        "task_hours": round(task_h, 1),
        "total_hours": round(duty_h + task_h, 1),
        "turns": sum(1 for a, b in duty_rows + task_rows if a and b),
    }
