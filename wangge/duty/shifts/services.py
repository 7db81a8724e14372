"""The duty roster: people put on shifts (roster members or vetted volunteers), taken off, and
signed in and out on the phone. A shift's `filled` counter moves in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, require_path, user_or_none
from wangge.duty.models import Duty, Shift, Volunteer, VolunteerStatus
from wangge.duty.permissions import DUTY_LOG, DUTY_MANAGE
from wangge.roster.models import StaffMember


@transaction.atomic
def assign(
    *, actor: Actor, shift: Shift, staff: StaffMember | None = None, volunteer: Volunteer | None = None
) -> Duty:
    """Put one person on a shift. The same person twice on a shift is refused."""
    require(actor, DUTY_MANAGE)
    require_path(actor, shift.path)
    if (staff is None) == (volunteer is None):
        raise ValidationError(_("Choose one person: a roster member or a volunteer."))
    if staff is not None:
        require_path(actor, staff.path)
        if not staff.is_active:
            raise ValidationError({"staff": _("This roster member is no longer active.")})
    if volunteer is not None:
        require_path(actor, volunteer.path)
        if volunteer.status != VolunteerStatus.VETTED:
            raise ValidationError({"volunteer": _("Only vetted volunteers can be put on duty.")})
    if not shift.checkpoint.is_active:
        raise ValidationError(_("This checkpoint is closed: nobody can be put on its shifts."))
    if shift.ends_at <= timezone.now():
        raise ValidationError(_("This shift is over."))
    try:
        with transaction.atomic():
            duty = Duty.objects.create(
                shift=shift,
                staff=staff,
                volunteer=volunteer,
                path=shift.path,
                assigned_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise ValidationError(_("This person is already on this shift.")) from exc
    Shift.objects.filter(pk=shift.pk).update(filled=F("filled") + 1)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=duty,
        after={"shift": str(shift), "who": duty.who, "volunteer": volunteer is not None},
    )
    return duty


@transaction.atomic
def unassign(*, actor: Actor, duty: Duty) -> None:
    require(actor, DUTY_MANAGE)
    require_path(actor, duty.path)
    if duty.signed_in_at is not None:
        raise ValidationError(_("This person has signed in: the duty stays on the record."))
    snapshot = {"shift": str(duty.shift), "who": duty.who}
    shift_id = duty.shift_id
    audit.record(actor=actor, action=Action.DELETE, obj=duty, before=snapshot)
    duty.delete()
    Shift.objects.filter(pk=shift_id, filled__gt=0).update(filled=F("filled") - 1)


@transaction.atomic
def sign_in(*, actor: Actor, duty: Duty) -> Duty:
    require(actor, DUTY_LOG)
    require_path(actor, duty.path)
    duty = Duty.objects.select_for_update().get(pk=duty.pk)
    if duty.signed_in_at is None:
        now = timezone.now()
        if now < duty.shift.starts_at - timedelta(hours=1):
            raise ValidationError(_("This shift has not started yet."))
        duty.signed_in_at = now
        duty.save(update_fields=["signed_in_at"])
        audit.record(actor=actor, action=Action.UPDATE, obj=duty, after={"signed_in_at": now.isoformat()})
    return duty


@transaction.atomic
def sign_out(*, actor: Actor, duty: Duty) -> Duty:
    require(actor, DUTY_LOG)
    require_path(actor, duty.path)
    duty = Duty.objects.select_for_update().get(pk=duty.pk)
    if duty.signed_in_at is None:
        raise ValidationError(_("Sign in first."))
    if duty.signed_out_at is None:
        now = timezone.now()
        duty.signed_out_at = now
        duty.save(update_fields=["signed_out_at"])
        audit.record(actor=actor, action=Action.UPDATE, obj=duty, after={"signed_out_at": now.isoformat()})
    return duty
