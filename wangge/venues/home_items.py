"""What the venues part puts on homes: for a venue's own account, today's disinfection not yet
logged and (schools) today's visitor register."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from wangge.venues import evidence, selectors


def own_disinfection_today(request: HttpRequest) -> int | None:
    venue = selectors.venue_of_account(request.user)
    if venue is None:
        return None
    today = timezone.localdate()
    return 0 if evidence.disinfection_days(venue, since=today, until=today) else 1


def own_register_today(request: HttpRequest) -> int | None:
    venue = selectors.venue_of_account(request.user)
    if venue is None or not venue.kind.keeps_visitor_register:
        return None
    return 0 if evidence.visitor_register_kept(venue, on=timezone.localdate()) else 1
