"""On the day and after: the supervisor's check from the phone (diners counted, conditions kept,
problems with a photo stored privately), and the after-event record, due within a day of the
last day, which closes the gathering. A check sent twice (the same client id) is one check."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, scope_of, user_or_none
from wangge.gatherings.models import AfterRecord, DayCheck, Gathering, Status
from wangge.gatherings.permissions import GATHERINGS_SUPERVISE

MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
MAX_DINERS = 100000


def photo_extension(upload) -> str:
    """The photo's extension by its first bytes (JPEG or PNG), or a ValidationError."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": _("The photo is larger than 8 MB.")})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for magic, ext in PHOTO_TYPES.items():
        if head.startswith(magic):
            return ext
    raise ValidationError({"photo": _("Send a photo (JPEG or PNG).")})


def _allowed(actor: Actor, gathering: Gathering) -> Gathering:
    require(actor, GATHERINGS_SUPERVISE)
    scope_of(actor).require_path(gathering.path)
    locked = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if locked.status != Status.APPROVED:
        raise ValidationError(_("Only a filed or approved gathering that is not closed is checked."))
    return locked


MAX_CLOCK_SKEW = datetime.timedelta(hours=1)
MAX_QUEUED = datetime.timedelta(days=2)


def _made_at(at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + MAX_CLOCK_SKEW:
        raise ValidationError({"at": _("The time of this check is in the future: check the phone's clock.")})
    if at < now - MAX_QUEUED:
        raise ValidationError(
            {"at": _("This check was made more than two days ago: it can no longer be sent.")}
        )
    return min(at, now)


@transaction.atomic
def record_day_check(
    *,
    actor: Actor,
    gathering: Gathering,
    actual_diners: int,
    conditions_kept: bool,
    problems: str = "",
    photo=None,
    client_id: uuid.UUID | None = None,
    at: datetime.datetime | None = None,
) -> DayCheck:
    """The supervisor's check on the day. `at`: when it was made on the phone (a check queued
    offline and sent later keeps its own time, and still counts for the day it was made on)."""
    client_id = client_id or uuid.uuid4()
    existing = DayCheck.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.gathering_id != gathering.pk:
            raise PermissionDenied(_("Your role does not allow this."))
        return existing
    g = _allowed(actor, gathering)
    at = _made_at(at)
    today = timezone.localtime(at).date()
    if not g.starts_on <= today <= g.ends_on:
        raise ValidationError(_("The check is made on the day of the gathering."))
    if actual_diners is None or not 0 <= actual_diners <= MAX_DINERS:
        raise ValidationError({"actual_diners": _("Count the diners present.")})
    problems = (problems or "").strip()
    if not conditions_kept and not problems:
        raise ValidationError({"problems": _("Say which condition was not kept.")})
    check = DayCheck(
        gathering=g, client_id=client_id, by=user_or_none(actor), actual_diners=actual_diners,
        conditions_kept=conditions_kept, problems=problems[:2000], path=g.path, at=at,
    )  # fmt: skip
    if photo:
        ext = photo_extension(photo)
        check.photo.save(f"day-{g.pk}-{uuid.uuid4().hex}{ext}", photo, save=False)
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:
        return DayCheck.objects.get(client_id=client_id)
    audit.record(
        actor=actor, action=Action.CREATE, obj=check,
        after={"gathering": g.pk, "actual_diners": actual_diners, "conditions_kept": conditions_kept, "photo": bool(photo)},
    )  # fmt: skip
    return check


@transaction.atomic
def record_after(
    *, actor: Actor, gathering: Gathering, actual_diners: int, anyone_unwell: bool = False, note: str = ""
) -> AfterRecord:
    """The after-event record; it closes the gathering."""
    g = _allowed(actor, gathering)
    if timezone.localdate() < g.starts_on:
        raise ValidationError(_("The after-event record is made once the gathering has been held."))
    if actual_diners is None or not 0 <= actual_diners <= MAX_DINERS:
        raise ValidationError({"actual_diners": _("Count the diners present.")})
    if AfterRecord.objects.filter(gathering=g).exists():
        raise ValidationError(_("The after-event record is already made."))
    record = AfterRecord.objects.create(
        gathering=g, by=user_or_none(actor), actual_diners=actual_diners, anyone_unwell=anyone_unwell,
        note=(note or "").strip()[:2000], path=g.path,
    )  # fmt: skip
    g.status = Status.CLOSED
    g.closed_at = timezone.now()
    g.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=actor, action=Action.CREATE, obj=record,
        after={"gathering": g.pk, "actual_diners": actual_diners, "anyone_unwell": anyone_unwell},
    )  # fmt: skip
    return record
