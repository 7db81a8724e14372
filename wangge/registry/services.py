"""Business actions on places, households and people. Keyword-only, one transaction each,
audit rows inside it; the actor's role and scope are checked here.

Rules kept here:
- a place belongs to exactly one level-3 grid; moving a building moves its people's scope;
- one person is one record: the same document cannot be active twice; a person who left and
  comes back is reactivated, never duplicated; moving is a transfer that keeps history.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, has_permission, require, require_path, scope_of, user_or_none
from wangge.core.db import hot_cursor
from wangge.org.models import Level, OrgUnit
from wangge.registry import shortcode as short
from wangge.registry.identity import check_document, normalise_phone
from wangge.registry.models import (
    Building,
    BuildingKind,
    Household,
    Person,
    PersonMove,
    Relation,
    ResidentStatus,
    Room,
)
from wangge.registry.permissions import REGISTRY_EDIT
from wangge.registry.signals import people_moved, person_departed, person_departing

PERSON_FIELDS = (
    "name",
    "phone",
    "status",
    "hukou_place",
    "origin",
    "employer",
    "arrival_date",
    "departure_date",
    "relation",
)


def require_edit(actor: Actor) -> None:
    require(actor, REGISTRY_EDIT)


def in_scope(actor: Actor, path: str) -> None:
    require_path(actor, path)


def initials(name: str) -> str:
    """Pinyin initials: 张海婷 → zht; letters in the name are kept as they are."""
    parts = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    # A latin run ("Anna Smith") comes back whole: one letter per word of it.
    return "".join(w[0] for p in parts for w in re.split(r"[\s·.\-]+", p) if w).lower()[:30]


def _grid(unit: OrgUnit) -> OrgUnit:
    if unit.level != Level.GRID:
        raise ValidationError({"grid": _("Places belong to a level-3 grid.")})
    if unit.closed_at is not None:
        raise ValidationError({"grid": _("The grid %(name)s is closed.") % {"name": unit.name}})
    return unit


# --- places --------------------------------------------------------------------------


@transaction.atomic
def create_building(
    *,
    actor: Actor,
    grid: OrgUnit,
    name: str,
    kind: str = BuildingKind.RESIDENTIAL,
    address: str = "",
    unit_count: int = 1,
    floor_count: int = 1,
    note: str = "",
) -> Building:
    require_edit(actor)
    in_scope(actor, grid.path)
    _grid(grid)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A building needs a name.")})
    if kind not in BuildingKind.values:
        raise ValidationError({"kind": _("Unknown kind of building.")})
    if Building.objects.filter(grid=grid, name=name).exists():
        raise ValidationError({"name": _("%(name)s already exists in this grid.") % {"name": name}})
    building = Building.objects.create(
        grid=grid,
        path=grid.path,
        name=name,
        kind=kind,
        address=address.strip(),
        unit_count=max(1, unit_count or 1),
        floor_count=max(1, floor_count or 1),
        note=note,
    )
    audit.record(actor=actor, action=Action.CREATE, obj=building, after=audit.snapshot(building))
    return building


@transaction.atomic
def move_building(*, actor: Actor, building: Building, grid: OrgUnit) -> Building:
    """Re-hang a building under another grid: its rooms, households, people, rentals, tenancies,
    visits and party links move scope with it in the same transaction."""
    from wangge.registry.models import PartyLink, Rental, Tenancy, Visit

    require_edit(actor)
    building = Building.objects.select_for_update().get(pk=building.pk)
    in_scope(actor, building.path)
    in_scope(actor, grid.path)
    _grid(grid)
    if building.grid_id == grid.pk:
        return building
    if Building.objects.filter(grid=grid, name=building.name).exists():
        raise ValidationError(
            _("The grid %(grid)s already has a building named %(name)s.")
            % {"grid": grid.name, "name": building.name}
        )
    before = audit.snapshot(building)
    new_path = grid.path
    building.grid = grid
    building.path = new_path
    building.save(update_fields=["grid", "path"])
    Room.objects.filter(building=building).update(path=new_path)
    households = Household.objects.filter(room__building=building)
    households.update(path=new_path)
    moving_people = list(
        Person.objects.filter(household__room__building=building).values_list("pk", flat=True)
    )
    Person.objects.filter(pk__in=moving_people).update(path=new_path, grid=grid)
    Rental.objects.filter(building=building).update(path=new_path)
    Tenancy.objects.filter(rental__building=building).update(path=new_path)
    Visit.objects.filter(household__room__building=building).update(path=new_path)
    Visit.objects.filter(rental__building=building).update(path=new_path)
    PartyLink.objects.filter(household__room__building=building).update(path=new_path)
    audit.record(actor=actor, action=Action.MOVE, obj=building, before=before, after=audit.snapshot(building))
    if moving_people:
        people_moved.send(sender=Person, person_ids=moving_people)
    return building


@transaction.atomic
def get_or_create_room(
    *, actor: Actor, building: Building, number: str, unit_label: str = "", floor: int | None = None
) -> Room:
    require_edit(actor)
    in_scope(actor, building.path)
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("A room needs a number.")})
    unit_label = (unit_label or "").strip()
    room = Room.objects.filter(building=building, unit_label=unit_label, number=number).first()
    if room is not None:
        return room
    if floor is None:
        digits = "".join(ch for ch in number if ch.isdigit())
        floor = int(digits[:-2]) if len(digits) > 2 else 1
    room = Room.objects.create(
        building=building, unit_label=unit_label, number=number, floor=floor, path=building.path
    )
    audit.record(actor=actor, action=Action.CREATE, obj=room, after=audit.snapshot(room))
    return room


def address_of(room: Room) -> str:
    b = room.building
    parts = [b.address or b.name]
    if b.address and b.name not in b.address:
        parts.append(b.name)
    if room.unit_label:
        parts.append(room.unit_label)
    parts.append(room.number)
    return " ".join(p for p in parts if p)


@transaction.atomic
def create_household(*, actor: Actor, room: Room, note: str = "") -> Household:
    require_edit(actor)
    in_scope(actor, room.path)
    household = Household.objects.create(room=room, path=room.path, address=address_of(room), note=note)
    audit.record(actor=actor, action=Action.CREATE, obj=household, after=audit.snapshot(household))
    return household


# --- people --------------------------------------------------------------------------


def on_field(field: str, func, *args):
    """Run a check whose error belongs to one form field (the ID number, the phone)."""
    try:
        return func(*args)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({field: exc.messages}) from exc


def _apply_document(person: Person, id_type: str, id_number: str) -> None:
    checked = on_field("id_number", check_document, id_type, id_number)
    person.id_type = checked.id_type
    person.id_number = checked.number
    person.id_warning = checked.warning
    if checked.birth_date:
        person.birth_date = checked.birth_date
        person.sex = checked.sex


def find_by_document(id_type: str, id_number: str) -> Person | None:
    """The record for a document anywhere in the district (active first). Unscoped on purpose:
    used only to keep one person one record; callers reveal nothing outside the actor's scope."""
    checked = check_document(id_type, id_number)
    return (
        Person.objects.filter(id_type=checked.id_type, id_number=checked.number, merged_into__isnull=True)
        .order_by("-is_active", "-updated_at")
        .first()
    )


def find_holder_of_document(id_type: str, number: str) -> tuple[int, str] | None:
    """(id, name) of the record `find_by_document` would give for a document already checked
    (`check_document`): one prepared statement, no model, for paths that only link to the person."""
    with hot_cursor() as cur:
        cur.execute(
            "SELECT id, name FROM registry_person WHERE id_type = %s AND id_number = %s"
            " AND merged_into_id IS NULL ORDER BY is_active DESC, updated_at DESC LIMIT 1",
            [id_type, number],
        )
        row = cur.fetchone()
    return (row[0], row[1]) if row else None


@transaction.atomic
def register_person(
    *,
    actor: Actor,
    household: Household,
    name: str,
    id_type: str,
    id_number: str,
    relation: str = "",
    phone: str = "",
    status: str = ResidentStatus.REGISTERED,
    hukou_place: str = "",
    origin: str = "",
    employer: str = "",
    arrival_date: date | None = None,
) -> Person:
    """Register someone at a household. A document already active elsewhere is refused with
    where to go instead (a transfer); a departed record with the same document comes back."""
    require_edit(actor)
    in_scope(actor, household.path)
    if household.closed_at is not None:
        raise ValidationError(_("This household is closed."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if status not in ResidentStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if relation and relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation.")})
    existing = on_field("id_number", find_by_document, id_type, id_number)
    phone = on_field("phone", normalise_phone, phone)
    if existing is not None and existing.is_active:
        if scope_of(actor).covers_path(existing.path):
            raise ValidationError(
                {
                    "id_number": _(
                        "This ID number is already registered: %(name)s at %(where)s. Use a transfer instead."
                    )
                    % {"name": existing.name, "where": existing.household or existing.grid}
                }
            )
        raise ValidationError(
            {
                "id_number": _(
                    "This ID number is already registered in another jurisdiction. Ask them to record the departure first."
                )
            }
        )
    if existing is not None:
        return _return(
            actor=actor,
            person=existing,
            household=household,
            name=name,
            relation=relation,
            phone=phone,
            status=status,
            arrival_date=arrival_date,
        )
    person = Person(
        name=name,
        name_initials=initials(name),
        relation=relation,
        phone=normalise_phone(phone),
        status=status,
        hukou_place=hukou_place,
        origin=origin,
        employer=employer,
        arrival_date=arrival_date,
        household=household,
        grid_id=household.room.building.grid_id,
        path=household.path,
    )
    _apply_document(person, id_type, id_number)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent registration of the same document
        raise ValidationError(
            {"id_number": _("This ID number was just registered by someone else.")}
        ) from exc
    if relation == Relation.HEAD and household.head_id is None:
        Household.objects.filter(pk=household.pk).update(head=person)
    PersonMove.objects.create(
        person=person,
        to_household=household,
        to_path=household.path,
        kind="arrive",
        actor=user_or_none(actor),
    )
    audit.record(actor=actor, action=Action.CREATE, obj=person, after=audit.snapshot(person))
    return person


def _return(*, actor, person: Person, household: Household, **changes) -> Person:
    before = audit.snapshot(person)
    from_household, from_path = person.household, person.path
    person.is_active = True
    person.departure_date = None
    person.household = household
    person.grid_id = household.room.building.grid_id
    person.path = household.path
    for field, value in changes.items():
        if value not in (None, ""):
            setattr(person, field, normalise_phone(value) if field == "phone" else value)
    person.name_initials = initials(person.name)
    person.save()
    if changes.get("relation") == Relation.HEAD and household.head_id is None:
        Household.objects.filter(pk=household.pk).update(head=person)
    PersonMove.objects.create(
        person=person,
        from_household=from_household,
        from_path=from_path,
        to_household=household,
        to_path=household.path,
        kind="return",
        actor=user_or_none(actor),
    )
    audit.record(actor=actor, action=Action.UPDATE, obj=person, before=before, after=audit.snapshot(person))
    if person.path != from_path:
        people_moved.send(sender=Person, person_ids=[person.pk])
    return person


@transaction.atomic
def update_person(
    *, actor: Actor, person: Person, id_type: str | None = None, id_number: str | None = None, **changes: Any
) -> Person:
    require_edit(actor)
    person = Person.objects.select_for_update().get(pk=person.pk)
    in_scope(actor, person.path)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "status" in changes and changes["status"] not in ResidentStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if changes.get("relation") and changes["relation"] not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation.")})
    before = audit.snapshot(person)
    for field, value in changes.items():
        setattr(person, field, value)
    if "phone" in changes:
        person.phone = on_field("phone", normalise_phone, person.phone)
    if "name" in changes:
        person.name = (person.name or "").strip()
        if not person.name:
            raise ValidationError({"name": _("A name is required.")})
        person.name_initials = initials(person.name)
    if id_number is not None:
        _apply_document(person, id_type or person.id_type, id_number)
        clash = Person.objects.filter(
            id_type=person.id_type, id_number=person.id_number, is_active=True
        ).exclude(pk=person.pk)
        if clash.exists():
            raise ValidationError(
                {"id_number": _("This ID number belongs to another active record: merge them instead.")}
            )
    after = audit.snapshot(person)
    if after == before:
        return person
    person.save()
    audit.record(actor=actor, action=Action.UPDATE, obj=person, before=before, after=after)
    return person


@transaction.atomic
def transfer_person(
    *, actor: Actor, person: Person, household: Household, relation: str = "", reason: str = ""
) -> Person:
    """Move someone to another household (in the actor's scope); the history keeps where they were."""
    require_edit(actor)
    person = Person.objects.select_for_update().get(pk=person.pk)
    in_scope(actor, person.path)
    in_scope(actor, household.path)
    if not person.is_active:
        raise ValidationError(
            _("%(name)s has departed; register their return instead.") % {"name": person.name}
        )
    if household.closed_at is not None:
        raise ValidationError(_("This household is closed."))
    if relation and relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation.")})
    if person.household_id == household.pk:
        return person
    before = audit.snapshot(person)
    from_household, from_path = person.household, person.path
    if from_household is not None and from_household.head_id == person.pk:
        Household.objects.filter(pk=from_household.pk).update(head=None)
    person.household = household
    person.grid_id = household.room.building.grid_id
    person.path = household.path
    person.relation = relation or person.relation
    person.save()
    if person.relation == Relation.HEAD and household.head_id is None:
        Household.objects.filter(pk=household.pk).update(head=person)
    PersonMove.objects.create(
        person=person,
        from_household=from_household,
        from_path=from_path,
        to_household=household,
        to_path=household.path,
        kind="move",
        actor=user_or_none(actor),
        reason=reason[:200],
    )
    audit.record(actor=actor, action=Action.MOVE, obj=person, before=before, after=audit.snapshot(person))
    people_moved.send(sender=Person, person_ids=[person.pk])
    return person


@transaction.atomic
def record_departure(*, actor: Actor, person: Person, on: date | None = None, reason: str = "") -> Person:
    """Someone left the district: they stay searchable but leave the counts."""
    require_edit(actor)
    person = Person.objects.select_for_update().get(pk=person.pk)
    in_scope(actor, person.path)
    if not person.is_active:
        raise ValidationError(_("%(name)s has already departed.") % {"name": person.name})
    person_departing.send(sender=Person, person=person)
    before = audit.snapshot(person)
    person.is_active = False
    person.departure_date = on or timezone.localdate()
    person.save(update_fields=["is_active", "departure_date", "updated_at"])
    if person.household_id and person.household.head_id == person.pk:
        Household.objects.filter(pk=person.household_id).update(head=None)
    PersonMove.objects.create(
        person=person,
        from_household=person.household,
        from_path=person.path,
        kind="depart",
        actor=user_or_none(actor),
        reason=reason[:200],
    )
    audit.record(actor=actor, action=Action.UPDATE, obj=person, before=before, after=audit.snapshot(person))
    person_departed.send(sender=Person, person=person)
    return person


@transaction.atomic
def revoke_code(*, actor: Actor, person: Person) -> Person:
    """Invalidate every printed personal code of this person (a lost or misused card)."""
    require_edit(actor)
    person = Person.objects.select_for_update().get(pk=person.pk)
    in_scope(actor, person.path)
    before = audit.snapshot(person)
    person.code_version += 1
    person.save(update_fields=["code_version", "updated_at"])
    give_short_code(person)  # the old short code stops working with the old QR
    audit.record(actor=actor, action=Action.UPDATE, obj=person, before=before, after=audit.snapshot(person))
    return person


SHORT_CODE_ATTEMPTS = 5


def give_short_code(person: Person, *, only_if_missing: bool = False) -> str:
    """A fresh short code for the person, retried on the (astronomically rare) clash with the
    unique index. `only_if_missing`: for rows written by raw SQL that have none yet (given on
    first display); a concurrent first display keeps whichever code was stored first."""
    for _attempt in range(SHORT_CODE_ATTEMPTS):
        code = short.new_short_code()
        rows = Person.objects.filter(pk=person.pk)
        if only_if_missing:
            rows = rows.filter(short_code__isnull=True)
        try:
            with transaction.atomic():
                updated = rows.update(short_code=code)
        except IntegrityError:
            continue
        if updated == 0:  # someone else gave it one meanwhile
            person.short_code = Person.objects.values_list("short_code", flat=True).get(pk=person.pk)
        else:
            person.short_code = code
        return person.short_code
    raise IntegrityError("no free short code")  # pragma: no cover - 2^55 codes


@transaction.atomic
def register_provisional(
    *,
    actor: Actor,
    grid: OrgUnit,
    name: str,
    id_type: str,
    id_number: str,
    phone: str = "",
    note_origin: str = "",
    arrival_date: date | None = None,
    reason: str = "walk-in",
    allowed_by: tuple[str, ...] = (REGISTRY_EDIT,),
) -> Person:
    """Someone not in the registry who turns up (a walk-in at a sampling site, a returnee
    screened at the door): a provisional person in a grid, without a household yet, to be
    completed by the grid team later. A document already on record is refused in the same
    words as a registration. `allowed_by`: the permissions (any one) that let the calling
    part's users do this, e.g. a sampling-site registrar's."""
    if not any(has_permission(actor, permission) for permission in allowed_by):
        raise PermissionDenied(_("Your role does not allow this."))
    in_scope(actor, grid.path)
    grid = _grid(grid)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    existing = on_field("id_number", find_by_document, id_type, id_number)
    phone = on_field("phone", normalise_phone, phone)
    if existing is not None and existing.is_active:
        if scope_of(actor).covers_path(existing.path):
            raise ValidationError(
                {
                    "id_number": _(
                        "This ID number is already registered: %(name)s. Scan their code or type the number."
                    )
                    % {"name": existing.name}
                }
            )
        raise ValidationError(
            {
                "id_number": _(
                    "This ID number is registered in another area: they are tested at their own site, or by the site lead."
                )
            }
        )
    person = Person(
        name=name,
        name_initials=initials(name),
        phone=phone,
        status=ResidentStatus.PROVISIONAL,
        origin=(note_origin or "")[:200],
        arrival_date=arrival_date,
        grid=grid,
        path=grid.path,
    )
    _apply_document(person, id_type, id_number)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"id_number": _("This ID number was just registered by someone else.")}
        ) from exc
    PersonMove.objects.create(
        person=person, to_path=grid.path, kind="arrive", actor=user_or_none(actor), reason=reason
    )
    audit.record(actor=actor, action=Action.CREATE, obj=person, after=audit.snapshot(person))
    return person
