"""Reads of volunteers, always from a Scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wangge.core.access import Scope
from wangge.duty.models import Volunteer, VolunteerStatus, VolunteerTask


def volunteers(scope: Scope, status: str = "") -> QuerySet[Volunteer, Any]:
    qs = scope.filter(Volunteer.objects.select_related("village"))
    if status in VolunteerStatus.values:
        qs = qs.filter(status=status)
    return qs


def get_volunteer(scope: Scope, volunteer_id: int) -> Volunteer:
    return scope.get(Volunteer.objects.select_related("village"), pk=volunteer_id)


def get_task(scope: Scope, task_id: int) -> VolunteerTask:
    return scope.get(VolunteerTask.objects.select_related("volunteer"), pk=task_id)


def to_vet(scope: Scope) -> int:
    return volunteers(scope, VolunteerStatus.PENDING).count()
