"""What duty puts on people's homes: tonight's unfilled shifts, volunteers to vet, and the
escalations checkpoints raised today."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from wangge.duty.models import Entry
from wangge.duty.shifts import selectors as shift_selectors
from wangge.duty.volunteers import selectors as volunteer_selectors


def tonight_gaps(request: HttpRequest) -> int | None:
    return shift_selectors.tonight_gaps(request.scope)


def to_vet(request: HttpRequest) -> int | None:
    return volunteer_selectors.to_vet(request.scope)


def escalations_today(request: HttpRequest) -> int | None:
    qs = Entry.objects.filter(day=timezone.localdate(), escalation__isnull=False)
    return request.scope.filter(qs).count()


def volunteers_pending_url(request: HttpRequest) -> str:
    return reverse("duty:volunteers") + "?status=pending"
