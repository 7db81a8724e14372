"""People not yet in the registry who arrive on a list (a 协查 list sent down from above): the
set-based twin of `registry.services.register_provisional`, for other parts' list imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from wangge.core.access import Actor, has_permission, scope_of, user_or_none
from wangge.org.models import OrgUnit
from wangge.registry import services
from wangge.registry.identity import CheckedId
from wangge.registry.imports import fastwrite
from wangge.registry.models import Person, PersonMove, ResidentStatus
from wangge.registry.permissions import REGISTRY_EDIT


@dataclass(frozen=True)
class NewPerson:
    name: str
    document: CheckedId  # already checked by the caller, and not on record
    phone: str
    origin: str
    arrival_date: date | None
    grid: OrgUnit


def register_provisional_people(
    *, actor: Actor, people: list[NewPerson], reason: str, allowed_by: tuple[str, ...] = (REGISTRY_EDIT,)
) -> list[Person]:
    """Provisional people in their grids, one COPY per table, inside the caller's transaction.
    Every grid must lie in the actor's scope; `allowed_by` as for `register_provisional`."""
    if not any(has_permission(actor, permission) for permission in allowed_by):
        raise PermissionDenied(_("Your role does not allow this."))
    scope = scope_of(actor)
    for person in people:
        scope.require_unit(person.grid)
    rows = [
        Person(
            name=p.name,
            name_initials=services.initials(p.name),
            id_type=p.document.id_type,
            id_number=p.document.number,
            id_warning=p.document.warning,
            sex=p.document.sex or "",
            birth_date=p.document.birth_date,
            phone=p.phone,
            status=ResidentStatus.PROVISIONAL,
            origin=p.origin[:200],
            arrival_date=p.arrival_date,
            grid=p.grid,
            path=p.grid.path,
        )
        for p in people
    ]
    fastwrite.insert(rows)
    by = user_or_none(actor)
    fastwrite.insert(
        [PersonMove(person=p, to_path=p.path, kind="arrive", actor=by, reason=reason) for p in rows]
    )
    return rows
