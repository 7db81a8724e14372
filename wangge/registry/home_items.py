"""What the registry puts on people's homes: follow-ups to do, tenants reported late, households
not visited lately (a village or a grid only: at a district it is a report, not a to-do), and the
rental-roll rows waiting for the village."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from wangge.org.models import Level
from wangge.registry.rentals import services as rentals
from wangge.registry.visits import services as visits


def follow_ups(request: HttpRequest) -> int | None:
    return visits.open_follow_ups(request.scope).count()


def late_reports(request: HttpRequest) -> int | None:
    return rentals.late_rental_count(request.scope)


def unvisited(request: HttpRequest) -> int | None:
    if request.scope.root.level < Level.VILLAGE:
        return None
    return visits.unvisited_households(request.scope).count()


def held_rows(request: HttpRequest) -> int | None:
    from wangge.registry.imports import holding

    return holding.waiting(request.user).count()


def late_reports_url(request: HttpRequest) -> str:
    return reverse("registry:rental_list") + f"?flag={rentals.Flags.LATE}"
