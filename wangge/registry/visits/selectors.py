"""Reads for the visit flow: the next door to knock on after a visit."""

from __future__ import annotations

from wangge.core.access import Scope
from wangge.registry.models import Household, Rental
from wangge.registry.visits.services import DEFAULT_UNVISITED_DAYS, unvisited_households, unvisited_rentals

# A building's unvisited households are read at once to find the one after this door; a grid's
# only its first one. Bounded so that a tower block stays one small query.
BUILDING_LIMIT = 2000


def _room_key(household: Household) -> tuple:
    room = household.room
    return (room.unit_label, room.floor, room.number, household.pk)


def next_household(
    scope: Scope, household: Household, *, days: int = DEFAULT_UNVISITED_DAYS
) -> Household | None:
    """The next household to visit after `household`: one not visited in `days` days, in the same
    building first (the next door in the order of its rooms, wrapping round to the first), then
    the first of the same grid (buildings by name)."""
    qs = unvisited_households(scope, days=days).exclude(pk=household.pk)
    building_id = household.room.building_id
    same_building = sorted(qs.filter(room__building_id=building_id)[:BUILDING_LIMIT], key=_room_key)
    if same_building:
        here = _room_key(household)
        after = [h for h in same_building if _room_key(h) > here]
        return (after or same_building)[0]
    return (
        qs.filter(room__building__grid_id=household.room.building.grid_id)
        .order_by(
            "room__building__name", "room__building_id", "room__unit_label", "room__floor", "room__number"
        )
        .first()
    )


def next_rental(scope: Scope, rental: Rental, *, days: int = DEFAULT_UNVISITED_DAYS) -> Rental | None:
    """The next rental or shop to visit: not visited in `days` days, in the same building first,
    then in the same grid."""
    qs = unvisited_rentals(scope, days=days).exclude(pk=rental.pk)
    same = qs.filter(building_id=rental.building_id).order_by("pk").first()
    if same is not None:
        return same
    grid_id = rental.building.grid_id
    return qs.filter(building__grid_id=grid_id).order_by("building__name", "building_id", "pk").first()
