"""Reading inspections, always from a Scope."""

from __future__ import annotations

from django.db.models import QuerySet

from wangge.core.access import Scope
from wangge.inspections.models import Answer, Inspection, Photo


def inspections(scope: Scope) -> QuerySet[Inspection]:
    return scope.filter(Inspection.objects.select_related("venue", "venue__kind", "campaign"))


def get_inspection(scope: Scope, inspection_id) -> Inspection:
    return scope.get(
        Inspection.objects.select_related("venue", "venue__kind", "campaign", "template", "order"),
        pk=inspection_id,
    )


def answers_of(inspection: Inspection) -> QuerySet[Answer]:
    return inspection.answers.prefetch_related("photos").order_by("position", "id")


def get_photo(scope: Scope, photo_id) -> Photo:
    return scope.get(
        Photo.objects.select_related("answer__inspection"), "answer__inspection__path", pk=photo_id
    )


def venues_in_scope(scope: Scope):
    from wangge.venues.models import Venue

    return scope.filter(Venue.objects.select_related("kind"))


def get_venue(scope: Scope, venue_id):
    from wangge.venues.models import Venue

    return scope.get(Venue.objects.select_related("kind", "grid"), pk=venue_id)
