"""A venue's own account and its rectification orders: the account (a manager's light account,
linked to one venue by the venues part's VenueAccount) may see and acknowledge its own venue's
orders, nothing else: no plan, no campaign, no due list (unannounced inspections). The venue is
found through the account's link only; an order of another venue answers 404 like a missing one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wangge.inspections.models import Order, OrderStatus
from wangge.inspections.orders import selectors
from wangge.venues.selectors import venue_of_account


def is_venue_account_of(actor: Any, venue: Any) -> bool:
    """The venue-actor check registered with the orders' hooks: the actor is the venue's account."""
    own = venue_of_account(actor)
    return own is not None and own.pk == venue.pk


def own_orders(user: Any):
    """(venue, its orders) of a venue account, or (None, None) for any other account."""
    venue = venue_of_account(user)
    if venue is None:
        return None, None
    return venue, selectors.orders_of_venue(venue).select_related("venue", "venue__kind")


def own_order(user: Any, rectification_id: Any) -> Order | None:
    venue, qs = own_orders(user)
    if qs is None:
        return None
    return qs.filter(pk=rectification_id).first()


def to_acknowledge(request: HttpRequest) -> int | None:
    """Home item of a venue account: its open orders not acknowledged yet (None: not a venue account)."""
    venue, qs = own_orders(request.user)
    if qs is None:
        return None
    return qs.filter(status=OrderStatus.OPEN, acknowledged_at__isnull=True).count()
