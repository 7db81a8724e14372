"""Reading inspections, always from a Scope."""

from __future__ import annotations

from django.db.models import QuerySet

from wangge.core.access import Scope, not_found
from wangge.inspections.models import Answer, CampaignMember, Inspection, Photo


def inspections(scope: Scope) -> QuerySet[Inspection]:
    return scope.filter(Inspection.objects.select_related("venue", "venue__kind", "campaign"))


def get_inspection(scope: Scope, inspection_id) -> Inspection:
    return scope.get(
        Inspection.objects.select_related("venue", "venue__kind", "campaign", "template", "order"),
        pk=inspection_id,
    )


def answerable(scope: Scope, actor, qs: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """Inspections the actor may answer: those in scope, and those of a campaign whose team the
    actor's account (through its roster entry) is on, wherever its own jurisdiction lies."""
    staff_id = getattr(actor, "staff_id", None)
    in_scope = scope.filter(qs)
    if not staff_id:
        return in_scope
    teams = CampaignMember.objects.filter(staff_id=staff_id).values("campaign_id")
    return in_scope | qs.filter(campaign_id__in=teams)


def get_inspection_to_answer(scope: Scope, actor, inspection_id) -> Inspection:
    qs = Inspection.objects.select_related("venue", "venue__kind", "campaign", "template", "order")
    found = answerable(scope, actor, qs).filter(pk=inspection_id).first()
    if found is None:
        raise not_found()
    return found


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
