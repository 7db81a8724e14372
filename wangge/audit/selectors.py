from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from wangge.audit.models import AuditEvent
from wangge.core.access import Scope


def events(
    scope: Scope,
    *,
    actor: str = "",
    model: str = "",
    action: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit rows about records inside the scope (by the record's org path)."""
    qs = scope.filter(AuditEvent.objects.all())
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if model:
        qs = qs.filter(model=model)
    if action:
        qs = qs.filter(action=action)
    if object_id:
        qs = qs.filter(object_id=object_id)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return qs.order_by("-at", "-id")


def history_of(scope: Scope, obj) -> QuerySet[AuditEvent]:
    return scope.filter(
        AuditEvent.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))
    ).order_by("-at", "-id")


def models_in_log(scope: Scope) -> list[str]:
    return sorted(set(scope.filter(AuditEvent.objects.all()).values_list("model", flat=True).distinct()))


def get_event(scope: Scope, event_id) -> AuditEvent:
    """One audit row about a record inside the scope, or 404."""
    return scope.get(AuditEvent.objects.all(), pk=event_id)
