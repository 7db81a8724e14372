"""The duty roster: people put on shifts (roster members or vetted volunteers), taken off, and
signed in and out on the phone. A shift's `filled` counter moves in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

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


# --- sign-in and sign-out queued on the phone ----------------------------------------------------

SIGN_IN = "in"
SIGN_OUT = "out"
ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REFUSED = "refused"
MAX_SIGN_BATCH = 50
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_SIGN_AGE = timedelta(days=2)


@dataclass
class SignIn:
    """One sign-in or sign-out made on the phone, with its own id (client_id) and the time it
    was made (`at`: the phone's clock; the server's time when absent)."""

    client_id: str
    duty_id: int
    action: str = SIGN_IN
    at: datetime | None = None


@dataclass
class SignResult:
    client_id: str
    status: str
    message: str = ""
    duty_id: int | None = None
    signed_in_at: datetime | None = None
    signed_out_at: datetime | None = None


def _token(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(_("This sign-in has no valid id: log it again.")) from exc


def _when(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + MAX_CLOCK_SKEW:
        raise ValidationError(_("The phone's clock is ahead: set its time and sign again."))
    if at < now - MAX_SIGN_AGE:
        raise ValidationError(
            _("This sign-in is more than two days old: ask the village to correct the record.")
        )
    return min(at, now)


def _result(item_id: str, status: str, duty: Duty, message: str = "") -> SignResult:
    return SignResult(
        client_id=item_id, status=status, message=message, duty_id=duty.pk,
        signed_in_at=duty.signed_in_at, signed_out_at=duty.signed_out_at,
    )  # fmt: skip


def _sign_one(*, actor: Actor, duty: Duty, action: str, token: uuid.UUID, at: datetime) -> SignResult:
    duty = Duty.objects.select_for_update().select_related("shift").get(pk=duty.pk)
    if action == SIGN_IN:
        if duty.sign_in_token == token:
            return _result(str(token), DUPLICATE, duty)
        if duty.signed_in_at is not None:
            return _result(str(token), DUPLICATE, duty, _("Already signed in."))
        if at < duty.shift.starts_at - timedelta(hours=1):
            raise ValidationError(_("This shift has not started yet."))
        if at >= duty.shift.ends_at:
            raise ValidationError(_("This shift is over: sign-in refused."))
        duty.signed_in_at, duty.sign_in_token = at, token
        duty.save(update_fields=["signed_in_at", "sign_in_token"])
        audit.record(actor=actor, action=Action.UPDATE, obj=duty,
                     after={"signed_in_at": at.isoformat(), "client_id": str(token)})  # fmt: skip
        return _result(str(token), ACCEPTED, duty)
    if duty.sign_out_token == token:
        return _result(str(token), DUPLICATE, duty)
    if duty.signed_in_at is None:
        raise ValidationError(_("Sign in first."))
    if duty.signed_out_at is not None:
        return _result(str(token), DUPLICATE, duty, _("Already signed out."))
    at = max(at, duty.signed_in_at)
    duty.signed_out_at, duty.sign_out_token = at, token
    duty.save(update_fields=["signed_out_at", "sign_out_token"])
    audit.record(actor=actor, action=Action.UPDATE, obj=duty,
                 after={"signed_out_at": at.isoformat(), "client_id": str(token)})  # fmt: skip
    return _result(str(token), ACCEPTED, duty)


def sign_batch(*, actor: Actor, duties: dict[int, Duty], items: list[SignIn]) -> list[SignResult]:
    """Sign-ins and sign-outs queued on the phone, in order, each exactly once (by its client_id):
    a batch sent again finds them done and changes nothing. `duties`: the duties the actor may
    sign for, by id (read through the actor's scope); any other is refused like a missing one."""
    require(actor, DUTY_LOG)
    if len(items) > MAX_SIGN_BATCH:
        raise ValidationError(_("At most 50 sign-ins per upload."))
    results = []
    for item in items:
        try:
            token = _token(item.client_id)
        except ValidationError as exc:
            results.append(
                SignResult(client_id=str(item.client_id)[:40], status=REFUSED, message=exc.messages[0])
            )
            continue
        duty = duties.get(item.duty_id)
        if duty is None:
            results.append(
                SignResult(
                    client_id=str(token), status=REFUSED, message=_("No such duty on this checkpoint.")
                )
            )
            continue
        try:
            require_path(actor, duty.path)
            if item.action not in (SIGN_IN, SIGN_OUT):
                raise ValidationError(_("Sign in or sign out?"))
            with transaction.atomic():
                results.append(
                    _sign_one(
                        actor=actor,
                        duty=duty,
                        action=item.action,
                        token=token,
                        at=_when(item.at, timezone.now()),
                    )
                )
        except IntegrityError:
            # The same token stored a moment ago by a concurrent upload of the same queue.
            duty.refresh_from_db()
            results.append(_result(str(token), DUPLICATE, duty))
        except ValidationError as exc:
            results.append(
                SignResult(
                    client_id=str(token), status=REFUSED, message="; ".join(exc.messages), duty_id=duty.pk
                )
            )
    return results
