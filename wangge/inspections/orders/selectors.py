"""Reading orders, always from a Scope; `orders_of_venue` for the venue's own page."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from wangge.core.access import Scope
from wangge.inspections.models import Order, OrderStatus


def orders(scope: Scope) -> QuerySet[Order]:
    return scope.filter(Order.objects.select_related("venue", "venue__kind", "office"))


def get_order(scope: Scope, rectification_id) -> Order:
    return scope.get(
        Order.objects.select_related("venue", "venue__kind", "office", "inspection"), pk=rectification_id
    )


def overdue(scope: Scope) -> QuerySet[Order]:
    return (
        orders(scope)
        .filter(status=OrderStatus.OPEN, deadline__lt=timezone.localdate())
        .order_by("deadline", "id")
    )


def to_reinspect(scope: Scope) -> QuerySet[Order]:
    """Open orders whose deadline has come (today or earlier)."""
    return orders(scope).filter(status=OrderStatus.OPEN, deadline__lte=timezone.localdate())


def orders_of_venue(venue) -> QuerySet[Order]:
    """A venue's own orders (its account's page, once the venue is found for that account)."""
    return Order.objects.filter(venue=venue).order_by("-created_at", "-id")
