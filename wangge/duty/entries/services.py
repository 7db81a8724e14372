"""The entry log of a checkpoint (卡点登记), sent from the phone in batches.

Each entry carries an id made on the phone (client_id): a batch sent again after a lost connection
finds the entries it already stored and stores nothing twice. Each entry is checked in its own
transaction, so one bad entry (a plate or ID that fails its check) is refused with its reason while
the others are stored.

Two checks run on every entry, against the district's data as it stands today:

* someone arriving from a medium- or high-risk area on the dated list becomes a screening record
  at once (screening's intake, source "checkpoint"); the screening flow proposes the measure;
* someone under a confining measure passing a checkpoint raises an escalation to their grid's team.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, SystemActor, require, require_path, user_or_none
from wangge.core.db import any_of, current, hot_cursor
from wangge.duty.models import CodeColour, Direction, Entry, EntryKind
from wangge.duty.permissions import DUTY_LOG
from wangge.duty.plates import check_plate
from wangge.registry import services as registry
from wangge.registry.codes.services import current_person, read_personal_code
from wangge.registry.identity import check_document
from wangge.registry.models import IdType
from wangge.screening import rulebook
from wangge.screening.intake.services import Report, screen_one, split_place
from wangge.screening.measures.escalations import escalate
from wangge.screening.models import EscalationKind, Measure, MeasureStatus, ScreeningSource

# The checkpoint rule acting: it screens arrivals and raises escalations whoever logged the entry
# (the person may be registered in another grid of the district); the entry keeps who logged it.
CHECKPOINT_RULE = SystemActor("checkpoint")
OPEN_CONFINING = (MeasureStatus.PROPOSED, MeasureStatus.AWAITING_APPROVAL, MeasureStatus.ACTIVE)
MAX_BATCH = 200
MAX_CLOCK_SKEW = timedelta(hours=1)
MAX_AGE = timedelta(days=7)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REFUSED = "refused"


@dataclass
class EntryIn:
    client_id: str
    kind: str = EntryKind.PERSON
    code: str = ""
    id_type: str = IdType.RESIDENT_ID
    id_number: str = ""
    name: str = ""
    plate: str = ""
    passengers: int = 0
    origin: str = ""
    code_colour: str = ""
    temperature: str | float | None = None
    purpose: str = ""
    direction: str = Direction.IN
    at: datetime | None = None


@dataclass
class EntryResult:
    client_id: str
    status: str
    message: str = ""
    entry_id: int | None = None
    risk_level: str = ""
    screening_id: int | None = None
    escalation_id: int | None = None


def _client_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValidationError(_("The entry has no valid id: the page must be reloaded.")) from exc


def _temperature(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"temperature": _("The temperature is not a number.")}) from exc
    if not Decimal("34.0") <= value <= Decimal("43.0"):
        raise ValidationError({"temperature": _("A temperature between 34.0 and 43.0 °C, please.")})
    return value


def _aware(at: datetime) -> datetime:
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def _when(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    at = _aware(at)
    if at > now + MAX_CLOCK_SKEW:
        raise ValidationError({"at": _("The time of this entry is in the future: check the phone's clock.")})
    if at < now - MAX_AGE:
        raise ValidationError({"at": _("This entry is more than 7 days old.")})
    return at


def _person(item: EntryIn) -> tuple[int | None, str, str, str]:
    """The registry person (anywhere in the district: nothing of them is shown outside the
    logger's jurisdiction) as (id, name), with the document as written. A code that names nobody
    is refused."""
    if item.code.strip():
        code = read_personal_code(item.code)
        if code.mistyped:
            raise ValidationError({"code": _("Check the code: a character is mistyped or missing.")})
        person = current_person(code)
        if person is None:
            raise ValidationError(
                {"code": _("This code is not valid (revoked or unknown): type the ID number.")}
            )
        return person.pk, person.name, person.id_type, person.id_number
    if not item.id_number.strip():
        raise ValidationError({"id_number": _("Scan the personal code or type the ID number.")})
    checked = registry.on_field(
        "id_number", check_document, item.id_type or IdType.RESIDENT_ID, item.id_number
    )
    holder = registry.find_holder_of_document(checked.id_type, checked.number)
    person_id, person_name = holder if holder else (None, "")
    return person_id, person_name, checked.id_type, checked.number


def _detail(entry: Entry) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Seen at checkpoint %(name)s (%(direction)s) at %(time)s") % {
            "name": entry.checkpoint.name,
            "direction": entry.get_direction_display(),
            "time": timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
        }


def _log_one(*, actor: Actor, checkpoint, item: EntryIn, client_id: uuid.UUID) -> EntryResult:
    if item.kind not in EntryKind.values:
        raise ValidationError({"kind": _("Choose a person or a vehicle.")})
    if item.direction not in Direction.values:
        raise ValidationError({"direction": _("Choose in or out.")})
    if item.code_colour not in CodeColour.values:
        raise ValidationError({"code_colour": _("Choose the colour of the health code.")})
    at = _when(item.at)
    entry = Entry(
        checkpoint=checkpoint,
        client_id=client_id,
        kind=item.kind,
        origin=(item.origin or "").strip()[:200],
        code_colour=item.code_colour,
        temperature=_temperature(item.temperature),
        purpose=(item.purpose or "").strip()[:200],
        direction=item.direction,
        at=at,
        day=timezone.localtime(at).date(),
        path=checkpoint.path,
        logged_by=user_or_none(actor),
    )
    person_id = None
    if item.kind == EntryKind.VEHICLE:
        entry.plate = registry.on_field("plate", check_plate, item.plate)
        entry.passengers = max(0, min(int(item.passengers or 0), 99))
        entry.name = (item.name or "").strip()[:60]
    else:
        person_id, person_name, id_type, id_number = _person(item)
        entry.person_id = person_id
        entry.id_type, entry.id_number = id_type, id_number
        entry.name = ((item.name or "").strip() or person_name)[:60]
    # The risk-area list as it stands today.
    entry.risk_level = ""
    if entry.origin:
        place = split_place(Report(name="", id_number="", came_from=entry.origin))
        entry.risk_level = rulebook.risk_level_on(
            province=place.from_province,
            city=place.from_city,
            county=place.from_county,
            township=place.from_township,
            on=entry.day,
        )
    entry.save()  # inside the entry's own savepoint (log_entries): a clash rolls back to it
    if person_id is not None:
        measure = _open_confining_measure(person_id)
        if measure is not None:
            entry.escalation = escalate(measure=measure, kind=EscalationKind.ABSENT, detail=_detail(entry))
    if (
        entry.risk_level
        and entry.kind == EntryKind.PERSON
        and entry.direction == Direction.IN
        and entry.escalation is None
    ):
        if not entry.name:
            raise ValidationError(
                {"name": _("Someone from a risk area: their name is needed for screening.")}
            )
        outcome = screen_one(
            actor=CHECKPOINT_RULE,
            source=ScreeningSource.CHECKPOINT,
            report=Report(
                name=entry.name,
                id_type=entry.id_type,
                id_number=entry.id_number,
                came_from=entry.origin,
                arrival_date=entry.day,
                note=_detail(entry),
            ),
            grid=checkpoint.grid,
        )
        entry.screening = outcome.record
    if entry.screening_id or entry.escalation_id:
        entry.save(update_fields=["screening", "escalation"])
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=entry,
        after={
            "kind": entry.kind,
            "direction": entry.direction,
            "risk_level": entry.risk_level,
            "screening": entry.screening_id,
            "escalation": entry.escalation_id,
        },
    )
    message = ""
    if entry.kind == EntryKind.VEHICLE and entry.risk_level and entry.direction == Direction.IN:
        # A plate screens nobody: each person in the vehicle is logged by their document, so that
        # each becomes a screening record of their own.
        message = _("A vehicle from a risk area: log each person in it by their ID so that each is screened.")
    return EntryResult(
        client_id=str(client_id),
        status=ACCEPTED,
        message=message,
        entry_id=entry.pk,
        risk_level=entry.risk_level,
        screening_id=entry.screening_id,
        escalation_id=entry.escalation_id,
    )


def _open_confining_measure(person_id: int) -> Measure | None:
    """The person's open confining measure, if any: asked by key on every entry (a prepared
    statement), the measure itself fetched only for the few who have one."""
    status, params = any_of("status", OPEN_CONFINING, "text")
    with hot_cursor() as cur:
        cur.execute(
            f"SELECT id FROM screening_measure WHERE person_id = %s AND confining AND {status} LIMIT 1",  # noqa: S608
            [person_id, *params],
        )
        row = cur.fetchone()
    return Measure.objects.get(pk=row[0]) if row else None


@dataclass(slots=True)
class _Stored:
    """An entry already stored under a client_id (what a retry is answered with)."""

    pk: int
    checkpoint_id: int
    risk_level: str
    screening_id: int | None
    escalation_id: int | None


def _stored(client_id: uuid.UUID) -> _Stored | None:
    key = Entry._meta.get_field("client_id").get_db_prep_value(client_id, current())
    with hot_cursor() as cur:
        cur.execute(
            "SELECT id, checkpoint_id, risk_level, screening_id, escalation_id FROM duty_entry WHERE client_id = %s",
            [key],
        )
        row = cur.fetchone()
    return _Stored(*row) if row else None


def _known(entry: _Stored, client_id: uuid.UUID) -> EntryResult:
    return EntryResult(
        client_id=str(client_id),
        status=DUPLICATE,
        entry_id=entry.pk,
        risk_level=entry.risk_level,
        screening_id=entry.screening_id,
        escalation_id=entry.escalation_id,
    )


def _message(exc: ValidationError) -> str:
    return "; ".join(str(m) for m in exc.messages)


def log_entries(*, actor: Actor, checkpoint, items: list[EntryIn]) -> list[EntryResult]:
    """Store a batch of entries from the phone, in order, each exactly once."""
    require(actor, DUTY_LOG)
    require_path(actor, checkpoint.path)
    if len(items) > MAX_BATCH:
        raise ValidationError(_("At most 200 entries per upload."))
    # A closed checkpoint still takes what the phone logged while it was open (a queue sent
    # late loses nothing); anything logged after it closed is refused, entry by entry.
    closed_at = None if checkpoint.is_active else (checkpoint.closed_at or timezone.now())
    results = []
    for item in items:
        try:
            client_id = _client_id(item.client_id)
        except ValidationError as exc:
            results.append(
                EntryResult(client_id=str(item.client_id)[:40], status=REFUSED, message=_message(exc))
            )
            continue
        known = _stored(client_id)
        if known is not None:
            results.append(
                _known(known, client_id)
                if known.checkpoint_id == checkpoint.pk
                else EntryResult(
                    client_id=str(client_id),
                    status=REFUSED,
                    message=_("This entry was sent for another checkpoint."),
                )
            )
            continue
        if closed_at is not None and (item.at is None or _aware(item.at) > closed_at):
            results.append(
                EntryResult(
                    client_id=str(client_id),
                    status=REFUSED,
                    message=_("This checkpoint was closed before this entry was logged."),
                )
            )
            continue
        try:
            with transaction.atomic():
                results.append(_log_one(actor=actor, checkpoint=checkpoint, item=item, client_id=client_id))
        except IntegrityError:
            # The same entry stored a moment ago by a concurrent upload of the same queue.
            known = _stored(client_id)
            if known is None:
                raise
            results.append(_known(known, client_id))
        except ValidationError as exc:
            results.append(EntryResult(client_id=str(client_id), status=REFUSED, message=_message(exc)))
    return results
