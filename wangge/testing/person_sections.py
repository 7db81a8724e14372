"""What testing adds to a person's page in the registry: their tests across rounds."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wangge.core.access import has_permission, scope_of
from wangge.testing.models import Due
from wangge.testing.permissions import TESTING_VIEW


def test_history(request: HttpRequest, person: Any) -> dict | None:
    if not has_permission(request.user, TESTING_VIEW):
        return None
    dues = list(
        scope_of(request.user)
        .filter(Due.objects.filter(person=person).select_related("round"))
        .order_by("-round__starts_at", "-pk")[:30]
    )
    return {"dues": dues} if dues else None
