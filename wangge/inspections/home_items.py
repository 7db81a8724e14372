"""What inspections put on people's homes: venues due, orders overdue, orders to re-inspect."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from wangge.inspections.campaigns import selectors as campaigns
from wangge.inspections.orders import selectors as orders


def due(request: HttpRequest) -> int | None:
    """Venues due, counted in one query and capped (campaigns.DUE_COUNT_CAP)."""
    return campaigns.due_count(request.scope)


def overdue(request: HttpRequest) -> int | None:
    return orders.overdue(request.scope).count()


def to_reinspect(request: HttpRequest) -> int | None:
    return orders.to_reinspect(request.scope).count()


def orders_url(which: str):
    def url(request: HttpRequest) -> str:
        return reverse("inspections:orders") + f"?show={which}"

    return url
