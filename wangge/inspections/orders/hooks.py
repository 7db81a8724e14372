"""Who may act for a venue (acknowledge its orders): a small registry other parts fill.

By default, an account whose scope covers the venue (the grid's or office's staff) may act for
it. The venues part registers its own check for venue accounts (a manager's light account):
`register_venue_actor_check(fn)` with fn(actor, venue) -> bool. Any check saying yes is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wangge.core.access import scope_of

VenueActorCheck = Callable[[Any, Any], bool]
_checks: list[VenueActorCheck] = []


def register_venue_actor_check(fn: VenueActorCheck) -> None:
    if fn not in _checks:
        _checks.append(fn)


def may_act_for_venue(actor: Any, venue: Any) -> bool:
    if scope_of(actor).covers_path(venue.path):
        return True
    return any(check(actor, venue) for check in _checks)
