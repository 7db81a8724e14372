"""Reads of the registry, always from the actor's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from wangge.core import masking
from wangge.core.access import Scope
from wangge.registry.models import Building, Household, Person, Room


def buildings(scope: Scope) -> QuerySet[Building]:
    # The grid's parent (village or workstation) tells apart two buildings of one name.
    return scope.filter(Building.objects.select_related("grid__parent"))


def get_building(scope: Scope, building_id) -> Building:
    return scope.get(Building.objects.select_related("grid"), pk=building_id)


def rooms(scope: Scope) -> QuerySet[Room]:
    return scope.filter(Room.objects.select_related("building"))


def get_room(scope: Scope, room_id) -> Room:
    return scope.get(Room.objects.select_related("building"), pk=room_id)


def households(scope: Scope, *, include_closed: bool = False) -> QuerySet[Household]:
    qs = scope.filter(Household.objects.select_related("room__building", "head"))
    return qs if include_closed else qs.filter(closed_at__isnull=True)


def get_household(scope: Scope, household_id) -> Household:
    return scope.get(Household.objects.select_related("room__building", "head"), pk=household_id)


def people(scope: Scope, *, include_departed: bool = False) -> QuerySet[Person]:
    """Active people in the scope; departed ones only when asked (they stay searchable)."""
    qs = scope.filter(Person.objects.filter(merged_into__isnull=True))
    return qs if include_departed else qs.filter(is_active=True)


def get_person(scope: Scope, person_id) -> Person:
    return scope.get(
        Person.objects.select_related("household__room__building", "grid").filter(merged_into__isnull=True),
        pk=person_id,
    )


def shown_id(actor, number: str) -> str:
    """A person's ID number as this actor may see it (the kernel's masking rule)."""
    return masking.shown(actor, masking.ID, number)


def shown_phone(actor, phone: str) -> str:
    return masking.shown(actor, masking.PHONE, phone)
