"""What testing puts on people's homes: the people still untested in the open round (from the
coverage counters: one query however big the district), positive alerts not yet acknowledged,
and, for a registrar, the way to today's sampling table."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from wangge.org.models import Level
from wangge.testing.models import Alert, RoundStatus
from wangge.testing.rounds import selectors


def _open_rounds(request: HttpRequest):
    return selectors.rounds(request.scope).filter(status=RoundStatus.OPEN).order_by("starts_at", "pk")


def untested(request: HttpRequest) -> int | None:
    rounds = list(_open_rounds(request)[:3])
    if not rounds:
        return None
    total = 0
    for rnd in rounds:
        unit = selectors.focus_unit(request.scope, rnd)
        totals, _children = selectors.coverage_by_child(request.scope, rnd, unit)
        total += totals.untested
    return total


def untested_url(request: HttpRequest) -> str:
    rnd = _open_rounds(request).first()
    return reverse("testing:untested", args=[rnd.pk]) if rnd else reverse("testing:rounds")


def alerts(request: HttpRequest) -> int | None:
    return request.scope.filter(Alert.objects.filter(acknowledged_at__isnull=True)).count()


def open_sites(request: HttpRequest) -> int | None:
    """A registrar's way to the table: the open round's sites they may sit at (a district or an
    office organises rounds; it does not sit at tables)."""
    if request.scope.root.level < Level.VILLAGE:
        return None
    n = selectors.sites(request.scope).filter(round__status=RoundStatus.OPEN).count()
    return n or None
