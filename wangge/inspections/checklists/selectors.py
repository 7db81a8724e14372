"""Reading checklists: kinds' current versions, and one version with its items."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from wangge.inspections.models import ChecklistTemplate


def current_templates() -> QuerySet[ChecklistTemplate]:
    return (
        ChecklistTemplate.objects.filter(is_current=True)
        .select_related("kind")
        .annotate(n_items=Count("items"))
        .order_by("kind__order", "kind_id")
    )


def current_for(kind_id: int) -> ChecklistTemplate | None:
    return ChecklistTemplate.objects.filter(kind_id=kind_id, is_current=True).first()


def versions_of(kind_id: int) -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(kind_id=kind_id).order_by("-version")
