"""Reads of checkpoints, always from a Scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wangge.core.access import Scope
from wangge.duty.models import Checkpoint
from wangge.org.models import Level, OrgUnit


def checkpoints(scope: Scope, *, active_only: bool = True) -> QuerySet[Checkpoint, Any]:
    qs = Checkpoint.objects.select_related("grid", "venue")
    if active_only:
        qs = qs.filter(is_active=True)
    return scope.filter(qs)


def get_checkpoint(scope: Scope, checkpoint_id: int) -> Checkpoint:
    return scope.get(Checkpoint.objects.select_related("grid", "venue"), pk=checkpoint_id)


def grids(scope: Scope) -> QuerySet[OrgUnit, Any]:
    return scope.filter(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True)).order_by("path")
