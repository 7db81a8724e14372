"""Reads of the venues part, always from a Scope (out of scope looks exactly like missing).

`venues_in_scope(scope)` is public and kept stable: the inspections part builds on it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wangge.core.access import Scope
from wangge.venues.models import DisinfectionEntry, Venue, VenueAccount, VenueKind, VenueStaff, VisitorEntry


def venues_in_scope(scope: Scope) -> QuerySet[Venue]:
    """Every venue inside the scope (none for an empty scope: fail closed)."""
    return scope.filter(Venue.objects.all())


def get_venue(scope: Scope, venue_id: Any) -> Venue:
    """One venue of the scope, or 404."""
    return scope.get(Venue.objects.select_related("kind", "grid", "shop"), pk=venue_id)


def kinds(*, active_only: bool = False) -> QuerySet[VenueKind]:
    """The district's kinds of venue (data, the same for everyone)."""
    qs = VenueKind.objects.select_related("staff_category")
    return qs.filter(active=True) if active_only else qs


def staff_in_scope(scope: Scope) -> QuerySet[VenueStaff]:
    return scope.filter(VenueStaff.objects.all(), "venue__path")


def current_staff(venue: Venue) -> QuerySet[VenueStaff]:
    return VenueStaff.objects.filter(venue=venue, until__isnull=True).select_related("person", "category")


def disinfections(venue: Venue) -> QuerySet[DisinfectionEntry]:
    return DisinfectionEntry.objects.filter(venue=venue)


def visitors(venue: Venue) -> QuerySet[VisitorEntry]:
    return VisitorEntry.objects.filter(venue=venue)


def venue_of_account(user: Any) -> Venue | None:
    """The venue a venue account keeps, or None (any other account, an inactive one, a closed
    link): the only way a venue account reaches data."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    link = VenueAccount.objects.select_related("venue__kind", "venue__grid").filter(user_id=user.pk).first()
    return link.venue if link is not None else None
