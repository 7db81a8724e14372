"""What a venue keeps, written: its staff health record, disinfection log and visitor register.

Who may write: office staff with VENUES_RECORDS whose scope covers the venue, or the venue's own
account (VENUES_OWN, linked to this venue and no other). Keyword-only, one transaction each, the
audit row inside it; a line sent again with the same client id is recognised, never stored twice.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import SYSTEM, Actor, has_permission, is_system, scope_of, user_or_none
from wangge.registry import services as registry
from wangge.registry.identity import normalise_phone
from wangge.registry.models import Person
from wangge.venues.models import CodeColour, DisinfectionEntry, Venue, VenueAccount, VenueStaff, VisitorEntry
from wangge.venues.permissions import VENUES_OWN, VENUES_RECORDS

MIN_TEMPERATURE = Decimal("34.0")
MAX_TEMPERATURE = Decimal("43.0")


def is_own_venue(actor: Actor, venue: Venue) -> bool:
    """The actor is this venue's own account."""
    if is_system(actor) or not has_permission(actor, VENUES_OWN):
        return False
    return VenueAccount.objects.filter(user_id=actor.pk, venue_id=venue.pk).exists()


def require_keeper(actor: Actor, venue: Venue) -> None:
    """Office staff of the venue's area, or the venue's own account; anyone else is refused."""
    if has_permission(actor, VENUES_RECORDS) and scope_of(actor).covers_path(venue.path):
        return
    if is_own_venue(actor, venue):
        return
    raise PermissionDenied(_("Your role does not allow this."))


def _client_uuid(client_id: Any) -> uuid.UUID | None:
    if client_id in (None, ""):
        return None
    try:
        return client_id if isinstance(client_id, uuid.UUID) else uuid.UUID(str(client_id))
    except ValueError as exc:
        raise ValidationError({"client_id": _("This line's identifier is not valid.")}) from exc


def _not_in_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


# --- staff health record -----------------------------------------------------------------------


@transaction.atomic
def add_staff(
    *,
    actor: Actor,
    venue: Venue,
    person: Person | None = None,
    name: str = "",
    id_type: str = "resident_id",
    id_number: str = "",
    phone: str = "",
    job: str = "",
    category: Any = None,
    since: date | None = None,
) -> VenueStaff:
    """Put a person on the venue's staff record: a registry person picked in scope, or one found
    by their ID document (the name typed must match the record), or else registered provisionally
    in the venue's grid as the registry does for someone who turns up. Adding someone already on
    the record answers with their line."""
    require_keeper(actor, venue)
    own = is_own_venue(actor, venue)
    if person is not None:
        if own or not scope_of(actor).covers_path(person.path):
            raise ValidationError({"person": _("Choose a person of your area.")})
    else:
        name = (name or "").strip()
        if not name:
            raise ValidationError({"name": _("A name is required.")})
        existing = registry.on_field("id_number", registry.find_by_document, id_type, id_number)
        if existing is not None and existing.is_active:
            if existing.name != name:
                raise ValidationError(
                    {"name": _("The name does not match the one recorded for this ID number.")}
                )
            person = existing
        else:
            # The venue's own account has no area: the platform registers the person for it, in
            # the venue's grid, and this record names the account that asked.
            person = registry.register_provisional(
                actor=SYSTEM if own else actor,
                grid=venue.grid,
                name=name,
                id_type=id_type,
                id_number=id_number,
                phone=phone,
                note_origin=venue.name,
                reason="venue staff",
                allowed_by=(VENUES_RECORDS,),
            )
    current = VenueStaff.objects.filter(venue=venue, person=person, until__isnull=True).first()
    if current is not None:
        return current
    staff = VenueStaff(
        venue=venue,
        person=person,
        job=(job or "").strip()[:60],
        category=category if category is not None else venue.kind.staff_category,
        since=since,
    )
    try:
        with transaction.atomic():
            staff.save()
    except IntegrityError:
        return VenueStaff.objects.get(venue=venue, person=person, until__isnull=True)
    audit.record(actor=actor, action=Action.CREATE, obj=staff, path=venue.path, after=audit.snapshot(staff))
    return staff


@transaction.atomic
def end_staff(*, actor: Actor, staff: VenueStaff, until: date | None = None) -> VenueStaff:
    """The person no longer works there: the line is kept, with the day they left."""
    require_keeper(actor, staff.venue)
    staff = VenueStaff.objects.select_for_update().get(pk=staff.pk)
    if staff.until is not None:
        return staff
    before = audit.snapshot(staff)
    staff.until = until or timezone.localdate()
    if staff.since and staff.until < staff.since:
        raise ValidationError({"until": _("The day they left is before the day they started.")})
    staff.save(update_fields=["until"])
    audit.record(
        actor=actor,
        action=Action.CLOSE,
        obj=staff,
        path=staff.venue.path,
        before=before,
        after=audit.snapshot(staff),
    )
    return staff


# --- disinfection log ----------------------------------------------------------------------------


@transaction.atomic
def log_disinfection(
    *,
    actor: Actor,
    venue: Venue,
    done_on: date | None,
    area: str,
    done_at: time | None = None,
    agent: str = "",
    done_by: str = "",
    client_id: Any = None,
) -> DisinfectionEntry:
    """One line of the disinfection log. Sent again with the same client id, the stored line is
    answered and nothing is added."""
    require_keeper(actor, venue)
    key = _client_uuid(client_id)
    if key is not None:
        stored = DisinfectionEntry.objects.filter(client_id=key).first()
        if stored is not None:
            if stored.venue_id != venue.pk:
                raise ValidationError({"client_id": _("This line's identifier is already used.")})
            return stored
    area = (area or "").strip()
    if not area:
        raise ValidationError({"area": _("Say which area was disinfected.")})
    if done_on is None:
        raise ValidationError({"done_on": _("Say on which day it was done.")})
    _not_in_future(done_on, "done_on")
    if done_on < timezone.localdate() - timedelta(days=366):
        raise ValidationError({"done_on": _("This date is more than a year ago.")})
    entry = DisinfectionEntry(
        client_id=key,
        venue=venue,
        done_on=done_on,
        done_at=done_at,
        area=area[:100],
        agent=(agent or "").strip()[:60],
        done_by=(done_by or "").strip()[:60],
        recorded_by=user_or_none(actor),
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        stored = DisinfectionEntry.objects.filter(client_id=key).first()
        if stored is None or stored.venue_id != venue.pk:
            raise
        return stored
    audit.record(actor=actor, action=Action.CREATE, obj=entry, path=venue.path, after=audit.snapshot(entry))
    return entry


# --- visitor register ----------------------------------------------------------------------------


def _temperature(value: Any) -> Decimal:
    if value is None or value == "":
        raise ValidationError({"temperature": _("Write the temperature in degrees, e.g. 36.5.")})
    try:
        t = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"temperature": _("Write the temperature in degrees, e.g. 36.5.")}) from exc
    if not MIN_TEMPERATURE <= t <= MAX_TEMPERATURE:
        raise ValidationError({"temperature": _("A body temperature is between 34 and 43 °C.")})
    return t


@transaction.atomic
def log_visitor(
    *,
    actor: Actor,
    venue: Venue,
    name: str,
    code_colour: str,
    temperature: Any,
    at: datetime | None = None,
    phone: str = "",
    purpose: str = "",
    client_id: Any = None,
) -> VisitorEntry:
    """One line of the visitor register (schools). Idempotent by client id like the log."""
    require_keeper(actor, venue)
    key = _client_uuid(client_id)
    if key is not None:
        stored = VisitorEntry.objects.filter(client_id=key).first()
        if stored is not None:
            if stored.venue_id != venue.pk:
                raise ValidationError({"client_id": _("This line's identifier is already used.")})
            return stored
    if not venue.kind.keeps_visitor_register:
        raise ValidationError(_("This kind of venue keeps no visitor register."))
    errors: dict[str, Any] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("A name is required.")
    if code_colour not in CodeColour.values:
        errors["code_colour"] = _("Choose the colour of the health code.")
    try:
        phone = normalise_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    try:
        temp = _temperature(temperature)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    at = at or timezone.now()
    if at > timezone.now() + timedelta(minutes=10):
        errors["at"] = _("This time is in the future.")
    if errors:
        raise ValidationError(errors)
    entry = VisitorEntry(
        client_id=key,
        venue=venue,
        at=at,
        name=name[:60],
        phone=phone,
        code_colour=code_colour,
        temperature=temp,
        purpose=(purpose or "").strip()[:120],
        recorded_by=user_or_none(actor),
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        stored = VisitorEntry.objects.filter(client_id=key).first()
        if stored is None or stored.venue_id != venue.pk:
            raise
        return stored
    audit.record(actor=actor, action=Action.CREATE, obj=entry, path=venue.path, after=audit.snapshot(entry))
    return entry
